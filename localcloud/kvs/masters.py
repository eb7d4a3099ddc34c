"""The MASTER side of a channel: the interfaces the emulation delivers offers to.

The backend hands a master the offer's MessagePayload exactly as the viewer sent it and returns
the master's answer payload exactly as the master sent it (``PayloadMaster``; ``AsyncPayloadMaster``
for a WebSocket server on an asyncio loop). For in-process code that prefers objects, a ``Master``
gets the decoded offer and returns the answer as a dict, which is then serialized as JSON.
In-process masters come from ``attach_master`` (a plain function); a WebSocket server speaking
the KVS signaling protocol registers one object per connected camera with ``register_master``.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from concurrent.futures import TimeoutError as FutureTimeoutError
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from .models import ConnectedMaster

Offer = dict[str, Any]
Answer = dict[str, Any]
AnswerFunction = Callable[[Offer, str], Answer]


class Master(Protocol):
    def deliver_offer(self, offer: Offer, sender_client_id: str, timeout_s: float) -> Answer:
        """Return the answer to a decoded ``{"type": "offer", "sdp": ...}`` within timeout_s.

        Raise TimeoutError (or any error) when there is no answer; the offer then fails.
        Called from the thread serving the request, never with the emulation's lock held.
        """
        ...


@runtime_checkable
class PayloadMaster(Protocol):
    def deliver_payload(self, payload: str, sender_client_id: str, timeout_s: float) -> str:
        """Return the answer's base64 payload to the offer's base64 payload, both as sent."""
        ...


class _DecodingMaster:
    """Serves a dict-level Master to the backend, which deals in payloads."""

    def __init__(self, master: Master) -> None:
        self.master = master

    def deliver_payload(self, payload: str, sender_client_id: str, timeout_s: float) -> str:
        answer = self.master.deliver_offer(json.loads(base64.b64decode(payload)), sender_client_id, timeout_s)
        if not isinstance(answer, dict):
            raise TypeError(f"the master answered with {type(answer).__name__}, not an object")
        return base64.b64encode(json.dumps(answer).encode()).decode()


def _result_within(future: Any, timeout_s: float) -> Any:
    try:
        return future.result(timeout=timeout_s)
    except FutureTimeoutError:
        future.cancel()
        raise TimeoutError(f"the master did not answer within {timeout_s:.1f} s") from None


class CallableMaster:
    """A master backed by a plain function, answered inline in the caller's thread."""

    def __init__(self, answer: AnswerFunction) -> None:
        self._answer = answer

    def deliver_offer(self, offer: Offer, sender_client_id: str, timeout_s: float) -> Answer:
        return self._answer(offer, sender_client_id)


class AsyncMaster:
    """Adapter for masters living on an asyncio loop (a WSS connection): the request thread waits
    for the coroutine's answer at most timeout_s."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, answer: Callable[[Offer, str], Awaitable[Answer]]
    ) -> None:
        self._loop = loop
        self._answer = answer

    async def _call(self, offer: Offer, sender_client_id: str) -> Answer:
        return await self._answer(offer, sender_client_id)

    def deliver_offer(self, offer: Offer, sender_client_id: str, timeout_s: float) -> Answer:
        future = asyncio.run_coroutine_threadsafe(self._call(offer, sender_client_id), self._loop)
        answer: Answer = _result_within(future, timeout_s)
        return answer


class AsyncPayloadMaster:
    """Like AsyncMaster, for masters that forward payloads verbatim: ``answer(payload, sender)``
    gets the offer's base64 MessagePayload as sent and returns the answer's as the camera sent it."""

    def __init__(self, loop: asyncio.AbstractEventLoop, answer: Callable[[str, str], Awaitable[str]]) -> None:
        self._loop = loop
        self._answer = answer

    async def _call(self, payload: str, sender_client_id: str) -> str:
        return await self._answer(payload, sender_client_id)

    def deliver_payload(self, payload: str, sender_client_id: str, timeout_s: float) -> str:
        future = asyncio.run_coroutine_threadsafe(self._call(payload, sender_client_id), self._loop)
        answer: str = _result_within(future, timeout_s)
        return answer


class MasterHandle:
    """Returned by attach_master/register_master; detach() disconnects this master only."""

    def __init__(self, channel_arn: str, master: Master | PayloadMaster, connected: ConnectedMaster) -> None:
        self.channel_arn = channel_arn
        self.master = master
        self._connected = connected

    def detach(self) -> bool:
        """Disconnect; False when a newer master had already replaced this one (or it was gone)."""
        from .models import backend_for_arn  # noqa: PLC0415

        return backend_for_arn(self.channel_arn).disconnect_master(self.channel_arn, self._connected)

    def __enter__(self) -> MasterHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.detach()


def register_master(channel_arn: str, master: Master | PayloadMaster) -> MasterHandle:
    """Connect ``master`` as the channel's MASTER (ConnectAsMaster): the newest master wins.

    A PayloadMaster (with ``deliver_payload``) gets and returns payloads verbatim; a Master gets
    the decoded offer. Raises KvsError (ResourceNotFoundException) when the channel does not exist.
    """
    from .models import backend_for_arn  # noqa: PLC0415

    connected: ConnectedMaster = master if isinstance(master, PayloadMaster) else _DecodingMaster(master)
    backend_for_arn(channel_arn).connect_as_master(channel_arn, connected)
    return MasterHandle(channel_arn, master, connected)


def attach_master(channel_arn: str, answer: AnswerFunction) -> MasterHandle:
    """Connect an in-process master: ``answer(offer, sender_client_id)`` returns the answer dict."""
    return register_master(channel_arn, CallableMaster(answer))


def detach_master(channel_arn: str) -> bool:
    """Disconnect whichever master the channel has; False when it had none."""
    from .models import backend_for_arn  # noqa: PLC0415

    return backend_for_arn(channel_arn).disconnect_master(channel_arn, None)
