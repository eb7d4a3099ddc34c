"""The functions' clients come from one botocore session per process; they resolve region and
endpoints from the environment exactly as boto3's clients did."""

from __future__ import annotations

import threading
from typing import Any

import boto3
import pytest
from botocore.exceptions import NoRegionError

from functions.common import aws_clients


@pytest.fixture(autouse=True)
def fresh() -> Any:
    aws_clients.clear_cache()
    yield
    aws_clients.clear_cache()


ENVIRONMENTS = [
    {"AWS_DEFAULT_REGION": "eu-west-1"},
    {"AWS_DEFAULT_REGION": "eu-west-1", "AWS_REGION": "us-west-2"},
    {"AWS_DEFAULT_REGION": "eu-west-1", "AWS_ENDPOINT_URL": "https://moto.example:4566"},
    {
        "AWS_DEFAULT_REGION": "ap-south-1",
        "AWS_ENDPOINT_URL": "https://moto.example:4566",
        "AWS_ENDPOINT_URL_DYNAMODB": "https://dynamodb.example",
    },
]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_region_and_endpoint_come_from_the_environment_as_with_boto3(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("AWS_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for service in ("dynamodb", "sqs"):
        ours = aws_clients.client(service)  # type: ignore[call-overload]
        theirs = boto3.session.Session().client(service)
        assert (ours.meta.region_name, ours.meta.endpoint_url) == (
            theirs.meta.region_name,
            theirs.meta.endpoint_url,
        )


def test_no_region_fails_as_with_boto3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    with pytest.raises(NoRegionError):
        boto3.session.Session().client("dynamodb")
    with pytest.raises(NoRegionError):
        aws_clients.client("dynamodb")


def test_limits_are_set_and_each_client_is_made_once() -> None:
    client = aws_clients.client("dynamodb", connect_timeout=0.5, read_timeout=1.5, max_attempts=2)
    config = client.meta.config
    assert (config.connect_timeout, config.read_timeout, config.tcp_keepalive) == (0.5, 1.5, True)
    assert config.retries == {"mode": "standard", "total_max_attempts": 2}
    assert aws_clients.client("dynamodb", connect_timeout=0.5, read_timeout=1.5, max_attempts=2) is client
    assert aws_clients.client("dynamodb") is not client
    aws_clients.clear_cache()
    assert aws_clients.client("dynamodb", connect_timeout=0.5, read_timeout=1.5, max_attempts=2) is not client


def test_threads_asking_at_once_share_one_session_and_one_client() -> None:
    barrier = threading.Barrier(8)
    made: list[Any] = []

    def ask() -> None:
        barrier.wait()
        made.append(aws_clients.client("sqs"))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(c) for c in made}) == 1
    assert aws_clients.process_loader() is aws_clients.process_session().get_component("data_loader")


def test_a_new_session_after_clear_cache_keeps_the_loaded_models() -> None:
    session, loader = aws_clients.process_session(), aws_clients.process_loader()
    aws_clients.clear_cache()
    assert aws_clients.process_session() is not session
    assert aws_clients.process_loader() is loader
