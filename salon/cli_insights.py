"""`salon insights` and `salon seed`: registered into the main parser by salon.cli.

`salon insights` asks the running stack's API (GET /insights, as an owner) or, with --index, reads an embedded
index file directly; prints tables, or one JSON object (--json), and writes the HTML report (--html FILE).
`salon seed` plays a generated scenario through the running stack's real workflows, or with --index writes it
straight into an index file (exact, in seconds).
"""

from __future__ import annotations

import argparse
import json
import urllib.parse
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from functions import names
from salon.local.config import StackConfig
from salon.stack_state import ClientError, LazyConsole

if TYPE_CHECKING:
    from rich.table import Table

    from salon.client import StackClient

console = LazyConsole()
err = LazyConsole(stderr=True)


def _config(args: argparse.Namespace) -> StackConfig:
    config = StackConfig.from_env()
    if getattr(args, "home", None):
        config.home = Path(args.home)
    return config


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date like 2025-03-01: {text!r}") from exc


# -- insights -------------------------------------------------------------------------------------------
def fetch_from_stack(client: StackClient, owner: str, params: dict[str, str]) -> dict[str, Any]:
    token = client.token(owner, names.GROUP_OWNER)
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v})
    response = client.api("GET", names.ROUTE_INSIGHTS + (f"?{query}" if query else ""), token)
    if response.status_code != 200:
        try:
            message = response.json().get("message", response.text)
        except ValueError:
            message = response.text
        raise ClientError(f"insights refused ({response.status_code}): {message}")
    answer: dict[str, Any] = response.json()
    return answer


def fetch_from_index(path: Path, params: dict[str, str]) -> dict[str, Any]:
    from functions.config import default_comment_policy
    from functions.domain import insights
    from functions.ports import IndexingError
    from salon.embedded_index import EmbeddedIndex

    if not path.exists():
        raise ClientError(f"no index file at {path}")
    try:
        index = EmbeddedIndex(path, read_only=True)
    except IndexingError as exc:
        raise ClientError(f"{exc} (a running stack holds its index: ask it with `salon insights` instead)") from exc
    try:
        request = insights.InsightsRequest.from_query(
            params, insights.EscalationRule.from_policy(default_comment_policy())
        )
    except insights.InsightsRequestError as exc:
        raise ClientError(str(exc)) from exc
    return insights.answer(index, request).to_dict()


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> Table:
    from rich.table import Table

    table = Table(title=title, title_justify="left", title_style="bold")
    for i, column in enumerate(columns):
        table.add_column(column, justify="right" if i else "left")
    for row in rows:
        table.add_row(*[str(c) for c in row])
    return table


def print_tables(data: dict[str, Any]) -> None:
    c, e, h, d, s, t = (
        data[k] for k in ("customers", "escalations", "hotDesigns", "designers", "satisfaction", "sentiment")
    )
    period = data["period"]
    console.print(
        f"[bold]Salon insights[/] since {period['since'] or 'the beginning'} before {period['before'] or 'now'}\n"
    )
    console.print("[bold magenta]Is my customer base growing?[/] " + c["summary"])
    console.print(
        _table(
            "",
            ["week", "new", "so far", "active"],
            [[w["isoWeek"], w["new"], w["cumulative"], w["active"]] for w in c["weeks"]],
        )
    )
    console.print("[bold magenta]Which concerns need my attention?[/] " + e["summary"])
    console.print(
        _table(
            "",
            ["when", "customer", "design", "designer", "negative"],
            [
                [
                    r["submittedAt"][:16].replace("T", " "),
                    r["author"],
                    r["designId"][:8],
                    r["designer"],
                    f"{r['negative']:.2f}",
                ]
                for r in e["recent"]
            ],
        )
    )
    console.print("[bold magenta]Which designs are hot this season?[/] " + h["summary"])
    console.print(
        _table(
            "",
            ["design", "designer", "comments", "positive", "positivity"],
            [
                [r["designId"][:8], r["designer"], r["comments"], r["positive"], _pct(r["avgPositivity"])]
                for r in h["designs"]
            ],
        )
    )
    console.print("[bold magenta]Which designers do exceptional work?[/] " + d["summary"])
    console.print(
        _table(
            "",
            ["designer", "positivity", "scored comments", "comments"],
            [[r["designer"], _pct(r["avgPositivity"]), r["scored"], r["comments"]] for r in d["leaders"]]
            + [
                [f"[dim]{r['designer']} (too few)[/]", _pct(r["avgPositivity"]), r["scored"], r["comments"]]
                for r in d["belowMinimum"]
            ],
        )
    )
    console.print("[bold magenta]Is satisfaction trending up?[/] " + s["summary"])
    console.print(
        _table(
            "",
            ["week", "positivity", "scored"],
            [[w["isoWeek"], _pct(w["avgPositivity"]), w["scored"]] for w in s["weeks"]],
        )
    )
    console.print("[bold magenta]What is the sentiment distribution?[/] " + t["summary"])
    kinds = ["POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED", "UNSCORED"]
    console.print(
        _table(
            "",
            ["week", *[k.lower() for k in kinds]],
            [[w["isoWeek"], *[w["counts"][k] for k in kinds]] for w in t["weeks"]]
            + [["[bold]all[/]", *[t["overall"][k] for k in kinds]]],
        )
    )


def designs_named(data: dict[str, Any]) -> list[str]:
    """The designs an insights answer names (hot designs, escalations), each once, in order."""
    ids = [d["designId"] for d in data["hotDesigns"]["designs"]] + [
        e["designId"] for e in data["escalations"]["recent"]
    ]
    return list(dict.fromkeys(ids))


def cmd_insights(args: argparse.Namespace) -> int:
    params = {
        "since": args.since.isoformat() if args.since else "",
        "until": args.until.isoformat() if args.until else "",
        "minComments": str(args.min_comments or ""),
        "top": str(args.top or ""),
    }
    cards: dict[str, dict[str, str]] = {}
    if args.index:
        data, source = fetch_from_index(Path(args.index), params), str(args.index)
    else:
        client = _stack_client().connect(_config(args))
        data, source = fetch_from_stack(client, args.as_user, params), client.endpoints.api + names.ROUTE_INSIGHTS
        if args.html:  # titles and thumbnails from the gallery, instead of bare ids
            cards = client.design_cards(designs_named(data))
    if args.html:
        from salon import report

        path = report.write(Path(args.html), data, source=source, designs=cards)
        err.print(f"report written to {path}")
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print_tables(data)
    return 0


# -- seed -----------------------------------------------------------------------------------------------
def cmd_seed(args: argparse.Namespace) -> int:
    from salon import scenario as scenarios

    plan = scenarios.generate(weeks=args.weeks, seed=args.seed, scale=args.scale)
    if args.index:
        from salon.embedded_index import EmbeddedIndex

        loaded = scenarios.load(EmbeddedIndex(Path(args.index)), plan)
        result: dict[str, Any] = {
            "index": args.index,
            "indexed": loaded.indexed,
            "failed": loaded.failed,
            "story": plan.story(),
        }
    else:
        client = _stack_client().connect(_config(args))
        client.timeout = args.timeout
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=err.get(), transient=args.json) as progress:
            tasks: dict[str, Any] = {}

            def advance(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(f"{stage} through the workflows", total=total)
                progress.update(tasks[stage], completed=done)

            report = scenarios.seed_stack(client, plan, workers=args.workers, progress=advance)
        result = {**report.to_dict(), "story": plan.story()}
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        _print_seed(result)
    return 0


def _print_seed(result: dict[str, Any]) -> None:
    story = result["story"]
    if "index" in result:
        console.print(
            f"[green]loaded[/] {result['indexed']} documents into {result['index']} ({len(result['failed'])} failed)"
        )
    else:
        d, c = result["designs"], result["comments"]
        console.print(
            f"[green]seeded[/] in {result['seconds']} s, {result['requests']} requests: "
            f"{d['approved']}/{d['planned']} designs approved ({d['uploads']} uploads, "
            f"{d['notApproved']} not approved), {c['succeeded']}/{c['planned']} comments analysed "
            f"({c['viaApi']} through the API, {c['viaEvents']} as CommentSubmitted events, "
            f"{c['failed']} failed, {c['remapped']} moved to another design by their designer, "
            f"{c['skipped']} skipped); the models agreed with the scenario's "
            f"sentiment on {c['sentimentAsIntended']}"
        )
    console.print(
        f"story: {story['weeks']} weeks from {story['start']}, {story['customers']} customers, "
        f"{story['comments']} comments; designer quality {story['designerQuality']}; satisfaction dips "
        f"in {', '.join(story['dipWeeks']) or 'no week'}"
    )


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Adds `insights` and `seed` to the `salon` command."""
    insights = sub.add_parser("insights", help="the owner's six questions: tables, --json or an --html report")
    insights.add_argument("--since", type=_date, help="first day (inclusive), e.g. 2025-01-01")
    insights.add_argument("--until", type=_date, help="last day (inclusive)")
    insights.add_argument("--min-comments", type=int, help="scored comments a designer needs to be ranked (5)")
    insights.add_argument("--top", type=int, help="how many hot designs to list (10)")
    insights.add_argument("--json", action="store_true", help="print one JSON object, one key per question")
    insights.add_argument("--html", metavar="FILE", help="write a self-contained HTML report with charts")
    insights.add_argument(
        "--as",
        dest="as_user",
        default="owner",
        metavar="USER",
        help="owner account to ask the API as (created locally if needed; default owner)",
    )
    insights.add_argument("--index", metavar="PATH", help="read this embedded index file instead of the API")
    insights.set_defaults(func=cmd_insights)

    seed = sub.add_parser("seed", help="play a generated scenario through the running stack's workflows")
    seed.add_argument("--weeks", type=int, default=8, help="weeks of history, ending this week (default 8)")
    seed.add_argument("--seed", type=int, default=7, help="random seed of the scenario (default 7)")
    seed.add_argument("--scale", type=float, default=1.0, help="multiplies the number of customers (default 1)")
    seed.add_argument("--workers", type=int, default=4, help="requests in flight (default 4)")
    seed.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for each workflow")
    seed.add_argument(
        "--index",
        metavar="PATH",
        help="write the scenario straight into this embedded index file instead (no workflows)",
    )
    seed.add_argument("--json", action="store_true")
    seed.set_defaults(func=cmd_seed)


def _stack_client() -> type[StackClient]:
    from salon.client import StackClient  # boto3 and requests: only for the commands that talk to the stack

    return StackClient
