"""The local stand-ins for AWS's managed glue (salon/local/pumps.py), on moto's SQS and SNS in-process: a pump's
receive is a long poll that returns the message that lands while it waits (no sleep between polls), and halting a
pump blocked in that poll ends it with that receive, so the stack's stop never waits on an idle queue for longer."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from salon.local.pumps import LONG_POLL_SECONDS, Mailbox, Pump
from tests.conftest import wait_until
from tests.fakes import fake_credentials


@pytest.fixture
def queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    fake_credentials(monkeypatch)
    with mock_aws():
        sqs = boto3.client("sqs")
        url = sqs.create_queue(QueueName=f"pumps-test-{uuid.uuid4().hex[:8]}")["QueueUrl"]
        yield sqs, url
        sqs.delete_queue(QueueUrl=url)


class Counted:
    """A pump's step, counting its calls and saying when the first one began."""

    def __init__(self, step: Any) -> None:
        self.step, self.calls, self.began = step, 0, threading.Event()
        self.worked_on: list[int] = []  # the calls that found something

    def __call__(self) -> bool:
        self.calls += 1
        self.began.set()
        worked = bool(self.step())
        if worked:
            self.worked_on.append(self.calls)
        return worked


def envelope(topic_arn: str) -> dict[str, Any]:
    return {"TopicArn": topic_arn, "MessageId": uuid.uuid4().hex, "Subject": "Hello", "Message": "A body"}


def test_a_message_landing_during_the_long_poll_is_delivered_by_that_receive(
    queue: tuple[Any, str], tmp_path: Path
) -> None:
    sqs, url = queue
    sns = boto3.client("sns")
    topic = sns.create_topic(Name=f"pumps-test-{uuid.uuid4().hex[:8]}")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="owner@salon.example")
    step = Counted(Mailbox(tmp_path, url, "us-east-1").step)
    pump = Pump("mailbox-test", step)
    pump.start()
    try:
        assert step.began.wait(LONG_POLL_SECONDS * 10)
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(envelope(topic)))
        wait_until(lambda: step.worked_on, timeout=30, interval=0.01)
        assert len(list(tmp_path.glob("*.eml"))) == 1
        # the receive in flight when the message landed returned it; a sleep-and-poll loop would be on a later call
        assert step.worked_on == [1]
    finally:
        pump.stop()
        sns.delete_topic(TopicArn=topic)


def test_a_pump_halted_in_its_long_poll_ends_with_that_receive(queue: tuple[Any, str], tmp_path: Path) -> None:
    _, url = queue
    step = Counted(Mailbox(tmp_path, url, "us-east-1").step)
    pump = Pump("mailbox-test", step)
    pump.start()
    assert step.began.wait(LONG_POLL_SECONDS * 10)
    pump.stop()  # joins for at most the receive in flight (LONG_POLL_SECONDS) plus a margin
    assert not pump.is_alive()
    assert step.calls == 1  # it did not poll again once halted
