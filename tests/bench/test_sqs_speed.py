"""The local cloud's SQS receive does not rescan the queue per message, and still honours retention."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto.sqs.models import SQSBackend

from localcloud.aws import sqs_speed


@pytest.fixture
def queue(aws: None) -> tuple[Any, str]:
    sqs_speed.install()
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="depth", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
    for start in range(0, 200, 10):
        entries = [{"Id": str(i), "MessageBody": f"m{start + i}"} for i in range(10)]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
    return sqs, url


def test_a_receive_reads_no_queue_attributes_per_message(
    queue: tuple[Any, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sqs, url = queue
    reads: list[str] = []
    original = SQSBackend.get_queue_attributes

    def counting(self: SQSBackend, queue_name: str, attribute_names: list[str]) -> dict[str, Any]:
        reads.append(queue_name)
        return original(self, queue_name, attribute_names)

    monkeypatch.setattr(SQSBackend, "get_queue_attributes", counting)
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert len(received) == 10
    assert reads == []  # moto's own check built every attribute, counts included, per message


def test_a_message_past_its_retention_is_not_received(queue: tuple[Any, str]) -> None:
    sqs, url = queue
    backend = next(iter(b for b in _backends() if "depth" in b.queues))
    for message in backend.queues["depth"]._messages:
        message.sent_timestamp -= 61_000
    assert sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []) == []


def _backends() -> list[SQSBackend]:
    from moto.sqs.models import sqs_backends

    return [sqs_backends[account][region] for account in sqs_backends for region in sqs_backends[account]]
