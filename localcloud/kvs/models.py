"""Signaling channels per account and region: the backend, in moto's shape.

Channel states are moto ManagedStates, so moto's state manager sets how long CREATING, UPDATING
and DELETING last (``/moto-api/state-manager/set-transition`` in server mode too); pages come from
moto's ``@paginate``, tags from its TaggingService, generated ids from ``mock_random`` (seedable
through ``/moto-api/seed``).
"""

from __future__ import annotations

import logging
import string
import threading
import time
from datetime import datetime
from typing import Any, ClassVar, Protocol

from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.common_models import BaseModel
from moto.moto_api import state_manager
from moto.moto_api._internal import mock_random
from moto.moto_api._internal.managed_state_model import ManagedState
from moto.utilities.paginator import paginate
from moto.utilities.tagging_service import TaggingService

from .config import TRANSITION_MODELS, settings
from .exceptions import (
    AccountChannelLimitExceededException,
    InvalidArgumentException,
    InvalidNextToken,
    ResourceInUseException,
    ResourceNotFoundException,
    TagsPerResourceExceededLimitException,
    VersionMismatchException,
)
from .validation import MAX_TAGS

logger = logging.getLogger(__name__)

DEFAULT_TTL_S = 60
ICE_TTL_S = 300
# AWS's channel quota per account and region.
LARGE_REGION_CHANNEL_LIMIT = 10_000
DEFAULT_CHANNEL_LIMIT = 5_000
LARGE_REGIONS = frozenset({"us-east-1", "us-west-2"})

# State-manager model names, one per transition so each can have its own duration.
CREATION_MODEL = TRANSITION_MODELS["creating"]
UPDATE_MODEL = TRANSITION_MODELS["updating"]
DELETION_MODEL = TRANSITION_MODELS["deleting"]
for _model in (CREATION_MODEL, UPDATE_MODEL, DELETION_MODEL):
    state_manager.register_default_transition(_model, transition={"progression": "immediate"})

_VERSION_ALPHABET = string.ascii_letters + string.digits


def aws_channel_limit(region: str) -> int:
    return LARGE_REGION_CHANNEL_LIMIT if region in LARGE_REGIONS else DEFAULT_CHANNEL_LIMIT


def _new_version() -> str:
    return "".join(mock_random.choice(_VERSION_ALPHABET) for _ in range(20))


def _host_id() -> str:
    return "".join(mock_random.choice(string.hexdigits.lower()) for _ in range(8))


class ConnectedMaster(Protocol):
    """A channel's MASTER as the backend sees it: message payloads in and out, as sent."""

    def deliver_payload(self, payload: str, sender_client_id: str, timeout_s: float) -> str:
        """Hand over the offer's MessagePayload unchanged; return the answer's payload unchanged.

        Raise any error when there is no answer within timeout_s; the offer then fails.
        Called from the thread serving the request, never with the backend's lock held.
        """
        ...


class SignalingChannel(BaseModel):
    def __init__(
        self,
        name: str,
        arn: str,
        channel_type: str,
        ttl_s: int,
        creation_time: datetime,
    ) -> None:
        self.name = name
        self.arn = arn
        self.channel_type = channel_type
        self.ttl_s = ttl_s
        self.creation_time = creation_time
        self.version = _new_version()
        # Each host kind gets its own stable id, as the real cell endpoints differ per kind.
        self.host_ids = {kind: _host_id() for kind in "rmvwt"}
        self.lifecycle = ManagedState(CREATION_MODEL, [("CREATING", "ACTIVE")])

    @property
    def status(self) -> str:
        return str(self.lifecycle.status)

    def begin_update(self) -> None:
        self.version = _new_version()
        self.lifecycle = ManagedState(UPDATE_MODEL, [("UPDATING", "ACTIVE")])

    def begin_deletion(self) -> None:
        self.lifecycle = ManagedState(DELETION_MODEL, [("DELETING", "DELETED")])

    def to_dict(self) -> dict[str, Any]:
        return {
            "ChannelName": self.name,
            "ChannelARN": self.arn,
            "ChannelType": self.channel_type,
            "ChannelStatus": self.status,
            "CreationTime": self.creation_time,
            "SingleMasterConfiguration": {"MessageTtlSeconds": self.ttl_s},
            "Version": self.version,
        }


class SignalingBackend(BaseBackend):
    """The eleven signaling operations of one account and region."""

    PAGINATION_MODEL: ClassVar[dict[str, dict[str, Any]]] = {
        "list_signaling_channels": {
            "input_token": "next_token",
            "limit_key": "max_results",
            "limit_default": 500,
            "unique_attribute": "ChannelName",
            "fail_on_invalid_token": InvalidNextToken,
        },
        "list_tags_for_resource": {
            "input_token": "next_token",
            "limit_key": "max_results",
            "limit_default": 50,
            "unique_attribute": "Key",
            "fail_on_invalid_token": InvalidNextToken,
        },
    }

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        # Offers wait for a master under this lock's condition; the moto server serves threads.
        self.lock = threading.RLock()
        self.master_changed = threading.Condition(self.lock)
        self.channels: dict[str, SignalingChannel] = {}  # by name, DELETING ones included
        self.deleting: set[str] = set()  # names in DELETING, so a purge looks at these only
        self.masters: dict[str, ConnectedMaster] = {}  # by channel ARN
        self.tagger = TaggingService()
        self._last_creation_ms = 0

    # -- lookups -------------------------------------------------------------------------------

    def _purge(self) -> None:
        for name in list(self.deleting):
            channel = self.channels[name]
            if channel.status == "DELETED":
                del self.channels[name]
                self.deleting.discard(name)
                self.tagger.delete_all_tags_for_resource(channel.arn)

    def _by_arn(self, arn: str) -> SignalingChannel:
        # The ARN holds the name; the creation time in it tells a recreated channel apart.
        parts = arn.split(":", 5)
        resource = parts[5].split("/") if len(parts) == 6 else []
        channel = self.channels.get(resource[1]) if len(resource) == 3 else None
        if (
            channel is None
            or channel.arn != arn
            or parts[3] != self.region_name
            or parts[4] != self.account_id
        ):
            raise ResourceNotFoundException(f"The channel {arn} does not exist.")
        return channel

    def _find(self, name: str | None, arn: str | None) -> SignalingChannel:
        if arn is not None:
            channel = self._by_arn(arn)
            if name is not None and channel.name != name:
                raise InvalidArgumentException("ChannelName and ChannelARN name different channels.")
            return channel
        if name is None:
            raise InvalidArgumentException("Either ChannelName or ChannelARN is required.")
        found = self.channels.get(name)
        if found is None:
            raise ResourceNotFoundException(f"The channel {name} does not exist.")
        return found

    @staticmethod
    def _require_active(channel: SignalingChannel, *also: str) -> None:
        status = channel.status
        if status != "ACTIVE" and status not in also:
            raise ResourceInUseException(f"The channel {channel.name} is {status}.")

    def channel_count(self) -> int:
        with self.lock:
            self._purge()
            return len(self.channels)

    # -- control plane ---------------------------------------------------------------------

    def create_signaling_channel(
        self, channel_name: str, channel_type: str, message_ttl_seconds: int, tags: dict[str, str]
    ) -> str:
        with self.lock:
            self._purge()
            if channel_name in self.channels:
                raise ResourceInUseException(f"The signaling channel {channel_name} already exists.")
            limit = aws_channel_limit(self.region_name)
            if len(self.channels) >= limit:
                raise AccountChannelLimitExceededException(
                    f"The account already has {limit} signaling channels in {self.region_name}."
                )
            # Strictly increasing so a channel recreated within the same millisecond gets a new ARN.
            millis = max(int(time.time() * 1000), self._last_creation_ms + 1)
            self._last_creation_ms = millis
            where = f"{self.partition}:kinesisvideo:{self.region_name}:{self.account_id}"
            arn = f"arn:{where}:channel/{channel_name}/{millis}"
            self.channels[channel_name] = SignalingChannel(
                channel_name,
                arn,
                channel_type,
                message_ttl_seconds,
                datetime.fromtimestamp(millis / 1000).astimezone(),
            )
            self.tagger.tag_resource(arn, [{"Key": k, "Value": v} for k, v in tags.items()])
            return arn

    def describe_signaling_channel(
        self, channel_name: str | None, channel_arn: str | None
    ) -> SignalingChannel:
        with self.lock:
            self._purge()
            return self._find(channel_name, channel_arn)

    @paginate(pagination_model=PAGINATION_MODEL)
    def list_signaling_channels(self, name_prefix: str | None) -> list[dict[str, Any]]:
        with self.lock:
            self._purge()
            names = sorted(n for n in self.channels if name_prefix is None or n.startswith(name_prefix))
            return [self.channels[n].to_dict() for n in names]

    def update_signaling_channel(
        self, channel_arn: str, current_version: str, message_ttl_seconds: int | None
    ) -> None:
        with self.lock:
            self._purge()
            channel = self._by_arn(channel_arn)
            self._require_active(channel)
            if channel.version != current_version:
                raise VersionMismatchException(
                    f"The channel version is {channel.version}, not {current_version}."
                )
            if message_ttl_seconds is not None:
                channel.ttl_s = message_ttl_seconds
            channel.begin_update()

    def delete_signaling_channel(self, channel_arn: str, current_version: str | None) -> None:
        with self.lock:
            self._purge()
            channel = self._by_arn(channel_arn)
            if channel.status == "DELETING":
                raise ResourceNotFoundException(f"The channel {channel_arn} is being deleted.")
            # AWS deletes only an ACTIVE channel: CREATING or UPDATING is ResourceInUse.
            self._require_active(channel)
            if current_version is not None and channel.version != current_version:
                raise VersionMismatchException(
                    f"The channel version is {channel.version}, not {current_version}."
                )
            channel.begin_deletion()
            self.deleting.add(channel.name)
            # A deleted channel disconnects its master, and waiting offers must notice.
            self.masters.pop(channel_arn, None)
            self.master_changed.notify_all()
            self._purge()

    def tag_resource(self, resource_arn: str, tags: dict[str, str]) -> None:
        with self.lock:
            self._purge()
            channel = self._by_arn(resource_arn)
            merged = {**self.tagger.get_tag_dict_for_resource(channel.arn), **tags}
            if len(merged) > MAX_TAGS:
                raise TagsPerResourceExceededLimitException(
                    f"The channel would have {len(merged)} tags; the limit is {MAX_TAGS}."
                )
            self.tagger.tag_resource(channel.arn, [{"Key": k, "Value": v} for k, v in tags.items()])

    def untag_resource(self, resource_arn: str, tag_keys: list[str]) -> None:
        with self.lock:
            self._purge()
            self.tagger.untag_resource_using_names(self._by_arn(resource_arn).arn, tag_keys)

    @paginate(pagination_model=PAGINATION_MODEL)
    def list_tags_for_resource(self, resource_arn: str) -> list[dict[str, str]]:
        with self.lock:
            self._purge()
            tags = self.tagger.get_tag_dict_for_resource(self._by_arn(resource_arn).arn)
        return [{"Key": key, "Value": tags[key]} for key in sorted(tags)]

    def get_signaling_channel_endpoint(
        self, channel_arn: str, protocols: list[str], role: str
    ) -> list[dict[str, str]]:
        with self.lock:
            self._purge()
            channel = self._by_arn(channel_arn)
            self._require_active(channel, "UPDATING")
            # WEBRTC needs a channel configured for media ingestion (MediaStorageConfiguration),
            # which the emulation does not support: AWS answers InvalidArgumentException.
            if "WEBRTC" in protocols:
                raise InvalidArgumentException(
                    f"The channel {channel.name} is not configured for media ingestion."
                )
            ids = dict(channel.host_ids)
        return [{"Protocol": p, "ResourceEndpoint": self._endpoint(p, role, ids)} for p in protocols]

    def _endpoint(self, protocol: str, role: str, ids: dict[str, str]) -> str:
        host = f"kinesisvideo.{self.region_name}.amazonaws.com"
        if protocol == "WSS":
            kind = "m" if role == "MASTER" else "v"
            if settings.wss_endpoint_base:
                return f"{settings.wss_endpoint_base}/{kind}-{ids[kind]}"
            return f"wss://{kind}-{ids[kind]}.{host}"
        # HTTPS (WEBRTC was refused above).
        if settings.https_endpoint_base:
            return settings.https_endpoint_base
        return f"https://r-{ids['r']}.{host}"

    # -- data plane ----------------------------------------------------------------------------

    def _usable_for_signaling(self, arn: str) -> SignalingChannel:
        self._purge()
        channel = self._by_arn(arn)
        # The signaling API's error list has no ResourceInUse: an unusable channel is not found.
        if channel.status not in ("ACTIVE", "UPDATING"):
            raise ResourceNotFoundException(f"The channel {channel.name} is {channel.status}.")
        return channel

    def get_ice_server_config(self, channel_arn: str) -> list[dict[str, Any]]:
        with self.lock:
            turn_id = self._usable_for_signaling(channel_arn).host_ids["t"]
        host = f"t-{turn_id}.kinesisvideo.{self.region_name}.amazonaws.com"
        expires = int(time.time()) + ICE_TTL_S
        # Two TURN servers like AWS; the username pattern of the model has no ':'.
        return [
            {
                "Uris": [
                    f"turn:{host}:443?transport=udp",
                    f"turns:{host}:443?transport=udp",
                    f"turns:{host}:443?transport=tcp",
                ],
                "Username": f"{expires}.{index}.{mock_random.get_random_hex(32)}",
                "Password": mock_random.get_random_string(32),
                "Ttl": ICE_TTL_S,
            }
            for index in range(2)
        ]

    def connect_as_master(self, channel_arn: str, master: ConnectedMaster) -> None:
        """ConnectAsMaster on the WSS endpoint: the newest master of a channel wins."""
        with self.lock:
            self._usable_for_signaling(channel_arn)
            replaced = self.masters.get(channel_arn)
            self.masters[channel_arn] = master
            self.master_changed.notify_all()
        if replaced is not None and replaced is not master:
            logger.info("a newer master replaced the master of %s", channel_arn)

    def disconnect_master(self, channel_arn: str, master: ConnectedMaster | None) -> bool:
        """Disconnect ``master`` (any master when None); False when it was not connected."""
        with self.lock:
            current = self.masters.get(channel_arn)
            if current is None or (master is not None and current is not master):
                return False
            del self.masters[channel_arn]
            return True

    def send_alexa_offer_to_master(self, channel_arn: str, sender_client_id: str, payload: str) -> str:
        """Deliver the offer's payload to the master and return its answer's payload, both verbatim."""
        with self.lock:
            channel = self._usable_for_signaling(channel_arn)
            # KVS redelivers until the message TTL passes; nothing else ends the wait under
            # mock_aws, so it is capped.
            wait_s = min(float(channel.ttl_s), settings.offer_wait_cap_s)
            deadline = time.monotonic() + wait_s
            while (master := self.masters.get(channel_arn)) is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ResourceNotFoundException(
                        f"No master connected to {channel_arn} within {wait_s:g} s "
                        f"(message TTL {channel.ttl_s} s); the offer expired."
                    )
                self.master_changed.wait(remaining)
                channel = self._usable_for_signaling(channel_arn)
        # Outside the lock: the master may take a while and may call the backend itself.
        try:
            answer = master.deliver_payload(payload, sender_client_id, wait_s)
        except Exception as exc:
            logger.warning("the master of %s did not answer: %r", channel_arn, exc)
            raise ResourceNotFoundException(f"The master of {channel_arn} did not answer: {exc}") from exc
        if not isinstance(answer, str):
            raise ResourceNotFoundException(
                f"The master of {channel_arn} answered with {type(answer).__name__}, not a payload."
            )
        return answer


kinesisvideo_signaling_backends = BackendDict(SignalingBackend, "kinesisvideo")


def backend_for_arn(arn: str) -> SignalingBackend:
    """The backend that owns a channel ARN (its account and region)."""
    parts = arn.split(":")
    if len(parts) < 6 or parts[2] != "kinesisvideo":
        raise InvalidArgumentException(f"{arn} is not a Kinesis Video channel ARN.")
    backend: SignalingBackend = kinesisvideo_signaling_backends[parts[4]][parts[3]]
    return backend
