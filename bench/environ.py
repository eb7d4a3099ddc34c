"""Temporary environment variables, and the fake AWS identity every benchmark runs under."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

# moto's fake credentials; nothing the benchmarks run may reach real AWS.
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_METRICS_NAMESPACE": "AlexaCameraSignalingBench",
    # X-Ray is off locally (no daemon); the Lambda deploy may enable it.
    "POWERTOOLS_TRACE_DISABLED": "1",
}
REMOVED = ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")


@contextmanager
def patched(values: Mapping[str, str], remove: tuple[str, ...] = ()) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in [*values, *remove]}
    for key in remove:
        os.environ.pop(key, None)
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def child_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """The environment of a fresh interpreter: this one's PATH and locale, fake AWS, `extra`."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(FAKE_AWS)
    env.update(extra)
    return env
