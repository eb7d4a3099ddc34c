"""The canary camera's configuration, fetched the way a camera fetches it: temporary credentials
of the camera role (session name = its deviceId), then `GET /config` signed with them (SigV4,
`execute-api`), then a presigned WSS URL for its channel with the channel credentials it returned.

A real camera gets the role's credentials from the IoT credentials provider with its certificate;
the canary assumes the same role through STS (the role trusts the canary function for its own
devices' session names only), so everything after that is the cameras' own path."""

from __future__ import annotations

from typing import Any

import urllib3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from functions.canary.steps import Step, StepFailed
from functions.canary.transport import http_pool
from functions.common.aws_clients import error_code
from functions.common.kvs.master_url import master_connect_url

PRESIGN_EXPIRES_S = 300
CAMERA_SESSION_S = 900


class MasterWssEndpoint(BaseModel):
    wss: str = Field(alias="WSS")


class ChannelCredentials(BaseModel):
    model_config = ConfigDict(extra="ignore")

    access_key_id: str = Field(alias="accessKeyId")
    secret_access_key: str = Field(alias="secretAccessKey", repr=False)
    session_token: str = Field(alias="sessionToken", repr=False)
    region: str


class CameraConfig(BaseModel):
    """The parts of device config's answer a master needs."""

    model_config = ConfigDict(extra="ignore")

    channel_arn: str = Field(alias="channelArn")
    endpoints: MasterWssEndpoint
    credentials: ChannelCredentials

    @property
    def account(self) -> str:
        return self.channel_arn.split(":")[4]

    def master_url(self) -> str:
        """The WSS connect URL as a master, SigV4 query-signed for kinesisvideo in the channel's cell."""
        channel = self.credentials
        credentials = Credentials(channel.access_key_id, channel.secret_access_key, channel.session_token)
        return master_connect_url(
            self.endpoints.wss, self.channel_arn, credentials, channel.region, PRESIGN_EXPIRES_S
        )


def fetch_config(
    sts: Any, device_id: str, *, camera_role_arn: str, config_url: str, region: str, timeout: float
) -> CameraConfig:
    """StepFailed(CAMERA_CONFIG) naming what failed: the role's credentials, the API, the answer."""
    try:
        session = sts.assume_role(
            RoleArn=camera_role_arn, RoleSessionName=device_id, DurationSeconds=CAMERA_SESSION_S
        )["Credentials"]
    except (ClientError, BotoCoreError) as exc:
        raise StepFailed(Step.CAMERA_CONFIG, f"camera role credentials refused: {error_code(exc)}") from None
    credentials = Credentials(session["AccessKeyId"], session["SecretAccessKey"], session["SessionToken"])
    request = AWSRequest(method="GET", url=config_url)
    SigV4Auth(credentials, "execute-api", region).add_auth(request)
    try:
        response = http_pool().request(
            "GET",
            config_url,
            headers=dict(request.headers.items()),
            timeout=urllib3.Timeout(total=timeout),
            redirect=False,
        )
    except urllib3.exceptions.HTTPError as exc:
        raise StepFailed(Step.CAMERA_CONFIG, f"GET /config failed: {type(exc).__name__}") from None
    if response.status != 200:
        raise StepFailed(Step.CAMERA_CONFIG, f"GET /config answered HTTP {response.status}")
    try:
        return CameraConfig.model_validate_json(response.data)
    except ValidationError:
        raise StepFailed(Step.CAMERA_CONFIG, "GET /config answered without a channel's endpoints") from None
