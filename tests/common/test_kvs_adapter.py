"""The KVS adapter (functions/common/kvs): the only place that makes KVS clients or names KVS
operations, its neutral errors, its one retry policy, and the one ownership rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from functions.common.aws_clients import error_code
from functions.common.deadline import Deadline, DeadlineExceeded
from functions.common.kvs import errors
from functions.common.kvs.retry import RetryPolicy, is_transient
from functions.common.registry import channel_tags

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
ADAPTER = FUNCTIONS / "common" / "kvs"
# Client creation, KVS stubs and KVS operation names, as code outside the adapter would write them.
KVS_NAMES = re.compile(
    r"\"kinesisvideo\"|\"kinesis-video-signaling\"|mypy_boto3_kinesis|boto3\.client\(\"kinesis"
    r"|\.(get_signaling_channel_endpoint|send_alexa_offer_to_master|get_ice_server_config"
    r"|(create|describe|update|delete)_signaling_channel|list_signaling_channels"
    r"|list_tags_for_resource|tag_resource|untag_resource)\("
)


def _client_error(code: str, status: int = 400) -> ClientError:
    return ClientError({"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")


def test_only_the_adapter_makes_kvs_clients_or_names_kvs_operations() -> None:
    offenders = [
        f"{path.relative_to(FUNCTIONS)}:{number}"
        for path in FUNCTIONS.rglob("*.py")
        if ADAPTER not in path.parents
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if KVS_NAMES.search(line)
    ]
    assert offenders == []
    # The pattern does find what it looks for: the adapter itself names them.
    assert any(KVS_NAMES.search(p.read_text()) for p in ADAPTER.rglob("*.py"))


@pytest.mark.parametrize(
    ("raised", "neutral"),
    [
        (_client_error("ResourceNotFoundException", 404), errors.ChannelNotFound),
        (_client_error("ResourceInUseException"), errors.ChannelBusy),
        (_client_error("VersionMismatchException"), errors.VersionMismatch),
        (_client_error("TagsPerResourceExceededLimitException"), errors.TooManyTags),
        (_client_error("ExpiredNextTokenException"), errors.InvalidArgument),
        (_client_error("AccessDeniedException", 401), errors.AccessDenied),
        (_client_error("ClientLimitExceededException"), errors.Throttled),
        (_client_error("ServiceUnavailableException", 503), errors.Transient),
        (_client_error("SomethingNew", 502), errors.Transient),
        (_client_error("SomethingNew", 400), errors.KvsFailure),
        (ReadTimeoutError(endpoint_url="https://r-1"), errors.TimedOut),
        (ConnectTimeoutError(endpoint_url="https://r-1"), errors.TimedOut),
        (EndpointConnectionError(endpoint_url="https://r-1"), errors.Unreachable),
    ],
)
def test_botocore_failures_map_to_one_neutral_error_each(raised: Exception, neutral: type) -> None:
    translated = errors.translate(raised)
    assert type(translated) is neutral
    assert errors.translate(translated) is translated
    # Logs keep the AWS code (or botocore's class name), not the neutral one.
    assert error_code(translated) == error_code(raised)


def test_transport_failures_and_throttling_are_the_transient_ones() -> None:
    transient = [_client_error("ThrottlingException"), _client_error("InternalFailure", 500)]
    transient.append(EndpointConnectionError(endpoint_url="https://r-1"))
    for exc in transient:
        assert is_transient(errors.translate(exc))
    for code in ("ResourceInUseException", "ResourceNotFoundException", "AccessDeniedException"):
        assert not is_transient(errors.translate(_client_error(code)))


def test_the_retry_policy_backs_off_with_full_jitter_until_attempts_run_out() -> None:
    sleeps: list[float] = []
    calls: list[int] = []

    def throttled() -> None:
        calls.append(1)
        raise errors.Throttled("ClientLimitExceededException")

    policy = RetryPolicy(max_attempts=4, base_s=0.05, cap_s=0.1)
    with pytest.raises(errors.Throttled):
        policy.call(throttled, Deadline(60), sleep=sleeps.append)
    assert len(calls) == 4 and len(sleeps) == 3
    assert all(0 <= s <= min(0.1, 0.05 * 2**n) for n, s in enumerate(sleeps, start=1))


def test_the_retry_policy_never_sleeps_past_the_deadline() -> None:
    seen: list[BaseException] = []
    sleeps: list[float] = []

    def failing() -> None:
        raise errors.Transient("InternalFailure")

    policy = RetryPolicy(max_attempts=100, base_s=1.0, cap_s=1.0)
    with pytest.raises(DeadlineExceeded):
        policy.call(failing, Deadline(0.0), on_retry=seen.append, sleep=sleeps.append)
    assert sleeps == [] and len(seen) == 1


def test_other_errors_are_not_retried() -> None:
    calls: list[int] = []

    def busy() -> None:
        calls.append(1)
        raise errors.ChannelBusy("ResourceInUseException")

    with pytest.raises(errors.ChannelBusy):
        RetryPolicy(max_attempts=5, base_s=0.01, cap_s=0.01).call(busy, Deadline(60), sleep=lambda _: None)
    assert calls == [1]


RECORDED = "arn:aws:kinesisvideo:us-east-1:123456789012:channel/alexa-cam-cam-1/1"
OTHER = "arn:aws:kinesisvideo:us-east-1:123456789012:channel/alexa-cam-cam-1/2"


@pytest.mark.parametrize(
    ("arn", "tags", "recorded", "owned"),
    [
        (OTHER, {channel_tags.DEVICE_TAG: "cam-1", "x": "y"}, None, True),
        (OTHER, {channel_tags.DEVICE_TAG: "cam-2"}, None, False),
        (OTHER, {"x": "cam-1"}, None, False),
        # The registry's record decides over the tags, both ways.
        (RECORDED, {}, RECORDED, True),
        (RECORDED, {channel_tags.DEVICE_TAG: "cam-2"}, RECORDED, True),
        (OTHER, {channel_tags.DEVICE_TAG: "cam-1"}, RECORDED, False),
    ],
)
def test_a_channel_is_the_devices_by_its_recorded_arn_else_by_its_device_tag(
    arn: str, tags: dict[str, str], recorded: str | None, owned: bool
) -> None:
    assert channel_tags.belongs_to(arn, tags, "cam-1", recorded) is owned
