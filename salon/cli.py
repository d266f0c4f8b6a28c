"""`salon`: run the embedded stack and use it as a client, an operator or the owner would."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from salon import cli_insights, cli_ops
from salon.local.config import SEARCH_ENGINES, StackConfig
from salon.stack_state import ClientError, LazyConsole, running_endpoints

if TYPE_CHECKING:
    from salon.client import StackClient

# Heavy imports (boto3, requests, rich) wait for the command that needs them: `salon env` starts fast.
console = LazyConsole()
VERDICT_STYLE = {
    "approved": "green",
    "rejected": "yellow",
    "quarantined": "red",
    "failed": "bold red",
    "review": "cyan",
}


def _config(args: argparse.Namespace) -> StackConfig:
    try:
        config = StackConfig.from_env()
    except ValueError as exc:  # e.g. SALON_SEARCH names no engine
        raise ClientError(str(exc)) from exc
    for field in ("moto_port", "lambda_port", "ai_port", "api_port", "events_port", "realtime_port", "search"):
        if getattr(args, field, None) is not None:
            setattr(config, field, getattr(args, field))
    if getattr(args, "home", None):
        config.home = Path(args.home)
    return config


def _connect(args: argparse.Namespace) -> StackClient:
    from salon.client import StackClient

    return StackClient.connect(_config(args))


def _table(**options: Any) -> Any:
    from rich.table import Table

    return Table(**options)


ID_COLUMNS = {"photo", "comment", "design"}  # ids the next command takes: shown whole, never cut to "…"


def _add_columns(table: Any, *names: str) -> None:
    for name in names:
        if name in ID_COLUMNS:
            table.add_column(name, no_wrap=True, min_width=36)
        elif name == "name":  # execution names (two ids): folded onto two lines rather than cut
            table.add_column(name, overflow="fold")
        else:
            table.add_column(name)


def cmd_up(args: argparse.Namespace) -> int:
    import logging

    from salon.local.search_server import SearchServerError
    from salon.local.stack import EmbeddedStack, PortInUseError

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    config = _config(args)
    try:  # a second stack on this home would clear the running one's index under it
        running = running_endpoints(config)
    except ClientError:
        if config.state_file.exists():
            console.print(f"[yellow]{config.state_file} is left from a stopped stack; replacing it[/]", soft_wrap=True)
    else:
        raise ClientError(
            f"a stack is already running from {config.home} (process {running.pid}, API {running.api}); "
            "stop it first, or start another with --home"
        )
    stack = EmbeddedStack(config)
    stopped = threading.Event()
    # SIGINT as well as SIGTERM, installed before the stack starts: a shell starts a background job
    # (`salon up &`) with SIGINT ignored, so no KeyboardInterrupt would ever come.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    try:
        endpoints = stack.start()
    except (PortInUseError, SearchServerError) as exc:
        stack.stop()
        raise ClientError(str(exc)) from exc
    console.print("[bold green]Salon Insights embedded stack is up[/] (Ctrl-C to stop)")
    for key, value in endpoints.exports().items():
        console.print(f"  {key}={value}")
    try:
        stopped.wait()
    finally:
        stack.stop()
        console.print("stopped; AWS state was in memory and is gone, the mailbox stays in " + str(config.mailbox))
    return 0


def cmd_env(args: argparse.Namespace) -> int:
    exports = running_endpoints(_config(args)).exports()
    if args.json:
        print(json.dumps(exports, indent=2))
    else:
        for key, value in exports.items():
            print(f"export {key}={value}")
    return 0


def cmd_upload(args: argparse.Namespace) -> int:
    client = _connect(args)
    client.timeout = args.timeout
    result = client.upload(
        Path(args.path), args.as_user, wait=args.wait, title=args.title, description=args.description
    )
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0
    verdict = result.get("verdict", "submitted")
    style = VERDICT_STYLE.get(verdict, "bold")
    console.print(f"[{style}]{verdict}[/] {result['key']} (execution {result['execution']})")
    for reason in result.get("reasons", []):
        console.print(f"  - {reason}")
    return 0


def cmd_reviews(args: argparse.Namespace) -> int:
    rows = _connect(args).reviews(args.as_user)
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    table = _table(title=f"Pending reviews ({len(rows)}, oldest first)")
    _add_columns(table, "photo", "designer", "kind", "asked", "decide by", "why")
    for r in rows:
        why = "; ".join(r.get("reasons", []))[:120]
        table.add_row(r["photoId"], r["designer"], r["kind"], r["requestedAt"][:19], r["deadline"][:19], why)
    console.print(table)
    return 0


def cmd_held_comments(args: argparse.Namespace) -> int:
    rows = _connect(args).held_comments(args.as_user)
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    table = _table(title=f"Held comments ({len(rows)}, oldest first)")
    _add_columns(table, "comment", "design", "author", "labels", "text (original)")
    for r in rows:
        labels = ", ".join(f"{x['Name']} {x['Score']:.2f}" for x in r.get("labels", []) if x["Score"] >= 0.3)
        labels = labels or "; ".join(r.get("flagged", []))
        table.add_row(r["commentId"], r["designId"], r["author"], labels, r["originalText"][:120])
    console.print(table)
    return 0


def cmd_moderate_comment(args: argparse.Namespace) -> int:
    decision = "approve" if args.approve else "reject"
    result = _connect(args).decide_comment(args.comment_id, decision, args.reason, args.as_user)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0
    again = " (already decided so)" if result.get("repeated") else ""
    console.print(f"{args.comment_id}: [bold]{result['visibility']}[/]{again}")
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    decision = "approve" if args.approve else "reject"
    result = _connect(args).review(args.photo_id, decision, args.note, args.as_user)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0
    again = " (already decided so)" if result.get("repeated") else ""
    console.print(f"{args.photo_id}: [{VERDICT_STYLE.get(result['status'], 'bold')}]{result['status']}[/]{again}")
    return 0


def cmd_executions(args: argparse.Namespace) -> int:
    rows = _connect(args).executions(args.limit)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    table = _table(title="Executions (newest first)")
    _add_columns(table, "started", "workflow", "name", "status", "states passed")
    for row in rows:
        retried = ", ".join(f"{s} x{n + 1}" for s, n in row["failedAttempts"].items())
        path = " → ".join(row["states"]) + (f"  [dim](attempts: {retried})[/]" if retried else "")
        style = "green" if row["status"] == "SUCCEEDED" else "red" if row["status"] == "FAILED" else "yellow"
        table.add_row(row["started"][11:19], row["workflow"], row["name"], f"[{style}]{row['status']}[/]", path)
    console.print(table)
    return 0


OUTCOME_STYLE = {
    "succeeded": "green",
    "retried": "yellow",
    "caught": "magenta",
    "failed": "bold red",
    "running": "cyan",
}


def cmd_execution(args: argparse.Namespace) -> int:
    view = _connect(args).execution_view(args.name)
    if args.json:
        print(json.dumps(view, indent=2, ensure_ascii=False))
        return 0
    style = {"SUCCEEDED": "green", "FAILED": "bold red"}.get(view["status"], "yellow")
    console.print(
        f"[bold]{view['name']}[/] ({view['workflow']}) [{style}]{view['status']}[/]  started {view['started'][:19]}"
    )
    table = _table(show_lines=False)
    for column in ("#", "state", "type", "outcome", "tries", "time", "decision / error"):
        table.add_column(column)
    for i, step in enumerate(view["steps"], 1):
        detail = step["note"]
        if step["errors"]:
            last = step["errors"][-1]
            detail = (detail + "  " if detail else "") + f"{last['error']}: {last['cause'][:100]}"
        seconds = "" if step["seconds"] is None else f"{step['seconds'] * 1000:.0f} ms"
        outcome = f"[{OUTCOME_STYLE.get(step['outcome'], 'white')}]{step['outcome']}[/]"
        table.add_row(str(i), step["name"], step["kind"], outcome, str(step["attempts"] or ""), seconds, detail)
    console.print(table)
    if view["output"] is not None:
        console.print("output: " + json.dumps(view["output"], ensure_ascii=False)[:600])
    if view.get("error"):
        console.print(f"[red]error:[/] {view['error']}: {view.get('cause')}")
    if view.get("redrive"):
        console.print(f"[bold]how to redrive:[/] {view['redrive']}")
    return 0


def cmd_redrive(args: argparse.Namespace) -> int:
    result = _connect(args).redrive(args.name)
    console.print(f"started {result['name']} with the input of {result['redriveOf']}")
    return 0


def cmd_mail(args: argparse.Namespace) -> int:
    messages = _connect(args).mail()
    if args.json:
        print(json.dumps(messages, indent=2, ensure_ascii=False))
        return 0
    table = _table(title=f"Mailbox ({len(messages)} messages, newest first)")
    for column in ("date", "to", "subject", "file"):
        table.add_column(column)
    for m in messages:
        table.add_row(m["date"], m["to"], m["subject"], Path(m["file"]).name)
    console.print(table)
    return 0


def cmd_comment(args: argparse.Namespace) -> int:
    client = _connect(args)
    client.timeout = args.timeout
    result = client.comment(args.design_id, args.as_user, args.text, wait=args.wait)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0
    line = f"comment {result['commentId']} on {result['designId']}: {result.get('sentiment') or result['status']}"
    if result.get("language"):
        line += f" ({result['language']})"
    if result.get("visibility"):
        line += f", {result['visibility']}"
    console.print(line + ("  [red]escalated to the owner[/]" if result.get("escalated") else ""))
    if result.get("reason"):
        console.print(f"  {result['reason']}", soft_wrap=True)
    return 0


def cmd_designs(args: argparse.Namespace) -> int:
    rows = _connect(args).designs()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    table = _table(title="Published designs and their happiness meter")
    _add_columns(table, "design", "designer", "comments", "+", "-", "=", "~", "unscored", "happiness")
    for r in rows:
        happiness = "—" if r["happiness"] is None else f"{r['happiness']:.0%}"
        table.add_row(
            r["designId"],
            r["designer"],
            str(r["comments"]),
            str(r["POSITIVE"]),
            str(r["NEGATIVE"]),
            str(r["NEUTRAL"]),
            str(r["MIXED"]),
            str(r["UNSCORED"]),
            happiness,
        )
    console.print(table)
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from salon.ai import TextModels, VisionModels

    with console.status("loading the offline models"):
        tiers = {**VisionModels.load().tiers(), **TextModels.load().tiers()}
    if args.json:
        print(json.dumps(tiers, indent=2))
        return 0
    table = _table(title="Offline AI stand-ins (production uses Rekognition and Comprehend)")
    table.add_column("capability")
    table.add_column("tier in use")
    for capability, tier in tiers.items():
        table.add_row(capability, tier)
    console.print(table)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    import logging

    from salon.demo import run

    logging.basicConfig(level=logging.ERROR)
    return run(
        console.get(),
        weeks=args.weeks,
        images=Path(args.images) if args.images else None,
        report_path=Path(args.report) if args.report else None,
        serve=args.serve,
        search=_config(args).search,
    )


def _search_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--search",
        choices=SEARCH_ENGINES,
        help="the search index: duckdb (embedded file, the default) or opensearch (osmem-server on loopback, "
        "through the OpenSearch adapter AWS runs); or SALON_SEARCH",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="salon", description=__doc__)
    parser.add_argument("--home", help="state folder of the embedded stack (default .salon, or SALON_HOME)")
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="run the embedded stack in the foreground until Ctrl-C")
    ports = (("moto", 4566), ("lambda", 4567), ("ai", 4568), ("api", 4569), ("events", 4570), ("realtime", 4571))
    for name, default in ports:
        up.add_argument(
            f"--{name}-port",
            type=int,
            dest=f"{name}_port",
            help=f"port on 127.0.0.1 (default {default}, or SALON_{name.upper()}_PORT)",
        )
    _search_option(up)
    up.set_defaults(func=cmd_up)

    env = sub.add_parser("env", help="print shell exports (or --json) for boto3 / the AWS CLI")
    env.add_argument("--json", action="store_true")
    env.set_defaults(func=cmd_env)

    upload = sub.add_parser("upload", help="upload a photo as a designer, the whole real way")
    upload.add_argument("path")
    upload.add_argument("--as", dest="as_user", required=True, metavar="USER")
    upload.add_argument("--wait", action="store_true", help="wait for the workflow's verdict")
    upload.add_argument("--title", default="", help="the design's title (at most 100 characters)")
    upload.add_argument("--description", default="", help="an optional description (at most 300 characters)")
    upload.add_argument("--json", action="store_true")
    upload.add_argument("--timeout", type=float, default=120.0)
    upload.set_defaults(func=cmd_upload)

    comment = sub.add_parser("comment", help="comment on a published design as a customer, the whole real way")
    comment.add_argument("design_id")
    comment.add_argument("--as", dest="as_user", required=True, metavar="USER")
    comment.add_argument("--text", required=True)
    comment.add_argument("--wait", action="store_true", help="wait for the analysis")
    comment.add_argument("--json", action="store_true")
    comment.add_argument("--timeout", type=float, default=120.0)
    comment.set_defaults(func=cmd_comment)

    designs = sub.add_parser("designs", help="published designs with their happiness meter")
    designs.add_argument("--json", action="store_true")
    designs.set_defaults(func=cmd_designs)

    reviews = sub.add_parser("reviews", help="uploads waiting for the owner's review, oldest first")
    reviews.add_argument("--as", dest="as_user", default="owner", metavar="OWNER")
    reviews.add_argument("--json", action="store_true")
    reviews.set_defaults(func=cmd_reviews)

    held = sub.add_parser("held-comments", help="comments held by screening, waiting for the owner, oldest first")
    held.add_argument("--as", dest="as_user", default="owner", metavar="OWNER")
    held.add_argument("--json", action="store_true")
    held.set_defaults(func=cmd_held_comments)

    moderate = sub.add_parser("moderate-comment", help="approve (show) or reject a held comment (as the owner)")
    moderate.add_argument("comment_id")
    choice = moderate.add_mutually_exclusive_group(required=True)
    choice.add_argument("--approve", action="store_true")
    choice.add_argument("--reject", action="store_true")
    moderate.add_argument("--reason", default="", help="required to reject: the author reads it")
    moderate.add_argument("--as", dest="as_user", default="owner", metavar="OWNER")
    moderate.add_argument("--json", action="store_true")
    moderate.set_defaults(func=cmd_moderate_comment)

    review = sub.add_parser("review", help="approve or reject an upload waiting for review (as the owner)")
    review.add_argument("photo_id")
    verdict = review.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--approve", action="store_true")
    verdict.add_argument("--reject", action="store_true")
    review.add_argument("--note", required=True, help="why (the designer sees it)")
    review.add_argument("--as", dest="as_user", default="owner", metavar="OWNER")
    review.add_argument("--json", action="store_true")
    review.set_defaults(func=cmd_review)

    executions = sub.add_parser("executions", help="list workflow executions, newest first")
    executions.add_argument("--json", action="store_true")
    executions.add_argument("--limit", type=int, default=20)
    executions.set_defaults(func=cmd_executions)

    demo = sub.add_parser("demo", help="start the embedded stack and play the scenario end to end")
    demo.add_argument("--images", help="a folder of your own photos to upload instead of the drawn ones")
    demo.add_argument("--weeks", type=int, default=6, help="how many weeks of comments to play (default 6)")
    demo.add_argument("--report", help="where to write the insights report (default ./demo-report.html)")
    demo.add_argument("--serve", action="store_true", help="keep the stack and the gallery up until Ctrl-C")
    _search_option(demo)
    demo.set_defaults(func=cmd_demo)

    execution = sub.add_parser("execution", help="one execution's path through the states, like the console")
    execution.add_argument("name", help="execution name or ARN")
    execution.add_argument("--json", action="store_true")
    execution.set_defaults(func=cmd_execution)

    redrive = sub.add_parser("redrive", help="rerun a failed execution with the same input (local stand-in)")
    redrive.add_argument("name")
    redrive.set_defaults(func=cmd_redrive)

    models = sub.add_parser("models", help="which model tier each AI capability runs on")
    models.add_argument("--json", action="store_true")
    models.set_defaults(func=cmd_models)

    cli_insights.register(sub)
    cli_ops.register(sub)

    mail = sub.add_parser("mail", help="list the local mailbox")
    mail.add_argument("--json", action="store_true")
    mail.set_defaults(func=cmd_mail)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: Any = args.func(args)
        return int(result)
    except ClientError as exc:
        console.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return 2
    except Exception as exc:
        if not _stack_gone(exc):
            raise
        console.print(f"[red]error:[/] no stack running: {exc}", highlight=False, soft_wrap=True)
        return 2


def _stack_gone(exc: Exception) -> bool:
    """A connection refused by a stack that stopped meanwhile. The error types are looked up only if their
    library was imported: an exception cannot be an instance of a class never loaded."""
    requests, botocore = sys.modules.get("requests"), sys.modules.get("botocore.exceptions")
    return bool(
        (requests is not None and isinstance(exc, requests.ConnectionError))
        or (botocore is not None and isinstance(exc, botocore.EndpointConnectionError))
    )


if __name__ == "__main__":
    sys.exit(main())
