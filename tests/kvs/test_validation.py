"""Constraints of the service models that boto3 leaves to the service, answered as AWS does."""

from __future__ import annotations

from typing import Any

import pytest

from tests.kvs.helpers import encode, expect_error

BAD = "InvalidArgumentException"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"ChannelName": "has space"},
        {"ChannelName": "x" * 257},
        {"ChannelName": "ok", "ChannelType": "BROADCAST"},
        {"ChannelName": "ok", "ChannelType": "FULL_MESH"},
        {"ChannelName": "ok", "SingleMasterConfiguration": {"MessageTtlSeconds": 121}},
        {"ChannelName": "ok", "Tags": [{"Key": "k" * 129, "Value": "v"}]},
        {"ChannelName": "ok", "Tags": [{"Key": "k", "Value": "v" * 257}]},
        {"ChannelName": "ok", "Tags": [{"Key": "bad#key", "Value": "v"}]},
    ],
)
def test_create_rejects(kv: Any, kwargs: dict[str, Any]) -> None:
    expect_error(BAD, 400, kv.create_signaling_channel, **kwargs)


def test_create_with_51_tags(kv: Any) -> None:
    tags = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    expect_error(
        "TagsPerResourceExceededLimitException", 400, kv.create_signaling_channel, ChannelName="t", Tags=tags
    )


def test_tag_keys_allow_unicode_letters_and_punctuation(kv: Any) -> None:
    arn = kv.create_signaling_channel(
        ChannelName="u", Tags=[{"Key": "café:a/b=c+d-e@f_g.h i", "Value": "ü"}]
    )["ChannelARN"]
    assert kv.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"café:a/b=c+d-e@f_g.h i": "ü"}


@pytest.mark.parametrize(
    ("operation", "kwargs"),
    [
        ("describe_signaling_channel", {}),
        ("describe_signaling_channel", {"ChannelARN": "arn:aws:s3:::bucket"}),
        ("list_signaling_channels", {"MaxResults": 10001}),
        ("list_signaling_channels", {"NextToken": "not a token!"}),
        ("list_signaling_channels", {"NextToken": "abc"}),
        (
            "list_signaling_channels",
            {"ChannelNameCondition": {"ComparisonOperator": "BEGINS_WITH", "ComparisonValue": "a b"}},
        ),
        ("update_signaling_channel", {"ChannelARN": "ARN", "CurrentVersion": "v"}),
        ("delete_signaling_channel", {"ChannelARN": "channel/x/1"}),
    ],
)
def test_control_plane_rejects(kv: Any, channel_arn: str, operation: str, kwargs: dict[str, Any]) -> None:
    expect_error(BAD, 400, getattr(kv, operation), **kwargs)


def test_version_and_ttl_constraints_on_update(kv: Any, channel_arn: str) -> None:
    version = kv.describe_signaling_channel(ChannelARN=channel_arn)["ChannelInfo"]["Version"]
    expect_error(BAD, 400, kv.update_signaling_channel, ChannelARN=channel_arn, CurrentVersion="not-alnum")
    expect_error(BAD, 400, kv.update_signaling_channel, ChannelARN=channel_arn, CurrentVersion="a" * 65)
    expect_error(
        BAD,
        400,
        kv.update_signaling_channel,
        ChannelARN=channel_arn,
        CurrentVersion=version,
        SingleMasterConfiguration={"MessageTtlSeconds": 121},
    )


def test_tag_operation_constraints(kv: Any, channel_arn: str) -> None:
    expect_error(BAD, 400, kv.untag_resource, ResourceARN=channel_arn, TagKeyList=["k" * 129])
    expect_error(
        BAD, 400, kv.untag_resource, ResourceARN=channel_arn, TagKeyList=[f"k{i}" for i in range(51)]
    )
    expect_error(
        "TagsPerResourceExceededLimitException",
        400,
        kv.tag_resource,
        ResourceARN=channel_arn,
        Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(51)],
    )
    expect_error(BAD, 400, kv.list_tags_for_resource, ResourceARN=channel_arn, NextToken="%%")


@pytest.mark.parametrize(
    "config",
    [
        {"Protocols": ["WSS", "SIP"], "Role": "MASTER"},
        {"Protocols": ["WSS"], "Role": "OWNER"},
        {"Protocols": ["WSS"] * 6, "Role": "MASTER"},
    ],
)
def test_endpoint_config_rejects(kv: Any, channel_arn: str, config: dict[str, Any]) -> None:
    expect_error(
        BAD,
        400,
        kv.get_signaling_channel_endpoint,
        ChannelARN=channel_arn,
        SingleMasterChannelEndpointConfiguration=config,
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"SenderClientId": "bad id", "MessagePayload": encode({"type": "offer", "sdp": "v=0"})},
        {"SenderClientId": "x" * 257, "MessagePayload": encode({"type": "offer", "sdp": "v=0"})},
        {"SenderClientId": "alexa", "MessagePayload": "not base64!"},
        {"SenderClientId": "alexa", "MessagePayload": "abc"},
        {"SenderClientId": "alexa", "MessagePayload": "bm90IGpzb24="},
        {"SenderClientId": "alexa", "MessagePayload": encode(["a list"])},  # type: ignore[arg-type]
        {"SenderClientId": "alexa", "MessagePayload": "A" * 10_004},
    ],
)
def test_offer_rejects(sig: Any, channel_arn: str, kwargs: dict[str, Any]) -> None:
    expect_error(BAD, 400, sig.send_alexa_offer_to_master, ChannelARN=channel_arn, **kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [{"Service": "STUN"}, {"ClientId": "has space"}, {"Username": "u" * 257}],
)
def test_ice_config_rejects(sig: Any, channel_arn: str, kwargs: dict[str, Any]) -> None:
    expect_error(BAD, 400, sig.get_ice_server_config, ChannelARN=channel_arn, **kwargs)


def test_signaling_arn_must_be_in_the_aws_partition(sig: Any, channel_arn: str) -> None:
    china = channel_arn.replace("arn:aws:", "arn:aws-cn:")
    expect_error(BAD, 400, sig.get_ice_server_config, ChannelARN=china)
