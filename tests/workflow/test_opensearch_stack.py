"""`salon up --search opensearch`: the same workflows, with the index on osmem-server through opensearch-py.

The stack runs in its own process (the CLI, as a person starts it; the session's DuckDB stack may run in this
one), with the AI endpoint scripted over its HTTP hook. One upload and a few comments go the whole real way;
the documents must be on the OpenSearch server (and no DuckDB file written), and GET /insights, answered by the
OpenSearch adapter inside the insights function, must equal the ground truth over those documents.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from opensearchpy import OpenSearch

from functions import names
from salon.cli_insights import fetch_from_stack
from salon.client import StackClient
from salon.local.config import Endpoints
from tests.conftest import REPO_ROOT, jpeg, wait_until
from tests.insights.truth import assert_same, truth, without_summaries

pytestmark = pytest.mark.workflow
DESIGNER = "os-designer"
SENTIMENTS = [
    ("The colours are gorgeous, I love it!", "POSITIVE", {"Positive": 0.93, "Negative": 0.02, "Neutral": 0.04}),
    ("Chipped after one day, really disappointed.", "NEGATIVE", {"Positive": 0.02, "Negative": 0.94, "Neutral": 0.03}),
    ("I booked for Friday at ten.", "NEUTRAL", {"Positive": 0.1, "Negative": 0.05, "Neutral": 0.84}),
]


@pytest.fixture(scope="module")
def opensearch_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[StackClient, Path]]:
    home = tmp_path_factory.mktemp("salon-opensearch")
    ports = [arg for name in ("moto", "lambda", "ai", "api", "events", "realtime") for arg in (f"--{name}-port", "0")]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SALON_"))}
    log = (home / "stack.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "salon.cli", "--home", str(home), "up", "--search", "opensearch", *ports],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        state = home / "stack.json"
        wait_until(lambda: state.exists() or process.poll() is not None, timeout=120)
        assert process.poll() is None, (home / "stack.log").read_text()
        yield StackClient(Endpoints.load(state), timeout=120), home
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def script(client: StackClient, operation: str, responses: list[dict[str, Any]], match: str | None = None) -> None:
    body = {"operation": operation, "responses": responses, "match": match}
    requests.post(
        f"{client.endpoints.ai}/_salon/script", data=json.dumps(body), timeout=60
    ).raise_for_status()  # models may be loading


def test_an_upload_and_comments_are_indexed_on_opensearch_and_answered_from_it(opensearch_stack, tmp_path):
    client, home = opensearch_stack
    assert client.endpoints.opensearch.startswith("http://127.0.0.1:")
    script(client, "DetectModerationLabels", [{"result": {"ModerationLabels": []}}], match=f"/{DESIGNER}/")
    labels = {"Labels": [{"Name": "Manicure", "Confidence": 97.0, "Parents": [{"Name": "Hand"}]}]}
    script(client, "DetectLabels", [{"result": labels}], match=f"/{DESIGNER}/")
    photo = tmp_path / "design.jpg"
    photo.write_bytes(jpeg(400, 400, (190, 30, 80)))
    upload = client.upload(photo, DESIGNER, wait=True)
    assert upload["verdict"] == "approved", upload
    design = str(upload["photoId"])

    results = []
    for i, (text, sentiment, scores) in enumerate(SENTIMENTS):
        script(
            client,
            "DetectSentiment",
            [{"result": {"Sentiment": sentiment, "SentimentScore": {**scores, "Mixed": 0.01}}}],
        )
        results.append(client.comment(design, f"os-customer-{i}", text, wait=True))
    assert [(r["status"], r["sentiment"]) for r in results] == [("SUCCEEDED", s) for _, s, _ in SENTIMENTS]
    assert [r["escalated"] for r in results] == [False, True, False]

    search = OpenSearch(hosts=[client.endpoints.opensearch])
    search.indices.refresh(index=f"{names.COMMENTS_INDEX},{names.PHOTOS_INDEX}")
    assert search.get(index=names.PHOTOS_INDEX, id=design)["_source"]["designer"] == DESIGNER
    hits = search.search(index=names.COMMENTS_INDEX, body={"size": 100, "query": {"match_all": {}}})["hits"]["hits"]
    assert sorted(h["_id"] for h in hits) == sorted(r["commentId"] for r in results)
    assert not (home / "index.duckdb").exists()  # nothing went to the embedded engine

    answer = fetch_from_stack(client, "owner", {})
    assert_same(without_summaries(answer), truth([h["_source"] for h in hits]))
    assert answer["sentiment"]["total"] == 3 and answer["escalations"]["total"] == 1
