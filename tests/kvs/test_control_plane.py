"""The nine control-plane operations of the emulation under mock_aws."""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from localcloud import kvs
from tests.kvs.helpers import expect_error

ARN = re.compile(r"arn:aws:kinesisvideo:us-east-1:123456789012:channel/cam-1/\d{13}")


def test_create_and_describe_by_name_and_arn(kv: Any, channel_arn: str) -> None:
    assert ARN.fullmatch(channel_arn)
    by_name = kv.describe_signaling_channel(ChannelName="cam-1")["ChannelInfo"]
    by_arn = kv.describe_signaling_channel(ChannelARN=channel_arn)["ChannelInfo"]
    assert by_name == by_arn
    assert by_name["ChannelStatus"] == "ACTIVE"
    assert by_name["ChannelType"] == "SINGLE_MASTER"
    assert by_name["SingleMasterConfiguration"] == {"MessageTtlSeconds": 60}
    assert re.fullmatch(r"[a-zA-Z0-9]{1,64}", by_name["Version"])
    # The ARN ends in the creation time in milliseconds.
    assert int(channel_arn.rsplit("/", 1)[1]) == int(by_name["CreationTime"].timestamp() * 1000)


def test_create_with_ttl_and_tags(kv: Any) -> None:
    arn = kv.create_signaling_channel(
        ChannelName="cam-2",
        ChannelType="SINGLE_MASTER",
        SingleMasterConfiguration={"MessageTtlSeconds": 5},
        Tags=[{"Key": "camera:device", "Value": "cam-2"}, {"Key": "empty", "Value": ""}],
    )["ChannelARN"]
    info = kv.describe_signaling_channel(ChannelARN=arn)["ChannelInfo"]
    assert info["SingleMasterConfiguration"]["MessageTtlSeconds"] == 5
    assert kv.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"camera:device": "cam-2", "empty": ""}


def test_duplicate_name_is_resource_in_use(kv: Any, channel_arn: str) -> None:
    expect_error("ResourceInUseException", 400, kv.create_signaling_channel, ChannelName="cam-1")


def test_unknown_channel_is_not_found_with_404(kv: Any, channel_arn: str) -> None:
    missing = channel_arn.replace("cam-1", "cam-9")
    expect_error("ResourceNotFoundException", 404, kv.describe_signaling_channel, ChannelName="cam-9")
    expect_error("ResourceNotFoundException", 404, kv.describe_signaling_channel, ChannelARN=missing)
    expect_error(
        "ResourceNotFoundException", 404, kv.update_signaling_channel, ChannelARN=missing, CurrentVersion="a"
    )
    expect_error("ResourceNotFoundException", 404, kv.delete_signaling_channel, ChannelARN=missing)
    expect_error(
        "ResourceNotFoundException",
        404,
        kv.tag_resource,
        ResourceARN=missing,
        Tags=[{"Key": "k", "Value": "v"}],
    )
    expect_error("ResourceNotFoundException", 404, kv.untag_resource, ResourceARN=missing, TagKeyList=["k"])
    expect_error("ResourceNotFoundException", 404, kv.list_tags_for_resource, ResourceARN=missing)
    expect_error("ResourceNotFoundException", 404, kv.get_signaling_channel_endpoint, ChannelARN=missing)


def test_update_changes_version_and_stale_version_is_rejected(kv: Any, channel_arn: str) -> None:
    first = kv.describe_signaling_channel(ChannelARN=channel_arn)["ChannelInfo"]["Version"]
    kv.update_signaling_channel(
        ChannelARN=channel_arn, CurrentVersion=first, SingleMasterConfiguration={"MessageTtlSeconds": 120}
    )
    info = kv.describe_signaling_channel(ChannelARN=channel_arn)["ChannelInfo"]
    assert info["Version"] != first
    assert info["SingleMasterConfiguration"]["MessageTtlSeconds"] == 120
    expect_error(
        "VersionMismatchException",
        400,
        kv.update_signaling_channel,
        ChannelARN=channel_arn,
        CurrentVersion=first,
    )
    expect_error(
        "VersionMismatchException",
        400,
        kv.delete_signaling_channel,
        ChannelARN=channel_arn,
        CurrentVersion=first,
    )


def test_delete_with_and_without_version(kv: Any, channel_arn: str) -> None:
    version = kv.describe_signaling_channel(ChannelARN=channel_arn)["ChannelInfo"]["Version"]
    kv.delete_signaling_channel(ChannelARN=channel_arn, CurrentVersion=version)
    expect_error("ResourceNotFoundException", 404, kv.describe_signaling_channel, ChannelARN=channel_arn)
    other = kv.create_signaling_channel(ChannelName="cam-1")["ChannelARN"]
    assert other != channel_arn, "a recreated channel gets a new ARN"
    expect_error("ResourceNotFoundException", 404, kv.describe_signaling_channel, ChannelARN=channel_arn)
    kv.delete_signaling_channel(ChannelARN=other)
    assert kv.list_signaling_channels()["ChannelInfoList"] == []


def test_status_transitions_with_delays(kv: Any) -> None:
    kvs.set_transition_delays(creating=0.3, updating=0.3, deleting=0.3)
    arn = kv.create_signaling_channel(ChannelName="slow")["ChannelARN"]
    assert kv.describe_signaling_channel(ChannelARN=arn)["ChannelInfo"]["ChannelStatus"] == "CREATING"
    expect_error("ResourceInUseException", 400, kv.get_signaling_channel_endpoint, ChannelARN=arn)
    time.sleep(0.35)
    info = kv.describe_signaling_channel(ChannelARN=arn)["ChannelInfo"]
    assert info["ChannelStatus"] == "ACTIVE"
    kv.update_signaling_channel(ChannelARN=arn, CurrentVersion=info["Version"])
    assert kv.describe_signaling_channel(ChannelARN=arn)["ChannelInfo"]["ChannelStatus"] == "UPDATING"
    time.sleep(0.35)
    kv.delete_signaling_channel(ChannelARN=arn)
    assert kv.describe_signaling_channel(ChannelARN=arn)["ChannelInfo"]["ChannelStatus"] == "DELETING"
    time.sleep(0.35)
    expect_error("ResourceNotFoundException", 404, kv.describe_signaling_channel, ChannelARN=arn)


def test_tags_replace_untag_ignores_unknown_and_limit(kv: Any, channel_arn: str) -> None:
    kv.tag_resource(ResourceARN=channel_arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    kv.tag_resource(ResourceARN=channel_arn, Tags=[{"Key": "a", "Value": "3"}])
    kv.untag_resource(ResourceARN=channel_arn, TagKeyList=["b", "never-set"])
    assert kv.list_tags_for_resource(ResourceARN=channel_arn)["Tags"] == {"a": "3"}
    kv.tag_resource(ResourceARN=channel_arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(49)])
    expect_error(
        "TagsPerResourceExceededLimitException",
        400,
        kv.tag_resource,
        ResourceARN=channel_arn,
        Tags=[{"Key": "one-more", "Value": "v"}],
    )
    # Replacing an existing key does not add a tag, so it still fits.
    kv.tag_resource(ResourceARN=channel_arn, Tags=[{"Key": "a", "Value": "4"}])
    assert len(kv.list_tags_for_resource(ResourceARN=channel_arn)["Tags"]) == 50


def test_tag_changes_do_not_change_the_version(kv: Any, channel_arn: str) -> None:
    before = kv.describe_signaling_channel(ChannelARN=channel_arn)["ChannelInfo"]["Version"]
    kv.tag_resource(ResourceARN=channel_arn, Tags=[{"Key": "a", "Value": "1"}])
    assert kv.describe_signaling_channel(ChannelARN=channel_arn)["ChannelInfo"]["Version"] == before


def test_list_tags_pages_with_next_token(kv: Any, channel_arn: str) -> None:
    kvs.set_tags_page_size(7)
    kv.tag_resource(ResourceARN=channel_arn, Tags=[{"Key": f"k{i:02d}", "Value": str(i)} for i in range(20)])
    seen: dict[str, str] = {}
    token = None
    pages = 0
    while True:
        page = kv.list_tags_for_resource(ResourceARN=channel_arn, **({"NextToken": token} if token else {}))
        seen.update(page["Tags"])
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert pages == 3
    assert seen == {f"k{i:02d}": str(i) for i in range(20)}


def test_list_pagination_over_many_channels_with_begins_with(kv: Any) -> None:
    for i in range(1100):
        kv.create_signaling_channel(ChannelName=f"alexa-cam-{i:05d}")
    for i in range(30):
        kv.create_signaling_channel(ChannelName=f"other-{i}")
    paginator = kv.get_paginator("list_signaling_channels")
    pages = list(
        paginator.paginate(
            ChannelNameCondition={"ComparisonOperator": "BEGINS_WITH", "ComparisonValue": "alexa-cam-"},
            PaginationConfig={"PageSize": 400},
        )
    )
    names = [c["ChannelName"] for page in pages for c in page["ChannelInfoList"]]
    assert len(pages) == 3
    assert names == [f"alexa-cam-{i:05d}" for i in range(1100)]
    # The default page is 500 channels.
    first = kv.list_signaling_channels()
    assert len(first["ChannelInfoList"]) == 500
    assert first["NextToken"]
    everything = [c for page in paginator.paginate() for c in page["ChannelInfoList"]]
    assert len(everything) == 1130


def test_endpoints_are_stable_and_in_real_host_forms(kv: Any, channel_arn: str) -> None:
    def endpoints(role: str) -> dict[str, str]:
        items = kv.get_signaling_channel_endpoint(
            ChannelARN=channel_arn,
            SingleMasterChannelEndpointConfiguration={"Protocols": ["WSS", "HTTPS"], "Role": role},
        )["ResourceEndpointList"]
        return {item["Protocol"]: item["ResourceEndpoint"] for item in items}

    master, viewer = endpoints("MASTER"), endpoints("VIEWER")
    host = r"\.kinesisvideo\.us-east-1\.amazonaws\.com"
    assert re.fullmatch(rf"wss://m-[a-z0-9]{{8}}{host}", master["WSS"])
    assert re.fullmatch(rf"wss://v-[a-z0-9]{{8}}{host}", viewer["WSS"])
    assert re.fullmatch(rf"https://r-[a-z0-9]{{8}}{host}", master["HTTPS"])
    assert master == endpoints("MASTER")
    assert viewer == endpoints("VIEWER")
    assert master["HTTPS"] == viewer["HTTPS"]


def test_endpoint_base_points_at_loopback(kv: Any, channel_arn: str) -> None:
    kvs.set_endpoint_base(https="https://127.0.0.1:4566/", wss="wss://127.0.0.1:4567")
    items = kv.get_signaling_channel_endpoint(
        ChannelARN=channel_arn,
        SingleMasterChannelEndpointConfiguration={"Protocols": ["WSS", "HTTPS"], "Role": "MASTER"},
    )["ResourceEndpointList"]
    found = {item["Protocol"]: item["ResourceEndpoint"] for item in items}
    assert found["HTTPS"] == "https://127.0.0.1:4566"
    assert re.fullmatch(r"wss://127\.0\.0\.1:4567/m-[a-z0-9]{8}", found["WSS"])
    kvs.set_endpoint_base()
    again = kv.get_signaling_channel_endpoint(ChannelARN=channel_arn)["ResourceEndpointList"]
    assert all("amazonaws.com" in item["ResourceEndpoint"] for item in again)


def test_concurrent_creates_of_one_name_have_one_winner(kv: Any) -> None:
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def create() -> None:
        client = boto3.client("kinesisvideo", region_name="us-east-1")
        barrier.wait()
        try:
            client.create_signaling_channel(ChannelName="race")
            outcomes.append("ok")
        except ClientError as error:
            outcomes.append(error.response["Error"]["Code"])

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ResourceInUseException"] * 7 + ["ok"]


def test_regions_and_accounts_are_separate(kv: Any, channel_arn: str) -> None:
    west = boto3.client("kinesisvideo", region_name="us-west-2")
    assert west.list_signaling_channels()["ChannelInfoList"] == []
    expect_error("ResourceNotFoundException", 404, west.describe_signaling_channel, ChannelARN=channel_arn)


def test_a_fresh_mock_starts_empty() -> None:
    kvs.install()
    with mock_aws():
        boto3.client("kinesisvideo", region_name="us-east-1").create_signaling_channel(ChannelName="gone")
    with mock_aws():
        client = boto3.client("kinesisvideo", region_name="us-east-1")
        assert client.list_signaling_channels()["ChannelInfoList"] == []


def test_install_after_mock_started_and_twice() -> None:
    with mock_aws():
        kvs.install()
        kvs.install()
        client = boto3.client("kinesisvideo", region_name="us-east-1")
        client.create_signaling_channel(ChannelName="late")
        assert [c["ChannelName"] for c in client.list_signaling_channels()["ChannelInfoList"]] == ["late"]


def test_webrtc_endpoint_needs_media_ingestion(kv: Any, channel_arn: str) -> None:
    # AWS: WEBRTC on a channel not configured for ingestion is InvalidArgumentException; the
    # emulation has no MediaStorageConfiguration, so no channel is.
    expect_error(
        "InvalidArgumentException",
        400,
        kv.get_signaling_channel_endpoint,
        ChannelARN=channel_arn,
        SingleMasterChannelEndpointConfiguration={"Protocols": ["WSS", "WEBRTC"], "Role": "MASTER"},
    )


@pytest.mark.parametrize("busy", ["creating", "updating"])
def test_delete_of_a_channel_that_is_not_active_is_resource_in_use(kv: Any, busy: str) -> None:
    # AWS answers ResourceInUseException when the channel is not ACTIVE.
    kvs.set_transition_delays(creating=0.0, updating=0.0)
    arn = kv.create_signaling_channel(ChannelName="busy")["ChannelARN"]
    kvs.set_transition_delays(**{busy: 30.0})
    if busy == "creating":
        arn = kv.create_signaling_channel(ChannelName="busy-new")["ChannelARN"]
    else:
        version = kv.describe_signaling_channel(ChannelARN=arn)["ChannelInfo"]["Version"]
        kv.update_signaling_channel(ChannelARN=arn, CurrentVersion=version)
    expect_error("ResourceInUseException", 400, kv.delete_signaling_channel, ChannelARN=arn)
    assert kv.describe_signaling_channel(ChannelARN=arn)["ChannelInfo"]["ChannelStatus"] == busy.upper()
