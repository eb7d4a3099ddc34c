"""Signaling channel operations on the KVS control plane, raising neutral errors (errors.py).

Every call goes through the caller's `around(operation, call)`: lifecycle retries there within a
record's deadline, rotation also waits for its rate limiters and counts. Operation names are the
API's (they key rate limiters and call counts).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypeVar

from functions.common.kvs.errors import neutral

if TYPE_CHECKING:
    from mypy_boto3_kinesisvideo import KinesisVideoClient
    from mypy_boto3_kinesisvideo.type_defs import TagTypeDef

T = TypeVar("T")
Role = Literal["MASTER", "VIEWER"]
EndpointProtocol = Literal["HTTPS", "WSS"]
Around = Callable[[str, Callable[[], Any]], Any]

DESCRIBE = "DescribeSignalingChannel"
CREATE = "CreateSignalingChannel"
UPDATE = "UpdateSignalingChannel"
DELETE = "DeleteSignalingChannel"
LIST_CHANNELS = "ListSignalingChannels"
LIST_TAGS = "ListTagsForResource"
TAG = "TagResource"
UNTAG = "UntagResource"
GET_ENDPOINT = "GetSignalingChannelEndpoint"
ACTIVE, DELETING = "ACTIVE", "DELETING"
# The largest page ListSignalingChannels serves: one call names 10,000 channels.
MAX_LIST_PAGE = 10_000


class ChannelDescription(NamedTuple):
    """What DescribeSignalingChannel says of a channel."""

    name: str
    arn: str
    version: str
    status: str
    message_ttl_seconds: int | None = None


class ListedChannel(NamedTuple):
    """A channel as ListSignalingChannels names it."""

    name: str
    arn: str


def _direct(_operation: str, call: Callable[[], T]) -> T:
    return call()


def _tag_list(tags: dict[str, str]) -> list[TagTypeDef]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


class ChannelControl:
    def __init__(self, client: KinesisVideoClient, around: Around = _direct) -> None:
        # The client is not touched here: a lazily created one stays uncreated until a call.
        self._kvs = client
        self._around = around

    def _call(self, operation: str, call: Callable[[], T]) -> T:
        result: T = self._around(operation, lambda: neutral(call))
        return result

    def describe(self, *, name: str | None = None, arn: str | None = None) -> ChannelDescription:
        """The channel by name or ARN; ChannelNotFound when there is none."""
        kwargs = {"ChannelName": name} if name is not None else {"ChannelARN": arn or ""}
        info = self._call(DESCRIBE, lambda: self._kvs.describe_signaling_channel(**kwargs))["ChannelInfo"]
        return ChannelDescription(
            name=info["ChannelName"],
            arn=info["ChannelARN"],
            version=info["Version"],
            status=info["ChannelStatus"],
            message_ttl_seconds=info.get("SingleMasterConfiguration", {}).get("MessageTtlSeconds"),
        )

    def status(self, arn: str) -> str:
        """CREATING, ACTIVE, UPDATING or DELETING; ChannelNotFound when there is none."""
        info = self._call(DESCRIBE, lambda: self._kvs.describe_signaling_channel(ChannelARN=arn))
        return str(info["ChannelInfo"].get("ChannelStatus"))

    def create(self, name: str, message_ttl_seconds: int, tags: dict[str, str]) -> str:
        """The new SINGLE_MASTER channel's ARN; ChannelBusy when the name is taken."""
        response = self._call(
            CREATE,
            lambda: self._kvs.create_signaling_channel(
                ChannelName=name,
                ChannelType="SINGLE_MASTER",
                SingleMasterConfiguration={"MessageTtlSeconds": message_ttl_seconds},
                Tags=_tag_list(tags),
            ),
        )
        return str(response["ChannelARN"])

    def set_message_ttl(self, arn: str, version: str, message_ttl_seconds: int) -> None:
        """VersionMismatch when the channel changed since `version` was read."""
        self._call(
            UPDATE,
            lambda: self._kvs.update_signaling_channel(
                ChannelARN=arn,
                CurrentVersion=version,
                SingleMasterConfiguration={"MessageTtlSeconds": message_ttl_seconds},
            ),
        )

    def delete(self, arn: str) -> None:
        self._call(DELETE, lambda: self._kvs.delete_signaling_channel(ChannelARN=arn))

    def list_page(
        self, prefix: str, page_size: int, token: str | None
    ) -> tuple[list[ListedChannel], str | None]:
        """One page of live (not DELETING) channels named `prefix*` and the next page's token
        (None: the last page). InvalidArgument for a token KVS no longer accepts."""
        kwargs: dict[str, Any] = {
            "MaxResults": page_size,
            "ChannelNameCondition": {"ComparisonOperator": "BEGINS_WITH", "ComparisonValue": prefix},
        }
        if token is not None:
            kwargs["NextToken"] = token
        page = self._call(LIST_CHANNELS, lambda: self._kvs.list_signaling_channels(**kwargs))
        channels = [
            ListedChannel(name=info["ChannelName"], arn=info["ChannelARN"])
            for info in page.get("ChannelInfoList", [])
            if info.get("ChannelStatus") != DELETING
        ]
        return channels, page.get("NextToken") or None

    def list_names(self, prefix: str) -> set[str]:
        """Every live channel name with the prefix, in as few calls as the API allows."""
        names: set[str] = set()
        token: str | None = None
        while True:
            channels, token = self.list_page(prefix, MAX_LIST_PAGE, token)
            names.update(c.name for c in channels)
            if token is None:
                return names

    def tags(self, arn: str) -> dict[str, str]:
        """All the channel's tags (every page)."""
        tags: dict[str, str] = {}
        kwargs: dict[str, str] = {"ResourceARN": arn}
        while True:
            page = self._call(LIST_TAGS, lambda: self._kvs.list_tags_for_resource(**kwargs))
            tags.update(page.get("Tags", {}))
            if not page.get("NextToken"):
                return tags
            kwargs["NextToken"] = page["NextToken"]

    def tag(self, arn: str, tags: dict[str, str]) -> None:
        self._call(TAG, lambda: self._kvs.tag_resource(ResourceARN=arn, Tags=_tag_list(tags)))

    def untag(self, arn: str, keys: list[str]) -> None:
        self._call(UNTAG, lambda: self._kvs.untag_resource(ResourceARN=arn, TagKeyList=keys))

    def endpoints(self, arn: str, role: Role, protocols: list[EndpointProtocol]) -> dict[str, str]:
        """{protocol: url} of the channel's endpoints for the role; ChannelBusy while CREATING."""
        response = self._call(
            GET_ENDPOINT,
            lambda: self._kvs.get_signaling_channel_endpoint(
                ChannelARN=arn,
                SingleMasterChannelEndpointConfiguration={"Protocols": list(protocols), "Role": role},
            ),
        )
        return {e["Protocol"]: str(e["ResourceEndpoint"]) for e in response["ResourceEndpointList"]}
