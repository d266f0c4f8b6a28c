"""S3 POST policy enforcement, as S3 does it (moto accepts any form upload without checking).

Checks the signature (SigV4 or SigV2) with the signer's secret, the expiration, every condition
(exact match, starts-with, content-length-range) and that no form field is left uncovered.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

# Fields S3 does not require a condition for.
UNCHECKED = {"policy", "signature", "awsaccesskeyid", "x-amz-signature", "file"}


class PolicyViolation(Exception):
    pass


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
    form: Mapping[str, str],
    size: int,
    bucket: str,
    secret_for: Callable[[str], str | None],
    now: datetime | None = None,
) -> None:
    """Raises PolicyViolation unless the form upload satisfies its signed policy."""
    fields = {k.lower(): v for k, v in form.items()}
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


def access_denied(message: str) -> tuple[int, dict[str, str], str]:
    body = f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code><Message>{message}</Message></Error>"
    return 403, {"Content-Type": "application/xml"}, body
