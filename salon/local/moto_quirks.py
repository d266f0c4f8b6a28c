"""The one place where the embedded stack absorbs differences between moto's engine and AWS.

The ASL stays exactly what AWS expects; these adjustments make the local engine agree with it.
One difference is avoided in the ASL instead of patched: moto evaluates a definite JSONPath with an array
index (`$.Languages[0].LanguageCode`) to a list, AWS to a scalar; the workflows use
`States.ArrayGetItem(...)` there, which both evaluate the same way.
"""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

# On AWS, aws-sdk integration errors are named '<Service>.<Code>' with the service's documented
# capitalisation (Rekognition.ThrottlingException). moto's table covers only DynamoDb and Sfn and
# falls back to the lower-case service id (rekognition.ThrottlingException), so Retry/Catch written
# for AWS would not match locally.
AWS_SDK_ERROR_PREFIXES = {
    "rekognition": "Rekognition",
    "comprehend": "Comprehend",
    "s3": "S3",
    "sns": "Sns",
    "eventbridge": "EventBridge",
}
MOTO_TOKEN_KID = "dummy"  # the key id moto writes into every token header
_applied = False
_signing_key: Any = None


def _unique_s3_event_ids() -> None:
    """moto sends every S3 EventBridge event with the same `id` and `sequencer`; AWS's are unique."""
    from moto.events import utils as event_utils

    base = event_utils._BASE_EVENT_MESSAGE

    class _FreshId(dict):  # type: ignore[type-arg]
        def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
            fresh: dict[str, Any] = copy.deepcopy(dict(self), memo)
            fresh["id"] = str(uuid.uuid4())
            return fresh

    event_utils._BASE_EVENT_MESSAGE = _FreshId(base)  # type: ignore[assignment]  # imported at call time


def _enforce_post_policies() -> None:
    """S3 enforces the signed policy of a browser-form (presigned POST) upload; moto accepts anything."""
    import os

    from moto.s3.responses import S3Response

    from salon.local import s3_post_policy

    original = S3Response._bucket_response_post

    def secret_for(access_key: str) -> str | None:  # the stack signs with its own process credentials
        return os.environ.get("AWS_SECRET_ACCESS_KEY") if access_key == os.environ.get("AWS_ACCESS_KEY_ID") else None

    def checked(self: Any, request: Any, bucket_name: str) -> Any:
        form = getattr(self, "form_data", None)
        if form and not self.is_delete_keys():
            body = self.body if isinstance(self.body, bytes) else str(self.body or "").encode()
            files = self.normalized_request.files
            try:
                key = s3_post_policy.check(
                    list(form.items(multi=True)),
                    len(body),
                    bucket_name,
                    secret_for,
                    files=len(list(files.items(multi=True))),
                )
            except s3_post_policy.PolicyViolation as exc:
                return s3_post_policy.error_response(exc)
            # moto reads the exact-case `key`; S3 reads names without regard to case: store the checked key.
            self.querystring = {n: v for n, v in self.querystring.items() if n.lower() != "key"} | {"key": [key]}
        return original(self, request, bucket_name)

    S3Response._bucket_response_post = checked  # type: ignore[method-assign]


def use_own_signing_key() -> None:
    """Cognito tokens signed with a key made for this start, and that key's public half served as the JWKS.

    moto signs every pool's tokens with one private key that ships inside its package (anyone can read it and
    sign any claims with it); on AWS each pool's keys are its own secret. The key lives in memory only. moto
    writes the key id `dummy` into every token header, so the served key keeps that id.
    """
    from joserfc import jwk
    from moto.cognitoidp import models, responses

    global _signing_key
    _signing_key = jwk.RSAKey.generate_key(2048, parameters={"kid": MOTO_TOKEN_KID, "alg": "RS256", "use": "sig"})
    public = {"keys": [_signing_key.as_dict(private=False)]}
    responses.CognitoIdpJsonWebKeyResponse.json_web_key = json.dumps(public).encode("utf-8")
    if getattr(models.CognitoIdpUserPool.__init__, "_own_key", False):
        return
    original = models.CognitoIdpUserPool.__init__

    def with_own_key(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.json_web_key = _signing_key

    with_own_key._own_key = True  # type: ignore[attr-defined]
    models.CognitoIdpUserPool.__init__ = with_own_key  # type: ignore[method-assign]


def apply() -> None:
    global _applied
    if _applied:
        return
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_aws_sdk as aws_sdk,
    )

    aws_sdk._SERVICE_ERROR_NAMES.update(AWS_SDK_ERROR_PREFIXES)  # type: ignore[attr-defined]
    _unique_s3_event_ids()
    _enforce_post_policies()
    _applied = True
