"""The bad-comment corpus, sent through the whole HTTP API: each refused with a 4xx and the reason, none a 500.

Every body is generated here (no fixtures on disk). What is accepted after normalisation (CR/LF, HTML as
plain text, invisible characters) is checked against the domain function in tests/unit/test_bad_comment_texts.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
import requests

from functions import names
from tests.conftest import jpeg

NOT_JSON = "The body must be a JSON object."
NOT_UTF8 = "not valid UTF-8"
SCHEMA = "comment_request"
EMPTY = "empty once control characters"
TOO_DEEP = "nested too deeply"
SURROGATE = "lone UTF-16 surrogate"


@dataclass(frozen=True)
class Bad:
    name: str
    body: bytes
    reason: str
    status: int = 400


def j(text: str) -> bytes:
    """A JSON body {"text": ...} written byte for byte (json.dumps would refuse or change some of these)."""
    return b'{"text": "' + text.encode() + b'"}'


def nested(depth: int, open_: str = "[", close: str = "]") -> bytes:
    return (open_ * depth + close * depth).encode()


CORPUS = [
    # not a JSON object at all
    Bad("empty-body", b"", SCHEMA),
    Bad("json-null", b"null", SCHEMA),
    Bad("json-array", b'["hi"]', SCHEMA),
    Bad("json-string", b'"hi"', SCHEMA),
    Bad("json-number", b"42", SCHEMA),
    Bad("plain-text", b"hello there", NOT_JSON),
    Bad("truncated-json", b'{"text": "ab', NOT_JSON),
    Bad("trailing-garbage", b'{"text": "a"} x', NOT_JSON),
    Bad("single-quotes", b"{'text': 'a'}", NOT_JSON),
    Bad("utf8-bom", b'\xef\xbb\xbf{"text": "a"}', NOT_JSON),
    Bad("form-encoded", b"text=hello", NOT_JSON),
    # the object's shape
    Bad("no-text", b"{}", SCHEMA),
    Bad("empty-text", j(""), SCHEMA),
    Bad("text-null", b'{"text": null}', SCHEMA),
    Bad("text-number", b'{"text": 5}', SCHEMA),
    Bad("text-nan", b'{"text": NaN}', SCHEMA),
    Bad("text-infinity", b'{"text": 1e999999}', SCHEMA),
    Bad("text-huge-integer", b'{"text": ' + b"9" * 5000 + b"}", NOT_JSON),
    Bad("text-list", b'{"text": ["a"]}', SCHEMA),
    Bad("text-object", b'{"text": {"a": 1}}', SCHEMA),
    Bad("extra-field", b'{"text": "ok", "rating": 5}', SCHEMA),
    Bad("author-override", b'{"text": "ok", "author": {"username": "owner"}}', SCHEMA),
    # nesting: deeper than any parser's stack, and merely silly
    Bad("nested-arrays-100k", nested(100_000), TOO_DEEP),
    Bad("nested-objects-50k", b'{"a":' * 50_000 + b"1" + b"}" * 50_000, TOO_DEEP),
    Bad("nested-text-100k", b'{"text": ' + nested(100_000) + b"}", TOO_DEEP),
    Bad("nested-arrays-500", nested(500), SCHEMA),
    # bytes that are not UTF-8
    Bad("latin1-e-acute", b'{"text": "caf\xe9"}', NOT_UTF8),
    Bad("overlong-lt", b'{"text": "\xc0\xbcscript"}', NOT_UTF8),
    Bad("cesu-surrogate-bytes", b'{"text": "\xed\xa0\x80"}', NOT_UTF8),
    Bad("utf16-le-bom", '{"text": "hi"}'.encode("utf-16"), NOT_UTF8),
    Bad("truncated-multibyte", b'{"text": "\xe2\x82"}', NOT_UTF8),
    Bad("bare-continuation-byte", b'{"text": "\x80"}', NOT_UTF8),
    # lone surrogate escapes: valid JSON, no valid text
    Bad("lone-high-surrogate", j("\\ud800"), SURROGATE),
    Bad("lone-low-surrogate", j("\\udc00"), SURROGATE),
    Bad("surrogate-after-text", j("nice nails \\ud83d"), SURROGATE),
    Bad("reversed-pair", j("\\ude00\\ud83d"), SURROGATE),
    # nothing left once invisible characters go
    Bad("nul-and-bell", j("\\u0000\\u0007"), EMPTY),
    Bad("whitespace-only", j(" \\n\\t \\r\\n "), EMPTY),
    Bad("zero-width-only", j("\\u200b\\u200d\\ufeff"), EMPTY),
    Bad("bidi-overrides-only", j("\\u202e\\u2066\\u2069"), EMPTY),
    Bad("c1-controls-only", j("\\u0085\\u009b"), EMPTY),
    Bad("crlf-only", j("\\r\\n\\r\\n"), EMPTY),
    # the 5,000-byte limit, one byte over in each width of UTF-8
    Bad("ascii-5001", j("a" * 5001), "5001 bytes"),
    Bad("two-byte-5002", j("é" * 2501), "5002 bytes"),
    Bad("three-byte-5001", j("€" * 1667), "5001 bytes"),
    Bad("four-byte-5004", j("😀" * 1251), "5004 bytes"),
    Bad("combining-over-after-nfc", j("e\\u0301" * 2501), "5002 bytes"),
    Bad("one-megabyte", j("a" * 1_000_000), "1000000 bytes"),
    Bad("over-the-api-payload-limit", j("a" * (10 * 1024 * 1024)), "Request Entity Too Large", 413),
]


def test_the_corpus_is_big_and_named_once():
    assert len(CORPUS) >= 40 and len({c.name for c in CORPUS}) == len(CORPUS)


@pytest.fixture(scope="module")
def design(client, stack, tmp_path_factory) -> str:
    stack.ai.script(
        "DetectLabels",
        [{"result": {"Labels": [{"Name": "Manicure", "Confidence": 96.0, "Parents": []}]}}],
        match="/bad-comments-designer/",
    )
    path = tmp_path_factory.mktemp("design") / "d.jpg"
    path.write_bytes(jpeg())
    result = client.upload(path, "bad-comments-designer", wait=True)
    assert result["verdict"] == "approved", result
    return str(result["photoId"])


@pytest.fixture(scope="module")
def token(client):
    return client.token("bad-comments-customer", names.GROUP_CUSTOMER)


def post(client, design: str, token: str, raw: bytes, content_type: str = "application/json") -> requests.Response:
    return requests.post(
        f"{client.endpoints.api}/designs/{design}/comments",
        data=raw,
        headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
        timeout=60,
    )


@pytest.mark.parametrize("case", CORPUS, ids=lambda c: c.name)
def test_bad_comment_is_refused_with_its_reason(client, design, token, case):
    response = post(client, design, token, case.body)
    assert response.status_code == case.status, (case.name, response.status_code, response.text[:300])
    message = response.json()["message"]
    assert case.reason in message, (case.name, message[:300])
    assert len(message) < 2000  # the reason, not an echo of the input


@pytest.mark.parametrize(
    "design_id",
    ["..", "%2e%2e", "' OR '1'='1", "d" * 3000, "%F0%9F%98%80", "%ED%A0%80", "a%00b", "<script>"],
    ids=["dotdot", "encoded-dotdot", "sql-ish", "3000-chars", "emoji", "encoded-surrogate", "nul", "html"],
)
def test_bad_design_ids_are_not_found_never_a_500(client, token, design_id):
    response = post(client, design_id, token, json.dumps({"text": "hi"}).encode())
    assert response.status_code == 404, (design_id[:40], response.status_code, response.text[:200])
    assert "Internal" not in response.text


def test_a_chunked_body_past_the_payload_limit_is_refused(client, design, token):
    def chunks():
        yield b'{"text": "'
        for _ in range(11):
            yield b"a" * (1024 * 1024)
        yield b'"}'

    response = requests.post(
        f"{client.endpoints.api}/designs/{design}/comments",
        data=chunks(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=60,
    )
    assert response.status_code == 413
