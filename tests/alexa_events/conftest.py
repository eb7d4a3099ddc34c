"""The outbound path in process: the lifecycle handler, the events queue, the events handler,
the emulated LWA and gateway on loopback, and the official schema for every event sent."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from functions.alexa_events.dependencies import dependencies
from functions.alexa_events.handler import handler
from functions.alexa_skill.account_grants import AccountGrants
from functions.common import aws_clients
from functions.common.alexa.credentials import credentials_reader
from functions.common.alexa.grants import GrantStore, StoredGrant
from functions.common.alexa.lwa import LoginWithAmazon
from functions.common.deadline import Deadline
from functions.device_lifecycle.dependencies import dependencies as lifecycle_dependencies
from localcloud.alexa import schema as alexa_schema
from localcloud.alexa.cloud import AlexaCloud
from localcloud.aws.invoke import sqs_event
from localcloud.aws.lambda_context import LambdaContext
from tests.lifecycle import support

ALICE, BOB = "user-alice", "user-bob"


@dataclass
class Outbound:
    env: dict[str, str]
    alexa: AlexaCloud

    @property
    def store(self) -> GrantStore:
        return GrantStore(self.env["GRANTS_TABLE_NAME"], aws_clients.client("dynamodb"))

    def lwa(self) -> LoginWithAmazon:
        secrets = aws_clients.client("secretsmanager")
        return LoginWithAmazon(
            os.environ["LWA_TOKEN_URL"], credentials_reader(self.env["ALEXA_CLIENT_SECRET_ID"], secrets)
        )

    def link(self, owner: str) -> StoredGrant:
        """The user links the skill: Alexa's grant code exchanged as AcceptGrant does it."""
        AccountGrants(self.store, self.lwa()).accept(owner, self.alexa.lwa.issue_code(owner), Deadline(5))
        grant = self.store.get(owner)
        assert grant is not None
        return grant

    def lifecycle(self, detail_type: str, device_id: str, at: int, owner: str | None, **detail: Any) -> None:
        """A device event through the lifecycle handler (which announces applied changes)."""
        assert support.run(support.event(detail_type, device_id, at, owner=owner, **detail)) == []  # type: ignore[arg-type]

    def queued(self) -> list[dict[str, Any]]:
        """Take every message off the events queue (as the event source mapping would)."""
        sqs = boto3.client("sqs")
        messages: list[dict[str, Any]] = []
        while batch := sqs.receive_message(
            QueueUrl=self.env["ALEXA_EVENTS_QUEUE_URL"], MaxNumberOfMessages=10
        ).get("Messages", []):
            messages.extend(batch)
            sqs.delete_message_batch(
                QueueUrl=self.env["ALEXA_EVENTS_QUEUE_URL"],
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)],
            )
        return messages

    def send(self, messages: list[dict[str, Any]]) -> list[str]:
        """Run the events handler on one batch; the failed message ids."""
        event = sqs_event(messages, "arn:aws:sqs:us-east-1:123456789012:alexa-events", "us-east-1")
        response = handler(event, LambdaContext(function_name="alexa-events", timeout_s=60))
        return [f["itemIdentifier"] for f in response["batchItemFailures"]]

    def deliver(self) -> list[str]:
        """Everything queued, through the events handler; the failed message ids."""
        messages = self.queued()
        return self.send(messages) if messages else []

    def sent(self, device_id: str | None = None) -> list[tuple[str, str]]:
        """(user, event name) of every event the gateway accepted, oldest first."""
        return [
            (user, m["event"]["header"]["name"])
            for user, m in self.alexa.gateway.accepted
            if device_id is None or m["event"]["payload"]["endpoints"][0]["endpointId"] == device_id
        ]


@pytest.fixture
def outbound(alexa_cloud: AlexaCloud, cloud_env: dict[str, str]) -> Iterator[Outbound]:
    from localcloud import kvs

    lifecycle_dependencies.cache_clear()
    dependencies.cache_clear()
    kvs.clear_calls()
    yield Outbound(cloud_env, alexa_cloud)
    # Every event the gateway accepted is valid Alexa (it checks too; this makes it visible).
    for _, message in alexa_cloud.gateway.accepted:
        assert alexa_schema.errors(message) == []
    dependencies.cache_clear()
    lifecycle_dependencies.cache_clear()
    kvs.reset_settings()


@pytest.fixture
def official_schema() -> None:
    if not alexa_schema.available():
        pytest.skip(
            f"official Alexa schema not found under {alexa_schema.reference_dir()} "
            "(set ALEXA_SMARTHOME_REFERENCE or check out ../shared/reference)"
        )
