"""The live-view hot path's messages: an SDP offer for the camera's master, and its answer back.

KVS masters (C and JS SDKs) only understand the JSON-in-base64 form; the master addresses its
answer to the SenderClientId, so it is unique per Alexa session. The offer travels through
`functions.common.kvs.data_plane`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Literal

from pydantic import BaseModel, ValidationError

from functions.alexa_skill import errors

SENDER_ID_MAX = 256
# SendAlexaOfferToMaster's MessagePayload: at most 10,000 base64 characters (botocore does not
# check maxima, so KVS would refuse a longer one with an InvalidArgumentException).
MESSAGE_PAYLOAD_MAX = 10_000
_NOT_SENDER_CHARS = re.compile(r"[^a-zA-Z0-9_.-]")
_DIGEST_CHARS = 16
_UNUSABLE = "The camera sent an unusable answer."


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
