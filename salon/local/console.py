"""A local stand-in for the Step Functions console: executions, and one execution's path drawn on its graph.

Served by the local HTTP API under /console (loopback only). The owner's alert emails link here locally.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from itertools import pairwise
from typing import Any
from urllib.parse import quote, unquote

from werkzeug.wrappers import Request, Response

from salon.executions import Step, steps_from_history

FILL = {"succeeded": "#c8f0c4", "retried": "#fff0a8", "caught": "#f2c6ff", "failed": "#ffb0b0", "running": "#bfe3ff"}
BOX_W, BOX_H, GAP_X, GAP_Y = 210, 34, 24, 36


def _edges(state: dict[str, Any], catches: bool = True) -> list[str]:
    targets = [state.get("Next"), state.get("Default")]
    targets += [c.get("Next") for c in state.get("Choices", [])]
    if catches:
        targets += [c.get("Next") for c in state.get("Catch", [])]
    return [t for t in dict.fromkeys(targets) if t]


def layout(definition: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """Rows by breadth-first depth from StartAt; states never reached from it go last."""
    states, depth = definition["States"], {definition["StartAt"]: 0}
    queue = [definition["StartAt"]]
    while queue:
        name = queue.pop(0)
        for target in _edges(states[name]):
            if target not in depth:
                depth[target] = depth[name] + 1
                queue.append(target)
    for name in states:
        depth.setdefault(name, max(depth.values()) + 1)
    rows: dict[int, list[str]] = {}
    for name, d in depth.items():
        rows.setdefault(d, []).append(name)
    return {name: (col, row) for row, names in rows.items() for col, name in enumerate(names)}


def graph_svg(definition: dict[str, Any], steps: list[Step]) -> str:
    positions = layout(definition)
    outcome = {s.name: s.outcome for s in steps}
    taken = {(a.name, b.name) for a, b in pairwise(steps)}
    width = (max(c for c, _ in positions.values()) + 1) * (BOX_W + GAP_X) + GAP_X
    height = (max(r for _, r in positions.values()) + 1) * (BOX_H + GAP_Y) + GAP_Y

    def centre(name: str) -> tuple[float, float]:
        col, row = positions[name]
        return GAP_X + col * (BOX_W + GAP_X) + BOX_W / 2, GAP_Y + row * (BOX_H + GAP_Y)

    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' style='flex:none' "
        "font-family='sans-serif' "
        "font-size='12'><defs><marker id='a' viewBox='0 0 10 10' refX='9' refY='5' markerWidth='6' "
        "markerHeight='6' orient='auto'><path d='M0,0 L10,5 L0,10 z'/></marker></defs>"
    ]
    for name, state in definition["States"].items():
        normal = set(_edges(state, catches=False))
        for target in _edges(state):
            (x1, y1), (x2, y2) = centre(name), centre(target)
            on_path = (name, target) in taken
            if not on_path and target not in normal:
                continue  # an untaken Catch edge: omitted so the graph stays readable
            colour, stroke = ("#222", 3) if on_path else ("#bbb", 1)
            dash = "" if target in normal else " stroke-dasharray='6 4'"
            parts.append(
                f"<line x1='{x1}' y1='{y1 + BOX_H}' x2='{x2}' y2='{y2}' stroke='{colour}' "
                f"stroke-width='{stroke}'{dash} marker-end='url(#a)'/>"
            )
    for name, state in definition["States"].items():
        x, y = centre(name)
        fill = FILL.get(outcome.get(name, ""), "#f4f4f4")
        parts.append(
            f"<rect x='{x - BOX_W / 2}' y='{y}' width='{BOX_W}' height='{BOX_H}' rx='8' fill='{fill}' "
            f"stroke='#555'><title>{html.escape(state.get('Comment', ''))}</title></rect>"
            f"<text x='{x}' y='{y + 21}' text-anchor='middle'>{html.escape(name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _page(title: str, body: str, status: int = 200) -> Response:
    return Response(
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;margin:24px}td,th{padding:4px 8px;text-align:left}"
        "tr:nth-child(even){background:#f6f6f6}</style></head><body>" + body + "</body></html>",
        status=status,
        content_type="text/html; charset=utf-8",
    )


def make_view(sfn_factory: Callable[[], Any]) -> Callable[[Request], Response]:
    def executions() -> Response:
        sfn, rows = sfn_factory(), []
        for machine in sfn.list_state_machines()["stateMachines"]:
            for e in sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]:
                rows.append((e["startDate"], machine["name"], e))
        rows.sort(key=lambda r: r[0], reverse=True)
        table = "".join(
            f"<tr><td>{d:%H:%M:%S}</td><td>{html.escape(m)}</td><td><a href='/console/executions/"
            f"{quote(e['executionArn'], safe='')}'>{html.escape(e['name'])}</a></td>"
            f"<td>{e['status']}</td></tr>"
            for d, m, e in rows[:200]
        )
        return _page(
            "Executions",
            f"<h1>Executions</h1><table><tr><th>started</th><th>workflow</th><th>name</th>"
            f"<th>status</th></tr>{table}</table>",
        )

    def execution(arn: str) -> Response:
        sfn = sfn_factory()
        try:
            described = sfn.describe_execution(executionArn=arn)
        except (sfn.exceptions.ExecutionDoesNotExist, sfn.exceptions.InvalidArn):
            return _page("Not found", f"<p>No execution {html.escape(arn)}</p>", status=404)
        machine = sfn.describe_state_machine(stateMachineArn=described["stateMachineArn"])
        definition = json.loads(machine["definition"])
        steps = steps_from_history(sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"])
        rows = "".join(
            f"<tr style='background:{FILL.get(s.outcome)}'><td>{html.escape(s.name)}</td>"
            f"<td>{s.outcome}</td><td>{s.attempts or ''}</td>"
            f"<td>{'' if s.seconds is None else f'{s.seconds * 1000:.0f} ms'}</td>"
            f"<td>{html.escape(s.note)} {html.escape('; '.join(e['error'] for e in s.errors))}</td></tr>"
            for s in steps
        )
        error = (
            f"<p style='color:#b00'><b>{html.escape(str(described.get('error')))}</b>: "
            f"{html.escape(str(described.get('cause')))}</p>"
            if described.get("error")
            else ""
        )
        return _page(
            described["name"],
            f"<p><a href='/console'>All executions</a></p><h1>{html.escape(described['name'])}</h1>"
            f"<p>{html.escape(described['stateMachineArn'].rsplit(':', 1)[-1])} — "
            f"<b>{described['status']}</b></p>{error}"
            "<div style='display:flex;gap:32px;align-items:flex-start'>"
            f"{graph_svg(definition, steps)}<table><tr><th>state</th><th>outcome</th><th>tries</th>"
            f"<th>time</th><th>decision / error</th></tr>{rows}</table></div>",
        )

    def view(request: Request) -> Response:
        rest = request.path.removeprefix("/console").strip("/")
        if rest.startswith("executions/"):
            return execution(unquote(rest.removeprefix("executions/")))
        return executions()

    return view
