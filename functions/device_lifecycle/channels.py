"""KVS signaling channel control plane, as the lifecycle function uses it.

Every call goes through `with_retries`, so throttling (ClientLimitExceededException) is retried
with backoff inside the record's time. A busy channel (ResourceInUseException while CREATING,
UPDATING or DELETING) becomes `ChannelBusyError`, which the logic retries only briefly: a channel
can stay DELETING for minutes, and waiting for it here would starve the rest of the batch.
botocore's own retries are off for this client: they would ignore the deadline.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field

from functions.common import aws_clients
from functions.common.aws_clients import error_code
from functions.common.deadline import Deadline
from functions.device_lifecycle.retry import with_retries

if TYPE_CHECKING:
    from mypy_boto3_kinesisvideo import KinesisVideoClient

T = TypeVar("T")
DELETING = "DELETING"
# Re-reads of the channel version when a concurrent update changed it under us.
MAX_VERSION_RETRIES = 5


def kvs_client() -> KinesisVideoClient:
    return aws_clients.client("kinesisvideo", connect_timeout=2.0, read_timeout=5.0, max_attempts=1)


class Channel(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    arn: str
    version: str
    status: str
    message_ttl_seconds: int | None = Field(default=None)


class Channels:
    def __init__(self, kvs: KinesisVideoClient, deadline: Deadline) -> None:
        self._kvs = kvs
        self._deadline = deadline

    def _call(self, what: str, call: Callable[[], T]) -> T:
        try:
            return with_retries(call, self._deadline, what)
        except ClientError as exc:
            if error_code(exc) == "ResourceInUseException":
                raise ChannelBusyError(f"{what}: the channel is busy") from exc
            raise

    def describe(self, name: str) -> Channel | None:
        try:
            info = self._call(
                f"describe {name}", lambda: self._kvs.describe_signaling_channel(ChannelName=name)
            )["ChannelInfo"]
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return None
            raise
        return Channel(
            name=info["ChannelName"],
            arn=info["ChannelARN"],
            version=info["Version"],
            status=info["ChannelStatus"],
            message_ttl_seconds=info.get("SingleMasterConfiguration", {}).get("MessageTtlSeconds"),
        )

    def create(self, name: str, message_ttl_seconds: int, tags: dict[str, str]) -> str | None:
        """The new channel's ARN, or None when a channel of that name already exists."""
        try:
            # Not through _call: on create, ResourceInUseException means "the name is taken".
            response = with_retries(
                lambda: self._kvs.create_signaling_channel(
                    ChannelName=name,
                    ChannelType="SINGLE_MASTER",
                    SingleMasterConfiguration={"MessageTtlSeconds": message_ttl_seconds},
                    Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
                ),
                self._deadline,
                f"create {name}",
            )
        except ClientError as exc:
            if error_code(exc) == "ResourceInUseException":
                return None
            raise
        return str(response["ChannelARN"])

    def tags(self, arn: str) -> dict[str, str]:
        tags: dict[str, str] = {}
        kwargs: dict[str, str] = {"ResourceARN": arn}
        while True:
            page = self._call(f"list tags of {arn}", lambda: self._kvs.list_tags_for_resource(**kwargs))
            tags.update(page.get("Tags", {}))
            if not page.get("NextToken"):
                return tags
            kwargs["NextToken"] = page["NextToken"]

    def tag(self, arn: str, tags: dict[str, str]) -> None:
        self._call(
            f"tag {arn}",
            lambda: self._kvs.tag_resource(
                ResourceARN=arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
            ),
        )

    def untag(self, arn: str, keys: list[str]) -> None:
        self._call(f"untag {arn}", lambda: self._kvs.untag_resource(ResourceARN=arn, TagKeyList=keys))

    def set_message_ttl(self, channel: Channel, message_ttl_seconds: int) -> bool:
        """Make the channel's message TTL this value; False when it already was.

        UpdateSignalingChannel needs the current version; when another writer changed the channel
        in between (VersionMismatchException), read it again and retry.
        """
        current: Channel | None = channel
        for _ in range(MAX_VERSION_RETRIES):
            if current is None:
                raise ChannelGoneError(f"channel {channel.name} disappeared during an update")
            if current.message_ttl_seconds == message_ttl_seconds:
                return False
            try:
                self._call(
                    f"update {current.name}",
                    partial(
                        self._kvs.update_signaling_channel,
                        ChannelARN=current.arn,
                        CurrentVersion=current.version,
                        SingleMasterConfiguration={"MessageTtlSeconds": message_ttl_seconds},
                    ),
                )
            except ClientError as exc:
                if error_code(exc) != "VersionMismatchException":
                    raise
                current = self.describe(channel.name)
                continue
            return True
        raise ChannelBusyError(f"channel {channel.name} kept changing during an update")

    def viewer_endpoint(self, arn: str) -> str | None:
        """The channel's HTTPS endpoint for role VIEWER; None while the channel is still CREATING."""
        try:
            response = self._call(
                f"endpoint of {arn}",
                lambda: self._kvs.get_signaling_channel_endpoint(
                    ChannelARN=arn,
                    SingleMasterChannelEndpointConfiguration={"Protocols": ["HTTPS"], "Role": "VIEWER"},
                ),
            )
        except ChannelBusyError:
            return None
        endpoints = {e["Protocol"]: str(e["ResourceEndpoint"]) for e in response["ResourceEndpointList"]}
        return endpoints.get("HTTPS")

    def delete(self, arn: str) -> bool:
        """Delete the channel; False when it was already gone."""
        try:
            self._call(f"delete {arn}", lambda: self._kvs.delete_signaling_channel(ChannelARN=arn))
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return False
            raise
        return True


class ChannelBusyError(RuntimeError):
    """The channel is mid-transition (being deleted, or changing under us): try again shortly."""


class ChannelGoneError(ChannelBusyError):
    """The channel vanished between two calls; the caller starts over."""
