"""moto's SQS without its per-message scan of the whole queue.

For every message it hands out, moto 5.2's ReceiveMessage checks the message's retention by
building the queue's complete attribute set, approximate message counts included, each a pass over
every message in the queue. A receive then costs its batch size times the queue's depth, and a
burst of N messages drained 10 at a time costs O(N²): at 2,000 messages that scan was most of the
local cloud's work. The check below reads the one attribute it needs; the answer is the same.
"""

from __future__ import annotations

from moto.core.utils import unix_time
from moto.sqs.models import Message, SQSBackend


def _retained(self: SQSBackend, queue_name: str, message: Message) -> bool:
    retention_s = int(self.get_queue(queue_name).message_retention_period)  # type: ignore[attr-defined]
    sent_s = (message.sent_timestamp or 0) / 1000
    return retention_s + sent_s > unix_time()


def install() -> None:
    """Idempotent; every moto SQS backend of this process, in process and in the server alike."""
    SQSBackend.is_message_valid_based_on_retention_period = _retained  # type: ignore[method-assign]
