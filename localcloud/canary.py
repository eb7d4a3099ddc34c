"""The live-view canary (functions/canary) wired to a running local cloud: the same steps and
checks as on AWS, with the local identity provider's token, the local STS for the camera role,
the local device config API and signaling endpoint, and the skill behind `/invoke/alexa`."""

from __future__ import annotations

import json
from typing import Any

import boto3
import urllib3

from functions.canary.camera_config import CameraConfig, fetch_config
from functions.canary.logic import CanaryParts
from functions.canary.master import Answerer
from functions.canary.sdp import minimal_answer
from functions.canary.steps import Step, StepFailed
from functions.canary.tokens import StaticToken
from functions.canary.transport import http_pool
from localcloud.aws.device_auth import ROLE_ARN
from localcloud.cells import local_cells
from localcloud.cloud import FAKE_CREDENTIALS, CloudState

CANARY_OWNER = "canary"
# The skill's own deadline is 4.5 s and Alexa waits 6 s (docs/functions.md, Alexa skill).
ANSWER_BUDGET_S = 6.0


class LocalSkill:
    def __init__(self, url: str) -> None:
        self._url = f"{url}/invoke/alexa"

    def invoke(self, directive: dict[str, Any]) -> dict[str, Any]:
        try:
            answer = http_pool().request(
                "POST",
                self._url,
                body=json.dumps(directive).encode(),
                headers={"Content-Type": "application/json"},
                timeout=urllib3.Timeout(total=10.0),
            )
        except urllib3.exceptions.HTTPError as exc:
            raise StepFailed(Step.SKILL_INVOKE, f"invoke failed: {type(exc).__name__}") from None
        if answer.status != 200:
            raise StepFailed(Step.SKILL_INVOKE, f"the skill function failed: HTTP {answer.status}")
        response: dict[str, Any] = json.loads(answer.data)
        return response


def local_parts(state: CloudState, token: str, answerer: Answerer = minimal_answer) -> CanaryParts:
    """The canary's parts against the local cloud `state` describes (the caller sets AWS_CA_BUNDLE
    to its CA, as the local cloud's own clients have it)."""
    sts = boto3.client(
        "sts",
        region_name=state.region,
        endpoint_url=state.moto_url,
        verify=str(state.ca_file),
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=FAKE_CREDENTIALS["AWS_SESSION_TOKEN"],
    )
    cells = {cell.account: cell.id for cell in local_cells(region=state.region)}

    def config(device_id: str) -> CameraConfig:
        return fetch_config(
            sts,
            device_id,
            camera_role_arn=ROLE_ARN,
            config_url=f"{state.url}/config",
            region=state.region,
            timeout=10.0,
        )

    return CanaryParts(
        tokens=StaticToken(token),
        config=config,
        skill=LocalSkill(state.url),
        cell_of=lambda account: cells.get(account, "unknown"),
        answer_budget_s=ANSWER_BUDGET_S,
        answerer=answerer,
    )
