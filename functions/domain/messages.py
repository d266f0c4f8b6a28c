"""Emails people read: owner alerts as text and HTML.

Subjects are one line under 100 characters built only from trusted fields (never comment text).
Untrusted text is HTML-escaped in the HTML part. The SNS message uses a JSON message structure:
email subscribers get the text; SQS subscribers (a mail renderer, or the local mailbox) get both parts.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: str, limit: int = 99) -> str:
    """Collapses control characters (CR/LF included) and trims to the limit."""
    text = _UNSAFE.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str
    sms: str = ""  # the SMS subscribers' text; empty: they get the default (the email text)

    def sns(self) -> dict[str, str]:
        structure = {
            "default": self.text,
            "email": self.text,
            "sqs": json.dumps({"email": self.text, "html": self.html, "sms": self.sms}, ensure_ascii=False),
        }
        if self.sms:
            structure["sms"] = self.sms
        return {"subject": self.subject, "message": json.dumps(structure, ensure_ascii=False)}


def _page(title: str, rows: list[tuple[str, str]], sections: list[tuple[str, str]], link: str) -> str:
    """rows/sections hold already-escaped HTML."""
    table = "".join(f"<tr><th align='left'>{k}</th><td>{v}</td></tr>" for k, v in rows)
    body = "".join(f"<h3>{h}</h3>{content}" for h, content in sections)
    return (
        f"<!doctype html><html><body style='font-family:sans-serif;max-width:640px'>"
        f"<h2>{html.escape(title)}</h2><table cellpadding='4'>{table}</table>{body}"
        f"<p><a href='{html.escape(link, quote=True)}'>Open in the console</a></p></body></html>"
    )


def _person(who: dict[str, Any]) -> tuple[str, str]:
    return str(who.get("username") or "unknown"), str(who.get("email") or "no email given")


def quarantine_alert(photo: dict[str, Any], decision: dict[str, Any], link: str) -> Email:
    name, contact = _person(photo.get("uploader") or {"username": photo.get("designer")})
    reasons = [str(r) for r in decision.get("reasons", [])]
    labels = [
        f"{m.get('name')}{' / ' + m['parent'] if m.get('parent') else ''}: {m.get('confidence')}%"
        for m in decision.get("moderation", [])
    ]
    text = "\n".join(
        [
            "An upload was quarantined by the moderation policy and is not visible in the gallery.",
            "",
            f"Uploader:   {name}",
            f"Email:      {contact}",
            f"User id:    {(photo.get('uploader') or {}).get('sub') or 'unknown'}",
            f"Object:     {photo.get('objectKey')}",
            "",
            "Why:",
            *[f"  - {r}" for r in reasons],
            "",
            "Moderation labels (Rekognition):",
            *[f"  - {label}" for label in labels],
            "",
            f"Execution: {link}",
        ]
    )
    page = _page(
        "Quarantined upload",
        [
            ("Uploader", html.escape(name)),
            ("Email", html.escape(contact)),
            ("Object", html.escape(str(photo.get("objectKey")))),
        ],
        [
            ("Why", "<ul>" + "".join(f"<li>{html.escape(r)}</li>" for r in reasons) + "</ul>"),
            ("Moderation labels", "<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in labels) + "</ul>"),
        ],
        link,
    )
    return Email(one_line(f"Quarantined upload from {name}"), text, page)


def escalation_alert(
    comment: dict[str, Any], analysis: dict[str, Any], excerpt_text: str, design_link: str, link: str
) -> Email:
    name, contact = _person(comment.get("author") or {})
    scores = analysis.get("scores") or {}
    negative = float(scores.get("Negative", 0))
    text = "\n".join(
        [
            "A customer left a strongly negative comment that needs your attention.",
            "",
            f"Customer:  {name}",
            f"Email:     {contact}",
            f"Design:    {comment.get('designId')} by {comment.get('designer')}",
            f"Link:      {design_link}",
            f"Language:  {analysis.get('language')}",
            f"Sentiment: {analysis.get('sentiment')} (negative {negative:.0%})",
            f"Posted:    {comment.get('submittedAt')}",
            "",
            "Comment (excerpt):",
            *[f"  > {line}" for line in excerpt_text.splitlines()],
            "",
            f"Execution: {link}",
        ]
    )
    page = _page(
        "Negative comment to follow up",
        [
            ("Customer", html.escape(name)),
            ("Email", html.escape(contact)),
            (
                "Design",
                f"<a href='{html.escape(design_link, quote=True)}'>"
                f"{html.escape(str(comment.get('designId')))}</a> by "
                f"{html.escape(str(comment.get('designer')))}",
            ),
            ("Sentiment", f"{html.escape(str(analysis.get('sentiment')))} (negative {negative:.0%})"),
        ],
        [("Comment (excerpt)", f"<blockquote style='white-space:pre-wrap'>{html.escape(excerpt_text)}</blockquote>")],
        link,
    )
    return Email(
        one_line(f"Escalation: negative comment from {name} on a design by {comment.get('designer')}"), text, page
    )


def burst_alert(comment: dict[str, Any], assessment: dict[str, Any], link: str) -> Email:
    count, minutes = assessment.get("negativesInWindow"), assessment.get("windowMinutes")
    text = "\n".join(
        [
            f"{count} negative comments arrived within {minutes} minutes "
            f"(alert threshold {assessment.get('burstThreshold')}).",
            "",
            f"Latest: design {comment.get('designId')} by {comment.get('designer')}, at {comment.get('submittedAt')}.",
            "This alert is sent once per burst; escalation emails for individual comments continue.",
            "",
            f"Execution: {link}",
        ]
    )
    page = _page(
        "Burst of negative comments",
        [
            ("Negatives", html.escape(str(count))),
            ("Window", f"{html.escape(str(minutes))} minutes"),
            ("Latest design", html.escape(str(comment.get("designId")))),
        ],
        [],
        link,
    )
    return Email(one_line(f"Burst alert: {count} negative comments in {minutes} minutes"), text, page)


def review_request(review: dict[str, Any], review_link: str, link: str, reminder: bool = False) -> Email:
    """The owner's 'please decide' email (and its reminder): who uploaded, what the models saw, where to decide.

    It never carries the task token: the review page and the API look the pending review up by photo id.
    """
    name, contact = _person(review.get("uploader") or {"username": review.get("designer")})
    reasons = [str(r) for r in review.get("reasons", [])]
    labels = [f"{lb.get('name')}: {lb.get('confidence')}%" for lb in review.get("labels", [])]
    moderation = [
        f"{m.get('name')}{' / ' + m['parent'] if m.get('parent') else ''}: {m.get('confidence')}%"
        for m in review.get("moderation", [])
    ]
    why = {"appeal": "The designer appealed a rejection", "release": "A quarantined upload is to be released"}.get(
        str(review.get("kind")), "The models are unsure about an upload"
    )
    lead = ("Reminder: this review times out soon. " if reminder else "") + f"{why}; it waits for your decision."
    text = "\n".join(
        [
            lead,
            "",
            f"Uploader:   {name}",
            f"Email:      {contact}",
            f"Photo:      {review.get('photoId')}",
            f"Object:     {review.get('objectKey')}",
            f"Decide by:  {review.get('deadline')} (then: {review.get('onTimeout')}, not reviewed in time)",
            "",
            "Why:",
            *[f"  - {r}" for r in reasons],
            "",
            "Labels (Rekognition):",
            *([f"  - {x}" for x in labels] or ["  (none)"]),
            *(["", "Moderation labels:", *[f"  - {x}" for x in moderation]] if moderation else []),
            "",
            f"Review it:  {review_link}",
            f"Or: salon review {review.get('photoId')} --approve|--reject --note TEXT",
            f"Execution:  {link}",
        ]
    )
    page = _page(
        ("Reminder: " if reminder else "") + "Upload waiting for your review",
        [
            ("Uploader", html.escape(name)),
            ("Email", html.escape(contact)),
            ("Photo", html.escape(str(review.get("photoId")))),
            ("Decide by", html.escape(str(review.get("deadline")))),
        ],
        [
            ("Why", "<ul>" + "".join(f"<li>{html.escape(r)}</li>" for r in reasons) + "</ul>"),
            ("Labels", "<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in labels + moderation) + "</ul>"),
            ("Decide", f"<p><a href='{html.escape(review_link, quote=True)}'>Open the review page</a></p>"),
        ],
        link,
    )
    subject = f"{'Reminder: ' if reminder else ''}Review needed: upload from {name}"
    return Email(one_line(subject), text, page)


def sms_text(subject: str, link: str) -> str:
    """A short SMS for owner alerts (no secrets, no untrusted free text beyond the one-line subject)."""
    return one_line(f"Salon Insights: {subject} {link}", 300)
