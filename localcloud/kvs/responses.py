"""The eleven operations on moto's BaseResponse dispatch: parse and check the request, call the
backend, shape the result. moto routes each request to the method named after its operation
(found through the botocore model of ``service_name``) and serializes errors with that model."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.core.exceptions import InvalidToken
from moto.core.responses import ActionResult, BaseResponse, EmptyResult

from . import validation
from .exceptions import InvalidArgumentException, InvalidNextToken, UnknownOperationException
from .models import DEFAULT_TTL_S, SignalingBackend, kinesisvideo_signaling_backends

# The control-plane host; the data plane is served only on per-channel hosts (or a local server).
_CONTROL_PLANE_HOST = re.compile(r"kinesisvideo\.[a-z0-9-]+\.amazonaws\.com(\.cn)?(:\d+)?$")


@contextmanager
def _next_token_errors() -> Iterator[None]:
    """moto's paginator rejects a token of another request, or whose next item is gone, with its
    own InvalidToken; KVS answers InvalidArgumentException."""
    try:
        yield
    except InvalidToken:
        raise InvalidNextToken() from None


class SignalingResponseBase(BaseResponse):
    _action: str | None = None

    def _get_action(self) -> str:
        # moto asks for the action three times per request (dispatch, serializer, the faults
        # layer), each a route match; one instance serves one request, so once is enough.
        if self._action is None:
            self._action = super()._get_action()
        return self._action

    @property
    def backend(self) -> SignalingBackend:
        backend: SignalingBackend = kinesisvideo_signaling_backends[self.current_account][self.region]
        return backend

    def _json_body(self) -> dict[str, Any]:
        """The request body; checked here because a raw HTTP client may send anything."""
        if not self.body:
            return {}
        try:
            body = json.loads(self.body)
        except ValueError:
            raise InvalidArgumentException("The request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise InvalidArgumentException("The request body must be a JSON object.")
        return body


class KinesisVideoSignalingChannelResponse(SignalingResponseBase):
    """Control plane (the kinesisvideo API) for signaling channels."""

    def __init__(self) -> None:
        super().__init__(service_name="kinesisvideo")

    def create_signaling_channel(self) -> ActionResult:
        body = self._json_body()
        name = validation.channel_name(body)
        if name is None:
            raise InvalidArgumentException("ChannelName is required.")
        channel_type = validation.optional_enum(body, "ChannelType", validation.CHANNEL_TYPES)
        if channel_type == "FULL_MESH":
            raise InvalidArgumentException("Only the SINGLE_MASTER channel type is supported.")
        arn = self.backend.create_signaling_channel(
            channel_name=name,
            channel_type=channel_type or "SINGLE_MASTER",
            message_ttl_seconds=validation.message_ttl(body) or DEFAULT_TTL_S,
            tags=validation.tag_list(body, "Tags", required=False),
        )
        return ActionResult({"ChannelARN": arn})

    def describe_signaling_channel(self) -> ActionResult:
        body = self._json_body()
        channel = self.backend.describe_signaling_channel(
            channel_name=validation.channel_name(body), channel_arn=validation.arn(body, "ChannelARN")
        )
        return ActionResult({"ChannelInfo": channel.to_dict()})

    def list_signaling_channels(self) -> ActionResult:
        body = self._json_body()
        max_results = validation.optional_int(body, "MaxResults", low=1, high=10_000)
        prefix = None
        condition = validation.optional_struct(body, "ChannelNameCondition")
        if condition is not None:
            validation.optional_enum(condition, "ComparisonOperator", ("BEGINS_WITH",))
            prefix = validation.channel_name(condition, "ComparisonValue")
        with _next_token_errors():
            channels, next_token = self.backend.list_signaling_channels(
                name_prefix=prefix, max_results=max_results, next_token=validation.next_token(body)
            )
        return ActionResult({"ChannelInfoList": channels, "NextToken": next_token})

    def update_signaling_channel(self) -> EmptyResult:
        body = self._json_body()
        arn = validation.required_arn(body, "ChannelARN")
        version = validation.version(body)
        if version is None:
            raise InvalidArgumentException("CurrentVersion is required.")
        self.backend.update_signaling_channel(
            channel_arn=arn, current_version=version, message_ttl_seconds=validation.message_ttl(body)
        )
        return EmptyResult()

    def delete_signaling_channel(self) -> EmptyResult:
        body = self._json_body()
        self.backend.delete_signaling_channel(
            channel_arn=validation.required_arn(body, "ChannelARN"), current_version=validation.version(body)
        )
        return EmptyResult()

    def tag_resource(self) -> EmptyResult:
        body = self._json_body()
        self.backend.tag_resource(
            resource_arn=validation.required_arn(body, "ResourceARN"),
            tags=validation.tag_list(body, "Tags", required=True),
        )
        return EmptyResult()

    def untag_resource(self) -> EmptyResult:
        body = self._json_body()
        self.backend.untag_resource(
            resource_arn=validation.required_arn(body, "ResourceARN"), tag_keys=validation.tag_key_list(body)
        )
        return EmptyResult()

    def list_tags_for_resource(self) -> ActionResult:
        from .config import settings  # noqa: PLC0415 (the API has no page size; this knob sets it)

        body = self._json_body()
        with _next_token_errors():
            tags, next_token = self.backend.list_tags_for_resource(
                resource_arn=validation.required_arn(body, "ResourceARN"),
                max_results=settings.tags_page_size,
                next_token=validation.next_token(body),
            )
        return ActionResult({"Tags": {t["Key"]: t["Value"] for t in tags}, "NextToken": next_token})

    def get_signaling_channel_endpoint(self) -> ActionResult:
        body = self._json_body()
        arn = validation.required_arn(body, "ChannelARN")
        config = validation.optional_struct(body, "SingleMasterChannelEndpointConfiguration") or {}
        role = validation.optional_enum(config, "Role", validation.ROLES) or "MASTER"
        protocols = config.get("Protocols", ["WSS", "HTTPS"])
        if not isinstance(protocols, list) or not 1 <= len(protocols) <= 5:
            raise InvalidArgumentException("Protocols must hold 1 to 5 protocols.")
        for protocol in protocols:
            if protocol not in validation.PROTOCOLS:
                raise InvalidArgumentException(
                    f"Protocol must be one of WSS, HTTPS, WEBRTC, got {protocol!r}."
                )
        endpoints = self.backend.get_signaling_channel_endpoint(
            channel_arn=arn, protocols=list(dict.fromkeys(protocols)), role=role
        )
        return ActionResult({"ResourceEndpointList": endpoints})


class KinesisVideoSignalingResponse(SignalingResponseBase):
    """Data plane (the kinesis-video-signaling API), served on a channel's HTTPS endpoint."""

    def __init__(self) -> None:
        super().__init__(service_name="kinesis-video-signaling")

    def _require_channel_host(self) -> None:
        # Both clients sign as kinesisvideo, so the control-plane host routes here too; AWS
        # does not serve the data plane there.
        if _CONTROL_PLANE_HOST.match(self.parsed_url.netloc):
            raise UnknownOperationException()

    def send_alexa_offer_to_master(self) -> ActionResult:
        self._require_channel_host()
        body = self._json_body()
        arn = validation.required_arn(body, "ChannelARN", signaling=True)
        sender = validation.required_string(
            body, "SenderClientId", max_len=256, pattern=validation.NAME_PATTERN
        )
        payload = validation.required_string(
            body, "MessagePayload", max_len=10_000, pattern=validation.BASE64_PATTERN
        )
        try:
            offer = json.loads(base64.b64decode(payload, validate=True))
        except (binascii.Error, ValueError):
            offer = None
        if not isinstance(offer, dict):
            raise InvalidArgumentException("MessagePayload must be base64 of a JSON object.")
        answer = self.backend.send_alexa_offer_to_master(
            channel_arn=arn, sender_client_id=sender, payload=payload
        )
        return ActionResult({"Answer": answer})

    def get_ice_server_config(self) -> ActionResult:
        self._require_channel_host()
        body = self._json_body()
        arn = validation.required_arn(body, "ChannelARN", signaling=True)
        validation.optional_string(body, "ClientId", max_len=256, pattern=validation.NAME_PATTERN)
        validation.optional_enum(body, "Service", ("TURN",))
        validation.optional_string(body, "Username", max_len=256, pattern=validation.NAME_PATTERN)
        return ActionResult({"IceServerList": self.backend.get_ice_server_config(channel_arn=arn)})
