"""The check-in the config function records is what the skill's ReportState reports."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from localcloud.identity import LocalIssuer
from localcloud.lambda_context import LambdaContext
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


def test_report_state_reads_the_check_in(fleet: Fleet, skill: LocalIssuer) -> None:
    fleet.register("cam-1")
    token = skill.mint(OWNER)

    assert connectivity(report_state(token, "cam-1")) == "UNREACHABLE"  # never checked in

    assert fleet.config("cam-1").status == 200

    assert connectivity(report_state(token, "cam-1")) == "OK"
