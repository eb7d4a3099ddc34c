"""The MASTER side of a channel: the interface the emulation delivers offers to.

A master is anything with ``deliver_offer``. In-process masters come from ``attach_master`` (a
plain function); a WebSocket server speaking the KVS signaling protocol registers one object per
connected camera with ``register_master`` and answers from its own event loop (see AsyncMaster).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import TimeoutError as FutureTimeoutError
from typing import Any, Protocol

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
        try:
            return future.result(timeout=timeout_s)
        except FutureTimeoutError:
            future.cancel()
            raise TimeoutError(f"the master did not answer within {timeout_s:.1f} s") from None


class MasterHandle:
    """Returned by attach_master/register_master; detach() disconnects this master only."""

    def __init__(self, channel_arn: str, master: Master) -> None:
        self.channel_arn = channel_arn
        self.master = master

    def detach(self) -> bool:
        """Disconnect; False when a newer master had already replaced this one (or it was gone)."""
        from .models import backend_for_arn  # noqa: PLC0415

        return backend_for_arn(self.channel_arn).unregister_master(self.channel_arn, self.master)

    def __enter__(self) -> MasterHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.detach()


def register_master(channel_arn: str, master: Master) -> MasterHandle:
    """Connect ``master`` as the channel's MASTER (ConnectAsMaster): the newest master wins.

    Raises KvsError(ResourceNotFoundException) when the channel does not exist.
    """
    from .models import backend_for_arn  # noqa: PLC0415

    backend_for_arn(channel_arn).register_master(channel_arn, master)
    return MasterHandle(channel_arn, master)


def attach_master(channel_arn: str, answer: AnswerFunction) -> MasterHandle:
    """Connect an in-process master: ``answer(offer, sender_client_id)`` returns the answer dict."""
    return register_master(channel_arn, CallableMaster(answer))


def detach_master(channel_arn: str) -> bool:
    """Disconnect whichever master the channel has; False when it had none."""
    from .models import backend_for_arn  # noqa: PLC0415

    return backend_for_arn(channel_arn).unregister_master(channel_arn, None)
