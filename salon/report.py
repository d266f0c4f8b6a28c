"""The owner's insights as one self-contained HTML file: answers first, then charts and tables.

Input is the insights document (schemas/insights.schema.json: what GET /insights and `salon insights --json`
return). Charts are drawn by Chart.js, vendored in web/vendor/chartjs and inlined, so the file opens offline;
every chart also has its numbers in a table (readable without JavaScript, and when printed).
"""

from __future__ import annotations

import hashlib
import html
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

VENDOR = Path(__file__).resolve().parents[1] / "web" / "vendor" / "chartjs" / "chart.umd.min.js"  # the site uses it too
CHARTJS_SHA256 = "87364cc2b2a76a6684929e7d6b80b18a897794db38400caff1fcf1791c6925d2"
SENTIMENT_COLOURS = {
    "POSITIVE": "#2e9d6a",
    "NEUTRAL": "#9aa5b1",
    "MIXED": "#e0a526",
    "NEGATIVE": "#d64545",
    "UNSCORED": "#d5d9de",
}


def chartjs() -> str:
    """The vendored Chart.js, checked against its recorded digest, without its source-map reference."""
    data = VENDOR.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != CHARTJS_SHA256:
        raise RuntimeError(f"{VENDOR} does not match the vendored Chart.js (sha256 {digest})")
    text = data.decode("utf-8")
    return "\n".join(line for line in text.splitlines() if not line.startswith("//# sourceMappingURL"))


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _short(design_id: str) -> str:
    return design_id[:8]


class Html(str):
    """Markup made here from escaped parts: a table cell that is not escaped again."""


def _cell(value: Any) -> str:
    return value if isinstance(value, Html) else _e(value)


def _design(design_id: str, cards: dict[str, dict[str, str]]) -> Html | str:
    """A design's thumbnail and title when the report was given them, else its short id."""
    card = cards.get(design_id)
    if not card:
        return _short(design_id)
    thumbnail = card.get("thumbnail", "")
    image = (
        f"<img class=thumb src='{_e(thumbnail)}' alt='' width=32 height=32> "
        if thumbnail.startswith("data:image/")
        else ""
    )
    return Html(f"{image}{_e(card.get('title') or _short(design_id))}")


def _table(headers: list[str], rows: list[list[Any]], numeric_from: int = 1) -> str:
    head = "".join(f"<th{' class=num' if i >= numeric_from else ''}>{_e(h)}</th>" for i, h in enumerate(headers))
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=num' if i >= numeric_from else ''}>{_cell(c)}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body or '<tr><td>none</td></tr>'}</tbody></table>"


def _period(period: dict[str, Any]) -> str:
    since, before = period.get("since"), period.get("before")
    if not since and not before:
        return "all comments"
    start = since[:10] if since else "the beginning"
    end = f"before {before[:10]}" if before else "now"
    return f"from {start} to {end}"


def _cards(data: dict[str, Any]) -> str:
    customers, satisfaction = data["customers"], data["satisfaction"]
    arrow = {"up": "▲", "down": "▼", "flat": "▶"}.get(satisfaction["direction"] or "", "")
    cards = [
        ("Customers", f"{customers['total']}", f"+{customers['newInPeriod']} new in this period"),
        (
            "Satisfaction",
            _pct(satisfaction["overall"]),
            f"{arrow} trending {satisfaction['direction']}" if satisfaction["direction"] else "not enough weeks",
        ),
        ("Escalations", f"{data['escalations']['total']}", "comments that need your attention"),
        (
            "Comments",
            f"{data['sentiment']['total']}",
            f"{data['sentiment']['overall']['POSITIVE']} positive, {data['sentiment']['overall']['NEGATIVE']} negative",
        ),
    ]
    return "".join(
        f"<div class=card><div class=label>{_e(label)}</div><div class=value>{_e(value)}</div>"
        f"<div class=note>{_e(note)}</div></div>"
        for label, value, note in cards
    )


def _numbers(table: str) -> str:
    """A long weekly table, folded: the chart above shows it; the numbers are one click away (and printed)."""
    return f"<details><summary>The numbers, week by week</summary>{table}</details>"


def _section(anchor: str, question: str, answer: str, body: str) -> str:
    return f"<section id={anchor}><h2>{_e(question)}</h2><p class=answer>{_e(answer)}</p>{body}</section>"


def _sections(data: dict[str, Any], cards: dict[str, dict[str, str]]) -> str:
    c, s, d, h, e, t = (
        data[k] for k in ("customers", "satisfaction", "designers", "hotDesigns", "escalations", "sentiment")
    )
    parts = [
        _section(
            "customers",
            "Is my customer base growing?",
            c["summary"],
            "<div class=chart><canvas id=chart-customers></canvas></div>"
            + _numbers(
                _table(
                    ["week", "new customers", "customers so far", "commenting that week"],
                    [[w["isoWeek"], w["new"], w["cumulative"], w["active"]] for w in c["weeks"]],
                )
            ),
        ),
        _section(
            "escalations",
            "Which concerns need my attention?",
            e["summary"],
            "<div class=chart><canvas id=chart-escalations></canvas></div>"
            + _table(
                ["when", "customer", "design", "designer", "negative score"],
                [
                    [
                        r["submittedAt"][:16].replace("T", " "),
                        r["author"],
                        _design(r["designId"], cards),
                        r["designer"],
                        f"{r['negative']:.2f}",
                    ]
                    for r in e["recent"]
                ],
                numeric_from=4,
            )
            + f"<p class=muted>Escalated: sentiment {_e(e['rule']['sentiment'])} with a negative score of at "
            f"least {e['rule']['minNegative']:.2f} (the comment policy).</p>",
        ),
        _section(
            "hot",
            "Which designs are hot this season?",
            h["summary"],
            "<div class=chart><canvas id=chart-hot></canvas></div>"
            + _table(
                ["design", "designer", "comments", "positive", "average positivity"],
                [
                    [
                        _design(r["designId"], cards),
                        r["designer"],
                        r["comments"],
                        r["positive"],
                        _pct(r["avgPositivity"]),
                    ]
                    for r in h["designs"]
                ],
                numeric_from=2,
            ),
        ),
        _section(
            "designers",
            "Which designers do exceptional work?",
            d["summary"],
            "<div class=chart><canvas id=chart-designers></canvas></div>"
            + _table(
                ["designer", "average positivity", "scored comments", "comments"],
                [[r["designer"], _pct(r["avgPositivity"]), r["scored"], r["comments"]] for r in d["leaders"]],
            )
            + (
                f"<p class=muted>Not ranked yet (fewer than {d['minComments']} scored comments): "
                + ", ".join(f"{_e(r['designer'])} ({r['scored']})" for r in d["belowMinimum"])
                + "</p>"
                if d["belowMinimum"]
                else ""
            ),
        ),
        _section(
            "satisfaction",
            "Is satisfaction trending up?",
            s["summary"],
            "<div class=chart><canvas id=chart-satisfaction></canvas></div>"
            + _numbers(
                _table(
                    ["week", "average positivity", "scored comments"],
                    [[w["isoWeek"], _pct(w["avgPositivity"]), w["scored"]] for w in s["weeks"]],
                )
            ),
        ),
        _section(
            "sentiment",
            "What is the sentiment distribution?",
            t["summary"],
            "<div class=pair><div class=chart><canvas id=chart-sentiment-weeks></canvas></div>"
            "<div class='chart small'><canvas id=chart-sentiment-overall></canvas></div></div>"
            + _numbers(
                _table(
                    ["week", *[k.lower() for k in SENTIMENT_COLOURS]],
                    [[w["isoWeek"], *[w["counts"][k] for k in SENTIMENT_COLOURS]] for w in t["weeks"]],
                )
            ),
        ),
    ]
    return "".join(parts)


STYLE = """
img.thumb{vertical-align:middle;border-radius:4px;object-fit:cover;margin-right:.3em}
:root{--ink:#1f2933;--muted:#6b7785;--line:#e4e7eb;--accent:#b83280;--bg:#fafafa}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;
color:var(--ink);background:var(--bg)}header{background:linear-gradient(120deg,#b83280,#6b46c1);color:#fff;
padding:28px 40px}header h1{margin:0;font-size:26px}header p{margin:4px 0 0;opacity:.9}
main{max-width:1150px;margin:0 auto;padding:24px 28px 60px}.cards{display:grid;
grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:14px;margin:-46px 0 26px}
.card{background:#fff;border-radius:12px;padding:16px 18px;box-shadow:0 2px 10px rgba(0,0,0,.08)}
.card .label{color:var(--muted);font-size:13px;text-transform:uppercase;letter-spacing:.05em}
.card .value{font-size:30px;font-weight:700}.card .note{color:var(--muted);font-size:13px}
section{background:#fff;border-radius:12px;padding:20px 24px;margin:0 0 20px;box-shadow:0 1px 4px rgba(0,0,0,.05)}
h2{margin:0;font-size:19px}.answer{font-size:16px;margin:6px 0 14px;color:var(--accent);font-weight:600}
.chart{position:relative;height:300px;margin-bottom:14px}.pair{display:grid;grid-template-columns:2fr 1fr;gap:16px}
.chart.small{height:300px}table{border-collapse:collapse;width:100%;font-size:13px;margin-top:6px}
th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left}th{color:var(--muted);font-weight:600}
.num{text-align:right;font-variant-numeric:tabular-nums}.muted{color:var(--muted);font-size:13px}
details{margin-top:6px}summary{cursor:pointer;color:var(--muted);font-size:13px}
@media print{details>*{display:block}}footer{color:var(--muted);font-size:12px;text-align:center;margin-top:30px}
@media print{header{background:#6b46c1;-webkit-print-color-adjust:exact}section{break-inside:avoid}}
@media(max-width:760px){.pair{grid-template-columns:1fr}main{padding:16px}}
"""

SCRIPT = """
const data = JSON.parse(document.getElementById('insights-data').textContent);
const colours = %(colours)s;
const pct = v => v === null || v === undefined ? '—' : Math.round(v * 100) + '%%';
Chart.defaults.font.family = "system-ui,-apple-system,'Segoe UI',Roboto,sans-serif";
Chart.defaults.plugins.legend.labels.boxWidth = 12;
// A report is read, printed and captured: every chart is drawn complete at once (no animation to catch half-way
// in a screenshot or a PDF), and redrawn at the page's width before printing and after.
Chart.defaults.animation = false;
Chart.defaults.transitions.active.animation.duration = 0;
Chart.defaults.transitions.resize.animation.duration = 0;
const titles = JSON.parse(document.getElementById('design-titles').textContent);
const shortId = id => titles[id] || id.slice(0, 8);
function chart(id, config) {
  const el = document.getElementById(id);
  if (el) new Chart(el, {...config, options: {...config.options, animation: false}});  // doughnuts have their own
}
const redraw = () => Object.values(Chart.instances).forEach(c => { c.resize(); c.update('none'); });
window.addEventListener('beforeprint', redraw);
window.addEventListener('afterprint', redraw);

const cw = data.customers.weeks;
chart('chart-customers', {data: {labels: cw.map(w => w.isoWeek), datasets: [
  {type: 'bar', label: 'new customers', data: cw.map(w => w.new), backgroundColor: '#d597bd', yAxisID: 'y',
   order: 2},
  {type: 'line', label: 'customers so far', data: cw.map(w => w.cumulative), borderColor: '#6b46c1',
   backgroundColor: '#6b46c1', tension: .25, yAxisID: 'y2', order: 1}]},
  options: {maintainAspectRatio: false, interaction: {mode: 'index', intersect: false},
    scales: {y: {beginAtZero: true, title: {display: true, text: 'new per week'}},
             y2: {beginAtZero: true, position: 'right', grid: {drawOnChartArea: false},
                  title: {display: true, text: 'total'}}}}});

const sw = data.satisfaction.weeks, low = data.satisfaction.lowestWeek;
chart('chart-satisfaction', {type: 'line', data: {labels: sw.map(w => w.isoWeek), datasets: [
  {label: 'average positivity', data: sw.map(w => w.avgPositivity), borderColor: '#2e9d6a',
   backgroundColor: 'rgba(46,157,106,.12)', fill: true, cubicInterpolationMode: 'monotone', spanGaps: true,
   pointRadius: sw.map(w => w.week === low ? 7 : 3),
   pointBackgroundColor: sw.map(w => w.week === low ? '#d64545' : '#2e9d6a')},
  {label: 'period average', data: sw.map(() => data.satisfaction.overall), borderColor: '#9aa5b1',
   borderDash: [6, 4], pointRadius: 0}]},
  options: {maintainAspectRatio: false, interaction: {mode: 'index', intersect: false},
    plugins: {tooltip: {callbacks: {label: c => c.dataset.label + ': ' + pct(c.raw) +
      (c.datasetIndex === 0 ? ' (' + sw[c.dataIndex].scored + ' scored)' : '')}}},
    scales: {y: {min: 0, max: 1, ticks: {callback: v => pct(v)}}}}});

const leaders = data.designers.leaders;
chart('chart-designers', {type: 'bar', data: {labels: leaders.map(d => d.designer + ' (' + d.scored + ')'),
  datasets: [{label: 'average positivity', data: leaders.map(d => d.avgPositivity),
    backgroundColor: leaders.map((d, i) => i === 0 ? '#b83280' : '#d597bd')}]},
  options: {indexAxis: 'y', maintainAspectRatio: false, plugins: {legend: {display: false},
    tooltip: {callbacks: {label: c => pct(c.raw) + ' over ' + leaders[c.dataIndex].scored + ' scored comments'}}},
    scales: {x: {min: 0, max: 1, ticks: {callback: v => pct(v)}}}}});

const hot = data.hotDesigns.designs;
const heat = v => v === null ? '#d5d9de' : `hsl(${Math.round(v * 130)}, 60%%, 48%%)`;
chart('chart-hot', {type: 'bar', data: {labels: hot.map(d => shortId(d.designId) + ' · ' + d.designer),
  datasets: [{label: 'comments', data: hot.map(d => d.comments),
              backgroundColor: hot.map(d => heat(d.avgPositivity))}]},
  options: {indexAxis: 'y', maintainAspectRatio: false, plugins: {legend: {display: false},
    tooltip: {callbacks: {label: c => c.raw + ' comments, ' + pct(hot[c.dataIndex].avgPositivity) + ' positivity'}}},
    scales: {x: {beginAtZero: true, title: {display: true, text: 'comments (colour: positivity, red to green)'}}}}});

const ew = data.escalations.weeks;
chart('chart-escalations', {type: 'bar', data: {labels: ew.map(w => w.isoWeek), datasets: [
  {label: 'escalated comments', data: ew.map(w => w.count), backgroundColor: '#d64545'}]},
  options: {maintainAspectRatio: false, plugins: {legend: {display: false}},
    scales: {y: {beginAtZero: true, ticks: {precision: 0}}}}});

const tw = data.sentiment.weeks, kinds = Object.keys(colours);
chart('chart-sentiment-weeks', {type: 'bar', data: {labels: tw.map(w => w.isoWeek),
  datasets: kinds.map(k => ({label: k.toLowerCase(), data: tw.map(w => w.counts[k]), backgroundColor: colours[k]}))},
  options: {maintainAspectRatio: false, scales: {x: {stacked: true}, y: {stacked: true, beginAtZero: true}}}});
chart('chart-sentiment-overall', {type: 'doughnut', data: {labels: kinds.map(k => k.toLowerCase()),
  datasets: [{data: kinds.map(k => data.sentiment.overall[k]), backgroundColor: kinds.map(k => colours[k])}]},
  options: {maintainAspectRatio: false, plugins: {legend: {position: 'bottom'}}}});
document.documentElement.dataset.charts = 'drawn';  // for whoever captures the page: every chart is final
"""


def render(
    data: dict[str, Any],
    title: str = "Salon Insights",
    source: str = "",
    generated_at: datetime | None = None,
    designs: dict[str, dict[str, str]] | None = None,
) -> str:
    """The report for an insights document, as one HTML page with no external references. `designs`: each
    design's title and thumbnail (a data: URI), shown instead of its id (StackClient.design_cards)."""
    library = chartjs()
    moment = (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    named = {k: v["title"] for k, v in (designs or {}).items() if v.get("title")}
    titles = json.dumps(named, ensure_ascii=False).replace("</", "<\\/")
    script = SCRIPT % {"colours": json.dumps(SENTIMENT_COLOURS)}
    return f"""<!doctype html>
<html lang=en><head><meta charset=utf-8><meta name=viewport content="width=device-width,initial-scale=1">
<title>{_e(title)}</title><style>{STYLE}</style></head>
<body><header><h1>{_e(title)}</h1><p>The owner's six questions, {_e(_period(data["period"]))}.
Generated {_e(moment)}{(" from " + _e(source)) if source else ""}.</p></header>
<main><div class=cards>{_cards(data)}</div>
{_sections(data, designs or {})}
<footer>Weeks are ISO weeks (Monday to Sunday, UTC). Positivity is Comprehend's positive score, averaged over
scored comments. Charts: Chart.js (MIT), embedded.</footer></main>
<script type="application/json" id="insights-data">{payload}</script>
<script type="application/json" id="design-titles">{titles}</script>
<script>{library}</script>
<script>{script}</script>
</body></html>
"""


def write(path: Path, data: dict[str, Any], **options: Any) -> Path:
    path.write_text(render(data, **options), encoding="utf-8")
    return path
