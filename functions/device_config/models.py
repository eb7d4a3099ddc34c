"""The API's messages: what a camera may send and the configuration it gets back."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_serializer
from pydantic.alias_generators import to_camel


class _Message(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class ConfigRequest(_Message):
    """The optional parts of `GET /config`. Only used to refuse a request naming another device."""

    model_config = ConfigDict(extra="ignore")

    device_id: str | None = None


class MasterEndpoints(_Message):
    wss: str = Field(alias="WSS")
    https: str = Field(alias="HTTPS")


class IceServer(_Message):
    uris: list[str]
    username: str
    password: str
    ttl: int


class CameraCredentials(_Message):
    """Credentials for the camera's own channel only, in its cell's region (they sign its KVS
    calls there). Secret fields stay masked in any repr; only the response body reveals them."""

    access_key_id: str
    secret_access_key: SecretStr
    session_token: SecretStr
    expiration: datetime
    region: str

    @field_serializer("secret_access_key", "session_token", when_used="json")
    def _reveal(self, value: SecretStr) -> str:
        return value.get_secret_value()


class DeviceConfig(_Message):
    device_id: str
    channel_name: str
    channel_arn: str
    role: Literal["MASTER"] = "MASTER"
    endpoints: MasterEndpoints
    ice_servers: list[IceServer]
    message_ttl_seconds: int
    refresh_after_seconds: int
    refresh_at: datetime
    credentials: CameraCredentials

    def to_json(self) -> dict[str, object]:
        body = self.model_dump(by_alias=True, mode="json")
        body["refreshAt"] = _utc_seconds(self.refresh_at)
        body["credentials"]["expiration"] = _utc_seconds(self.credentials.expiration)
        return body


def _utc_seconds(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class ErrorBody(_Message):
    code: str
    message: str
    retry_after_seconds: int | None = None
