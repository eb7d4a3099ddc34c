"""Signaling channel state per account and region, kept in a moto BackendDict."""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend

from . import faults
from .config import settings
from .errors import KvsError, invalid_argument, not_found
from .masters import Answer, Master, Offer
from .validation import MAX_TAGS

logger = logging.getLogger(__name__)

DEFAULT_TTL_S = 60
ICE_TTL_S = 300
_VERSION_ALPHABET = string.ascii_letters + string.digits


def _new_version() -> str:
    return "".join(secrets.choice(_VERSION_ALPHABET) for _ in range(20))


def _host_id() -> str:
    return secrets.token_hex(4)


@dataclass
class Channel:
    """One channel record (a plain class: moto's BaseModel metaclass wants a moto.* module)."""

    name: str
    arn: str
    channel_type: str
    ttl_s: int
    creation_time: float
    tags: dict[str, str]
    version: str = field(default_factory=_new_version)
    # Each host kind gets its own stable id, as the real cell endpoints differ per kind.
    host_ids: dict[str, str] = field(default_factory=lambda: {k: _host_id() for k in "rmvwt"})
    busy_status: str = "CREATING"
    busy_until: float = 0.0  # time.monotonic() when CREATING/UPDATING ends
    deleting_until: float | None = None

    def status(self, now: float) -> str:
        if self.deleting_until is not None:
            return "DELETING"
        return self.busy_status if now < self.busy_until else "ACTIVE"

    def info(self, now: float) -> dict[str, Any]:
        return {
            "ChannelName": self.name,
            "ChannelARN": self.arn,
            "ChannelType": self.channel_type,
            "ChannelStatus": self.status(now),
            "CreationTime": self.creation_time,
            "SingleMasterConfiguration": {"MessageTtlSeconds": self.ttl_s},
            "Version": self.version,
        }


def _encode_token(last: str) -> str:
    return base64.b64encode(last.encode()).decode()


def _decode_token(token: str | None) -> str | None:
    if not token:
        return None
    try:
        return base64.b64decode(token, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise invalid_argument("NextToken is not valid.") from None


class SignalingBackend(BaseBackend):
    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.lock = threading.RLock()
        self.master_changed = threading.Condition(self.lock)
        self.channels: dict[str, Channel] = {}  # by name
        self.deleting: dict[str, Channel] = {}  # by name, until the DELETING state ends
        self.masters: dict[str, Master] = {}  # by channel ARN
        self._last_creation_ms = 0

    # -- lookups -------------------------------------------------------------------------------

    def _purge(self, now: float) -> None:
        for name, channel in list(self.deleting.items()):
            if channel.deleting_until is not None and now >= channel.deleting_until:
                del self.deleting[name]
                if self.channels.get(name) is channel:
                    del self.channels[name]

    def _by_arn(self, arn: str) -> Channel:
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
            raise not_found(f"The channel {arn} does not exist.")
        return channel

    def find(self, *, name: str | None = None, arn: str | None = None) -> Channel:
        if arn is not None:
            channel = self._by_arn(arn)
            if name is not None and channel.name != name:
                raise invalid_argument("ChannelName and ChannelARN name different channels.")
            return channel
        if name is None:
            raise invalid_argument("Either ChannelName or ChannelARN is required.")
        found = self.channels.get(name)
        if found is None:
            raise not_found(f"The channel {name} does not exist.")
        return found

    def _require_status(self, channel: Channel, now: float, error_code: str, *allowed: str) -> None:
        status = channel.status(now)
        if status not in allowed:
            raise KvsError(error_code, f"The channel {channel.name} is {status}.")

    # -- control plane ---------------------------------------------------------------------

    def create(self, name: str, channel_type: str, ttl_s: int, tags: dict[str, str]) -> str:
        with self.lock:
            now = time.monotonic()
            self._purge(now)
            if name in self.channels:
                raise KvsError("ResourceInUseException", f"The signaling channel {name} already exists.")
            limit = faults.state().limit_for(self.region_name)
            if len(self.channels) >= limit:
                raise KvsError(
                    "AccountChannelLimitExceededException",
                    f"The account already has {limit} signaling channels in {self.region_name}.",
                )
            # Strictly increasing so a channel recreated within the same millisecond gets a new ARN.
            millis = max(int(time.time() * 1000), self._last_creation_ms + 1)
            self._last_creation_ms = millis
            where = f"{self.partition}:kinesisvideo:{self.region_name}:{self.account_id}"
            arn = f"arn:{where}:channel/{name}/{millis}"
            self.channels[name] = Channel(
                name=name,
                arn=arn,
                channel_type=channel_type,
                ttl_s=ttl_s,
                creation_time=millis / 1000,
                tags=dict(tags),
                busy_until=now + settings.creation_delay_s,
            )
            return arn

    def describe(self, *, name: str | None, arn: str | None) -> dict[str, Any]:
        with self.lock:
            now = time.monotonic()
            self._purge(now)
            return self.find(name=name, arn=arn).info(now)

    def list_channels(
        self, max_results: int, token: str | None, prefix: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        after = _decode_token(token)
        with self.lock:
            now = time.monotonic()
            self._purge(now)
            names = sorted(
                n
                for n in self.channels
                if (prefix is None or n.startswith(prefix)) and (after is None or n > after)
            )
            page = names[:max_results]
            infos = [self.channels[n].info(now) for n in page]
        more = len(names) > max_results
        return infos, _encode_token(page[-1]) if more else None

    def update(self, arn: str, current_version: str, ttl_s: int | None) -> None:
        with self.lock:
            now = time.monotonic()
            self._purge(now)
            channel = self._by_arn(arn)
            self._require_status(channel, now, "ResourceInUseException", "ACTIVE")
            if channel.version != current_version:
                raise KvsError(
                    "VersionMismatchException",
                    f"The channel version is {channel.version}, not {current_version}.",
                )
            if ttl_s is not None:
                channel.ttl_s = ttl_s
            channel.version = _new_version()
            channel.busy_status = "UPDATING"
            channel.busy_until = now + settings.update_delay_s

    def delete(self, arn: str, current_version: str | None) -> None:
        with self.lock:
            now = time.monotonic()
            self._purge(now)
            channel = self._by_arn(arn)
            if channel.deleting_until is not None:
                raise not_found(f"The channel {arn} is being deleted.")
            # AWS deletes only an ACTIVE channel: CREATING or UPDATING is ResourceInUse.
            self._require_status(channel, now, "ResourceInUseException", "ACTIVE")
            if current_version is not None and channel.version != current_version:
                raise KvsError(
                    "VersionMismatchException",
                    f"The channel version is {channel.version}, not {current_version}.",
                )
            channel.deleting_until = now + settings.deletion_delay_s
            self.deleting[channel.name] = channel
            # A deleted channel disconnects its master, and waiting offers must notice.
            self.masters.pop(arn, None)
            self.master_changed.notify_all()
            self._purge(now)

    def tag(self, arn: str, tags: dict[str, str]) -> None:
        with self.lock:
            self._purge(time.monotonic())
            channel = self._by_arn(arn)
            merged = {**channel.tags, **tags}
            if len(merged) > MAX_TAGS:
                raise KvsError(
                    "TagsPerResourceExceededLimitException",
                    f"The channel would have {len(merged)} tags; the limit is {MAX_TAGS}.",
                )
            channel.tags = merged

    def untag(self, arn: str, keys: list[str]) -> None:
        with self.lock:
            self._purge(time.monotonic())
            channel = self._by_arn(arn)
            for key in keys:
                channel.tags.pop(key, None)

    def list_tags(self, arn: str, token: str | None) -> tuple[dict[str, str], str | None]:
        after = _decode_token(token)
        with self.lock:
            self._purge(time.monotonic())
            channel = self._by_arn(arn)
            keys = sorted(k for k in channel.tags if after is None or k > after)
            page = keys[: settings.tags_page_size]
            tags = {k: channel.tags[k] for k in page}
        more = len(keys) > len(page)
        return tags, _encode_token(page[-1]) if more else None

    def endpoints(self, arn: str, protocols: list[str], role: str) -> list[dict[str, str]]:
        with self.lock:
            now = time.monotonic()
            self._purge(now)
            channel = self._by_arn(arn)
            self._require_status(channel, now, "ResourceInUseException", "ACTIVE", "UPDATING")
            # WEBRTC needs a channel configured for media ingestion (MediaStorageConfiguration),
            # which the emulation does not support: AWS answers InvalidArgumentException.
            if "WEBRTC" in protocols:
                raise invalid_argument(f"The channel {channel.name} is not configured for media ingestion.")
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

    def _active_for_data_plane(self, arn: str) -> Channel:
        now = time.monotonic()
        self._purge(now)
        channel = self._by_arn(arn)
        # The signaling API's error list has no ResourceInUse: an unusable channel is not found.
        self._require_status(channel, now, "ResourceNotFoundException", "ACTIVE", "UPDATING")
        return channel

    def ice_servers(self, arn: str) -> list[dict[str, Any]]:
        with self.lock:
            channel = self._active_for_data_plane(arn)
            turn_id = channel.host_ids["t"]
        host = f"t-{turn_id}.kinesisvideo.{self.region_name}.amazonaws.com"
        expires = int(time.time()) + ICE_TTL_S
        servers = []
        for index in range(2):
            # Two TURN servers like AWS; the username pattern of the model has no ':'.
            servers.append(
                {
                    "Uris": [
                        f"turn:{host}:443?transport=udp",
                        f"turns:{host}:443?transport=udp",
                        f"turns:{host}:443?transport=tcp",
                    ],
                    "Username": f"{expires}.{index}.{secrets.token_hex(16)}",
                    "Password": secrets.token_urlsafe(24).replace("-", "_"),
                    "Ttl": ICE_TTL_S,
                }
            )
        return servers

    def register_master(self, arn: str, master: Master) -> None:
        with self.lock:
            self._active_for_data_plane(arn)
            replaced = self.masters.get(arn)
            self.masters[arn] = master
            self.master_changed.notify_all()
        if replaced is not None and replaced is not master:
            logger.info("a newer master replaced the master of %s", arn)

    def unregister_master(self, arn: str, master: Master | None) -> bool:
        with self.lock:
            current = self.masters.get(arn)
            if current is None or (master is not None and current is not master):
                return False
            del self.masters[arn]
            return True

    def send_offer(self, arn: str, offer: Offer, sender_client_id: str) -> Answer:
        with self.lock:
            channel = self._active_for_data_plane(arn)
            # KVS redelivers until the message TTL passes; nothing else ends the wait under
            # mock_aws, so it is capped.
            wait_s = min(float(channel.ttl_s), settings.offer_wait_cap_s)
            deadline = time.monotonic() + wait_s
            while (master := self.masters.get(arn)) is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise not_found(
                        f"No master connected to {arn} within {wait_s:g} s "
                        f"(message TTL {channel.ttl_s} s); the offer expired."
                    )
                self.master_changed.wait(remaining)
                channel = self._active_for_data_plane(arn)
        # Outside the lock: the master may take a while and may call the emulation itself.
        try:
            answer = master.deliver_offer(offer, sender_client_id, wait_s)
        except Exception as exc:
            logger.warning("the master of %s did not answer: %r", arn, exc)
            raise not_found(f"The master of {arn} did not answer: {exc}") from exc
        if not isinstance(answer, dict):
            raise not_found(f"The master of {arn} answered with {type(answer).__name__}, not an object.")
        return answer


signaling_backends = BackendDict(SignalingBackend, "kinesisvideo")


def backend_for_arn(arn: str) -> SignalingBackend:
    """The backend that owns a channel ARN (its account and region)."""
    parts = arn.split(":")
    if len(parts) < 6 or parts[2] != "kinesisvideo":
        raise invalid_argument(f"{arn} is not a Kinesis Video channel ARN.")
    backend: SignalingBackend = signaling_backends[parts[4]][parts[3]]
    return backend
