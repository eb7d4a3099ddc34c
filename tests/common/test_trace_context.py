"""The X-Ray context the functions use on Lambda: the trace header parsed once per invocation
and thread, and each invocation's subsegments under that invocation's trace."""

from __future__ import annotations

import pytest

from functions.common.observability import HeaderKeepingLambdaContext

HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
NEXT = "Root=1-5759e989-bd862e3fe1be46a994272794;Parent=53995c3f42cd8ad9;Sampled=1"


def test_each_invocation_s_trace_header_gives_its_own_segment(monkeypatch: pytest.MonkeyPatch) -> None:
    context = HeaderKeepingLambdaContext()
    monkeypatch.setenv("_X_AMZN_TRACE_ID", HEADER)
    first = context.get_trace_entity()
    assert first.trace_id == "1-5759e988-bd862e3fe1be46a994272793"
    assert context.get_trace_entity() is first  # the same invocation: kept, not parsed again

    monkeypatch.setenv("_X_AMZN_TRACE_ID", NEXT)
    second = context.get_trace_entity()
    assert second.trace_id == "1-5759e989-bd862e3fe1be46a994272794"
    assert second is not first


def test_a_subsegment_left_open_does_not_reach_the_next_invocation(monkeypatch: pytest.MonkeyPatch) -> None:
    from aws_xray_sdk.core.models.subsegment import Subsegment

    context = HeaderKeepingLambdaContext()
    monkeypatch.setenv("_X_AMZN_TRACE_ID", HEADER)
    segment = context.get_trace_entity()
    context.put_subsegment(Subsegment("left open", "local", segment))
    assert context.get_trace_entity().name == "left open"

    monkeypatch.setenv("_X_AMZN_TRACE_ID", NEXT)
    assert context.get_trace_entity().name == "facade"


def test_an_unsampled_invocation_stays_unsampled(monkeypatch: pytest.MonkeyPatch) -> None:
    context = HeaderKeepingLambdaContext()
    monkeypatch.setenv("_X_AMZN_TRACE_ID", HEADER.replace("Sampled=1", "Sampled=0"))
    assert context.get_trace_entity().sampled is False
    assert context.get_trace_entity().sampled is False
