"""Comment text at the domain edge: what hostile text becomes once normalised, or why it is refused."""

from __future__ import annotations

import pytest

from functions.domain.bodies import BodyRefused, parse
from functions.domain.comments import MAX_TEXT_BYTES, CommentRefused, normalise

ACCEPTED = [
    ("crlf-unified", "line one\r\nline two\rline three", "line one\nline two\nline three"),
    ("html-stays-plain-text", "<script>alert(1)</script><b>hi</b>", "<script>alert(1)</script><b>hi</b>"),
    ("html-entities-kept-verbatim", "&lt;b&gt; &amp;", "&lt;b&gt; &amp;"),
    ("zero-width-inside-word", "lo\u200bve\u200dly", "lovely"),
    ("bidi-override-removed", "nice \u202egnp.exe", "nice gnp.exe"),
    ("nul-inside", "a\x00b", "ab"),
    ("outer-space-trimmed", "  \t hi \n ", "hi"),
    ("tab-and-newline-kept", "a\tb\nc", "a\tb\nc"),
    ("nfc-composed", "cafe\u0301", "café"),
    ("emoji-pair-kept", "😀 great", "😀 great"),
    ("arabic-kept", "أظافر جميلة", "أظافر جميلة"),
    ("exactly-the-limit", "a" * MAX_TEXT_BYTES, "a" * MAX_TEXT_BYTES),
    ("limit-after-controls-removed", "a" * MAX_TEXT_BYTES + "\x00" * 10, "a" * MAX_TEXT_BYTES),
    ("limit-two-byte", "é" * (MAX_TEXT_BYTES // 2), "é" * (MAX_TEXT_BYTES // 2)),
]


@pytest.mark.parametrize("text, expected", [(t, e) for _, t, e in ACCEPTED], ids=[n for n, _, _ in ACCEPTED])
def test_accepted_text_is_normalised(text, expected):
    assert normalise(text) == expected


REFUSED = [
    ("lone-high-surrogate", "\ud800", "lone UTF-16 surrogate"),
    ("lone-low-surrogate-in-text", "nice \udc00 nails", "lone UTF-16 surrogate"),
    ("only-controls", "\x00\x01\x1f\x7f", "empty"),
    ("only-invisible", "\u200b\u2066\ufeff", "empty"),
    ("one-byte-over", "a" * (MAX_TEXT_BYTES + 1), f"{MAX_TEXT_BYTES + 1} bytes"),
    ("over-after-nfc", "e\u0301" * (MAX_TEXT_BYTES // 2 + 1), f"{MAX_TEXT_BYTES + 2} bytes"),
]


@pytest.mark.parametrize("text, reason", [(t, r) for _, t, r in REFUSED], ids=[n for n, _, _ in REFUSED])
def test_refused_text_says_why(text, reason):
    with pytest.raises(CommentRefused, match=reason):
        normalise(text)


@pytest.mark.parametrize(
    "body, reason",
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"a": "\\ud800"}', "lone UTF-16 surrogate"),
        ('{"\\udfff": 1}', "lone UTF-16 surrogate"),
        ('[["x", ["\\ud83d"]]]', "lone UTF-16 surrogate"),
        ("{", "JSON object"),
    ],
    ids=["deep", "value", "key", "nested-value", "broken"],
)
def test_body_parsing_refuses_with_a_reason(body, reason):
    with pytest.raises(BodyRefused, match=reason):
        parse(body)


def test_body_parsing_keeps_valid_documents():
    assert parse('{"text": "\\ud83d\\ude00"}') == {"text": "😀"}
    assert parse(None) is None and parse("") is None
    assert parse("[" * 200 + "]" * 200) is not None
