"""BENCHMARK BASELINE, NOT PRODUCTION CODE: a straightforward InitiateSessionWithOffer handler.

It stands for the implementation the design avoids, so the benchmarks can show what the design
buys, measured in the same run. It imports everything at module load (Powertools utilities, the
parser, pydantic, PyJWT with cryptography, boto3), creates its clients there with botocore's
defaults, and on every offer: verifies the token, reads the registry, calls
DescribeSignalingChannel and GetSignalingChannelEndpoint, creates a signaling client for the
endpoint it was given (nothing to cache it under), sends the offer and returns the answer. It
handles only InitiateSessionWithOffer and maps every failure to INTERNAL_ERROR.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import boto3
import jwt
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities import parameters  # noqa: F401 (the "import everything" habit)
from aws_lambda_powertools.utilities.parser import envelopes, parse  # noqa: F401
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

logger = Logger(service="naive-skill")
tracer = Tracer(service="naive-skill")
metrics = Metrics(namespace="NaiveSkillBaseline", service="naive-skill")

TABLE = os.environ["REGISTRY_TABLE_NAME"]
ISSUER = os.environ["IDENTITY_ISSUER"]
AUDIENCE = os.environ["IDENTITY_AUDIENCE"]
_jwks_url = urlparse(os.environ["IDENTITY_JWKS_URL"])
JWKS = (
    jwt.PyJWKSet.from_dict(json.loads(Path(unquote(_jwks_url.path)).read_text()))
    if _jwks_url.scheme == "file"
    else jwt.PyJWKClient(_jwks_url.geturl()).get_jwk_set()
)
dynamodb = boto3.client("dynamodb")
kinesisvideo = boto3.client("kinesisvideo")


class SignalingMessage(BaseModel):
    type: str
    sdp: str


def _signing_key(token: str) -> Any:
    kid = jwt.get_unverified_header(token)["kid"]
    return next(key for key in JWKS.keys if key.key_id == kid)


def _event(name: str, namespace: str, directive: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    header = {
        "namespace": namespace,
        "name": name,
        "messageId": str(uuid.uuid4()),
        "payloadVersion": "3",
    }
    if "correlationToken" in directive["header"]:
        header["correlationToken"] = directive["header"]["correlationToken"]
    endpoint = {"endpointId": directive["endpoint"]["endpointId"]}
    return {"event": {"header": header, "endpoint": endpoint, "payload": payload}}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    directive = event["directive"]
    try:
        token = directive["endpoint"]["scope"]["token"]
        claims = jwt.decode(
            token, key=_signing_key(token), algorithms=["RS256"], issuer=ISSUER, options={"verify_aud": False}
        )
        device_id = directive["endpoint"]["endpointId"]
        item = dynamodb.get_item(TableName=TABLE, Key={"deviceId": {"S": device_id}})["Item"]
        if item["ownerId"]["S"] != claims["sub"]:
            raise PermissionError("not the owner")
        channel_arn = item["channelArn"]["S"]
        kinesisvideo.describe_signaling_channel(ChannelARN=channel_arn)
        endpoints = kinesisvideo.get_signaling_channel_endpoint(
            ChannelARN=channel_arn,
            SingleMasterChannelEndpointConfiguration={"Protocols": ["HTTPS"], "Role": "VIEWER"},
        )["ResourceEndpointList"]
        signaling = boto3.client("kinesis-video-signaling", endpoint_url=endpoints[0]["ResourceEndpoint"])
        offer = SignalingMessage(type="offer", sdp=directive["payload"]["offer"]["value"])
        answer = signaling.send_alexa_offer_to_master(
            ChannelARN=channel_arn,
            SenderClientId=directive["payload"]["sessionId"][:256],
            MessagePayload=base64.b64encode(offer.model_dump_json().encode()).decode(),
        )["Answer"]
        sdp = SignalingMessage.model_validate_json(base64.b64decode(answer)).sdp
    except Exception:
        logger.exception("offer failed")
        return _event(
            "ErrorResponse", "Alexa", directive, {"type": "INTERNAL_ERROR", "message": "offer failed"}
        )
    logger.info("answer sent", extra={"deviceId": device_id, "answerBytes": len(sdp)})
    return _event(
        "AnswerGeneratedForSession",
        "Alexa.RTCSessionController",
        directive,
        {"answer": {"format": "SDP", "value": sdp}},
    )
