"""What each function needs to run once in the emulated cloud: seeded state, extra environment,
an event, and a check that the invocation did its job (a benchmark of a failing call is void).

A scenario works in process and against a moto server alike: it seeds through the default boto3
session, which follows AWS_ENDPOINT_URL.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.fleet import Fleet

Check = Callable[[Any], str | None]  # None when the response is right, else what is wrong


@dataclass
class Invocation:
    event: dict[str, Any]
    check: Check
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Function:
    name: str
    module: str  # the handler module; its `handler` is the entry point
    prepare: Callable[[dict[str, str]], Invocation]

    def available(self) -> bool:
        return importlib.util.find_spec(self.module) is not None


def _status_check(expected: int) -> Check:
    def check(response: Any) -> str | None:
        status = response.get("statusCode") if isinstance(response, dict) else None
        return None if status == expected else f"status {status}, expected {expected}"

    return check


def device_config(env: dict[str, str]) -> Invocation:
    from localcloud.invoke import http_api_event

    (device,) = Fleet(env).add(1, start=90_000)
    return Invocation(
        event=http_api_event(device.device_id, "GET", "/config", None), check=_status_check(200)
    )


FUNCTIONS = [
    Function("device_config", "functions.device_config.handler", device_config),
]


def by_name(name: str) -> Function:
    return next(f for f in FUNCTIONS if f.name == name)


def describe(response: Any) -> str:
    """A short, SDP-free description of a response for error messages."""
    return json.dumps(response, default=str)[:200]
