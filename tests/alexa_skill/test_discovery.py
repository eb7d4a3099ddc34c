"""Alexa.Discovery / Discover."""

from __future__ import annotations

import pytest

from functions.alexa_skill.dependencies import dependencies
from tests.alexa_skill.conftest import OTHER, OWNER, Cloud, discover, error_type, offer


def test_lists_only_the_callers_cameras_with_the_camera_capabilities(cloud: Cloud) -> None:
    cloud.camera("front-door", friendly_name="Front door", manufacturer_name="Acme", full_duplex_audio=True)
    cloud.camera("garden", description="Garden camera")
    cloud.camera("bobs-cam", owner=OTHER)

    response = cloud.invoke(discover(cloud.issuer.mint(OWNER)))

    event = response["event"]
    assert event["header"]["namespace"] == "Alexa.Discovery"
    assert event["header"]["name"] == "Discover.Response"
    endpoints = {e["endpointId"]: e for e in event["payload"]["endpoints"]}
    assert set(endpoints) == {"front-door", "garden"}
    front = endpoints["front-door"]
    assert front["friendlyName"] == "Front door"
    assert front["manufacturerName"] == "Acme"
    assert front["displayCategories"] == ["CAMERA"]
    assert front["cookie"] == {}
    interfaces = {c["interface"]: c for c in front["capabilities"]}
    assert set(interfaces) == {"Alexa", "Alexa.RTCSessionController", "Alexa.EndpointHealth"}
    assert all(c["version"] == "3" and c["type"] == "AlexaInterface" for c in front["capabilities"])
    assert interfaces["Alexa.RTCSessionController"]["configuration"] == {"isFullDuplexAudioSupported": True}
    assert interfaces["Alexa.EndpointHealth"]["properties"] == {
        "supported": [{"name": "connectivity"}],
        "proactivelyReported": True,
        "retrievable": True,
    }
    garden = endpoints["garden"]
    assert garden["description"] == "Garden camera"
    assert garden["friendlyName"] == "garden"  # no friendly name: the id stands in
    rtc = next(c for c in garden["capabilities"] if c["interface"] == "Alexa.RTCSessionController")
    assert rtc["configuration"] == {"isFullDuplexAudioSupported": False}


def test_bad_or_expired_token_gives_an_empty_list(cloud: Cloud, tmp_path: object) -> None:
    cloud.camera("front-door")
    for token in (
        cloud.issuer.mint(OWNER, expires_in=-60),
        cloud.issuer.mint(OWNER, aud="someone-else"),
        cloud.issuer.mint(OWNER, iss="https://evil.example"),
        "not-a-jwt",
    ):
        response = cloud.invoke(discover(token))
        assert response["event"]["header"]["name"] == "Discover.Response"
        assert response["event"]["payload"]["endpoints"] == []


def test_at_most_300_endpoints_and_ids_alexa_rejects_are_left_out(
    cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Never connected: presence is not what this is about. moto's owner query over 300 items takes
    # longer than the suite's short deadline on a loaded machine, so this test has the production one.
    monkeypatch.setenv("SKILL_DEADLINE_SECONDS", "4.5")
    dependencies.cache_clear()
    for i in range(302):
        cloud.camera(f"cam-{i:03d}", channel=False, connected_ago=None)
    cloud.camera("dotted.id", channel=False, connected_ago=None)

    endpoints = cloud.invoke(discover(cloud.issuer.mint(OWNER)))["event"]["payload"]["endpoints"]

    assert len(endpoints) == 300
    assert all("." not in e["endpointId"] for e in endpoints)


def test_long_names_are_cut_to_alexas_limits(cloud: Cloud) -> None:
    cloud.camera("long", friendly_name="F" * 300, manufacturer_name="M" * 300, description="D" * 300)
    (endpoint,) = cloud.invoke(discover(cloud.issuer.mint(OWNER)))["event"]["payload"]["endpoints"]
    assert len(endpoint["friendlyName"]) == len(endpoint["manufacturerName"]) == 128
    assert len(endpoint["description"]) == 128


def test_registry_items_that_break_the_device_id_rule_are_not_cameras(cloud: Cloud) -> None:
    # Items written before the deviceId rule (2 to 64 of [a-zA-Z0-9_-]): such a camera could never
    # fetch its config, so Alexa is not told about it and cannot reach it.
    long_id = "c" * 65
    cloud.camera(long_id, channel=False)
    cloud.camera("c", channel=False)
    cloud.camera("ok")
    token = cloud.issuer.mint(OWNER)

    endpoints = cloud.invoke(discover(token))["event"]["payload"]["endpoints"]
    assert [e["endpointId"] for e in endpoints] == ["ok"]
    assert error_type(cloud.invoke(offer(long_id, token))) == "NO_SUCH_ENDPOINT"


def test_a_doorbell_is_camera_then_doorbell_with_its_event_source(cloud: Cloud) -> None:
    cloud.camera("door", doorbell=True)
    (endpoint,) = cloud.invoke(discover(cloud.issuer.mint(OWNER)))["event"]["payload"]["endpoints"]
    assert endpoint["displayCategories"] == ["CAMERA", "DOORBELL"]
    interfaces = {c["interface"]: c for c in endpoint["capabilities"]}
    assert interfaces["Alexa.DoorbellEventSource"]["proactivelyReported"] is True
    assert "Alexa.RTCSessionController" in interfaces
