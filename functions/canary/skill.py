"""The deployed skill, invoked as Alexa invokes it: its function (alias `live`) with a directive."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from functions.canary.steps import Step, StepFailed
from functions.common.aws_clients import error_code

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient


class SkillInvoker(Protocol):
    def invoke(self, directive: dict[str, Any]) -> dict[str, Any]:
        """The skill's response; StepFailed(SKILL_INVOKE) when there is none."""
        ...


class LambdaSkill:
    def __init__(self, client: LambdaClient, function: str) -> None:
        self._client = client
        self._function = function

    def invoke(self, directive: dict[str, Any]) -> dict[str, Any]:
        try:
            answer = self._client.invoke(FunctionName=self._function, Payload=json.dumps(directive).encode())
        except (ClientError, BotoCoreError) as exc:
            raise StepFailed(Step.SKILL_INVOKE, f"Lambda Invoke failed: {error_code(exc)}") from None
        if "FunctionError" in answer:
            # The error's message may quote the request: only its type is reported.
            raise StepFailed(Step.SKILL_INVOKE, f"the skill function failed: {answer['FunctionError']}")
        response: dict[str, Any] = json.loads(answer["Payload"].read())
        return response
