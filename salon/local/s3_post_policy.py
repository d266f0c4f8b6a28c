"""S3 POST policy enforcement, as S3 does it (moto accepts any form upload without checking).

Checks the form's shape (field names are read without regard to case, as S3 reads them, so each may
appear once; exactly one file), the signature (SigV4 or SigV2) with the signer's secret, the expiration,
every condition (exact match, starts-with, content-length-range) and that no form field is left uncovered.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

# Fields S3 does not require a condition for.
UNCHECKED = {"policy", "signature", "awsaccesskeyid", "x-amz-signature", "file"}


class PolicyViolation(Exception):
    """The form breaks its signed policy: S3 answers 403 AccessDenied."""

    status, code = 403, "AccessDenied"


class MalformedPost(PolicyViolation):
    """The form itself is not one S3 accepts: 400 with S3's error code."""

    def __init__(self, message: str, code: str = "InvalidArgument") -> None:
        super().__init__(message)
        self.status, self.code = 400, code


def _fields(form: Mapping[str, str] | Iterable[tuple[str, str]], files: int) -> dict[str, str]:
    """Form fields by lower-case name; a name given twice in any case is refused, as is any file count but one.

    `files` counts the file parts; a `file` text field counts as one more.
    """
    pairs = form.items() if isinstance(form, Mapping) else form
    fields: dict[str, str] = {}
    for name, value in pairs:
        lowered = name.lower()
        if lowered == "file":  # the file given as a text field
            files += 1
            continue
        if lowered in fields:
            raise MalformedPost(f"POST field {lowered!r} appears more than once (field names are not case-sensitive).")
        fields[lowered] = value
    if files != 1:
        raise MalformedPost("POST requires exactly one file upload per request.", "IncorrectNumberOfFilesInPostRequest")
    if "key" not in fields:
        raise MalformedPost("Bucket POST must contain a field named 'key'.")
    return fields


def _sigv4(secret: str, credential: str, policy: str) -> str:
    _, date, region, service, _ = credential.split("/")
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, policy.encode(), hashlib.sha256).hexdigest()


def _verify_signature(fields: Mapping[str, str], secret_for: Callable[[str], str | None]) -> None:
    policy = fields["policy"]
    if "x-amz-signature" in fields:
        credential = fields.get("x-amz-credential", "")
        secret = secret_for(credential.split("/", 1)[0])
        if secret is None or not hmac.compare_digest(_sigv4(secret, credential, policy), fields["x-amz-signature"]):
            raise PolicyViolation("The request signature we calculated does not match the signature you provided.")
        return
    secret = secret_for(fields.get("awsaccesskeyid", ""))
    expected = base64.b64encode(hmac.new((secret or "").encode(), policy.encode(), hashlib.sha1).digest()).decode()
    if secret is None or not hmac.compare_digest(expected, fields.get("signature", "")):
        raise PolicyViolation("The request signature we calculated does not match the signature you provided.")


def _check_condition(condition: Any, fields: Mapping[str, str], bucket: str, size: int) -> str | None:
    """Returns the field name the condition covers; raises on a violation."""
    if isinstance(condition, dict):
        ((name, value),) = condition.items()
        op, field, expected = "eq", name.lower().lstrip("$"), value
    else:
        op, field, expected = condition[0].lower(), str(condition[1]).lower().lstrip("$"), condition[2:]
        if op == "content-length-range":
            low, high = int(condition[1]), int(condition[2])
            if not low <= size <= high:
                raise PolicyViolation(f"Your proposed upload is {size} bytes; the policy allows {low} to {high}.")
            return None
        expected = expected[0]
    actual = bucket if field == "bucket" else fields.get(field)
    if actual is None:
        raise PolicyViolation(f"Invalid according to Policy: Policy Condition failed: missing field {field}")
    if (op == "eq" and actual != expected) or (op == "starts-with" and not actual.startswith(str(expected))):
        raise PolicyViolation(
            f'Invalid according to Policy: Policy Condition failed: ["{op}", "${field}", "{expected}"]'
        )
    return field


def check(
    form: Mapping[str, str] | Iterable[tuple[str, str]],
    size: int,
    bucket: str,
    secret_for: Callable[[str], str | None],
    now: datetime | None = None,
    files: int = 1,
) -> str:
    """Returns the object key to store, or raises PolicyViolation unless the upload satisfies its signed policy.

    `form` holds every non-file field as sent (duplicates included); `files` counts the file parts.
    """
    fields = _fields(form, files)
    if "policy" not in fields:
        raise PolicyViolation("Bucket POST must contain a policy (anonymous form uploads are not allowed).")
    _verify_signature(fields, secret_for)
    try:
        policy = json.loads(base64.b64decode(fields["policy"]))
    except ValueError as exc:
        raise PolicyViolation("Invalid Policy: the policy is not base64-encoded JSON.") from exc
    expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    if expires < (now or datetime.now(UTC)):
        raise PolicyViolation("Invalid according to Policy: Policy expired.")
    covered = {_check_condition(c, fields, bucket, size) for c in policy.get("conditions", [])}
    extra = {
        f
        for f in fields
        if f not in covered
        and f not in UNCHECKED
        and not f.startswith("x-ignore-")
        and f not in {"x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-security-token"}
    }
    if extra:
        raise PolicyViolation(f"Invalid according to Policy: Extra input fields: {', '.join(sorted(extra))}")
    return fields["key"]


def error_response(exc: PolicyViolation) -> tuple[int, dict[str, str], str]:
    message = html.escape(str(exc))
    body = f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{exc.code}</Code><Message>{message}</Message></Error>"
    return exc.status, {"Content-Type": "application/xml"}, body
