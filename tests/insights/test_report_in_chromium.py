"""The HTML report as a person sees it, printed or captured: headless Chromium (Debian's package, driven by
Playwright through executable_path; never a browser download). Every chart must be complete the moment the page
has loaded, and again at once when it is printed: no animation caught half-way in a screenshot or a PDF.
Without Chromium these tests fail (scripts/bootstrap.sh installs it); they never skip."""

from __future__ import annotations

import os
from datetime import date
from typing import Any

import pytest

from functions.domain import insights
from salon import report
from salon import scenario as scenarios
from salon.embedded_index import EmbeddedIndex

CHROMIUM = os.environ.get("SALON_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
CANVASES = (
    7  # one per chart the report draws: customers, escalations, hot designs, designers, satisfaction, 2 sentiment
)

# Per canvas: is a chart on it, how many elements (bars, points, arcs) it drew, how many of their properties are
# still animating towards their final value (Chart.js getProps(..., final=true)), and how many pixels are inked.
STATE = """() => [...document.querySelectorAll('canvas')].map(canvas => {
  const chart = Chart.getChart(canvas);
  if (!chart) return {id: canvas.id, chart: false};
  const props = ['x', 'y', 'base', 'width', 'height', 'startAngle', 'endAngle', 'outerRadius', 'innerRadius'];
  let elements = 0, moving = 0;
  chart.data.datasets.forEach((_, i) => chart.getDatasetMeta(i).data.forEach(el => {
    elements += 1;
    const final = el.getProps(props, true);
    moving += props.filter(p => typeof el[p] === 'number' && Math.abs(el[p] - final[p]) > 1e-6).length;
  }));
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) inked += 1;
  return {id: canvas.id, chart: true, elements, moving, inked, animating: chart.options.animation !== false};
})"""


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Any:
    index = EmbeddedIndex(":memory:")
    scenarios.load(index, scenarios.generate(weeks=10, seed=3, start=date(2025, 1, 6)))
    data = insights.answer(index, insights.InsightsRequest(rule=insights.EscalationRule(0.75))).to_dict()
    return report.write(tmp_path_factory.mktemp("report") / "report.html", data)


def assert_complete(state: list[dict[str, Any]]) -> None:
    assert len(state) == CANVASES and all(c["chart"] for c in state), state
    for canvas in state:
        assert canvas["elements"] > 0 and canvas["inked"] > 500, canvas
        assert canvas["moving"] == 0 and not canvas["animating"], canvas


def test_charts_are_complete_the_moment_the_page_loads(browser, page_file):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(page_file.as_uri(), wait_until="load")
    assert page.evaluate("document.documentElement.dataset.charts") == "drawn"
    assert_complete(page.evaluate(STATE))
    # Viewport captures: a full-page capture resizes the viewport (the scrollbar goes), and the responsive
    # charts then redraw at the new width, which is the capture's doing, not an animation.
    captured = page.screenshot()
    page.wait_for_timeout(1200)  # longer than any Chart.js animation: nothing may change on screen after load
    assert page.screenshot() == captured, "the page changed on screen after load"
    page.close()


def test_printing_redraws_every_chart_at_once(browser, page_file, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(page_file.as_uri(), wait_until="load")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi: the charts take the paper's width
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    state = page.evaluate(STATE)
    assert_complete(state)
    widths = page.evaluate("[...document.querySelectorAll('canvas')].map(c => c.getBoundingClientRect().width)")
    assert max(widths) < 794
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 50_000
    page.close()
