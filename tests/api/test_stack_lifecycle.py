"""Starting and stopping the embedded stack from the CLI: restarts, signals and what a crashed stack leaves."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from salon import cli
from salon.local.config import StackConfig
from salon.local.stack import PortInUseError, check_ports
from tests.conftest import REPO_ROOT, wait_until


def time_wait_port() -> int:
    """A port whose last connection is in TIME_WAIT, as a stopped `salon up` leaves it (its servers reuse addresses)."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen()
    port: int = server.getsockname()[1]
    peer = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    accepted.close()  # the server side closes first, so it is the side left in TIME_WAIT
    time.sleep(0.05)
    peer.close()
    server.close()
    return port


def test_a_port_in_time_wait_is_free_to_start_on(tmp_path):
    port = time_wait_port()
    check_ports(
        StackConfig(home=tmp_path, moto_port=port, lambda_port=0, ai_port=0, api_port=0, events_port=0, realtime_port=0)
    )


def test_a_port_someone_listens_on_is_still_refused(tmp_path):
    with socket.socket() as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        other.bind(("127.0.0.1", 0))
        other.listen()
        config = StackConfig(home=tmp_path, moto_port=0, lambda_port=0, ai_port=0, api_port=other.getsockname()[1])
        with pytest.raises(PortInUseError, match=r"\(api\).*in use"):
            check_ports(config)


def stale_state(home: Path, pid: int) -> None:
    """What `kill -9` of `salon up` leaves: stack.json naming endpoints nobody serves any more."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    home.mkdir(parents=True, exist_ok=True)
    state = {
        "moto": dead,
        "lambda_": dead,
        "ai": dead,
        "api": dead,
        "region": "us-east-1",
        "user_pool_id": "us-east-1_x",
        "user_pool_client_id": "c",
        "image_state_machine_arn": "arn:aws:states:us-east-1:123456789012:stateMachine:a",
        "comment_state_machine_arn": "arn:aws:states:us-east-1:123456789012:stateMachine:b",
        "mailbox": str(home / "mailbox"),
        "pid": pid,
    }
    (home / "stack.json").write_text(json.dumps(state), encoding="utf-8")


def ended_pid() -> int:
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    return finished.pid


@pytest.mark.parametrize("alive", [False, True], ids=["process-gone", "pid-reused"])
@pytest.mark.parametrize("command", [["executions"], ["designs"], ["env"], ["execution", "x"], ["mail"]])
def test_a_stale_stack_file_gives_one_clear_line(tmp_path, capsys, command, alive):
    import os

    stale_state(tmp_path, os.getpid() if alive else ended_pid())
    rc = cli.main(["--home", str(tmp_path), *command])
    out = capsys.readouterr()
    lines = [line for line in (out.out + out.err).splitlines() if line.strip()]
    assert rc != 0
    assert len(lines) == 1 and "no stack running" in lines[0], lines


def test_up_stops_on_sigint_when_started_in_the_background(tmp_path):
    """A shell starts a background job with SIGINT ignored; `salon up` must still stop cleanly on it."""
    import signal

    command = [sys.executable, "-m", "salon.cli", "--home", str(tmp_path), "up"]
    for name in ("moto", "lambda", "ai", "api", "events", "realtime"):
        command += [f"--{name}-port", "0"]
    up = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # what `salon up &` in a shell does
    )
    try:
        wait_until(lambda: (tmp_path / "stack.json").exists() or up.poll() is not None, timeout=180)
        assert up.poll() is None, "salon up exited before it was up"
        up.send_signal(signal.SIGINT)
        assert up.wait(timeout=60) == 0
        assert not (tmp_path / "stack.json").exists()
    finally:
        if up.poll() is None:
            up.kill()
            up.wait()


def test_up_refuses_a_home_a_running_stack_uses_and_replaces_a_stale_one(tmp_path):
    """Starting over a live stack's home would clear its index under it; a dead one's file is just replaced."""
    import os

    with socket.socket() as live:
        live.bind(("127.0.0.1", 0))
        live.listen()
        stale_state(tmp_path, os.getpid())
        state = json.loads((tmp_path / "stack.json").read_text(encoding="utf-8"))
        state["moto"] = f"http://127.0.0.1:{live.getsockname()[1]}"
        (tmp_path / "stack.json").write_text(json.dumps(state), encoding="utf-8")
        command = [sys.executable, "-m", "salon.cli", "--home", str(tmp_path), "up"]
        for name in ("moto", "lambda", "ai", "api", "events", "realtime"):
            command += [f"--{name}-port", "0"]
        try:
            done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired as exc:
            raise AssertionError("salon up started a second stack on a home in use") from exc
    assert done.returncode == 2
    assert "already running" in done.stdout and str(os.getpid()) in done.stdout
