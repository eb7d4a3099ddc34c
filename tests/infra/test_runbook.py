"""Every alarm the stacks create names its section of docs/runbook.md in its description, and that
section exists: an operator paged by any alarm lands on what it means and what to do."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from aws_cdk import Stack

from infra.stage import SignalingStage
from tests.infra.apps import build_app, example_context
from tests.test_docs import anchors

RUNBOOK = Path(__file__).resolve().parents[2] / "docs" / "runbook.md"
NAMED = re.compile(r"Runbook: docs/runbook\.md#([\w-]+)")
CONTROL = "999999999999"


@pytest.fixture(scope="module")
def stages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[SignalingStage]]:
    # The example stage, and one with every optional part: two cells, IoT presence, a canary per cell.
    context = example_context()
    context["stages"]["everything"] = {
        **context["stages"]["example"],
        "account": CONTROL,
        "cells": [
            {"id": "a", "account": CONTROL, "region": "us-east-1", "capacity": 3},
            {"id": "b", "account": "222222222222", "region": "us-east-1", "capacity": 3},
        ],
        "presence": {"iotCore": True},
        "canary": {"devices": {"a": "canary-a", "b": "canary-b"}},
    }
    app, built = build_app(context, str(tmp_path_factory.mktemp("cdk")))
    app.synth()
    yield built


def alarms(stages: list[SignalingStage]) -> dict[str, str]:
    """Every alarm of every stack of every stage: its logical id (with its stack) → description."""
    found = {}
    for stage in stages:
        assembly = stage.synth()
        for stack in (c for c in stage.node.children if isinstance(c, Stack)):
            template = assembly.get_stack_artifact(stack.artifact_id).template
            for logical_id, resource in template.get("Resources", {}).items():
                if resource["Type"] == "AWS::CloudWatch::Alarm":
                    found[f"{stack.stack_name}/{logical_id}"] = resource["Properties"].get(
                        "AlarmDescription", ""
                    )
    return found


def test_every_alarm_names_a_section_of_the_runbook(stages: list[SignalingStage]) -> None:
    found = alarms(stages)
    assert any("CanaryFailed" in name for name in found) and any("FleetFull" in name for name in found)
    sections = anchors(RUNBOOK.read_text())
    unnamed = {name: d for name, d in found.items() if not NAMED.search(d)}
    dead = {name: d for name, d in found.items() if (m := NAMED.search(d)) and m.group(1) not in sections}
    assert (unnamed, dead) == ({}, {})
