"""Building the CDK app for tests from the real cdk.json context, without bundling."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from aws_cdk import App

from infra.application import build
from infra.stage import SignalingStage

CDK_JSON = Path(__file__).resolve().parents[2] / "cdk.json"
SKILL_ID = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"


def example_context() -> dict[str, Any]:
    context: dict[str, Any] = copy.deepcopy(json.loads(CDK_JSON.read_text())["context"])
    return context


def build_app(context: dict[str, Any], outdir: str) -> tuple[App, list[SignalingStage]]:
    """The app as `cdk synth` builds it, minus bundling (context `aws:cdk:bundling-stacks: []`)."""
    app = App(context={**context, "aws:cdk:bundling-stacks": []}, outdir=outdir)
    return app, build(app)
