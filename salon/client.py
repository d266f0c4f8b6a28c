"""Talks to a running embedded stack the way a real client does: Cognito token, HTTP API, presigned POST,
then watches Step Functions. Also the read-side helpers behind `salon executions` and `salon mail`."""

from __future__ import annotations

import base64
import contextlib
import email
import email.policy
import hashlib
import io
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import requests
from botocore.config import Config

from functions import names
from functions.domain.identity import is_safe_username
from salon.local.config import Endpoints, StackConfig
from salon.local.passwords import LocalPasswords
from salon.stack_state import ClientError, running_endpoints

CONTENT_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}
REVIEW_STATE = "AskOwner"  # the image workflow waits for the owner here
USERS_FILE = "users.json"
BLOCKING_WAIT_SECONDS = 20.0  # one blocking wait on the embedded stack (its longest); asked again until the deadline


def content_type_for(path: Path, data: bytes) -> str:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if path.suffix.lower() in CONTENT_TYPES:  # declared by name; the workflow checks the real bytes
        return CONTENT_TYPES[path.suffix.lower()]
    raise ClientError(f"{path}: only JPEG and PNG images can be uploaded")


def poll_pauses(first: float = 0.01, factor: float = 1.5, longest: float = 0.25) -> Iterator[float]:
    """Pauses between status polls: short while an execution is likely to end (most take a fraction of a
    second), growing so a long wait costs few requests."""
    pause = first
    while True:
        yield pause
        pause = min(pause * factor, longest)


@dataclass
class StackClient:
    endpoints: Endpoints
    timeout: float = 60.0
    _tokens: dict[str, tuple[str, float]] = field(default_factory=dict, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)
    _sessions: threading.local = field(default_factory=threading.local, repr=False)

    @classmethod
    def connect(cls, config: StackConfig | None = None) -> StackClient:
        return cls(running_endpoints(config or StackConfig.from_env()))

    def aws(self, service: str) -> Any:
        """One boto3 client per service, made once (clients are thread-safe; making one costs milliseconds)."""
        with self._lock:
            if service not in self._clients:
                endpoint = {
                    "lambda": self.endpoints.lambda_,
                    "rekognition": self.endpoints.ai,
                    "comprehend": self.endpoints.ai,
                }.get(service, self.endpoints.moto)
                self._clients[service] = boto3.client(
                    service,
                    endpoint_url=endpoint,
                    region_name=self.endpoints.region,
                    aws_access_key_id="testing",
                    aws_secret_access_key="testing",
                    config=Config(max_pool_connections=32),  # benchmarks and tests run clients on many threads
                )
            return self._clients[service]

    def http(self) -> requests.Session:
        """This thread's HTTP session: its connections are kept and reused (a Session is not shared by threads)."""
        session: requests.Session | None = getattr(self._sessions, "session", None)
        if session is None:
            session = self._sessions.session = requests.Session()
        return session

    # -- identity --------------------------------------------------------------------------
    def token(self, username: str, group: str) -> str:
        """Signs in as `username`, creating the user in `group` first if the local pool lacks them."""
        if not is_safe_username(username):
            raise ClientError(
                f"the username {username!r} cannot be used (letters, digits and _.@- only, not starting with a dot)"
            )
        with self._lock:  # threads signing in one new user must not see it before its group is set
            return self._token(username, group)

    @property
    def passwords(self) -> LocalPasswords:
        """Local stack only: the passwords of the users `--as` created, in the stack's home (mode 0600)."""
        home = Path(self.endpoints.home) if self.endpoints.home else Path(self.endpoints.mailbox).parent
        return LocalPasswords(home / USERS_FILE)

    def _token(self, username: str, group: str) -> str:
        cached = self._tokens.get(username)
        if cached and cached[1] > time.time() + 60:
            return cached[0]
        idp, pool = self.aws("cognito-idp"), self.endpoints.user_pool_id
        try:
            idp.admin_get_user(UserPoolId=pool, Username=username)
            password = self.passwords.get(username)
        except idp.exceptions.UserNotFoundException:
            with contextlib.suppress(idp.exceptions.UsernameExistsException):  # created concurrently
                idp.admin_create_user(
                    UserPoolId=pool,
                    Username=username,
                    MessageAction="SUPPRESS",
                    UserAttributes=[
                        {"Name": "email", "Value": f"{username}@salon.example"},
                        {"Name": "email_verified", "Value": "true"},
                    ],
                )
            password = None
            idp.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName=group)
        if password is None:  # a new user, or one whose password this home does not hold: a fresh random one
            password = self.passwords.new(username)
            idp.admin_set_user_password(UserPoolId=pool, Username=username, Password=password, Permanent=True)
        try:
            auth = self._sign_in(idp, username, password)
        except idp.exceptions.NotAuthorizedException:  # another process set a newer one meanwhile
            auth = self._sign_in(idp, username, self.passwords.get(username) or "")
        result = auth["AuthenticationResult"]
        self._tokens[username] = (str(result["IdToken"]), time.time() + int(result.get("ExpiresIn", 3600)))
        return self._tokens[username][0]

    def _sign_in(self, idp: Any, username: str, password: str) -> dict[str, Any]:
        answer: dict[str, Any] = idp.initiate_auth(
            ClientId=self.endpoints.user_pool_client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
        return answer

    def api(self, method: str, path: str, token: str | None, body: Any = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.http().request(method, self.endpoints.api + path, json=body, headers=headers, timeout=30)

    # -- uploads ---------------------------------------------------------------------------
    def upload(
        self, path: Path, username: str, wait: bool = False, title: str = "", description: str = ""
    ) -> dict[str, Any]:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ClientError(f"cannot read {path}: {exc.strerror}") from exc
        token = self.token(username, names.GROUP_DESIGNER)
        started = time.monotonic()
        request: dict[str, Any] = {"contentType": content_type_for(path, data)}
        if title or description:
            request.update(title=title, description=description)
        grant_response = self.api("POST", "/uploads", token, request)
        if grant_response.status_code != 201:
            raise ClientError(f"upload refused ({grant_response.status_code}): {grant_response.text}")
        grant = grant_response.json()
        posted = self.http().post(grant["url"], data=grant["fields"], files={"file": (path.name, data)}, timeout=60)
        if posted.status_code not in (200, 201, 204):
            raise ClientError(f"S3 refused the upload ({posted.status_code}): {posted.text[:300]}")
        name = upload_execution_name(grant["photoId"], posted.headers.get("x-amz-version-id"), data)
        result: dict[str, Any] = {"photoId": grant["photoId"], "key": grant["key"], "execution": name}
        if wait:
            result.update(self.wait_for_upload(name))
            result["seconds"] = round(time.monotonic() - started, 3)
        return result

    def execution_arn(self, name: str, machine_arn: str | None = None) -> str:
        machine = machine_arn or self.endpoints.image_state_machine_arn
        return machine.replace(":stateMachine:", ":execution:") + f":{name}"

    def wait_for_execution(self, arn: str, until_state: str | None = None) -> dict[str, Any]:
        """Waits for the execution to end, or (until_state) to enter that state; then returns its description.

        The embedded stack says when that happens (a blocking wait); against AWS, or when that wait is not
        there, DescribeExecution is polled with backoff."""
        sfn, deadline = self.aws("stepfunctions"), time.monotonic() + self.timeout
        if self.endpoints.execution_waits:
            told = self._wait_blocking(arn, until_state, deadline)
            if told is not None:
                return told
        pauses = poll_pauses()
        while time.monotonic() < deadline:
            try:
                described: dict[str, Any] = sfn.describe_execution(executionArn=arn)
            except sfn.exceptions.ExecutionDoesNotExist:
                described = {"status": "PENDING"}
            if described["status"] in TERMINAL:
                return described
            if until_state and described["status"] == "RUNNING" and until_state in self._entered(arn):
                return described
            time.sleep(next(pauses))
        raise ClientError(f"execution {arn.rsplit(':', 1)[-1]} did not finish within {self.timeout:.0f}s")

    def _wait_blocking(self, arn: str, until_state: str | None, deadline: float) -> dict[str, Any] | None:
        """The description once the stack's wait says the execution ended (or entered until_state), from the wait's
        answer (DescribeExecution's, read by the SDK's parser); None when the wait cannot be used (the caller
        polls). The history is never read while waiting."""
        sfn = self.aws("stepfunctions")
        request: dict[str, Any] = {"executionArn": arn, **({"untilState": until_state} if until_state else {})}
        while (left := deadline - time.monotonic()) > 0:
            request["timeoutSeconds"] = round(min(left, BLOCKING_WAIT_SECONDS), 3)
            try:
                answer = self.http().post(
                    self.endpoints.execution_waits, json=request, timeout=request["timeoutSeconds"] + 30
                )
                told: dict[str, Any] = answer.json() if answer.status_code == 200 else {}
            except (requests.RequestException, ValueError):
                told = {}
            outcome = told.get("outcome") if isinstance(told, dict) else None
            if outcome in ("ended", "entered"):
                described = described_as_sdk(sfn, told.get("execution")) or sfn.describe_execution(executionArn=arn)
                if described["status"] in TERMINAL or (until_state and described["status"] == "RUNNING"):
                    return described
            elif outcome == "stopping":
                raise ClientError(f"the stack stopped while execution {arn.rsplit(':', 1)[-1]} ran")
            elif outcome != "timeout":  # no embedded stack's wait answers there
                return None
        raise ClientError(f"execution {arn.rsplit(':', 1)[-1]} did not finish within {self.timeout:.0f}s")

    def _entered(self, arn: str, recent: int = 10) -> list[str]:
        """The states entered among the execution's latest events (a state waiting on a task is among them)."""
        events = self.aws("stepfunctions").get_execution_history(
            executionArn=arn, maxResults=recent, reverseOrder=True
        )["events"]
        return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]

    def _policy_decision(self, arn: str) -> dict[str, Any]:
        """The decision the workflow is waiting on (EvaluatePolicy's, or a reopened review's), from its history."""
        events = self.aws("stepfunctions").get_execution_history(executionArn=arn, maxResults=1000)["events"]
        for event in reversed(events):
            details = event.get("stateExitedEventDetails") or {}
            if details.get("name") in ("EvaluatePolicy", "ReopenForReview"):
                decision: dict[str, Any] = json.loads(details.get("output") or "{}").get("decision", {})
                return decision
        return {}

    def wait_for_upload(self, name: str) -> dict[str, Any]:
        """The verdict, or "review" as soon as the upload waits for the owner (it does not wait for the owner)."""
        arn = self.execution_arn(name)
        described = self.wait_for_execution(arn, until_state=REVIEW_STATE)
        if described["status"] == "RUNNING":
            decision = self._policy_decision(arn)
            return {
                "verdict": "review",
                "reasons": decision.get("reasons") or ["Waiting for the owner's review."],
                "labels": decision.get("labels", []),
                "moderation": decision.get("moderation", []),
                "status": "RUNNING",
                "executionArn": arn,
            }
        if described["status"] == "SUCCEEDED":
            output = json.loads(described.get("output") or "{}")
            return {
                "verdict": output.get("verdict", "failed"),
                "reasons": output.get("reasons", []),
                "labels": output.get("labels", []),
                "moderation": output.get("moderation", []),
                "status": described["status"],
                "executionArn": arn,
            }
        return {
            "verdict": "failed",
            "status": described["status"],
            "executionArn": arn,
            "labels": [],
            "reasons": [f"{described.get('error', 'Failed')}: {described.get('cause', '')}".strip()],
        }

    # -- comments --------------------------------------------------------------------------
    def comment(self, design_id: str, username: str, text: str, wait: bool = False) -> dict[str, Any]:
        token = self.token(username, names.GROUP_CUSTOMER)
        started = time.monotonic()
        response = self.api("POST", f"/designs/{design_id}/comments", token, {"text": text})
        if response.status_code != 202:
            raise ClientError(f"comment refused ({response.status_code}): {response.json().get('message')}")
        result: dict[str, Any] = response.json()
        if wait:
            arn = self.execution_arn(result["execution"], self.endpoints.comment_state_machine_arn)
            described = self.wait_for_execution(arn)
            output = json.loads(described.get("output") or "{}")
            result.update(
                {
                    "status": described["status"],
                    "executionArn": arn,
                    "language": output.get("language"),
                    "sentiment": output.get("sentiment"),
                    "scores": output.get("scores"),
                    "escalated": output.get("escalated"),
                    "burstAlert": output.get("burstAlert"),
                    "visibility": output.get("visibility"),
                    "reason": output.get("reason"),
                    "labels": output.get("labels"),
                    "masked": output.get("masked"),
                    "seconds": round(time.monotonic() - started, 3),
                }
            )
            if described["status"] != "SUCCEEDED":
                result["error"] = f"{described.get('error')}: {described.get('cause')}"
        return result

    def design_cards(self, design_ids: list[str], side: int = 48) -> dict[str, dict[str, str]]:
        """Title and a small thumbnail (a data: URI) of each published design, from the public gallery routes;
        designs no longer published are left out."""
        from PIL import Image

        cards: dict[str, dict[str, str]] = {}
        for design_id in dict.fromkeys(design_ids):
            page = self.api("GET", f"/designs/{urllib.parse.quote(design_id, safe='')}", None)
            image = self.http().get(f"{self.endpoints.api}/gallery/images/{urllib.parse.quote(design_id)}", timeout=30)
            if page.status_code != 200 or image.status_code != 200:
                continue
            with Image.open(io.BytesIO(image.content)) as picture:
                picture.thumbnail((side, side))
                out = io.BytesIO()
                picture.convert("RGB").save(out, "JPEG", quality=80)
            title = str(page.json().get("design", {}).get("title") or "")
            cards[design_id] = {
                "title": title,
                "thumbnail": "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode(),
            }
        return cards

    def designs(self) -> list[dict[str, Any]]:
        """Published designs with their happiness meter."""
        ddb = self.aws("dynamodb")
        meters = {
            m["designId"]["S"]: m
            for page in ddb.get_paginator("scan").paginate(TableName=names.METERS_TABLE)
            for m in page["Items"]
        }
        rows = []
        for page in ddb.get_paginator("scan").paginate(TableName=names.PHOTOS_TABLE):
            for item in page["Items"]:
                meter = meters.get(item["photoId"]["S"], {})
                count = {
                    k: int(meter.get(k, {"N": "0"})["N"])
                    for k in ("POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED", "UNSCORED", "comments", "scored")
                }
                positivity = float(meter.get("positivitySum", {"N": "0"})["N"])
                rows.append(
                    {
                        "designId": item["photoId"]["S"],
                        "designer": item["designer"]["S"],
                        "publishedAt": item["publishedAt"]["S"],
                        **count,
                        "happiness": round(positivity / count["scored"], 4) if count["scored"] else None,
                    }
                )
        rows.sort(key=lambda r: r["publishedAt"], reverse=True)
        return rows

    # -- read side -------------------------------------------------------------------------
    def executions(self, limit: int = 50) -> list[dict[str, Any]]:
        sfn = self.aws("stepfunctions")
        found = []
        for machine in sfn.list_state_machines()["stateMachines"]:
            for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine["stateMachineArn"]):
                found += [{**e, "workflow": machine["name"]} for e in page["executions"]]
        found.sort(key=lambda e: e["startDate"], reverse=True)
        return [
            {
                **summarise_history(
                    sfn.get_execution_history(executionArn=e["executionArn"], maxResults=1000)["events"]
                ),
                "name": e["name"],
                "workflow": e["workflow"],
                "status": e["status"],
                "started": e["startDate"].isoformat(),
                "stopped": e["stopDate"].isoformat() if e.get("stopDate") else None,
            }
            for e in found[:limit]
        ]

    def find_execution(self, name: str) -> dict[str, Any]:
        """An execution by name (or ARN), in any of the stack's state machines."""
        sfn = self.aws("stepfunctions")
        arns = (
            [name]
            if name.startswith("arn:")
            else [
                self.execution_arn(name, m)
                for m in (self.endpoints.image_state_machine_arn, self.endpoints.comment_state_machine_arn)
            ]
        )
        for arn in arns:
            try:
                described: dict[str, Any] = sfn.describe_execution(executionArn=arn)
                return described
            except sfn.exceptions.ExecutionDoesNotExist:
                continue
        raise ClientError(f"no execution named {name!r}; `salon executions` lists them")

    def execution_view(self, name: str) -> dict[str, Any]:
        from salon.executions import redrive_hint, steps_from_history

        described = self.find_execution(name)
        arn = described["executionArn"]
        events = self.aws("stepfunctions").get_execution_history(executionArn=arn, maxResults=1000)["events"]
        view = {
            "name": described["name"],
            "executionArn": arn,
            "status": described["status"],
            "workflow": described["stateMachineArn"].rsplit(":", 1)[-1],
            "started": described["startDate"].isoformat(),
            "stopped": described["stopDate"].isoformat() if described.get("stopDate") else None,
            "output": json.loads(described["output"]) if described.get("output") else None,
            "error": described.get("error"),
            "cause": described.get("cause"),
            "steps": [s.to_dict() for s in steps_from_history(events)],
        }
        if described["status"] in {"FAILED", "TIMED_OUT", "ABORTED"}:
            view["redrive"] = redrive_hint(arn, described["name"])
        return view

    def redrive(self, name: str) -> dict[str, Any]:
        """Local stand-in for RedriveExecution (moto has none): a new execution with the same input."""
        described = self.find_execution(name)
        if described["status"] not in {"FAILED", "TIMED_OUT", "ABORTED"}:
            raise ClientError(f"{described['name']} is {described['status']}; only failed executions are redriven")
        sfn, machine = self.aws("stepfunctions"), described["stateMachineArn"]
        existing = {
            e["name"]
            for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine)
            for e in page["executions"]
        }
        base = described["name"][:70]
        rerun = next(f"{base}-rerun{i}" for i in range(1, 1000) if f"{base}-rerun{i}" not in existing)
        started: dict[str, Any] = sfn.start_execution(stateMachineArn=machine, name=rerun, input=described["input"])
        return {"name": rerun, "executionArn": started["executionArn"], "redriveOf": described["name"]}

    # -- reviews (owner) ----------------------------------------------------------------------
    def _owner_call(self, method: str, path: str, username: str, body: Any = None, ok: tuple[int, ...] = (200,)) -> Any:
        response = self.api(method, path, self.token(username, names.GROUP_OWNER), body)
        if response.status_code not in ok:
            try:
                message = response.json().get("message", response.text)
            except ValueError:
                message = response.text
            raise ClientError(f"{method} {path} refused ({response.status_code}): {message}")
        return response.json()

    def reviews(self, username: str = "owner") -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self._owner_call("GET", "/reviews", username)["reviews"]
        return rows

    def review(self, photo_id: str, decision: str, note: str, username: str = "owner") -> dict[str, Any]:
        result: dict[str, Any] = self._owner_call(
            "POST", f"/reviews/{photo_id}", username, {"decision": decision, "note": note}
        )
        return result

    # -- comment moderation --------------------------------------------------------------------
    def held_comments(self, username: str = "owner") -> list[dict[str, Any]]:
        """Comments held by screening, oldest first, with labels and the original text (owner only)."""
        rows: list[dict[str, Any]] = self._owner_call("GET", "/held-comments", username)["comments"]
        return rows

    def decide_comment(
        self, comment_id: str, decision: str, reason: str = "", username: str = "owner"
    ) -> dict[str, Any]:
        result: dict[str, Any] = self._owner_call(
            "POST", f"/held-comments/{comment_id}", username, {"decision": decision, "reason": reason}
        )
        return result

    def my_comments(self, username: str, group: str = names.GROUP_CUSTOMER) -> list[dict[str, Any]]:
        response = self.api("GET", "/me/comments", self.token(username, group))
        if response.status_code != 200:
            raise ClientError(f"GET /me/comments refused ({response.status_code}): {response.text}")
        rows: list[dict[str, Any]] = response.json()["comments"]
        return rows

    def mail(self) -> list[dict[str, Any]]:
        return read_mailbox(Path(self.endpoints.mailbox))


def described_as_sdk(sfn: Any, answer: Any) -> dict[str, Any] | None:
    """A DescribeExecution answer (the JSON the service writes) read by the SDK's own parser for that call, so it
    is what `sfn.describe_execution` returns; None when there is none or it does not parse."""
    if not isinstance(answer, dict):
        return None
    from botocore.parsers import create_parser

    model = sfn.meta.service_model
    try:
        parsed: dict[str, Any] = create_parser(model.protocol).parse(
            {"status_code": 200, "headers": {}, "body": json.dumps(answer).encode()},
            model.operation_model("DescribeExecution").output_shape,
        )
    except Exception:  # botocore's parsers raise their own errors on a body they cannot read
        return None
    parsed.pop("ResponseMetadata", None)
    return parsed if "status" in parsed and "executionArn" in parsed else None


def upload_execution_name(photo_id: str, version: str | None, data: bytes) -> str:
    """The image workflow's execution for this upload (functions.domain.executions names it the same way)."""
    from functions.domain.executions import object_suffix

    return f"{photo_id}-{object_suffix({'version-id': version, 'eTag': hashlib.md5(data).hexdigest()})}"[:80]


def summarise_history(events: list[dict[str, Any]]) -> dict[str, Any]:
    """States entered in order, with retries and caught errors, from GetExecutionHistory."""
    states: list[str] = []
    failures: dict[str, int] = {}
    error = None
    for event in events:
        details = event.get("stateEnteredEventDetails")
        if details:
            states.append(details["name"])
        for key in ("taskFailedEventDetails", "lambdaFunctionFailedEventDetails"):
            if key in event and states:
                failures[states[-1]] = failures.get(states[-1], 0) + 1
        if "executionFailedEventDetails" in event:
            error = event["executionFailedEventDetails"]
    return {"states": states, "failedAttempts": failures, "error": error}


def read_mailbox(folder: Path) -> list[dict[str, Any]]:
    messages = []
    for path in sorted(folder.glob("*.eml"), reverse=True):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain",))
        messages.append(
            {
                "file": str(path),
                "to": msg["To"],
                "subject": str(msg["Subject"] or "").strip(),
                "date": msg["Date"],
                "text": body.get_content() if body is not None else "",
            }
        )
    return messages
