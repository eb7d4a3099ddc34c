"""The account and region this code runs in, for callers without a Lambda context (the local cloud's
tools and the tests call the logic directly; in Lambda the invoked ARN names both)."""

from __future__ import annotations

from functools import cache

from functions.common.aws_clients import also_clear, sts_client


@cache
def own_place() -> tuple[str, str]:
    """(account, region) of the environment's credentials and region: one STS call per process."""
    sts = sts_client()
    return sts.get_caller_identity()["Account"], sts.meta.region_name


also_clear(own_place.cache_clear)
