"""The canary function's configuration (the stack sets it; `make smoke` invokes the function)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from functions.common.cells.config import CellSettings
from functions.common.device_id import is_device_id


class CanarySettings(CellSettings):
    # Comma-separated: one canary camera per cell, all of the canary owner.
    device_ids: Annotated[tuple[str, ...], Field(alias="CANARY_DEVICE_IDS", min_length=1)]
    skill_function: Annotated[str, Field(alias="CANARY_SKILL_FUNCTION", min_length=1)]
    config_url: Annotated[str, Field(alias="CANARY_CONFIG_URL", pattern=r"^https://\S+$")]
    camera_role_arn: Annotated[
        str, Field(alias="CANARY_CAMERA_ROLE_ARN", pattern=r"^arn:aws[a-z-]*:iam::\d{12}:role/")
    ]
    token_secret_id: Annotated[str, Field(alias="CANARY_TOKEN_SECRET_ID", min_length=1)]
    identity_provider: Annotated[Literal["cognito", "refresh"], Field(alias="CANARY_IDENTITY_PROVIDER")]
    user_pool_id: Annotated[str | None, Field(alias="CANARY_USER_POOL_ID")] = None
    client_id: Annotated[str | None, Field(alias="CANARY_CLIENT_ID")] = None
    # Alexa waits 6 s for AnswerGeneratedForSession (docs/functions.md, "Message TTL").
    answer_budget_seconds: Annotated[float, Field(alias="CANARY_ANSWER_BUDGET_SECONDS", gt=0, le=6)] = 6.0

    @field_validator("device_ids", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            ids = tuple(part.strip() for part in value.split(",") if part.strip())
            if not all(is_device_id(i) for i in ids):
                raise ValueError("every entry must be a deviceId")
            return ids
        return value

    def devices_for(self, event: Mapping[str, Any]) -> tuple[str, ...]:
        """The cameras a run covers: a cell's schedule names its own (`{"deviceIds": [...]}`),
        `make smoke` names none (all of them). Never a camera outside CANARY_DEVICE_IDS."""
        named = event.get("deviceIds")
        if not isinstance(named, list):
            return self.device_ids
        return tuple(d for d in self.device_ids if d in named)

    @model_validator(mode="after")
    def _cognito_names_its_client(self) -> CanarySettings:
        if self.identity_provider == "cognito" and not (self.user_pool_id and self.client_id):
            raise ValueError(
                "CANARY_IDENTITY_PROVIDER cognito needs CANARY_USER_POOL_ID and CANARY_CLIENT_ID"
            )
        return self
