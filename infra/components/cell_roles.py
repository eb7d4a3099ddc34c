"""The roles a cell account holds: one for the control account's functions, one for cameras'
credentials. Both trust the control account only for named function roles (aws:PrincipalArn), so
no other principal there can assume them, and a function role recreated under the same name keeps
working (a role ARN as principal would be pinned to the deleted role's unique id)."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.components.function import channel_arn_pattern
from infra.nag import acknowledge

# What a camera does on its own channel; device config narrows it to that channel with a
# session policy when it assumes this role.
CAMERA_ACTIONS = ("ConnectAsMaster", "GetSignalingChannelEndpoint", "GetIceServerConfig")


def _trusting(control_account: str, principal_arns: Sequence[str]) -> iam.IPrincipal:
    return iam.AccountPrincipal(control_account).with_conditions(
        {"ArnEquals": {"aws:PrincipalArn": sorted(principal_arns)}}
    )


def _allow_prefixed_channels(role: iam.Role, prefix: str, actions: Sequence[str]) -> None:
    role.add_to_policy(
        iam.PolicyStatement(
            actions=[f"kinesisvideo:{a}" for a in sorted(set(actions))],
            resources=[channel_arn_pattern(role, prefix)],
        )
    )
    stack = Stack.of(role)
    acknowledge(
        role,
        f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kinesisvideo:{stack.region}:{stack.account}:"
        f"channel/{prefix}*/*]",
        "Channel ARNs end in a creation time unknown at deploy; scoped to the stage's prefix.",
    )


class CellRole(Construct):
    """The role the control functions assume to manage and use the cell's channels."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        role_name: str,
        control_account: str,
        function_role_arns: Sequence[str],
        prefix: str,
        channel_actions: Sequence[str],
        lists_channels: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.Role(
            self,
            "Role",
            role_name=role_name,
            assumed_by=_trusting(control_account, function_role_arns),
            description="The control account's functions manage and use this cell's signaling channels",
        )
        _allow_prefixed_channels(self.role, prefix, channel_actions)
        if lists_channels:
            self.role.add_to_policy(
                iam.PolicyStatement(actions=["kinesisvideo:ListSignalingChannels"], resources=["*"])
            )
            acknowledge(
                self.role,
                "AwsSolutions-IAM5[Resource::*]",
                "kinesisvideo:ListSignalingChannels accepts only '*' as resource.",
            )


class CameraCredentialsRole(Construct):
    """The role device config assumes for a camera, narrowed to the camera's channel."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        role_name: str,
        control_account: str,
        issuer_role_arn: str,
        prefix: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.Role(
            self,
            "Role",
            role_name=role_name,
            assumed_by=_trusting(control_account, [issuer_role_arn]),
            description="Short-lived camera credentials for one signaling channel of this cell",
        )
        _allow_prefixed_channels(self.role, prefix, CAMERA_ACTIONS)
