"""TLS trust for the canary's own connections (GET /config, the WSS signaling endpoint).

`AWS_CA_BUNDLE` is botocore's setting: the local cloud's CA there, and on Lambda unset, so the
system's trust store applies, as for every boto3 call."""

from __future__ import annotations

import os
import ssl
from functools import cache

import urllib3


def ssl_context() -> ssl.SSLContext:
    return _context(os.environ.get("AWS_CA_BUNDLE") or None)


def http_pool() -> urllib3.PoolManager:
    return _pool(os.environ.get("AWS_CA_BUNDLE") or None)


@cache
def _context(cafile: str | None) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=cafile)


@cache
def _pool(cafile: str | None) -> urllib3.PoolManager:
    return urllib3.PoolManager(num_pools=2, maxsize=2, retries=False, ssl_context=_context(cafile))
