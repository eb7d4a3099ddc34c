"""CDK app entry point (`cdk.json`: `.venv/bin/python app.py`)."""

from __future__ import annotations

import sys

from aws_cdk import App

from infra.application import build
from infra.settings import SettingsError

app = App()
try:
    build(app)
except SettingsError as exc:
    print(f"cdk.json: {exc}", file=sys.stderr)
    sys.exit(2)
app.synth()
