"""Negative comments in a rolling window, and exactly one burst alert per burst."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from functions import names
from functions.domain.comments import CommentPolicy


@dataclass(frozen=True)
class WindowState:
    """Epoch seconds of each negative comment in the window, and when the last alert went out."""

    negatives: dict[str, int]
    alerted_at: int | None


class WindowStore(ABC):
    """Port over the counters table. Adds are idempotent per comment id; the alert claim is atomic."""

    @abstractmethod
    def add(self, counter: str, comment_id: str, at: int, expires_at: int) -> WindowState: ...

    @abstractmethod
    def prune(self, counter: str, comment_ids: list[str]) -> None: ...

    @abstractmethod
    def claim_alert(self, counter: str, at: int, not_alerted_since: int) -> bool:
        """Sets alerted_at=at only if no alert was sent at or after not_alerted_since; True if this call won."""


@dataclass(frozen=True)
class BurstCheck:
    negatives_in_window: int
    alert: bool


def epoch(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


def record_negative(
    store: WindowStore, counter: str, comment_id: str, at: int, window_seconds: int, threshold: int
) -> BurstCheck:
    """Counts this negative (once, even on retries) and claims the alert when the window reaches the threshold.

    The window is rolling: negatives older than `window_seconds` before this one do not count, and are pruned.
    One alert per burst: after an alert, the next one needs a fresh window (no alert within window_seconds).
    """
    state = store.add(counter, comment_id, at, expires_at=at + 2 * window_seconds)
    start = at - window_seconds
    stale = [cid for cid, t in state.negatives.items() if t <= start]
    if stale:
        store.prune(counter, stale)
    count = sum(1 for t in state.negatives.values() if start < t <= at)
    alert = count >= threshold and store.claim_alert(counter, at, not_alerted_since=start)
    return BurstCheck(count, alert)


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
