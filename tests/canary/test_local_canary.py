"""The live-view canary against the local cloud: it passes, and each injected fault is reported
at its step."""

from __future__ import annotations

import pytest

from functions.canary.logic import run_canary
from functions.canary.steps import Step
from functions.common.deadline import Deadline
from localcloud.canary import local_parts
from localcloud.cloud import CloudState
from tests.canary.conftest import register_canary, token

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("ca_bundle")]


def test_the_canary_passes_end_to_end(cloud: CloudState) -> None:
    device_id = register_canary(cloud)

    report = run_canary(device_id, local_parts(cloud, token(cloud)), Deadline(30))

    assert report.ok, report.summary()
    assert [s.step for s in report.steps] == list(Step)
    assert report.cell in {"a", "b", "c"}
    assert report.answer_ms is not None and report.answer_ms < 6000
