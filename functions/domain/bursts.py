"""Negative comments in a rolling window, and exactly one burst alert per burst.

The window is counted in buckets (BUCKETS_PER_WINDOW of them, window/12 seconds wide: 5 minutes for an hour),
so the state a negative touches and reads is the same size at 10 negatives an hour or 1,000,000: one counter
per bucket (sharded by the store), never a list of every negative. The window rolls in bucket steps: it
covers the current bucket and the BUCKETS_PER_WINDOW - 1 before it.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from functions import names
from functions.domain.comments import CommentPolicy

BUCKETS_PER_WINDOW = 12


@dataclass(frozen=True)
class WindowCount:
    """Negatives counted in the requested buckets, and when the last burst alert went out (epoch seconds)."""

    negatives: int
    alerted_at: int | None


class WindowStore(ABC):
    """Port over the counters table. Adds are idempotent per comment id; the alert claim is atomic."""

    @abstractmethod
    def add(self, counter: str, comment_id: str, bucket: int, expires_at: int) -> None:
        """Counts this comment once in `bucket` (a retry with the same comment id counts nothing)."""

    @abstractmethod
    def count(self, counter: str, buckets: list[int]) -> WindowCount: ...

    @abstractmethod
    def claim_alert(self, counter: str, at: int, not_alerted_since: int) -> bool:
        """Sets alerted_at=at only if no alert was sent at or after not_alerted_since; True if this call won."""


@dataclass(frozen=True)
class BurstCheck:
    negatives_in_window: int
    alert: bool


def epoch(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


def window_buckets(at: int, window_seconds: int) -> list[int]:
    """Start times of the buckets making up the window that ends at `at`, newest first."""
    width = max(1, math.ceil(window_seconds / BUCKETS_PER_WINDOW))
    current = at - at % width
    return [current - i * width for i in range(BUCKETS_PER_WINDOW)]


def record_negative(
    store: WindowStore, counter: str, comment_id: str, at: int, window_seconds: int, threshold: int
) -> BurstCheck:
    """Counts this negative (once, even on retries) and claims the alert when the window reaches the threshold.

    One alert per burst: after an alert, the next one needs a fresh window (no alert within window_seconds).
    """
    buckets = window_buckets(at, window_seconds)
    store.add(counter, comment_id, buckets[0], expires_at=at + 2 * window_seconds)
    state = store.count(counter, buckets)
    start = at - window_seconds
    not_alerted = state.alerted_at is None or state.alerted_at <= start
    alert = state.negatives >= threshold and not_alerted and store.claim_alert(counter, at, not_alerted_since=start)
    return BurstCheck(state.negatives, alert)


def assess(policy: CommentPolicy, store: WindowStore, comment: dict[str, Any]) -> dict[str, Any]:
    """The comment policy on one analysed comment: escalate it (strongly negative)? is a burst under way?
    `comment`: commentId, sentiment, scores, submittedAt (the AssessComment task's input)."""
    negative = comment["sentiment"] == "NEGATIVE"
    result: dict[str, Any] = {
        "escalate": negative and float(comment["scores"].get("Negative", 0)) >= policy.min_negative,
        "negative": negative,
        "burstAlert": False,
        "negativesInWindow": None,
        "burstThreshold": policy.burst_threshold,
        "windowMinutes": policy.window_minutes,
    }
    if negative:
        check = record_negative(
            store,
            names.BURST_COUNTER,
            comment["commentId"],
            epoch(comment["submittedAt"]),
            policy.window_minutes * 60,
            policy.burst_threshold,
        )
        result.update(burstAlert=check.alert, negativesInWindow=check.negatives_in_window)
    return result
