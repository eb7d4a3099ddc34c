"""The API's messages: what a camera may send and the configuration it gets back."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
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

    def to_json(self) -> dict[str, object]:
        body = self.model_dump(by_alias=True, mode="json")
        body["refreshAt"] = self.refresh_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        return body


class ErrorBody(_Message):
    code: str
    message: str
    retry_after_seconds: int | None = None
