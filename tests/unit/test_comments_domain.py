import pytest

from functions.domain.bursts import WindowState, WindowStore, record_negative
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
        self.negatives, self.alerted_at = {}, None

    def add(self, counter, comment_id, at, expires_at):
        self.negatives.setdefault(comment_id, at)
        return WindowState(dict(self.negatives), self.alerted_at)

    def prune(self, counter, comment_ids):
        for cid in comment_ids:
            self.negatives.pop(cid, None)

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
    assert check.negatives_in_window == 1 and not check.alert and "old" not in store.negatives
