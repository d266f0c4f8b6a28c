"""Cognito's emailed codes on the embedded stack: WSGI middleware around moto's server.

On AWS, Cognito emails a code on SignUp and ForgotPassword and checks it on ConfirmSignUp and
ConfirmForgotPassword; a PostConfirmation trigger puts a self-signed-up user in the customer group. moto
sends nothing, accepts any sign-up code, and returns its password-reset code in a response header
(`x-moto-forgot-password-confirmation-code`) that a browser must never see. This middleware makes the
local pool behave like the real one for the same browser calls: it writes each code to the local mailbox
as an .eml file, checks the code the user types (CodeMismatchException otherwise), strips moto's header,
and invokes the PostConfirmation function (functions/handlers/post_confirmation.py, the trigger on AWS),
which adds a confirmed self-sign-up to the customer group.
"""

from __future__ import annotations

import io
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any

TARGET = "AWSCognitoIdentityProviderService."
MOTO_CODE_HEADER = "x-moto-forgot-password-confirmation-code"
CODE_SECONDS = 24 * 3600  # as Cognito: a sign-up code lasts 24 hours
RESET_SECONDS = 3600  # a password-reset code, one hour
_SAFE = re.compile(r"[^A-Za-z0-9@._+-]")

App = Callable[..., Iterable[bytes]]


class CodeBook:
    """Codes issued per (purpose, pool client, username), with when they expire."""

    def __init__(self) -> None:
        self._codes: dict[tuple[str, str, str], tuple[str, float, str]] = {}
        self._lock = threading.Lock()

    def issue(self, purpose: str, client: str, username: str, seconds: int, moto_code: str = "") -> str:
        code = f"{secrets.randbelow(1_000_000):06d}"
        with self._lock:
            self._codes[(purpose, client, username.lower())] = (code, time.monotonic() + seconds, moto_code)
        return code

    def check(self, purpose: str, client: str, username: str, code: str) -> tuple[str | None, str]:
        """(error type or None, moto's own code for it); a right code is used up."""
        with self._lock:
            found = self._codes.get((purpose, client, username.lower()))
            if found is None:
                return "CodeMismatchException", ""
            expected, until, moto_code = found
            if time.monotonic() > until:
                return "ExpiredCodeException", ""
            if not secrets.compare_digest(expected, code.strip()):
                return "CodeMismatchException", ""
            del self._codes[(purpose, client, username.lower())]
            return None, moto_code


MESSAGES = {
    "CodeMismatchException": "Invalid verification code provided, please try again.",
    "ExpiredCodeException": "Invalid code provided, please request a code again.",
}


def _error(start_response: Callable[..., Any], error: str) -> list[bytes]:
    body = json.dumps({"__type": error, "message": MESSAGES[error]}).encode()
    start_response(
        "400 Bad Request",
        [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("Content-Length", str(len(body))),
            ("x-amzn-RequestId", str(uuid.uuid4())),
            ("x-amzn-ErrorType", error),
            ("Access-Control-Allow-Origin", "*"),
        ],
    )
    return [body]


def write_email(folder: Path, to: str, subject: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    msg = EmailMessage()
    msg["From"] = "Salon Insights <no-reply@verificationemail.com>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg.set_content(text)
    path = folder / f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}-{_SAFE.sub('_', to)[:80]}.eml"
    path.write_bytes(bytes(msg))
    return path


class CognitoMail:
    """The middleware. `backend()` is moto's Cognito backend of the stack's account and region."""

    def __init__(
        self, app: App, mailbox: Path, backend: Callable[[], Any], post_confirmation: Callable[[dict[str, Any]], Any]
    ) -> None:
        """post_confirmation: invokes the PostConfirmation trigger function (the one AWS runs) with an event."""
        self.app, self.mailbox, self.backend, self.post_confirmation = app, mailbox, backend, post_confirmation
        self.codes = CodeBook()

    def _pool_of(self, client_id: str) -> Any:
        for pool in self.backend().user_pools.values():
            if client_id in pool.clients:
                return pool
        return None

    def _email_of(self, client_id: str, username: str) -> str:
        pool = self._pool_of(client_id)
        user = pool._get_user(username) if pool is not None else None
        return str(user.attribute_lookup.get("email", "")) if user is not None else ""

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        action = target.removeprefix(TARGET) if target.startswith(TARGET) else ""
        if action not in (
            "SignUp",
            "ResendConfirmationCode",
            "ConfirmSignUp",
            "ForgotPassword",
            "ConfirmForgotPassword",
        ):
            return self.app(environ, start_response)
        size = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(size) if size else b""
        try:
            request = json.loads(raw or b"{}")
        except ValueError:
            request = {}
        request = request if isinstance(request, dict) else {}
        client, username = str(request.get("ClientId", "")), str(request.get("Username", ""))
        code = str(request.get("ConfirmationCode", ""))
        if action in ("ConfirmSignUp", "ConfirmForgotPassword"):
            purpose = "signup" if action == "ConfirmSignUp" else "reset"
            error, moto_code = self.codes.check(purpose, client, username, code)
            if error:
                return _error(start_response, error)
            if moto_code:  # moto checks its own code: hand it the one it issued
                request["ConfirmationCode"] = moto_code
                raw = json.dumps(request).encode()
        environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(raw), str(len(raw))
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda _data: None

        body = b"".join(self.app(environ, capture))
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != MOTO_CODE_HEADER]
        moto_code = next((v for k, v in captured["headers"] if k.lower() == MOTO_CODE_HEADER), "")
        if captured["status"].startswith("200"):
            self._after(action, client, username, request, moto_code)
        start_response(captured["status"], headers)
        return [body]

    def _after(self, action: str, client: str, username: str, request: dict[str, Any], moto_code: str) -> None:
        if action in ("SignUp", "ResendConfirmationCode"):
            attrs = {a.get("Name"): a.get("Value") for a in request.get("UserAttributes") or [] if isinstance(a, dict)}
            to = str(attrs.get("email") or self._email_of(client, username))
            code = self.codes.issue("signup", client, username, CODE_SECONDS)
            if to:
                write_email(
                    self.mailbox,
                    to,
                    "Your Salon gallery verification code",
                    f"Hello {username},\n\nYour verification code is {code}\n\nIt expires in 24 hours.\n",
                )
        elif action == "ConfirmSignUp":
            pool = self._pool_of(client)
            if pool is not None:  # moto runs no Cognito triggers: invoke the function AWS would
                user = pool._get_user(username)
                self.post_confirmation(
                    {
                        "version": "1",
                        "triggerSource": "PostConfirmation_ConfirmSignUp",
                        "region": pool.region,
                        "userPoolId": pool.id,
                        "userName": user.username if user is not None else username,
                        "callerContext": {"clientId": client},
                        "request": {"userAttributes": dict(user.attribute_lookup) if user is not None else {}},
                        "response": {},
                    }
                )
        elif action == "ForgotPassword" and moto_code:
            to = self._email_of(client, username)
            code = self.codes.issue("reset", client, username, RESET_SECONDS, moto_code)
            if to:
                write_email(
                    self.mailbox,
                    to,
                    "Your Salon gallery password reset code",
                    f"Hello {username},\n\nYour password reset code is {code}\n\n"
                    "If you did not ask to reset your password, ignore this email.\n",
                )
