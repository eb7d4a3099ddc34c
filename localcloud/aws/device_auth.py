"""Camera identities on the local cloud: credentials as IoT hands them out, checked as API Gateway does.

On AWS a camera trades its X.509 certificate at the IoT credentials provider for temporary
credentials of the camera role (session name = its thing name = its deviceId), and signs
``GET /config`` with them (SigV4, service ``execute-api``); the HTTP API's IAM authorization checks
the signature and tells the function who called. Locally:

- ``GET /role-aliases/local-camera-signaling/credentials`` (the stack names its alias
  ``{stage}-camera-signaling``; here the stage is "local") with
  ``x-amzn-iot-thingname: <deviceId>`` answers as the IoT credentials provider does, with a role
  session assumed in moto's STS (no certificate: the local cloud trusts the thing name it is given);
- ``verify()`` recomputes the request's SigV4 signature with that session's secret, so only a
  correctly signed request reaches the device config function, as the camera it names.
"""

from __future__ import annotations

import datetime
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass

import boto3
from aiohttp import web
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from functions.common.device_id import is_device_id
from localcloud.aws.lambda_context import ACCOUNT_ID

DEVICE_ROLE = "camera-device"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/{DEVICE_ROLE}"
ROLE_ALIAS = "local-camera-signaling"
SERVICE = "execute-api"
CREDENTIALS_TTL_S = 3600
MAX_CLOCK_SKEW = datetime.timedelta(minutes=5)
AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)"
    r"/aws4_request, ?SignedHeaders=(?P<headers>[a-z0-9;-]+), ?Signature=(?P<signature>[0-9a-f]{64})$"
)


class SignatureError(Exception):
    """The request is not signed by a live camera role session (API Gateway answers 403)."""


@dataclass(frozen=True)
class CallerIdentity:
    device_id: str
    access_key_id: str
    role_arn: str


def issue_credentials(device_id: str, region: str) -> dict[str, str]:
    """Temporary credentials of the camera role for one device, in the IoT provider's shape."""
    sts = boto3.client("sts", region_name=region)
    response = sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName=device_id, DurationSeconds=CREDENTIALS_TTL_S)
    credentials = response["Credentials"]
    return {
        "accessKeyId": credentials["AccessKeyId"],
        "secretAccessKey": credentials["SecretAccessKey"],
        "sessionToken": credentials["SessionToken"],
        "expiration": credentials["Expiration"].strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def verify(method: str, url: str, headers: Mapping[str, str], body: bytes, region: str) -> CallerIdentity:
    """The camera whose role session signed this request; SignatureError when none did."""
    from moto.sts.models import sts_backends  # noqa: PLC0415 (moto registers hooks on import)

    match = AUTHORIZATION.match(headers.get("Authorization", ""))
    if match is None:
        raise SignatureError("Missing Authentication Token")
    if (match["region"], match["service"]) != (region, SERVICE):
        raise SignatureError("Credential should be scoped to the right region and service")
    session = sts_backends[ACCOUNT_ID]["aws"].get_assumed_role_from_access_key(match["key"])
    if session is None or session.role_arn != ROLE_ARN:
        raise SignatureError("The security token included in the request is invalid")
    if session.expiration < datetime.datetime.now(datetime.UTC).replace(tzinfo=None):
        raise SignatureError("The security token included in the request is expired")
    if headers.get("X-Amz-Security-Token") != session.session_token:
        raise SignatureError("The security token included in the request is invalid")
    amz_date = headers.get("X-Amz-Date", "")
    try:
        signed_at = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
    except ValueError:
        raise SignatureError("X-Amz-Date is missing or malformed") from None
    if abs(datetime.datetime.now(datetime.UTC) - signed_at) > MAX_CLOCK_SKEW:
        raise SignatureError("Signature expired")
    signed = match["headers"].split(";")
    request = AWSRequest(method=method, url=url, data=body, headers={h: headers.get(h, "") for h in signed})
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(
        Credentials(session.access_key_id, session.secret_access_key, session.session_token), SERVICE, region
    )
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if signer.signed_headers(signer.headers_to_sign(request)) != match["headers"] or not hmac.compare_digest(
        expected, match["signature"]
    ):
        raise SignatureError("The request signature we calculated does not match the signature you provided")
    return CallerIdentity(
        device_id=session.session_name, access_key_id=session.access_key_id, role_arn=ROLE_ARN
    )


def sign(
    method: str, url: str, credentials: Mapping[str, str], region: str, body: bytes = b""
) -> dict[str, str]:
    """SigV4 headers for a request, as a camera's SDK would add them."""
    request = AWSRequest(method=method, url=url, data=body)
    SigV4Auth(
        Credentials(credentials["accessKeyId"], credentials["secretAccessKey"], credentials["sessionToken"]),
        SERVICE,
        region,
    ).add_auth(request)
    return dict(request.headers.items())


class CredentialsProvider:
    """The IoT credentials provider's route for the camera role alias."""

    def __init__(self, region: str) -> None:
        self._region = region

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/role-aliases/{alias}/credentials", self._credentials)]

    async def _credentials(self, request: web.Request) -> web.Response:
        if request.match_info["alias"] != ROLE_ALIAS:
            raise web.HTTPNotFound(text="no such role alias")
        device_id = request.headers.get("x-amzn-iot-thingname", "")
        if not is_device_id(device_id):
            raise web.HTTPBadRequest(text="x-amzn-iot-thingname must be a deviceId")
        return web.json_response({"credentials": issue_credentials(device_id, self._region)})
