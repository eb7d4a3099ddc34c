"""The check-in the config function records confirms what the skill's ReportState reports."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from functions.common.registry.store import Connectivity, event_time_key
from localcloud.aws.identity import LocalIssuer
from localcloud.aws.lambda_context import LambdaContext
from tests.device_config.conftest import OWNER, Fleet


@pytest.fixture
def skill(fleet: Fleet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalIssuer]:
    from functions.alexa_skill.dependencies import dependencies

    issuer = LocalIssuer(tmp_path / "identity")
    for key, value in issuer.env().items():
        monkeypatch.setenv(key, value)
    dependencies.cache_clear()
    yield issuer
    dependencies().close()
    dependencies.cache_clear()


def report_state(token: str, device_id: str) -> dict[str, Any]:
    from functions.alexa_skill.handler import handler

    directive = {
        "directive": {
            "header": {
                "namespace": "Alexa",
                "name": "ReportState",
                "payloadVersion": "3",
                "messageId": str(uuid.uuid4()),
                "correlationToken": "token-1",
            },
            "endpoint": {
                "endpointId": device_id,
                "cookie": {},
                "scope": {"type": "BearerToken", "token": token},
            },
            "payload": {},
        }
    }
    response: dict[str, Any] = handler(directive, LambdaContext("alexa-skill"))
    return response


def connectivity(response: dict[str, Any]) -> str:
    assert response["event"]["header"]["name"] == "StateReport", response
    [prop] = [
        p
        for p in response["context"]["properties"]
        if p["namespace"] == "Alexa.EndpointHealth" and p["name"] == "connectivity"
    ]
    value: str = prop["value"]["value"]
    return value


def test_a_check_in_confirms_a_connected_camera_but_does_not_connect_it(
    fleet: Fleet, skill: LocalIssuer
) -> None:
    fleet.register("cam-1")
    token = skill.mint(OWNER)

    assert fleet.config("cam-1").status == 200
    assert connectivity(report_state(token, "cam-1")) == "UNREACHABLE"  # checked in, never connected

    # Connected an hour ago (as the presence function records it): the check-in is the newer sign.
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    key = (event_time_key(an_hour_ago), "e-1")
    connected_at = int(an_hour_ago.timestamp())
    assert fleet.registry.record_presence(
        "cam-1", Connectivity.OK, key, "PHYSICAL_INTERACTION", connected_at=connected_at
    )
    response = report_state(token, "cam-1")
    assert connectivity(response) == "OK"
    assert response["context"]["properties"][0]["uncertaintyInMilliseconds"] < 60_000
