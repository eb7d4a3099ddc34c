"""The events function's configuration, the shared endpoint builder, and how strict the emulated
LWA and gateway are (a client that passes here would pass against the real ones)."""

from __future__ import annotations

import json
import os
import urllib.parse

import pytest

from functions.alexa_events.messages import add_or_update_report, delete_report
from functions.alexa_events.settings import EventsSettings, gateway_for_region
from functions.common.alexa.endpoints import discovered_endpoint
from functions.common.deadline import Deadline
from functions.common.http import post
from functions.common.registry.store import Device
from functions.common.settings import ConfigurationError
from localcloud.alexa import schema as alexa_schema
from tests.alexa_events.conftest import ALICE, Outbound

ENV = {"REGISTRY_TABLE_NAME": "registry", "GRANTS_TABLE_NAME": "grants", "ALEXA_CLIENT_SECRET_ID": "s"}


@pytest.mark.parametrize(
    ("region", "gateway"),
    [
        ("us-east-1", "https://api.amazonalexa.com/v3/events"),
        ("eu-west-1", "https://api.eu.amazonalexa.com/v3/events"),
        ("ap-south-1", "https://api.eu.amazonalexa.com/v3/events"),
        ("us-west-2", "https://api.fe.amazonalexa.com/v3/events"),
        ("ap-northeast-1", "https://api.fe.amazonalexa.com/v3/events"),
    ],
)
def test_the_gateway_follows_the_region_unless_overridden(region: str, gateway: str) -> None:
    assert gateway_for_region(region) == gateway
    assert EventsSettings.load({**ENV, "AWS_REGION": region}).gateway_url == gateway
    override = {**ENV, "AWS_REGION": region, "ALEXA_EVENT_GATEWAY_URL": "http://127.0.0.1:1/v3/events"}
    assert EventsSettings.load(override).gateway_url == "http://127.0.0.1:1/v3/events"
    assert EventsSettings.load(ENV).lwa_token_url == "https://api.amazon.com/auth/o2/token"


@pytest.mark.parametrize("missing", ["GRANTS_TABLE_NAME", "ALEXA_CLIENT_SECRET_ID", "REGISTRY_TABLE_NAME"])
def test_missing_configuration_names_the_variable(missing: str) -> None:
    with pytest.raises(ConfigurationError, match=missing):
        EventsSettings.load({k: v for k, v in ENV.items() if k != missing})
    with pytest.raises(ConfigurationError, match="LWA_TOKEN_URL"):
        EventsSettings.load({**ENV, "LWA_TOKEN_URL": "file:///etc/passwd"})


def test_discovery_and_add_or_update_report_describe_a_camera_alike() -> None:
    device = Device(
        device_id="cam-1",
        owner_id=ALICE,
        friendly_name="Front door",
        manufacturer_name="Acme",
        model="C1",
        software_version="2.0",
        full_duplex_audio=True,
    )
    discovered = discovered_endpoint(device).model_dump(by_alias=True, exclude_none=True, mode="json")
    report = add_or_update_report(device, "Atza|token")
    assert report["event"]["payload"]["endpoints"] == [discovered]
    assert discovered["additionalAttributes"] == {
        "manufacturer": "Acme",
        "model": "C1",
        "softwareVersion": "2.0",
    }
    assert (
        "additionalAttributes"
        not in add_or_update_report(Device(device_id="cam-2"), "t")["event"]["payload"]["endpoints"][0]
    )


@pytest.mark.usefixtures("official_schema")
def test_both_reports_validate_and_a_broken_one_does_not() -> None:
    device = Device(device_id="cam-1", owner_id=ALICE, serial_number="SN", firmware_version="1")
    assert alexa_schema.errors(add_or_update_report(device, "Atza|token")) == []
    assert alexa_schema.errors(delete_report("cam-1", "Atza|token")) == []
    broken = delete_report("cam-1", "Atza|token")
    del broken["event"]["payload"]["scope"]
    assert alexa_schema.errors(broken)
    broken = add_or_update_report(device, "Atza|token")
    broken["event"]["payload"]["endpoints"][0]["displayCategories"] = []
    assert alexa_schema.errors(broken)


def _token_request(form: dict[str, str]) -> tuple[int, dict[str, str]]:
    body = urllib.parse.urlencode(form).encode()
    answer = post(
        os.environ["LWA_TOKEN_URL"], body, {"Content-Type": "application/x-www-form-urlencoded"}, Deadline(5)
    )
    return answer.status, json.loads(answer.body)


def test_emulated_lwa_is_strict(outbound: Outbound) -> None:
    credentials = outbound.lwa()._credentials()
    client = {
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret.get_secret_value(),
    }
    code = outbound.alexa.lwa.issue_code(ALICE)
    wrong = {**client, "client_secret": "nope"}
    assert _token_request({"grant_type": "authorization_code", "code": code, **wrong})[0] == 401
    status, tokens = _token_request({"grant_type": "authorization_code", "code": code, **client})
    assert status == 200 and tokens["expires_in"] == 3600
    assert _token_request({"grant_type": "authorization_code", "code": code, **client}) == (
        400,
        {"error": "invalid_grant", "error_description": "invalid grant"},
    )
    assert _token_request({"grant_type": "refresh_token", "refresh_token": "Atzr|x", **client})[0] == 400
    assert _token_request({"grant_type": "password", **client})[0] == 400


@pytest.mark.usefixtures("official_schema")
def test_emulated_gateway_is_strict(outbound: Outbound) -> None:
    grant = outbound.link(ALICE)
    token = grant.access_token.get_secret_value()
    url = os.environ["ALEXA_EVENT_GATEWAY_URL"]

    def send(bearer: str, event: dict[str, object]) -> tuple[int, str]:
        headers = {"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"}
        answer = post(url, json.dumps(event).encode(), headers, Deadline(5))
        return answer.status, json.loads(answer.body or b"{}").get("payload", {}).get("code", "")

    device = Device(device_id="cam-1", owner_id=ALICE)
    assert send("Atza|unknown", add_or_update_report(device, "Atza|unknown")) == (
        401,
        "INVALID_ACCESS_TOKEN_EXCEPTION",
    )
    assert send(token, add_or_update_report(device, "Atza|other")) == (400, "INVALID_REQUEST_EXCEPTION")
    invalid = add_or_update_report(device, token)
    invalid["event"]["header"]["payloadVersion"] = "2"
    assert send(token, invalid) == (400, "INVALID_REQUEST_EXCEPTION")
    assert send(token, add_or_update_report(device, token)) == (202, "")
    outbound.alexa.lwa.expire_access_tokens(ALICE)
    assert send(token, delete_report("cam-1", token)) == (401, "INVALID_ACCESS_TOKEN_EXCEPTION")
