"""The embedded index (DuckDB): documents, per-document failures, concurrency, and the stack's restart invariant."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from functions import names
from functions.domain import insights
from functions.ports import IndexingError, Period
from salon import scenario as scenarios
from salon.embedded_index import EmbeddedIndex
from workflows import asl

REPO = Path(__file__).resolve().parents[2]
RULE = insights.EscalationRule(min_negative=0.75)


def comment(i: int, **changes) -> tuple[str, dict]:
    doc = {
        "commentId": f"c{i}",
        "designId": "d1",
        "designer": "amara",
        "author": "penny",
        "authorSub": f"s{i % 3}",
        "language": "en",
        "sentiment": "POSITIVE",
        "scores": {"Positive": 0.9, "Negative": 0.02, "Neutral": 0.05, "Mixed": 0.03},
        "positive": 0.9,
        "scored": 1,
        "submittedAt": f"2025-03-{1 + i % 28:02d}T10:00:00.000Z",
        "analyzedAt": "2025-03-29T10:00:02.000Z",
    }
    doc.update(changes)
    return f"c{i}", doc


def test_documents_are_kept_exactly_and_overwritten_by_id(tmp_path):
    index = EmbeddedIndex(tmp_path / "i.duckdb")
    doc_id, doc = comment(1, note="ünïcode ✓")
    index.index(names.COMMENTS_INDEX, doc_id, doc)
    assert index.get(names.COMMENTS_INDEX, doc_id) == doc
    index.index(names.COMMENTS_INDEX, doc_id, {**doc, "sentiment": "NEGATIVE"})
    assert index.count(names.COMMENTS_INDEX) == 1 and index.get(names.COMMENTS_INDEX, doc_id)["sentiment"] == "NEGATIVE"
    index.delete(names.COMMENTS_INDEX, doc_id)
    assert index.get(names.COMMENTS_INDEX, doc_id) is None and index.ids(names.COMMENTS_INDEX) == []


def test_documents_that_do_not_fit_the_mapping_fail_one_by_one(tmp_path):
    index = EmbeddedIndex(tmp_path / "i.duckdb")
    result = index.bulk(
        names.COMMENTS_INDEX,
        [
            comment(1),
            comment(2, submittedAt="yesterday"),
            comment(3, positive="high"),
            comment(4, scored=2),
            comment(5, scores=[0.1]),
            comment(6),
            comment(7, designId="d\ud800"),  # a lone surrogate: valid JSON, not storable text
        ],
    )
    assert result.indexed == 2 and index.ids(names.COMMENTS_INDEX) == ["c1", "c6"]
    reasons = {f["id"]: (f["status"], f["error"]) for f in result.failed}
    assert set(reasons) == {"c2", "c3", "c4", "c5", "c7"} and {s for s, _ in reasons.values()} == {400}
    assert "submittedAt" in reasons["c2"][1] and "positive" in reasons["c3"][1] and "scored" in reasons["c4"][1]
    assert "designId is not valid Unicode" in reasons["c7"][1]
    photos = index.bulk("photos", [("p\udfff", {"title": "x"}), ("p1", {"title": "\ud800"})])
    assert photos.indexed == 1 and [f["error"] for f in photos.failed] == [
        "mapper_parsing_exception: id is not valid Unicode (surrogates not allowed at 1)"
    ]
    assert index.get("photos", "p1") == {"title": "\ud800"}  # inside the JSON body it is kept, escaped
    with pytest.raises(IndexingError, match="c2: 400 mapper_parsing_exception"):
        index.index(names.COMMENTS_INDEX, *comment(2, submittedAt="yesterday"))


def test_a_repeated_id_in_one_batch_keeps_the_last(tmp_path):
    index = EmbeddedIndex(tmp_path / "i.duckdb")
    result = index.bulk(names.COMMENTS_INDEX, [comment(1, positive=0.1), comment(1, positive=0.7)])
    assert result.indexed == 1 and index.get(names.COMMENTS_INDEX, "c1")["positive"] == 0.7


def test_lambda_threads_can_index_and_answer_at_once(tmp_path):
    index = EmbeddedIndex(tmp_path / "i.duckdb")
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            for i in range(30):
                index.index(names.COMMENTS_INDEX, *comment(i + 20 * k))  # ids overlap between threads
                insights.answer(index, insights.InsightsRequest(rule=RULE))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and index.count(names.COMMENTS_INDEX) == 20 * 5 + 30


def test_a_second_handle_in_the_same_process_sees_the_same_data(tmp_path):
    writer = EmbeddedIndex(tmp_path / "i.duckdb")
    writer.index(names.COMMENTS_INDEX, *comment(1))
    assert EmbeddedIndex(tmp_path / "i.duckdb").get(names.COMMENTS_INDEX, "c1") is not None


CRASH = """
import os, sys
from salon.embedded_index import EmbeddedIndex
index = EmbeddedIndex(sys.argv[1])
index._db().execute("SET checkpoint_threshold = '1GB'")
index.bulk("comments", [("c1", {"submittedAt": "2025-03-01T10:00:00.000Z", "authorSub": "s"})])
os._exit(0)  # killed: no checkpoint, the write is only in the WAL
"""


def test_a_restarted_stack_starts_empty_even_after_a_crash(tmp_path):
    """The stack deletes its index file at start (salon/local/stack.py); DuckDB then discards a stale WAL."""
    path = tmp_path / "index.duckdb"  # StackConfig.index_path's name
    subprocess.run([sys.executable, "-c", CRASH, str(path)], cwd=REPO, check=True, timeout=60)
    assert Path(f"{path}.wal").exists()
    path.unlink()  # what EmbeddedStack.start does
    assert EmbeddedIndex(path).count(names.COMMENTS_INDEX) == 0


HOLD = """
import sys, time
from salon.embedded_index import EmbeddedIndex
held = EmbeddedIndex(sys.argv[1])
print("ready", flush=True)
time.sleep(30)
"""


def test_another_process_is_told_to_use_the_api(tmp_path):
    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        from salon.cli import main

        assert main(["insights", "--index", str(path)]) == 2
    finally:
        holder.kill()
        holder.wait(timeout=10)


def test_the_index_holds_what_the_workflows_send():
    """Every field the IndexComment / IndexPhoto states send is mapped in the index templates, and the
    scenario's documents have exactly the fields IndexComment sends (so a loaded scenario is a seeded one)."""
    from functions.adapters.opensearch_index import index_templates

    values = {p: "x" for p in asl.placeholders(asl.definition_path("comment_sentiment").read_text())}
    comment_doc = asl.load("comment_sentiment", values)["States"]["IndexComment"]["Parameters"]["Payload"]["document"]
    values = {p: "x" for p in asl.placeholders(asl.definition_path("image_moderation").read_text())}
    photo_doc = asl.load("image_moderation", values)["States"]["IndexPhoto"]["Parameters"]["Payload"]["document"]
    sent = {
        names.COMMENTS_INDEX: {k.removesuffix(".$") for k in comment_doc},
        names.PHOTOS_INDEX: {k.removesuffix(".$") for k in photo_doc},
    }
    templates = index_templates()
    for index, fields in sent.items():
        mapped = set(templates[f"{names.INDEX_TEMPLATE_PREFIX}{index}"]["template"]["mappings"]["properties"])
        assert fields <= mapped, f"{index}: not mapped: {sorted(fields - mapped)}"
    story = scenarios.generate(weeks=2, seed=1)
    assert set(story.comments[0].document()) == sent[names.COMMENTS_INDEX]
    assert set(story.photo_documents()[0][1]) == sent[names.PHOTOS_INDEX]


def test_bulk_loading_is_fast_enough_for_the_benchmark(tmp_path):
    """Not a benchmark (bench/bench_insights.py is): a guard that bulk stays vectorised."""
    index = EmbeddedIndex(tmp_path / "i.duckdb")
    docs = [comment(i) for i in range(20_000)]
    started = time.perf_counter()
    assert index.bulk(names.COMMENTS_INDEX, docs).indexed == 20_000
    assert time.perf_counter() - started < 10
    assert json.loads(json.dumps(index.get(names.COMMENTS_INDEX, "c19999"))) == docs[-1][1]


def test_first_comments_stay_exact_through_overwrites_and_deletes(tmp_path):
    """New customers per week come from a table of first comments kept on every write: moving a comment in
    time, giving it to another customer or deleting it must leave the same answer as computing from scratch."""
    from tests.insights.truth import truth

    index = EmbeddedIndex(tmp_path / "i.duckdb")
    docs = dict(comment(i) for i in range(12))  # customers s0, s1, s2; first comments on March 1, 2 and 3
    index.bulk(names.COMMENTS_INDEX, list(docs.items()))
    changes = [
        ("c0", {**docs["c0"], "submittedAt": "2025-03-20T10:00:00.000Z"}),  # s0's first moves later
        ("c1", {**docs["c1"], "authorSub": "s9"}),  # s1's first comment now belongs to a new customer
        ("c11", {**docs["c11"], "submittedAt": "2025-02-01T08:00:00.000Z"}),
    ]  # s2's first moves earlier
    index.bulk(names.COMMENTS_INDEX, changes)
    docs.update(changes)
    index.delete(names.COMMENTS_INDEX, "c3")
    del docs["c3"]
    for since in (None, insights.Period.from_dates(date(2025, 3, 3)).since):
        period = insights.Period(since, None)
        answer = insights.customer_growth(index.customer_rows(period), insights.weeks_of(index, period))
        expected = truth(list(docs.values()), since)["customers"]
        assert (answer.before, answer.new_in_period) == (expected["before"], expected["newInPeriod"])
        assert [(w.isoformat(), n, c) for w, n, c, _ in answer.weeks] == [
            (e["week"], e["new"], e["cumulative"]) for e in expected["weeks"]
        ]


def test_a_write_that_waits_too_long_for_its_turn_is_busy_and_transient(tmp_path):
    """A backlog of writers gets a retryable "busy" (as OpenSearch answers 429) instead of queueing past the
    caller's own timeout; nothing is half written, and the same write goes through once its turn comes."""
    from functions.errors import is_transient

    index = EmbeddedIndex(tmp_path / "index.duckdb", write_wait=0.2)
    doc_id, document = comment(1)
    index._lock.acquire()  # another writer's long turn
    try:
        started = time.monotonic()
        with pytest.raises(IndexingError, match="busy") as busy:
            index.index(names.COMMENTS_INDEX, doc_id, document)
        assert 0.2 <= time.monotonic() - started < 5
        assert is_transient(busy.value)
    finally:
        index._lock.release()
    assert index.get(names.COMMENTS_INDEX, doc_id) is None
    index.index(names.COMMENTS_INDEX, doc_id, document)
    assert index.get(names.COMMENTS_INDEX, doc_id) is not None


def _queued(index: EmbeddedIndex, n: int) -> None:
    deadline = time.monotonic() + 10
    while len(index._writer.pending) < n:
        assert time.monotonic() < deadline, f"{len(index._writer.pending)} of {n} writes queued"
        time.sleep(0.005)


def test_writes_that_wait_for_the_turn_are_all_committed_and_each_caller_learns_its_own_outcome(tmp_path):
    """Writers that queue behind a held turn are written together when it frees; a write that the database
    refuses fails alone, and the others in its group are still committed."""
    index = EmbeddedIndex(tmp_path / "index.duckdb")
    outcomes: dict[str, BaseException | None] = {}

    def write(i: int) -> None:
        try:
            index.index(names.COMMENTS_INDEX, *comment(i))
            outcomes[f"c{i}"] = None
        except BaseException as exc:
            outcomes[f"c{i}"] = exc

    index._lock.acquire()  # another writer's turn
    threads = [threading.Thread(target=write, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    _queued(index, 12)
    from salon.embedded_index import _PendingWrite

    poisoned = _PendingWrite(names.COMMENTS_INDEX, [("bad", "not a timestamp")])  # passes no validation
    index._writer.pending.append(poisoned)
    index._lock.release()
    for thread in threads:
        thread.join(10)
    assert outcomes == {f"c{i}": None for i in range(12)}
    assert poisoned.done.is_set() and poisoned.error is not None
    assert sorted(index.ids(names.COMMENTS_INDEX)) == sorted(f"c{i}" for i in range(12))
    assert index._writer.pending == []
    rows = index.customer_rows(Period())
    assert sum(rows.new_by_week.values()) == 3  # authors s0, s1, s2: their first comments kept exact


def test_a_queued_write_that_gets_no_turn_is_withdrawn_and_never_written_later(tmp_path):
    index = EmbeddedIndex(tmp_path / "index.duckdb", write_wait=0.2)
    index._lock.acquire()
    try:
        with pytest.raises(IndexingError, match="busy"):
            index.index(names.COMMENTS_INDEX, *comment(1))
        assert index._writer.pending == []
    finally:
        index._lock.release()
    index.index(names.COMMENTS_INDEX, *comment(2))
    assert index.ids(names.COMMENTS_INDEX) == ["c2"]
