"""Builds the CDK app from its context: one stage per configured environment, cdk-nag as a gate."""

from __future__ import annotations

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from infra.settings import CONTEXT_KEY, load_stages
from infra.stage import SignalingStage


def build(app: App) -> list[SignalingStage]:
    """Add every stage of `cdk.json` context `stages` to the app; an unacknowledged cdk-nag
    (AwsSolutions) finding then fails `app.synth()`."""
    stages = [
        SignalingStage(app, settings) for settings in load_stages(app.node.try_get_context(CONTEXT_KEY))
    ]
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return stages
