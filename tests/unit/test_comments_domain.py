import pytest

from functions.domain.bursts import BUCKETS_PER_WINDOW, WindowCount, WindowStore, record_negative, window_buckets
from functions.domain.comments import CommentPolicy, CommentRefused, excerpt, normalise


def test_normalise_strips_controls_unifies_newlines_and_trims():
    assert normalise("  \x00Hi\x07 there\r\nsecond\rthird\u202e  ") == "Hi there\nsecond\nthird"
    assert normalise("e\u0301") == "\u00e9"  # NFC


def test_normalise_limits_bytes_after_normalisation():
    assert normalise("é" * 2500) == "é" * 2500
    with pytest.raises(CommentRefused, match="5002 bytes"):
        normalise("é" * 2501)
    with pytest.raises(CommentRefused, match="empty"):
        normalise("\x01\x02 \n")


def test_excerpt():
    assert excerpt("short", 10) == "short"
    assert excerpt("a" * 20, 10) == "a" * 9 + "…"


def test_policy_file_validates():
    policy = CommentPolicy.load()
    assert 0 < policy.min_negative <= 1 and policy.burst_threshold >= 2


class MemoryStore(WindowStore):
    """In-memory fake of the counters table with the same idempotency and atomic-claim semantics."""

    def __init__(self):
        self.seen, self.buckets, self.alerted_at = set(), {}, None

    def add(self, counter, comment_id, bucket, expires_at):
        if comment_id not in self.seen:
            self.seen.add(comment_id)
            self.buckets[bucket] = self.buckets.get(bucket, 0) + 1

    def count(self, counter, buckets):
        return WindowCount(sum(self.buckets.get(b, 0) for b in buckets), self.alerted_at)

    def claim_alert(self, counter, at, not_alerted_since):
        if self.alerted_at is None or self.alerted_at <= not_alerted_since:
            self.alerted_at = at
            return True
        return False


def test_one_alert_per_burst_and_a_new_one_after_the_window():
    store, window = MemoryStore(), 3600
    alerts = [record_negative(store, "c", f"n{i}", 1000 + i, window, 3).alert for i in range(6)]
    assert alerts == [False, False, True, False, False, False]
    assert record_negative(store, "c", "n2", 1002, window, 3).alert is False  # a retry counts nothing twice
    later = [record_negative(store, "c", f"m{i}", 1000 + window + 10 + i, window, 3) for i in range(3)]
    assert [c.alert for c in later] == [False, False, True]


def test_rolling_window_forgets_old_negatives():
    store = MemoryStore()
    record_negative(store, "c", "old", 0, 60, 2)
    check = record_negative(store, "c", "new", 100, 60, 2)
    assert check.negatives_in_window == 1 and not check.alert


def test_the_window_is_a_fixed_number_of_buckets_whatever_the_rate():
    buckets = window_buckets(7205, 3600)
    assert len(buckets) == BUCKETS_PER_WINDOW and buckets[0] == 7200 and buckets[-1] == 7200 - 11 * 300
    store = MemoryStore()
    for i in range(5000):  # 5,000 negatives in 50 seconds: the state is still one counter per bucket
        record_negative(store, "c", f"x{i}", 100_000 + i // 100, 3600, 10**6)
    assert len(store.buckets) <= 2 and sum(store.buckets.values()) == 5000
