"""Benchmark: latency from a workflow's last state to the browser's DOM update, over the live channel.

Not a test: it prints numbers. One published design is open in headless Chromium (Debian's chromium via
Playwright); each comment goes through the real API and comment workflow, and the latency is the time from
the execution's stop to the moment the comment appears in the page (a MutationObserver's clock; same host).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import boto3
from playwright.sync_api import sync_playwright

from salon.browser import CHROMIUM, FLAGS
from salon.client import StackClient
from salon.demo.images import manicure
from salon.local.config import StackConfig
from salon.local.stack import EmbeddedStack

OBSERVE = """() => {
  window.__seen = {};
  new MutationObserver(() => {
    document.querySelectorAll('[data-comment-id]').forEach((el) => {
      const id = el.dataset.commentId;
      if (!(id in window.__seen)) window.__seen[id] = Date.now();
    });
  }).observe(document.body, {childList: true, subtree: true});
}"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        config = StackConfig(
            home=home, moto_port=0, lambda_port=0, ai_port=0, api_port=0, events_port=0, realtime_port=0
        )
        stack = EmbeddedStack(config)
        endpoints = stack.start()
        try:
            client = StackClient(endpoints, timeout=120)
            stack.ai.script(
                "DetectLabels", [{"result": {"Labels": [{"Name": "Manicure", "Confidence": 96.0, "Parents": []}]}}]
            )
            photo = home / "design.jpg"
            photo.write_bytes(manicure(1))
            design = client.upload(photo, "bench-designer", wait=True)["photoId"]
            sfn = boto3.client("stepfunctions", region_name=endpoints.region)
            latencies = []
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                page = browser.new_page()
                page.goto(f"{endpoints.api}/gallery/#/designs/{design}")
                page.wait_for_selector("#live-status[data-state=live]", timeout=30_000)
                page.wait_for_selector(".meter", timeout=30_000)
                page.evaluate(OBSERVE)
                for i in range(args.count):
                    result = client.comment(design, "bench-customer", f"Lovely design number {i}!", wait=True)
                    stopped = sfn.describe_execution(executionArn=result["executionArn"])["stopDate"].timestamp()
                    deadline = time.monotonic() + 30
                    seen = None
                    while seen is None and time.monotonic() < deadline:
                        seen = page.evaluate("(id) => window.__seen[id] ?? null", result["commentId"])
                        if seen is None:
                            time.sleep(0.005)
                    if seen is None:
                        raise SystemExit(f"comment {i} never reached the page")
                    latencies.append(seen / 1000 - stopped)
                browser.close()
        finally:
            stack.stop()
    ms = [x * 1000 for x in latencies]
    print(f"live latency, workflow stop -> DOM update, {len(ms)} comments:")
    print(f"  p50 {percentile(ms, 0.5):.0f} ms  p95 {percentile(ms, 0.95):.0f} ms  max {max(ms):.0f} ms")
    print(f"  mean {statistics.mean(ms):.0f} ms")


if __name__ == "__main__":
    main()
