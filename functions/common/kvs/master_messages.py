"""What KVS sends a master over its WSS connection (an offer, ICE candidates, status), as the
canary master and the local cloud's simulated camera both read it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ViewerMessage(BaseModel):
    """A message KVS sends the master."""

    model_config = ConfigDict(extra="ignore")

    message_type: str = Field(alias="messageType")
    sender_client_id: str | None = Field(default=None, alias="senderClientId")
    message_payload: str = Field(default="", alias="messagePayload")
