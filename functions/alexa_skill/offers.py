"""The live-view hot path: an SDP offer to the camera's master, and its answer back.

KVS masters (C and JS SDKs) only understand the JSON-in-base64 form, on the channel's HTTPS
endpoint for role VIEWER; the master addresses its answer to the SenderClientId, so it is unique
per Alexa session.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ValidationError

from functions.alexa_skill import errors
from functions.common.aws_clients import error_code
from functions.common.kvs_endpoints import EndpointCache

if TYPE_CHECKING:
    from mypy_boto3_kinesis_video_signaling import KinesisVideoSignalingChannelsClient

SENDER_ID_MAX = 256
# SendAlexaOfferToMaster's MessagePayload: at most 10,000 base64 characters (botocore does not
# check maxima, so KVS would refuse a longer one with an InvalidArgumentException).
MESSAGE_PAYLOAD_MAX = 10_000
_NOT_SENDER_CHARS = re.compile(r"[^a-zA-Z0-9_.-]")
_DIGEST_CHARS = 16
_UNUSABLE = "The camera sent an unusable answer."
# Data-plane failures that a moved or stale endpoint can cause; worth one fresh endpoint.
_STALE_ENDPOINT_CODES = frozenset(
    {
        "ResourceNotFoundException",
        "UnknownOperationException",
        "EndpointConnectionError",
        "ConnectionClosedError",
    }
)


class SignalingMessage(BaseModel):
    type: Literal["offer", "answer"]
    sdp: str


def sender_client_id(session_id: str) -> str:
    """A SenderClientId for the session: the id itself when it is already valid, otherwise its
    sanitized form plus a digest of the original, so two sessions never share one."""
    if len(session_id) <= SENDER_ID_MAX and not _NOT_SENDER_CHARS.search(session_id) and session_id:
        return session_id
    digest = hashlib.sha256(session_id.encode()).hexdigest()[:_DIGEST_CHARS]
    readable = _NOT_SENDER_CHARS.sub("_", session_id)[: SENDER_ID_MAX - _DIGEST_CHARS - 1]
    return f"{readable}-{digest}" if readable else digest


def encode_offer(sdp: str) -> str:
    """The MessagePayload for `sdp`; INVALID_DIRECTIVE when it cannot fit in one."""
    message = SignalingMessage(type="offer", sdp=sdp).model_dump_json()
    payload = base64.b64encode(message.encode()).decode()
    if len(payload) > MESSAGE_PAYLOAD_MAX:
        raise errors.SkillError(
            errors.ErrorType.INVALID_DIRECTIVE, "The SDP offer is too large to send to the camera."
        )
    return payload


def decode_answer(answer: str) -> str:
    """The SDP of the master's answer; ENDPOINT_UNREACHABLE when the camera sent anything else."""
    try:
        message = SignalingMessage.model_validate_json(base64.b64decode(answer, validate=True))
    except (binascii.Error, ValueError, ValidationError):
        raise errors.SkillError(errors.ErrorType.ENDPOINT_UNREACHABLE, _UNUSABLE) from None
    if message.type != "answer":
        raise errors.SkillError(errors.ErrorType.ENDPOINT_UNREACHABLE, _UNUSABLE)
    return message.sdp


class OfferSender:
    """SendAlexaOfferToMaster through per-channel endpoints and per-endpoint clients, both kept
    for the life of the container."""

    def __init__(
        self, endpoints: EndpointCache, signaling_client: Callable[[str], KinesisVideoSignalingChannelsClient]
    ) -> None:
        self._endpoints = endpoints
        self._signaling_client = signaling_client
        self._lock = threading.Lock()

    def exchange(self, channel_arn: str, session_id: str, payload: str, recorded_endpoint: str | None) -> str:
        """The master's answer SDP to an offer encoded by `encode_offer`. Raises SkillError.

        `recorded_endpoint` is the VIEWER endpoint the registry holds for the channel, if any: with
        it (or one cached earlier) the offer needs no control-plane call."""
        sender = sender_client_id(session_id)
        cached = self._endpoints.cached(channel_arn, "VIEWER")
        # One this container fetched wins over the record (which a failure may have replaced).
        # An endpoint not fetched just now may be stale: worth one fresh one.
        known = (cached["HTTPS"] if cached else None) or recorded_endpoint
        while True:
            try:
                https = known or self._fetch_endpoint(channel_arn)
                return decode_answer(self._send(https, channel_arn, sender, payload))
            except errors.SkillError:
                raise
            except Exception as exc:
                if not (known and error_code(exc) in _STALE_ENDPOINT_CODES):
                    raise _data_plane_error(exc) from exc
                known = None
                self._endpoints.forget(channel_arn)

    def _fetch_endpoint(self, channel_arn: str) -> str:
        try:
            return self._endpoints.get(channel_arn, "VIEWER")["HTTPS"]
        except Exception as exc:
            # The control plane decides whether the channel exists: not found means it is gone.
            raise errors.from_kvs(exc) from exc

    def _send(self, https: str, channel_arn: str, sender: str, payload: str) -> str:
        with self._lock:
            client = self._signaling_client(https)
        response = client.send_alexa_offer_to_master(
            ChannelARN=channel_arn, SenderClientId=sender, MessagePayload=payload
        )
        return str(response["Answer"])


def _data_plane_error(exc: BaseException) -> errors.SkillError:
    # On the data plane, not found means no master took the offer before its TTL: the channel
    # itself was just confirmed by the control plane.
    if error_code(exc) == "ResourceNotFoundException":
        return errors.SkillError(errors.ErrorType.ENDPOINT_UNREACHABLE)
    return errors.from_kvs(exc)
