"""Background loops that stand in for AWS's managed glue: the SQS event source mapping and SNS email."""

from __future__ import annotations

import email.policy
import json
import logging
import threading
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

import boto3

from salon.local import loopback

log = logging.getLogger(__name__)
EML_POLICY = email.policy.default.clone(max_line_length=998)  # keep subjects on one header line


LONG_POLL_SECONDS = 1  # SQS WaitTimeSeconds: a receive returns as soon as a message lands (moto notifies)


class Pump(threading.Thread):
    """Calls step() until stopped. Each step long-polls its queue, so it reacts to a message as soon as it
    lands and costs nothing while idle; after a failure it waits `backoff_seconds` before trying again."""

    def __init__(self, name: str, step: Callable[[], bool], backoff_seconds: float = 0.2) -> None:
        super().__init__(name=name, daemon=True)
        self._step, self._backoff, self._halt = step, backoff_seconds, threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                self._step()
            except Exception:
                if self._halt.is_set():
                    break  # the stack is stopping under a receive in flight
                log.exception("%s failed; retrying", self.name)
                self._halt.wait(self._backoff)

    def halt(self) -> None:
        """Asks the loop to end after the receive in flight (at most LONG_POLL_SECONDS)."""
        self._halt.set()

    def stop(self) -> None:
        self.halt()
        self.join(timeout=LONG_POLL_SECONDS + 5)


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """The event an SQS event source mapping hands to Lambda."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": {k: str(v) for k, v in m.get("Attributes", {}).items()},
                "messageAttributes": {},
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for m in messages
        ]
    }


class EventSourceMapping:
    """SQS -> Lambda Invoke (over the Lambda API) with partial batch responses and long polling, like AWS's
    mapping (which polls with WaitTimeSeconds=20)."""

    def __init__(self, queue_url: str, function_name: str, region: str) -> None:
        self.sqs = loopback.attach(boto3.client("sqs", region_name=region))
        self.lam = loopback.attach(boto3.client("lambda", region_name=region))
        self.queue_url, self.function_name, self.region = queue_url, function_name, region
        self.queue_arn = self.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]

    def step(self) -> bool:
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"], WaitTimeSeconds=LONG_POLL_SECONDS
        ).get("Messages", [])
        if not messages:
            return False
        response = self.lam.invoke(
            FunctionName=self.function_name, Payload=json.dumps(sqs_event(messages, self.queue_arn, self.region))
        )
        payload = json.loads(response["Payload"].read() or b"{}")
        if response.get("FunctionError"):
            log.warning("%s failed for a batch: %s", self.function_name, payload.get("errorMessage"))
            return True  # messages become visible again and are retried, then dead-lettered
        failed = {f["itemIdentifier"] for f in payload.get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        return True


class Mailbox:
    """SNS email delivery: one .eml file per message per email subscriber, fed by an SQS subscription."""

    def __init__(self, folder: Path, queue_url: str, region: str) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.sqs = loopback.attach(boto3.client("sqs", region_name=region))
        self.sns = loopback.attach(boto3.client("sns", region_name=region))
        self.queue_url = queue_url

    def _recipients(self, topic_arn: str, protocol: str = "email") -> list[str]:
        subs = self.sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
        return [s["Endpoint"] for s in subs if s["Protocol"] == protocol]

    def _texts(self, envelope: dict[str, Any], parts: Any) -> list[Path]:
        """SMS subscribers: one .sms file each, with the message's sms text (as SNS sends it)."""
        text = parts.get("sms") if isinstance(parts, dict) else None
        written = []
        for to in self._recipients(envelope["TopicArn"], "sms"):
            safe = "".join(c for c in to if c.isalnum() or c == "+")
            path = self.folder / f"{time.strftime('%Y%m%dT%H%M%S')}-{envelope['MessageId'][:8]}-{safe}.sms"
            path.write_text(f"To: {to}\n\n{text or envelope.get('Subject') or ''}\n", encoding="utf-8")
            written.append(path)
        return written

    def deliver(self, envelope: dict[str, Any]) -> list[Path]:
        written = []
        for to in self._recipients(envelope["TopicArn"]):
            msg = EmailMessage(policy=EML_POLICY)
            msg["From"] = "Salon Insights <no-reply@sns.amazonaws.com>"
            msg["To"] = to
            msg["Subject"] = envelope.get("Subject") or "Salon Insights notification"
            msg["Date"] = formatdate(localtime=False)
            msg["Message-ID"] = make_msgid(idstring=envelope["MessageId"], domain="salon.local")
            body = envelope["Message"]
            try:  # a JSON message structure carries an "email" text and, optionally, "html"
                parts = json.loads(body)
            except ValueError:
                parts = None
            if isinstance(parts, dict) and "email" in parts:
                msg.set_content(parts["email"])
                if parts.get("html"):
                    msg.add_alternative(parts["html"], subtype="html")
            else:
                msg.set_content(body)
            path = self.folder / f"{time.strftime('%Y%m%dT%H%M%S')}-{envelope['MessageId'][:8]}-{to}.eml"
            path.write_bytes(bytes(msg))
            written.append(path)
        try:
            parts = json.loads(envelope["Message"])
        except ValueError:
            parts = None
        return written + self._texts(envelope, parts)

    def step(self) -> bool:
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=LONG_POLL_SECONDS
        ).get("Messages", [])
        for m in messages:
            self.deliver(json.loads(m["Body"]))
            self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
        return bool(messages)
