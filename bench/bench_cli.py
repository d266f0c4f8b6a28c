"""How long the `salon` CLI takes to start, against a running stack (not a test: it prints numbers).

Starts `salon up` in a temporary home (ports chosen by the system), then times `salon env` and
`salon upload --help` as a user's shell runs them (a new process each time, the console script itself),
and prints the median and the spread. The issue's goal: well under 0.15 s.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SALON = Path(sys.executable).with_name("salon")
PORTS = ("moto", "lambda", "ai", "api", "events", "realtime")


def timed(command: list[str], env: dict[str, str], runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, check=False)
        seconds.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()[-300:]}")
    return seconds


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/PID/stat, clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_idle(pid: int, window: float = 1.0, busy_share: float = 0.05, limit: float = 120.0) -> None:
    """Returns once the process used under ``busy_share`` of a core over ``window`` seconds (or after ``limit``)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = cpu_seconds(pid)
        time.sleep(window)
        if cpu_seconds(pid) - before < busy_share * window:
            return


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="salon-cli-") as home:
        # as on a user's machine, Python keeps the compiled modules (this project's CI shell turns that off,
        # which adds every project module's compilation to every start); the first run writes them
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"SALON_HOME": home}
        up_command = [str(SALON), "up"] + [arg for name in PORTS for arg in (f"--{name}-port", "0")]
        up = subprocess.Popen(up_command, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 300
            while not (Path(home) / "stack.json").exists():
                if up.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("salon up did not come up")
                time.sleep(0.2)
            wait_until_idle(up.pid)  # the stack loads its models in the background after it is up: not timed
            python = timed([sys.executable, "-c", "pass"], env, args.runs)
            for label, command in (
                ("salon env", [str(SALON), "env"]),
                ("salon upload --help", [str(SALON), "upload", "--help"]),
            ):
                seconds = timed(command, env, args.runs)
                spread = f"min {min(seconds):.3f}, max {max(seconds):.3f}, {args.runs} runs"
                bare = f"a bare `python -c pass` {statistics.median(python):.3f} s"
                print(f"{label:>20}: median {statistics.median(seconds):.3f} s ({spread}; {bare})")
        finally:
            up.send_signal(signal.SIGTERM)
            up.wait(timeout=60)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
