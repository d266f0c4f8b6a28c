"""Scenarios with a known story, for the insights tests and the demo.

A scenario is a few weeks of a salon's life, drawn from a seeded random generator:
- customers arrive over the weeks, more each week (each one's first comment is in the week they arrive);
- designers differ in quality (the mean positivity of the comments on their work); one is new and has too few
  comments to be ranked;
- some designs are seasonal: most of their comments fall in their season (a few weeks), others are evergreen;
- satisfaction dips for a couple of weeks (every comment's positivity drops), with escalated comments;
- a few comments are in a language Comprehend cannot score (UNSCORED).

`generate` makes one; `load` writes it straight into a SearchIndex through the port (exact ground truth:
the documents are exactly the scenario's); `seed_stack` plays it through a running embedded stack's real
workflows (designs uploaded as drawn images, comments as CommentSubmitted events; this week's through the
comment API), where the AI models decide the sentiment unless a test scripts them.
"""

from __future__ import annotations

import json
import random
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from functions import names
from functions.adapters.eventbridge import publish
from functions.domain.comments import normalise
from functions.domain.executions import execution_name
from functions.domain.insights import WEEK, parse_instant, week_of
from functions.ports import BulkResult, SearchIndex

SECOND = timedelta(seconds=1)
DIP = 0.32  # positivity lost by every comment during the dip

POSITIVE_TEXTS = (
    "I love this design, the colour is gorgeous!",
    "Absolutely beautiful work, thank you so much!",
    "Perfect nails, the best manicure I have ever had.",
    "Stunning finish, I am so happy with it!",
    "Wonderful job, my friends all love these nails.",
)
NEGATIVE_TEXTS = (
    "Terrible job, the polish chipped after one day.",
    "Awful, the nails look messy and uneven.",
    "Very disappointed, this was a waste of money.",
    "Horrible experience, my nails were ruined.",
    "Bad work, the colour is wrong and the edges are sloppy.",
)
NEUTRAL_TEXTS = (
    "I booked this design for next Friday.",
    "Is this design available in a shorter length?",
    "How long does this set take?",
    "I had this done on Tuesday afternoon.",
)
MIXED_TEXTS = (
    "Lovely colour, but it chipped within two days.",
    "Great design, although the appointment was rushed and late.",
    "The shape is nice but the colour is not what I expected.",
)
DUTCH_TEXTS = (
    "Dit is echt heel mooi gedaan, ik ben er blij mee",
    "Prachtige kleur, ik kom zeker terug",
    "Mooie nagels, volgende keer wil ik dezelfde kleur",
)
TEXTS = {
    "POSITIVE": POSITIVE_TEXTS,
    "NEGATIVE": NEGATIVE_TEXTS,
    "NEUTRAL": NEUTRAL_TEXTS,
    "MIXED": MIXED_TEXTS,
    "UNSCORED": DUTCH_TEXTS,
}
# Score vectors for `palette=True` (a handful of distinct analyses, so a test can script the AI in groups).
PALETTE = (
    ("POSITIVE", {"Positive": 0.93, "Negative": 0.01, "Neutral": 0.05, "Mixed": 0.01}),
    ("POSITIVE", {"Positive": 0.72, "Negative": 0.04, "Neutral": 0.2, "Mixed": 0.04}),
    ("MIXED", {"Positive": 0.3, "Negative": 0.22, "Neutral": 0.08, "Mixed": 0.4}),
    ("NEUTRAL", {"Positive": 0.18, "Negative": 0.1, "Neutral": 0.68, "Mixed": 0.04}),
    ("NEGATIVE", {"Positive": 0.12, "Negative": 0.62, "Neutral": 0.2, "Mixed": 0.06}),
    ("NEGATIVE", {"Positive": 0.02, "Negative": 0.91, "Neutral": 0.04, "Mixed": 0.03}),
)


@dataclass(frozen=True)
class Designer:
    name: str
    quality: float  # mean positivity of comments on their designs
    designs: int
    popularity: float = 1.0  # relative share of comments
    joins: float = 0.0  # fraction of the scenario after which their first design is published


@dataclass(frozen=True)
class Design:
    design_id: str
    designer: str
    title: str
    published_week: int
    season: tuple[int, int] | None  # first and last week (0-based) when it is in fashion; None = evergreen
    image_seed: int


@dataclass(frozen=True)
class Customer:
    username: str
    sub: str
    arrival_week: int


@dataclass(frozen=True)
class Comment:
    comment_id: str
    design_id: str
    designer: str
    username: str
    sub: str
    submitted_at: datetime  # aware UTC, millisecond precision
    language: str
    sentiment: str
    scores: dict[str, float]  # empty when UNSCORED
    text: str

    @property
    def positive(self) -> float:
        return self.scores.get("Positive", 0.0)

    @property
    def scored(self) -> int:
        return 0 if self.sentiment == "UNSCORED" else 1

    def document(self) -> dict[str, Any]:
        """Exactly what the IndexComment state writes for this comment."""
        return {
            "commentId": self.comment_id,
            "designId": self.design_id,
            "designer": self.designer,
            "author": self.username,
            "authorSub": self.sub,
            "language": self.language,
            "sentiment": self.sentiment,
            "scores": dict(self.scores),
            "positive": self.positive,
            "scored": self.scored,
            "submittedAt": iso(self.submitted_at),
            "analyzedAt": iso(self.submitted_at + 2 * SECOND),
            "text": self.text,  # the public text: the scenario's comments carry no personal data to mask
            "visibility": "shown",
        }


@dataclass
class Scenario:
    seed: int
    start: date  # Monday of week 0
    weeks: int
    designers: list[Designer]
    designs: list[Design]
    customers: list[Customer]
    comments: list[Comment]
    dip_weeks: tuple[int, ...]

    def week_start(self, week: int) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC) + WEEK * week

    def comment_documents(self) -> list[tuple[str, dict[str, Any]]]:
        return [(c.comment_id, c.document()) for c in self.comments]

    def photo_documents(self) -> list[tuple[str, dict[str, Any]]]:
        docs = []
        for d in self.designs:
            published = self.week_start(d.published_week) + timedelta(hours=9)
            docs.append(
                (
                    d.design_id,
                    {
                        "photoId": d.design_id,
                        "designer": d.designer,
                        "labels": [{"name": "Nail", "confidence": 97.5}, {"name": "Manicure", "confidence": 95.1}],
                        "objectKey": f"{names.PUBLISHED_PREFIX}{d.designer}/{d.design_id}.jpg",
                        "uploadedAt": iso(published - 5 * SECOND),
                        "publishedAt": iso(published),
                    },
                )
            )
        return docs

    def story(self) -> dict[str, Any]:
        """The story the generator was asked to tell (what the charts should show), for people to read."""
        return {
            "weeks": self.weeks,
            "start": self.start.isoformat(),
            "comments": len(self.comments),
            "customers": len(self.customers),
            "designs": len(self.designs),
            "designerQuality": {d.name: d.quality for d in sorted(self.designers, key=lambda d: -d.quality)},
            "seasonalDesigns": {
                d.design_id: {
                    "designer": d.designer,
                    "title": d.title,
                    "weeks": [(self.start + WEEK * w).isoformat() for w in d.season],
                }
                for d in self.designs
                if d.season
            },
            "dipWeeks": [(self.start + WEEK * w).isoformat() for w in self.dip_weeks],
            "arrivalsPerWeek": [sum(1 for c in self.customers if c.arrival_week == w) for w in range(self.weeks)],
        }


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _uuid(rnd: random.Random) -> str:
    return str(uuid.UUID(int=rnd.getrandbits(128), version=4))


DESIGNERS = (
    Designer("amara", 0.86, 4, 1.2),
    Designer("bea", 0.72, 4, 1.0),
    Designer("chen", 0.6, 3, 0.9),
    Designer("dario", 0.36, 3, 0.8),
    Designer("elif", 0.9, 1, 0.12, joins=0.85),
)
TITLES = (
    "Cherry chrome",
    "Velvet plum",
    "Glazed donut",
    "Midnight glitter",
    "Coral sunset",
    "Frosted tips",
    "Lilac ombre",
    "Gold flakes",
    "Mint french",
    "Ruby cat-eye",
    "Pearl dust",
    "Neon summer",
    "Autumn leaf",
    "Snow sparkle",
    "Espresso matte",
)


def _designs(rnd: random.Random, weeks: int, designers: Iterable[Designer]) -> list[Design]:
    designs, n = [], 0
    for designer in designers:
        for k in range(designer.designs):
            seasonal = k % 2 == 1 and weeks >= 4
            if seasonal:
                first = rnd.randrange(0, max(1, weeks - 3))
                season: tuple[int, int] | None = (first, min(weeks - 1, first + 2))
                published = first
            else:
                season, published = None, 0 if k == 0 else rnd.randrange(0, max(1, weeks // 2))
            published = max(published, int(designer.joins * weeks))
            designs.append(
                Design(_uuid(rnd), designer.name, TITLES[n % len(TITLES)], published, season, rnd.randrange(1_000_000))
            )
            n += 1
    return designs


def _analysis(rnd: random.Random, mean: float, palette: bool) -> tuple[str, dict[str, float]]:
    """A Comprehend-like analysis for a comment whose underlying mood is drawn around `mean`."""
    mood = min(0.98, max(0.02, rnd.gauss(mean, 0.16)))
    if palette:
        return min(PALETTE, key=lambda item: abs(item[1]["Positive"] - mood))
    if mood >= 0.62:  # Positive dominates
        positive = mood
        negative, neutral = (1 - positive) * rnd.uniform(0.05, 0.3), (1 - positive) * rnd.uniform(0.4, 0.7)
    elif mood >= 0.45:  # Neutral dominates
        neutral = rnd.uniform(0.55, 0.85)
        positive, negative = (1 - neutral) * rnd.uniform(0.5, 0.8), (1 - neutral) * rnd.uniform(0.05, 0.3)
    elif mood >= 0.32:  # Mixed dominates
        positive, negative, neutral = rnd.uniform(0.15, 0.3), rnd.uniform(0.1, 0.25), rnd.uniform(0.02, 0.08)
    else:  # Negative dominates; the lower the mood, the stronger
        negative = min(0.98, 0.55 + (0.32 - mood) / 0.32 * 0.43 + rnd.uniform(-0.05, 0.05))
        positive, neutral = (1 - negative) * rnd.uniform(0.1, 0.5), (1 - negative) * rnd.uniform(0.2, 0.6)
    scores = {"Positive": round(positive, 4), "Negative": round(negative, 4), "Neutral": round(neutral, 4)}
    scores["Mixed"] = round(max(0.0, 1.0 - sum(scores.values())), 4)
    return max(scores, key=lambda k: scores[k]).upper(), scores


def generate(
    weeks: int = 12,
    seed: int = 7,
    start: date | None = None,
    now: datetime | None = None,
    scale: float = 1.0,
    palette: bool = False,
    multilingual: bool = False,
) -> Scenario:
    """A scenario of `weeks` weeks starting on the Monday `start` (default: so that the last week is this week;
    comments then never lie after `now`). `scale` multiplies the customers; `palette` snaps the scores to a
    few distinct analyses (see PALETTE); `multilingual` writes comments in the demo's ten languages."""
    from salon.demo.texts import pick

    if weeks < 1:
        raise ValueError("a scenario needs at least one week")
    rnd = random.Random(seed)
    now = now or datetime.now(UTC)
    start = week_of(start) if start else week_of(now) - WEEK * (weeks - 1)
    designers = list(DESIGNERS)
    designs = _designs(rnd, weeks, designers)
    dip_start = max(1, (2 * weeks) // 3 - 1) if weeks >= 4 else weeks
    dip = tuple(w for w in (dip_start, dip_start + 1) if w < weeks) if weeks >= 4 else ()
    quality = {d.name: d.quality for d in designers}
    popularity = {d.name: d.popularity for d in designers}
    scenario = Scenario(seed, start, weeks, designers, designs, [], [], dip)
    for week in range(weeks):
        for _ in range(round(scale * (3 + 1.5 * week))):
            n = len(scenario.customers)
            scenario.customers.append(Customer(f"customer{n + 1:04d}", _uuid(rnd), week))
        base = scenario.week_start(week)
        limit = min(WEEK, now - base) if now > base else WEEK
        available = [d for d in designs if d.published_week <= week]
        weights = [
            popularity[d.designer]
            * (6.0 if d.season and d.season[0] <= week <= d.season[1] else 0.25 if d.season else 1.0)
            for d in available
        ]
        for customer in scenario.customers:
            visits = (1 + (rnd.random() < 0.3)) if customer.arrival_week == week else int(rnd.random() < 0.38)
            for _ in range(visits):
                design = rnd.choices(available, weights)[0]
                offset = timedelta(milliseconds=rnd.randrange(max(1, int(limit.total_seconds() * 1000))))
                mean = quality[design.designer] - (DIP if week in dip else 0.0)
                scores: dict[str, float]
                if rnd.random() < 0.05:
                    sentiment, scores, language = "UNSCORED", {}, "nl"
                else:
                    (sentiment, scores), language = _analysis(rnd, mean, palette), "en"
                text = rnd.choice(TEXTS[sentiment])
                if multilingual:
                    language, text = pick(rnd, sentiment, TEXTS)
                scenario.comments.append(
                    Comment(
                        _uuid(rnd),
                        design.design_id,
                        design.designer,
                        customer.username,
                        customer.sub,
                        base + offset,
                        language,
                        sentiment,
                        dict(scores),
                        text,
                    )
                )
    scenario.comments.sort(key=lambda c: c.submitted_at)
    return scenario


def load(index: SearchIndex, scenario: Scenario, chunk: int = 5000) -> BulkResult:
    """Writes the scenario's photos and comments through the port, as the indexing Lambda would."""
    total = BulkResult()
    for name, docs in (
        (names.PHOTOS_INDEX, scenario.photo_documents()),
        (names.COMMENTS_INDEX, scenario.comment_documents()),
    ):
        for i in range(0, len(docs), chunk):
            part = index.bulk(name, docs[i : i + chunk])
            total.indexed += part.indexed
            total.failed += part.failed
    return total


# -- through a running stack's real workflows ----------------------------------------------------------------
@dataclass
class SeedReport:
    """What `seed_stack` sent and what came back; `recorded` is the scenario as the stack holds it (real
    design ids, customer subs and, for comments sent through the API, the server's timestamp)."""

    designs_planned: int = 0
    designs_approved: int = 0
    uploads: int = 0
    uploads_not_approved: int = 0
    designs_dropped: list[str] = field(default_factory=list)
    comments_planned: int = 0
    comments_via_api: int = 0
    comments_via_events: int = 0
    comments_succeeded: int = 0
    comments_failed: list[str] = field(default_factory=list)
    comments_remapped: int = 0  # their design was never approved: moved to an approved one by the same designer
    comments_skipped: int = 0  # neither their design nor any other by the same designer was approved
    sentiment_agreement: int = 0  # analysed as the scenario intended
    seconds: float = 0.0
    recorded: Scenario | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "designs": {
                "planned": self.designs_planned,
                "approved": self.designs_approved,
                "uploads": self.uploads,
                "notApproved": self.uploads_not_approved,
                "dropped": self.designs_dropped,
            },
            "comments": {
                "planned": self.comments_planned,
                "viaApi": self.comments_via_api,
                "viaEvents": self.comments_via_events,
                "succeeded": self.comments_succeeded,
                "failed": len(self.comments_failed),
                "remapped": self.comments_remapped,
                "skipped": self.comments_skipped,
                "sentimentAsIntended": self.sentiment_agreement,
            },
            "requests": self.uploads + self.comments_via_api + self.comments_via_events,
            "seconds": round(self.seconds, 1),
        }


Script = Callable[[list[Comment]], None]
Progress = Callable[[str, int, int], None]


def seed_stack(
    client: Any,
    scenario: Scenario,
    *,
    workers: int = 4,
    attempts: int = 5,
    script: Script | None = None,
    progress: Progress | None = None,
    draw: Callable[[int], bytes] | None = None,
) -> SeedReport:
    """Plays the scenario through a running embedded stack (a salon.client.StackClient).

    Designs: drawn manicures uploaded by their designer (presigned POST -> image-moderation workflow); one the
    models do not approve is redrawn, up to `attempts` times, then dropped (its comments go to another approved
    design by the same designer, or are skipped when there is none). Comments: this
    week's through the comment API (the server stamps the time), older ones as the CommentSubmitted event the
    API would have sent at the time (EventBridge -> SQS -> comment workflow), so the weeks keep their history.
    `script(group)` is called before each group of comments with the same analysis (tests script the AI).
    `draw(seed)` makes a design's image (default: a drawn manicure).
    """
    from salon.demo.images import manicure

    draw = draw or manicure
    started = time.monotonic()
    report = SeedReport(designs_planned=len(scenario.designs), comments_planned=len(scenario.comments))
    design_ids, lock = {}, threading.Lock()
    done = [0]

    def tick(stage: str, total: int) -> None:
        with lock:
            done[0] += 1
            if progress:
                progress(stage, done[0], total)

    def upload(design: Design, folder: Path) -> None:
        for attempt in range(attempts):
            path = folder / f"{design.design_id}-{attempt}.jpg"
            path.write_bytes(draw(design.image_seed + 7919 * attempt))
            result = client.upload(path, design.designer, wait=True)
            with lock:
                report.uploads += 1
                if result.get("verdict") == "approved":
                    design_ids[design.design_id] = str(result["photoId"])
                    report.designs_approved += 1
                    break
                report.uploads_not_approved += 1
        else:
            with lock:
                report.designs_dropped.append(design.design_id)
        tick("designs", len(scenario.designs))

    for designer in sorted({d.designer for d in scenario.designs}):  # sign each in once, before the threads
        client.token(designer, names.GROUP_DESIGNER)  # (two first sign-ins of one user at once can race)
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda d: upload(d, Path(tmp)), scenario.designs))

    _remap_dropped(scenario, design_ids)
    subs = _identities(client, {c.username for c in scenario.comments}, workers)
    current_week = week_of(datetime.now(UTC))
    sendable = [c for c in scenario.comments if c.design_id in design_ids]
    report.comments_skipped = len(scenario.comments) - len(sendable)
    dropped = set(report.designs_dropped)
    report.comments_remapped = sum(1 for c in sendable if c.design_id in dropped)
    recorded: dict[str, Comment] = {}
    done[0] = 0

    def send(comment: Comment) -> None:
        design_id = design_ids[comment.design_id]
        if week_of(comment.submitted_at) == current_week:
            result = client.comment(design_id, comment.username, comment.text, wait=True)
            comment_id = str(result["commentId"])
            moment = _submitted_at(client, result.get("executionArn")) or comment.submitted_at
            via = "api"
        else:
            comment_id, result = comment.comment_id, _import_comment(client, comment, design_id, subs)
            moment, via = comment.submitted_at, "events"
        ok = result.get("status") == "SUCCEEDED"
        with lock:
            report.comments_via_api += via == "api"
            report.comments_via_events += via == "events"
            if ok:
                report.comments_succeeded += 1
                report.sentiment_agreement += result.get("sentiment") == comment.sentiment
                recorded[comment_id] = replace(
                    comment, comment_id=comment_id, design_id=design_id, sub=subs[comment.username], submitted_at=moment
                )
            else:
                report.comments_failed.append(f"{comment_id}: {result.get('error') or result.get('status')}")
        tick("comments", len(sendable))

    groups = _groups(sendable) if script else [sendable]
    with ThreadPoolExecutor(workers) as pool:
        for group in groups:
            if script:
                script(group)
            list(pool.map(send, group))
    report.recorded = replace(
        scenario,
        comments=sorted(recorded.values(), key=lambda c: c.submitted_at),
        designs=[
            replace(d, design_id=design_ids[d.design_id])
            for d in scenario.designs
            if d.design_id in design_ids and d.design_id not in dropped
        ],
        customers=[replace(c, sub=subs.get(c.username, c.sub)) for c in scenario.customers],
    )
    report.seconds = time.monotonic() - started
    return report


def _remap_dropped(scenario: Scenario, design_ids: dict[str, str]) -> None:
    """Comments on a design the models never approved go to an approved design by the same designer (the
    designer's story stays; that design's season is lost). A designer with no approved design loses them."""
    approved: dict[str, list[str]] = {}
    for design in scenario.designs:
        if design.design_id in design_ids:
            approved.setdefault(design.designer, []).append(design_ids[design.design_id])
    for design in scenario.designs:
        if design.design_id not in design_ids and approved.get(design.designer):
            choices = approved[design.designer]
            design_ids[design.design_id] = choices[design.image_seed % len(choices)]


def _groups(comments: list[Comment]) -> list[list[Comment]]:
    """Comments with the same analysis, grouped (in order of first appearance)."""
    groups: dict[tuple[Any, ...], list[Comment]] = {}
    for c in comments:
        groups.setdefault((c.sentiment, tuple(sorted(c.scores.items()))), []).append(c)
    return list(groups.values())


def _identities(client: Any, usernames: set[str], workers: int) -> dict[str, str]:
    """Signs each customer in (creating the user in the customer group) and returns username -> sub."""
    idp = client.aws("cognito-idp")

    def sub(username: str) -> tuple[str, str]:
        client.token(username, names.GROUP_CUSTOMER)
        user = idp.admin_get_user(UserPoolId=client.endpoints.user_pool_id, Username=username)
        return username, next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")

    with ThreadPoolExecutor(workers) as pool:
        return dict(pool.map(sub, sorted(usernames)))


def _import_comment(client: Any, comment: Comment, design_id: str, subs: dict[str, str]) -> dict[str, Any]:
    """The CommentSubmitted event the API would have published when the comment was written."""
    detail = {
        "commentId": comment.comment_id,
        "designId": design_id,
        "designer": comment.designer,
        "text": normalise(comment.text),
        "author": {
            "sub": subs[comment.username],
            "username": comment.username,
            "email": f"{comment.username}@salon.example",
        },
        "submittedAt": iso(comment.submitted_at),
    }
    publish(client.aws("events"), names.EVENT_BUS, names.EVENT_COMMENT_SUBMITTED, detail)
    name = execution_name({"detail-type": names.EVENT_COMMENT_SUBMITTED, "detail": detail})
    described = client.wait_for_execution(client.execution_arn(name, client.endpoints.comment_state_machine_arn))
    output = json.loads(described.get("output") or "{}")
    return {
        "status": described["status"],
        "sentiment": output.get("sentiment"),
        "error": described.get("error") or described.get("cause"),
    }


def _submitted_at(client: Any, execution_arn: str | None) -> datetime | None:
    """The server's submittedAt for a comment sent through the API (from its execution's input)."""
    if not execution_arn:
        return None
    described = client.aws("stepfunctions").describe_execution(executionArn=execution_arn)
    submitted = json.loads(described.get("input") or "{}").get("detail", {}).get("submittedAt")
    return parse_instant(submitted) if submitted else None
