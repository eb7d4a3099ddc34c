"""What KVS checks when a master connects and moto cannot: whose credentials presigned the URL.

KVS serves a channel to credentials of the channel's account only, and when those are an STS
session with a session policy (the camera credentials device config hands out), only if that
policy allows `kinesisvideo:ConnectAsMaster` on the channel. moto evaluates no IAM policy, so the
local WSS endpoint checks both for sessions moto's STS issued. A key no STS session owns (the
placeholder keys of tests that presign by hand) is let through, as before: its signature is not
checked either (docs/local-cloud.md, where it differs from AWS).
"""

from __future__ import annotations

import datetime
import fnmatch
import json
from collections.abc import Mapping
from typing import Any

ACTION = "kinesisvideo:ConnectAsMaster"


class MasterRefused(Exception):
    """KVS would refuse this connection (403)."""


def _session(access_key_id: str) -> Any | None:
    from moto.sts.models import sts_backends  # noqa: PLC0415 (moto registers hooks on import)

    for _, backends in list(sts_backends.items()):
        session = backends["aws"].get_assumed_role_from_access_key(access_key_id)
        if session is not None:
            return session
    return None


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def _matches(statement: dict[str, Any], resource: str) -> bool:
    actions = _listed(statement.get("Action", []))
    resources = _listed(statement.get("Resource", []))
    return any(fnmatch.fnmatchcase(ACTION, a) for a in actions) and any(
        fnmatch.fnmatchcase(resource, r) for r in resources
    )


def policy_allows(policy: str, resource: str) -> bool:
    """Whether a policy document allows ConnectAsMaster on `resource` (an explicit Deny wins)."""
    statements = json.loads(policy).get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    matching = [s for s in statements if _matches(s, resource)]
    return any(s.get("Effect") == "Allow" for s in matching) and not any(
        s.get("Effect") == "Deny" for s in matching
    )


def check(query: Mapping[str, str], channel_arn: str) -> None:
    """Raise MasterRefused when KVS would refuse the presigned URL's credentials for the channel."""
    access_key_id = query.get("X-Amz-Credential", "").split("/")[0]
    session = _session(access_key_id)
    if session is None:
        return
    if session.account_id != channel_arn.split(":")[4]:
        raise MasterRefused("the credentials are not of the channel's account")
    if session.expiration < datetime.datetime.now(datetime.UTC).replace(tzinfo=None):
        raise MasterRefused("the security token included in the request is expired")
    if session.policy and not policy_allows(session.policy, channel_arn):
        raise MasterRefused(f"the session policy does not allow {ACTION} on this channel")
