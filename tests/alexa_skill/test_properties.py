"""Property-based: whatever arrives, the skill answers with a valid Alexa response and never raises.

Also checks that the schema validation used by every test really rejects broken messages.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.common.observability import logger
from localcloud import kvs
from localcloud.alexa.cloud import AlexaCloud
from tests.alexa_skill.conftest import (
    OWNER,
    Cloud,
    accept_grant,
    assert_valid_response,
    discover,
    offer,
    report_state,
    schema_validator,
    session_event,
)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
NAMES = st.sampled_from(
    [
        ("Alexa.Discovery", "Discover"),
        ("Alexa.RTCSessionController", "InitiateSessionWithOffer"),
        ("Alexa.RTCSessionController", "SessionConnected"),
        ("Alexa.RTCSessionController", "SessionDisconnected"),
        ("Alexa.RTCSessionController", "UpdateSessionWithOffer"),
        ("Alexa", "ReportState"),
        ("Alexa.Authorization", "AcceptGrant"),
        ("Alexa.PowerController", "TurnOn"),
    ]
)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _valid_directives(cloud: Cloud) -> list[dict[str, Any]]:
    token = cloud.issuer.mint(OWNER)
    return [
        discover(token),
        offer("front-door", token),
        session_event("SessionConnected", "front-door", token),
        report_state("front-door", token),
        accept_grant(token),
    ]


@st.composite
def mutations(draw: st.DrawFn) -> list[tuple[list[str], Any]]:
    """Paths (as key lists) to overwrite, with the new value (None-marked deletes included)."""
    keys = st.sampled_from(
        [
            "directive",
            "header",
            "endpoint",
            "payload",
            "namespace",
            "name",
            "payloadVersion",
            "messageId",
            "correlationToken",
            "endpointId",
            "scope",
            "token",
            "type",
            "sessionId",
            "offer",
            "value",
            "format",
            "grant",
            "grantee",
            "code",
        ]
    )
    return draw(
        st.lists(st.tuples(st.lists(keys, min_size=1, max_size=4), JSON | st.just("<delete>")), max_size=4)
    )


def _apply(event: Any, path: list[str], value: Any) -> None:
    node = event
    for key in path[:-1]:
        if not isinstance(node, dict) or key not in node:
            return
        node = node[key]
    if isinstance(node, dict):
        if value == "<delete>":
            node.pop(path[-1], None)
        else:
            node[path[-1]] = value


@FAST
@given(event=JSON)
def test_arbitrary_input_gives_a_valid_response(cloud: Cloud, event: Any) -> None:
    cloud.invoke(event)  # invoke checks the response against our models and the official schema


@FAST
@given(
    name=NAMES,
    payload=JSON,
    endpoint_id=st.text(max_size=30),
    ids=st.tuples(st.text(max_size=10), st.text(max_size=10)),
)
def test_arbitrary_directive_fields_give_a_valid_response(
    cloud: Cloud, name: tuple[str, str], payload: Any, endpoint_id: str, ids: tuple[str, str]
) -> None:
    correlation, message_id = ids
    event = {
        "directive": {
            "header": {
                "namespace": name[0],
                "name": name[1],
                "payloadVersion": "3",
                "messageId": message_id,
                "correlationToken": correlation,
            },
            "endpoint": {"endpointId": endpoint_id, "scope": {"type": "BearerToken", "token": "t"}},
            "payload": payload,
        }
    }
    cloud.invoke(event)


@FAST
@given(index=st.integers(0, 4), changes=mutations())
def test_mutated_directives_give_a_valid_response(
    cloud: Cloud, index: int, changes: list[tuple[list[str], Any]]
) -> None:
    if not cloud.registry.get("front-door"):
        # A live channel and master, so mutated offers reach encoding, the exchange and decoding.
        device = cloud.camera("front-door")
        assert device.channel_arn
        kvs.attach_master(device.channel_arn, lambda offer, sender: {"type": "answer", "sdp": "v=0\r\n"})
    event = copy.deepcopy(_valid_directives(cloud)[index])
    for path, value in changes:
        _apply(event, path, value)
    cloud.invoke(event)


def test_schema_check_rejects_broken_messages(cloud: Cloud, official_schema: None) -> None:
    cloud.camera("front-door")
    good = cloud.invoke(report_state("front-door", cloud.issuer.mint(OWNER)))
    assert not list(schema_validator().iter_errors(good))

    broken = copy.deepcopy(good)
    broken["context"]["properties"][0]["timeOfSample"] = "2024-01-01T00:00:00.123456Z"
    assert list(schema_validator().iter_errors(broken))
    broken = copy.deepcopy(good)
    broken["event"]["header"]["messageId"] = "not_a_uuid!"
    assert list(schema_validator().iter_errors(broken))
    with pytest.raises(AssertionError):
        assert_valid_response(broken)


def test_schema_accepts_every_success_response(
    cloud: Cloud, official_schema: None, alexa_cloud: AlexaCloud
) -> None:
    device = cloud.camera("front-door", full_duplex_audio=True)
    assert device.channel_arn
    kvs.attach_master(device.channel_arn, lambda offer, sender: {"type": "answer", "sdp": "v=0\r\n"})
    names = []
    directives = _valid_directives(cloud)
    # AcceptGrant succeeds only with a code the (emulated) Login with Amazon issued.
    directives[-1] = accept_grant(cloud.issuer.mint(OWNER), alexa_cloud.lwa.issue_code(OWNER))
    for directive in directives:
        response = cloud.invoke(directive)
        assert not list(schema_validator().iter_errors(response))
        names.append(response["event"]["header"]["name"])
    assert names == [
        "Discover.Response",
        "AnswerGeneratedForSession",
        "SessionConnected",
        "StateReport",
        "AcceptGrant.Response",
    ]


# Lone surrogates: valid in JSON ("\ud800") and in a Python str, but not in UTF-8, so every model
# refuses them. No field that holds one may make the skill raise.
SURROGATE_TEXT = st.builds(
    lambda before, surrogate, after: before + surrogate + after,
    st.text(max_size=8),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    st.text(max_size=8),
)


def _string_paths(node: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if isinstance(node, dict):
        return [p for key, child in node.items() for p in _string_paths(child, (*path, key))]
    return [path] if isinstance(node, str) else []


@FAST
@given(index=st.integers(0, 4), data=st.data())
def test_lone_surrogates_in_any_string_field_give_a_valid_response(
    cloud: Cloud, caplog: pytest.LogCaptureFixture, index: int, data: st.DataObject
) -> None:
    event = _valid_directives(cloud)[index]
    paths = _string_paths(event)
    chosen = data.draw(st.lists(st.sampled_from(paths), min_size=1, unique=True), label="fields")
    for path in chosen:
        _apply(event, list(path), data.draw(SURROGATE_TEXT, label=".".join(path)))
    caplog.clear()

    response = cloud.invoke(event)  # checked against our models and the official schema

    assert response["event"]["header"]["name"] in {"ErrorResponse", "Discover.Response"}
    # The logs survive too: a line that is not UTF-8 cannot be written, and the record is lost.
    for record in caplog.records:
        logger.registered_formatter.format(record).encode("utf-8")
