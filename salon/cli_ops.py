"""`salon reconcile` and `salon faults`: registered into the main parser by salon.cli.

`salon reconcile` invokes the stack's reconcile function (the same code the schedule runs on AWS) and prints
what it checked, found and fixed (`--json`: the report as one object). Exit status 0 when clean, 1 otherwise.
`salon faults` lists, adds (`salon faults add '{"kind": ...}'`) and clears the embedded stack's injected
faults (see docs/reliability.md).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from functions import names
from salon.local.config import StackConfig
from salon.stack_state import ClientError, LazyConsole

if TYPE_CHECKING:
    from salon.client import StackClient

console = LazyConsole()


def _client(args: argparse.Namespace) -> StackClient:
    config = StackConfig.from_env()
    if getattr(args, "home", None):
        config.home = Path(args.home)
    return _stack_client().connect(config)


def reconcile(
    client: StackClient, repair: bool = True, deadline_seconds: int | None = None, grace_seconds: int | None = None
) -> dict[str, Any]:
    """Runs the stack's reconcile function once; returns its report."""
    event: dict[str, Any] = {"repair": repair}
    if deadline_seconds is not None:
        event["deadlineSeconds"] = deadline_seconds
    if grace_seconds is not None:
        event["graceSeconds"] = grace_seconds
    response = client.aws("lambda").invoke(FunctionName=names.FN_RECONCILE, Payload=json.dumps(event).encode())
    payload = json.loads(response["Payload"].read() or b"null")
    if response.get("FunctionError"):
        raise ClientError(f"reconcile failed: {payload.get('errorType')}: {payload.get('errorMessage')}")
    report: dict[str, Any] = payload
    return report


def cmd_reconcile(args: argparse.Namespace) -> int:
    report = reconcile(_client(args), not args.check_only, args.deadline_seconds, args.grace_seconds)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0 if report["clean"] else 1
    checked = ", ".join(f"{v} {k}" for k, v in report["checked"].items())
    pending = report["pending"]
    console.print(f"checked {checked}; in flight: {pending['uploads']} uploads, {pending['comments']} comments")
    for finding in report["findings"]:
        action = finding["repair"] or ("[red]not repaired[/]" if not args.check_only else "[dim]check only[/]")
        console.print(f"  [yellow]{finding['check']}[/] {finding['subject']}: {finding['detail']} -> {action}")
    if report["clean"]:
        console.print("[green]clean[/]: every invariant holds")
    else:
        console.print(f"[bold]{len(report['findings'])} findings[/], {report['repaired']} repaired")
    return 0 if report["clean"] else 1


def cmd_faults(args: argparse.Namespace) -> int:
    import requests

    url = f"{_client(args).endpoints.lambda_}/_salon/faults"
    if args.action == "add":
        if not args.spec:
            raise ClientError(
                'give the fault as JSON, e.g. salon faults add \'{"kind": "index-outage", "seconds": 60}\''
            )
        response = requests.post(url, data=args.spec.encode(), timeout=10)
    elif args.action == "clear":
        response = requests.delete(url, timeout=10)
    else:
        response = requests.get(url, timeout=10)
    if response.status_code != 200:
        raise ClientError(f"fault refused: {response.json().get('message')}")
    faults = response.json()["faults"]
    if args.json:
        print(json.dumps(faults, indent=2))
    elif not faults:
        console.print("no faults injected")
    for fault in faults if not args.json else []:
        target = fault["target"] or ",".join(fault["operations"]) or "all calls"
        left = "" if fault["count"] is None else f", {fault['count']} left"
        left += "" if fault["secondsLeft"] is None else f", {fault['secondsLeft']} s left"
        console.print(
            f"{fault['id']} {fault['kind']} {fault['error']} on {target}: rate {fault['rate']}{left}, "
            f"{fault['injected']} injected"
        )
    return 0


class _ChecksHelp(argparse.HelpFormatter):
    """Lists reconcile's checks in `salon reconcile --help`, importing them only then (not at every start)."""

    PLACEHOLDER = "Checks: (listed by --help)"

    def add_text(self, text: str | None) -> None:
        if text == self.PLACEHOLDER:
            from functions.domain.reconcile import CHECKS

            text = "Checks: " + "; ".join(f"{name}: {what}" for name, what in CHECKS.items()) + "."
        super().add_text(text)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Adds `reconcile` and `faults` to the `salon` command."""
    rec = sub.add_parser(
        "reconcile",
        help="check every upload, comment, meter and index entry; repair what is stuck",
        description=_ChecksHelp.PLACEHOLDER,
        formatter_class=_ChecksHelp,
    )
    rec.add_argument("--json", action="store_true", help="print the report as one JSON object")
    rec.add_argument("--check-only", action="store_true", help="report, change nothing")
    rec.add_argument("--deadline-seconds", type=int, help="stuck after this many seconds (default 900)")
    rec.add_argument("--grace-seconds", type=int, help="leave meters and index entries this young alone (120)")
    rec.set_defaults(func=cmd_reconcile)

    faults = sub.add_parser("faults", help="fault injection on the embedded stack: list, add JSON, clear")
    faults.add_argument("action", nargs="?", choices=("list", "add", "clear"), default="list")
    faults.add_argument("spec", nargs="?", help='the fault, e.g. \'{"kind": "dynamodb", "rate": 0.1}\'')
    faults.add_argument("--json", action="store_true")
    faults.set_defaults(func=cmd_faults)


def _stack_client() -> type[StackClient]:
    from salon.client import StackClient  # boto3 and requests: only for the commands that talk to the stack

    return StackClient
