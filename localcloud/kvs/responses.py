"""HTTP handlers of the eleven operations, in the shape moto's url_paths expect."""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from moto.iam.models import get_account_id_from

from . import faults, validation
from .accounting import CallRecord, record
from .errors import KvsError, invalid_argument
from .models import DEFAULT_TTL_S, SignalingBackend, signaling_backends

Response = tuple[int, dict[str, str], str]
Handler = Callable[[Any, str, Any], Response]
Operation = Callable[[SignalingBackend, dict[str, Any]], dict[str, Any]]

_CREDENTIAL_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([a-z0-9-]+)/")
_HOST_REGION = re.compile(r"kinesisvideo\.([a-z0-9-]+)\.amazonaws\.com")
# The control-plane host; the data plane is served only on per-channel hosts (or a local server).
_DEFAULT_HOST = re.compile(r"kinesisvideo\.[a-z0-9-]+\.amazonaws\.com(\.cn)?(:\d+)?$")


def _account_and_region(headers: Any, full_url: str) -> tuple[str, str]:
    match = _CREDENTIAL_SCOPE.search(headers.get("Authorization", "") or "")
    if match:
        access_key, region = match.group(1), match.group(2)
    else:
        host_match = _HOST_REGION.search(full_url)
        access_key, region = "", host_match.group(1) if host_match else "us-east-1"
    # Same precedence as moto's BaseResponse.get_current_account.
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"], region
    if headers.get("x-moto-account-id"):
        return str(headers["x-moto-account-id"]), region
    return str(get_account_id_from(access_key or "AKIAEXAMPLE")), region


def _json_body(request: Any) -> dict[str, Any]:
    raw = request.get_data() if hasattr(request, "get_data") else request.data
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise invalid_argument("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise invalid_argument("The request body must be a JSON object.")
    return body


# -- control plane --------------------------------------------------------------------------------


def create_signaling_channel(backend: SignalingBackend, body: dict[str, Any]) -> dict[str, Any]:
    name = validation.channel_name(body)
    if name is None:
        raise invalid_argument("ChannelName is required.")
    channel_type = validation.optional_enum(body, "ChannelType", validation.CHANNEL_TYPES)
    if channel_type == "FULL_MESH":
        raise invalid_argument("Only the SINGLE_MASTER channel type is supported.")
    ttl = validation.message_ttl(body)
    tags = validation.tag_list(body, "Tags", required=False)
    arn = backend.create(name, channel_type or "SINGLE_MASTER", ttl or DEFAULT_TTL_S, tags)
    return {"ChannelARN": arn}


def describe_signaling_channel(backend: SignalingBackend, body: dict[str, Any]) -> dict[str, Any]:
    name = validation.channel_name(body)
    arn = validation.arn(body, "ChannelARN")
    return {"ChannelInfo": backend.describe(name=name, arn=arn)}


def list_signaling_channels(backend: SignalingBackend, body: dict[str, Any]) -> dict[str, Any]:
    max_results = validation.optional_int(body, "MaxResults", low=1, high=10_000) or 500
    token = validation.next_token(body)
    prefix = None
    condition = validation.optional_struct(body, "ChannelNameCondition")
    if condition is not None:
        validation.optional_enum(condition, "ComparisonOperator", ("BEGINS_WITH",))
        prefix = validation.channel_name(condition, "ComparisonValue")
    infos, next_token = backend.list_channels(max_results, token, prefix)
    result: dict[str, Any] = {"ChannelInfoList": infos}
    if next_token:
        result["NextToken"] = next_token
    return result


def update_signaling_channel(backend: SignalingBackend, body: dict[str, Any]) -> dict[str, Any]:
    arn = validation.required_arn(body, "ChannelARN")
    version = validation.version(body)
    if version is None:
        raise invalid_argument("CurrentVersion is required.")
    backend.update(arn, version, validation.message_ttl(body))
    return {}


def delete_signaling_channel(backend: SignalingBackend, body: dict[str, Any]) -> dict[str, Any]:
    arn = validation.required_arn(body, "ChannelARN")
    backend.delete(arn, validation.version(body))
    return {}


def tag_resource(backend: SignalingBackend, body: dict[str, Any]) -> dict[str, Any]:
    arn = validation.required_arn(body, "ResourceARN")
    backend.tag(arn, validation.tag_list(body, "Tags", required=True))
    return {}


def untag_resource(backend: SignalingBackend, body: dict[str, Any]) -> dict[str, Any]:
    arn = validation.required_arn(body, "ResourceARN")
    backend.untag(arn, validation.tag_key_list(body))
    return {}


def list_tags_for_resource(backend: SignalingBackend, body: dict[str, Any]) -> dict[str, Any]:
    arn = validation.required_arn(body, "ResourceARN")
    tags, next_token = backend.list_tags(arn, validation.next_token(body))
    result: dict[str, Any] = {"Tags": tags}
    if next_token:
        result["NextToken"] = next_token
    return result


def get_signaling_channel_endpoint(backend: SignalingBackend, body: dict[str, Any]) -> dict[str, Any]:
    arn = validation.required_arn(body, "ChannelARN")
    config = validation.optional_struct(body, "SingleMasterChannelEndpointConfiguration") or {}
    role = validation.optional_enum(config, "Role", validation.ROLES) or "MASTER"
    protocols = config.get("Protocols", ["WSS", "HTTPS"])
    if not isinstance(protocols, list) or not 1 <= len(protocols) <= 5:
        raise invalid_argument("Protocols must hold 1 to 5 protocols.")
    for protocol in protocols:
        if protocol not in validation.PROTOCOLS:
            raise invalid_argument(f"Protocol must be one of WSS, HTTPS, WEBRTC, got {protocol!r}.")
    unique = list(dict.fromkeys(protocols))
    return {"ResourceEndpointList": backend.endpoints(arn, unique, role)}


# -- data plane -----------------------------------------------------------------------------------


def send_alexa_offer_to_master(backend: SignalingBackend, body: dict[str, Any]) -> dict[str, Any]:
    arn = validation.required_arn(body, "ChannelARN", signaling=True)
    sender = validation.required_string(body, "SenderClientId", max_len=256, pattern=validation.NAME_PATTERN)
    payload = validation.required_string(
        body, "MessagePayload", max_len=10_000, pattern=validation.BASE64_PATTERN
    )
    try:
        offer = json.loads(base64.b64decode(payload, validate=True))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise invalid_argument("MessagePayload must be base64 of a JSON object.") from None
    if not isinstance(offer, dict):
        raise invalid_argument("MessagePayload must be base64 of a JSON object.")
    answer = backend.send_offer(arn, offer, sender)
    return {"Answer": base64.b64encode(json.dumps(answer).encode()).decode()}


def get_ice_server_config(backend: SignalingBackend, body: dict[str, Any]) -> dict[str, Any]:
    arn = validation.required_arn(body, "ChannelARN", signaling=True)
    validation.optional_string(body, "ClientId", max_len=256, pattern=validation.NAME_PATTERN)
    validation.optional_enum(body, "Service", ("TURN",))
    validation.optional_string(body, "Username", max_len=256, pattern=validation.NAME_PATTERN)
    return {"IceServerList": backend.ice_servers(arn)}


CONTROL_PLANE: dict[str, tuple[str, Operation]] = {
    "/createSignalingChannel": ("CreateSignalingChannel", create_signaling_channel),
    "/describeSignalingChannel": ("DescribeSignalingChannel", describe_signaling_channel),
    "/listSignalingChannels": ("ListSignalingChannels", list_signaling_channels),
    "/updateSignalingChannel": ("UpdateSignalingChannel", update_signaling_channel),
    "/deleteSignalingChannel": ("DeleteSignalingChannel", delete_signaling_channel),
    "/TagResource": ("TagResource", tag_resource),
    "/UntagResource": ("UntagResource", untag_resource),
    "/ListTagsForResource": ("ListTagsForResource", list_tags_for_resource),
    "/getSignalingChannelEndpoint": ("GetSignalingChannelEndpoint", get_signaling_channel_endpoint),
}
DATA_PLANE: dict[str, tuple[str, Operation]] = {
    "/v1/send-alexa-offer-to-master": ("SendAlexaOfferToMaster", send_alexa_offer_to_master),
    "/v1/get-ice-server-config": ("GetIceServerConfig", get_ice_server_config),
}


def _channel_scope(body: dict[str, Any]) -> str | None:
    value = body.get("ChannelARN", body.get("ResourceARN"))
    return value if isinstance(value, str) else None


def _run(
    operation: str, run: Operation, request: Any, full_url: str, headers: Any, *, data_plane: bool
) -> Response:
    account, region = _account_and_region(headers, full_url)
    channel_arn: str | None = None
    try:
        body = _json_body(request)
        channel_arn = _channel_scope(body)
        if data_plane and _DEFAULT_HOST.match(urlsplit(full_url).netloc):
            raise KvsError("UnknownOperationException", "")
        injection = faults.state().take_injection(operation)
        if injection is not None:
            if injection.latency_s:
                time.sleep(injection.latency_s)
            if injection.error:
                raise KvsError(injection.error, injection.message, injection.status)
        faults.state().admit(account, region, operation, channel_arn)
        backend: SignalingBackend = signaling_backends[account][region]
        result = run(backend, body)
    except KvsError as error:
        record(CallRecord(operation, channel_arn, error.code, time.time(), account, region))
        return error.to_response()
    channel_arn = channel_arn or result.get("ChannelARN") or result.get("ChannelInfo", {}).get("ChannelARN")
    record(CallRecord(operation, channel_arn, "ok", time.time(), account, region))
    return 200, {"Content-Type": "application/json"}, json.dumps(result)


def make_handler(operation: str, run: Operation, *, data_plane: bool) -> Handler:
    def handler(request: Any, full_url: str, headers: Any) -> Response:
        return _run(operation, run, request, full_url, headers, data_plane=data_plane)

    # moto's server names Flask endpoints after the handler, so each gets its own name.
    handler.__name__ = f"kvs_{operation}"
    handler.__qualname__ = handler.__name__
    return handler
