"""What the moderation policy's review bands do on real photos: three-way shares through the AI endpoint.

For the real manicure photos: the share auto-approved, sent to review and auto-rejected; for the off-topic
photos: auto-rejected, sent to review and auto-approved. The labels come from the local AI endpoint over
boto3 with the workflow's own parameters (DetectLabels MinConfidence 55, DetectModerationLabels 50), and
the verdicts from the policy code the EvaluatePolicy function runs. Measures only; never fits anything.

    python -m salon.ai.review_bands [--data-dir PATH] [--policy FILE] [--json]
"""

from __future__ import annotations

import argparse
import json
import logging
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from functions.domain.policy import APPROVED, QUARANTINED, REJECTED, REVIEW, Policy, evaluate
from salon.ai.evaluate import aws_client, default_data_dir

GOALS = {"manicure_auto_rejected": 0.05, "off_topic_auto_approved": 0.02, "review_rate": 0.30}


def shares(verdicts: list[str]) -> dict[str, float]:
    counts = Counter(verdicts)
    total = len(verdicts) or 1
    return {v: counts.get(v, 0) / total for v in (APPROVED, REVIEW, REJECTED, QUARANTINED)}


def measure(data_dir: Path, rekognition: Any, policy: Policy) -> dict[str, Any]:
    """The policy's three-way shares, plus the same labels under the policy without reviewWhenHandSeen."""
    rows = [json.loads(x) for x in (data_dir / "images" / "manifest.jsonl").read_text().splitlines() if x.strip()]
    answers = []
    for row in rows:
        image = {"Bytes": (data_dir / row["file"]).read_bytes()}
        labels = rekognition.detect_labels(Image=image, MaxLabels=25, MinConfidence=55)["Labels"]
        moderation = rekognition.detect_moderation_labels(Image=image, MinConfidence=50)["ModerationLabels"]
        answers.append(("manicure" if row["label"] == "manicure" else "off_topic", moderation, labels))
    result = _shares(policy, answers)
    if policy.hand_labels:
        result["without_review_when_hand_seen"] = _shares(replace(policy, hand_labels=()), answers)
    return result


def _shares(policy: Policy, answers: list[tuple[str, Any, Any]]) -> dict[str, Any]:
    by_class: dict[str, list[str]] = {"manicure": [], "off_topic": []}
    for kind, moderation, labels in answers:
        by_class[kind].append(evaluate(policy, moderation, labels).verdict)
    manicure, off_topic = shares(by_class["manicure"]), shares(by_class["off_topic"])
    review_rate = shares(by_class["manicure"] + by_class["off_topic"])[REVIEW]
    return {
        "n": {k: len(v) for k, v in by_class.items()},
        "manicure": manicure,
        "off_topic": off_topic,
        "review_rate": review_rate,
        "goals_met": {
            "manicure_auto_rejected": manicure[REJECTED] + manicure[QUARANTINED] <= GOALS["manicure_auto_rejected"],
            "off_topic_auto_approved": off_topic[APPROVED] <= GOALS["off_topic_auto_approved"],
            "review_rate": review_rate < GOALS["review_rate"],
        },
    }


def format_table(r: dict[str, Any]) -> str:
    lines = [
        "| photos | n | auto-approved | review | auto-rejected | quarantined |",
        "|---|---|---|---|---|---|",
    ]
    for name in ("manicure", "off_topic"):
        s = r[name]
        cells = " | ".join(f"{s[v]:.1%}" for v in (APPROVED, REVIEW, REJECTED, QUARANTINED))
        lines.append(f"| {name} | {r['n'][name]} | {cells} |")
    lines.append(f"\nReview rate (all photos): {r['review_rate']:.1%}; goals met: {r['goals_met']}")
    if "without_review_when_hand_seen" in r:
        lines += ["", "Same labels without reviewWhenHandSeen:", format_table(r["without_review_when_hand_seen"])]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=default_data_dir())
    parser.add_argument("--policy", type=Path, help="a policy document (default config/moderation_policy.json)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not (args.data_dir / "images" / "manifest.jsonl").exists():
        parser.error(f"evaluation data not found under {args.data_dir} (../shared/data next to the repository)")
    from salon.local.ai_endpoint import AiService, make_app
    from salon.local.httpserver import BackgroundServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    policy = Policy.load(args.policy.read_text(encoding="utf-8") if args.policy else None)
    server = BackgroundServer(make_app(AiService(lambda: None)), "127.0.0.1", 0).start()
    try:
        result = measure(args.data_dir, aws_client("rekognition", server.url), policy)
    finally:
        server.stop()
    print(json.dumps(result, indent=2) if args.json else format_table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
