"""CDK app entry point (`cdk.json`: `.venv/bin/python app.py`)."""

from __future__ import annotations

from aws_cdk import App

from infra.application import build

app = App()
build(app)
app.synth()
