import pytest

from functions.config import default_comment_policy
from functions.domain.bursts import BUCKETS_PER_WINDOW, record_negative, window_buckets
from functions.domain.comments import CommentRefused, excerpt, normalise
from tests.fakes import MemoryWindowStore


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
    policy = default_comment_policy()
    assert 0 < policy.min_negative <= 1 and policy.burst_threshold >= 2


def test_one_alert_per_burst_and_a_new_one_after_the_window():
    store, window = MemoryWindowStore(), 3600
    alerts = [record_negative(store, "c", f"n{i}", 1000 + i, window, 3).alert for i in range(6)]
    assert alerts == [False, False, True, False, False, False]
    assert record_negative(store, "c", "n2", 1002, window, 3).alert is False  # a retry counts nothing twice
    later = [record_negative(store, "c", f"m{i}", 1000 + window + 10 + i, window, 3) for i in range(3)]
    assert [c.alert for c in later] == [False, False, True]


def test_rolling_window_forgets_old_negatives():
    store = MemoryWindowStore()
    record_negative(store, "c", "old", 0, 60, 2)
    check = record_negative(store, "c", "new", 100, 60, 2)
    assert check.negatives_in_window == 1 and not check.alert


def test_the_window_is_a_fixed_number_of_buckets_whatever_the_rate():
    buckets = window_buckets(7205, 3600)
    assert len(buckets) == BUCKETS_PER_WINDOW and buckets[0] == 7200 and buckets[-1] == 7200 - 11 * 300
    store = MemoryWindowStore()
    for i in range(5000):  # 5,000 negatives in 50 seconds: the state is still one counter per bucket
        record_negative(store, "c", f"x{i}", 100_000 + i // 100, 3600, 10**6)
    assert len(store.buckets) <= 2 and sum(store.buckets.values()) == 5000
