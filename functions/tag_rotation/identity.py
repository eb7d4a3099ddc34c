"""The account and region this code runs in, for callers without a Lambda context (the local cloud's
tools and the tests call the logic directly; in Lambda the invoked ARN names both)."""

from __future__ import annotations

from functools import cache

import boto3

from functions.common.aws_clients import also_clear, client_config


@cache
def own_place() -> tuple[str, str]:
    """(account, region) of the environment's credentials and region: one STS call per process
    (a new session and client cost more than the call; a run's short budget should not pay them)."""
    session = boto3.session.Session()
    sts = session.client("sts", config=client_config(connect_timeout=1.0, read_timeout=2.0, max_attempts=3))
    return sts.get_caller_identity()["Account"], session.region_name


also_clear(own_place.cache_clear)
