"""The account and region a function runs in, read from its invoked ARN.

Lambda gives each invocation `arn:{partition}:lambda:{region}:{account}:function:{name}[:{qualifier}]`,
so no variable has to repeat the account or region (which could then disagree with it)."""

from __future__ import annotations


def account_and_region(function_arn: str) -> tuple[str, str]:
    parts = function_arn.split(":")
    return parts[4], parts[3]
