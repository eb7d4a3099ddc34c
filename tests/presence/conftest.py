"""The presence path in process: presence handler → events queue → events handler → the emulated
gateway (which checks every event against the official schema), with lifecycle for registrations."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3
import pytest

from functions.common.registry.store import Device, Registry
from functions.device_presence import handler as presence_handler
from functions.device_presence.dependencies import dependencies
from functions.presence_sweep import handler as sweep_handler
from functions.presence_sweep.dependencies import dependencies as sweep_dependencies
from localcloud.aws.device_events import device_event
from localcloud.aws.invoke import scheduled_event
from localcloud.aws.lambda_context import LambdaContext
from tests.alexa_events.conftest import ALICE, Outbound, official_schema, outbound
from tests.lifecycle import support

__all__ = ["ALICE", "official_schema", "outbound"]
ACCOUNT = support.ACCOUNT


def bus_event(detail_type: str, device_id: str, at: datetime, **detail: Any) -> dict[str, Any]:
    return device_event(detail_type, {"deviceId": device_id, **detail}, time=at, account=ACCOUNT)


def iot_event(client_id: str, event_type: str, at: datetime, version: int = 1) -> dict[str, Any]:
    """AWS IoT Core's presence payload, as its documentation shows it."""
    payload: dict[str, Any] = {
        "clientId": client_id,
        "timestamp": int(at.timestamp() * 1000),
        "eventType": event_type,
        "sessionIdentifier": "00000000-0000-0000-0000-000000000000",
        "principalIdentifier": "12345678901234567890123456789012",
        "ipAddress": "192.0.2.1",
        "versionNumber": version,
    }
    if event_type == "disconnected":
        payload |= {"clientInitiatedDisconnect": True, "disconnectReason": "CLIENT_INITIATED_DISCONNECT"}
    return payload


@dataclass
class PresencePath:
    outbound: Outbound

    @property
    def registry(self) -> Registry:
        return Registry(self.outbound.env["REGISTRY_TABLE_NAME"])

    def device(self, device_id: str) -> Device:
        device = self.registry.get(device_id, consistent=True)
        assert device is not None
        return device

    def run(self, *bodies: dict[str, Any] | str) -> list[str]:
        """The presence handler on one batch; the failed message ids."""
        batch = support.sqs_event(*(b if isinstance(b, str) else json.dumps(b) for b in bodies))
        context = LambdaContext(function_name="device-presence", timeout_s=60)
        response = presence_handler.handler(batch, context)
        return [f["itemIdentifier"] for f in response["batchItemFailures"]]

    def sweep(self) -> dict[str, Any]:
        result: dict[str, Any] = sweep_handler.handler(
            scheduled_event("us-east-1"), LambdaContext(function_name="presence-sweep", timeout_s=60)
        )
        return result

    def reports(self, device_id: str) -> list[dict[str, Any]]:
        """ChangeReports and DoorbellPresses the gateway accepted for the device, oldest first."""
        return [
            m
            for _, m in self.outbound.alexa.gateway.accepted
            if m["event"].get("endpoint", {}).get("endpointId") == device_id
        ]

    def connectivity_reports(self, device_id: str) -> list[tuple[str, str]]:
        """(value, cause) of every connectivity ChangeReport for the device."""
        found = []
        for m in self.reports(device_id):
            if m["event"]["header"]["name"] == "ChangeReport":
                (prop,) = m["event"]["payload"]["change"]["properties"]
                found.append((prop["value"]["value"], m["event"]["payload"]["change"]["cause"]["type"]))
        return found

    def queued(self) -> int:
        url = self.outbound.env["ALEXA_EVENTS_QUEUE_URL"]
        attributes = boto3.client("sqs").get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


@pytest.fixture
def presence(outbound: Outbound, official_schema: None) -> Iterator[PresencePath]:
    dependencies.cache_clear()
    sweep_dependencies.cache_clear()
    yield PresencePath(outbound)
    dependencies.cache_clear()
    sweep_dependencies.cache_clear()
