"""The camera's configuration API: HTTP API `GET /config` (and `POST /media`, a presigned image
upload) with IAM authorization, and the role cameras assume (through the AWS IoT credentials
provider and this stack's role alias) to call it."""

from __future__ import annotations

import json

import jsii
from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_apigateway as apigw_v1
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_iot as iot
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.components.detections import MediaData
from infra.components.function import (
    FunctionInputs,
    SignalingFunction,
    channel_arn_pattern,
    retained_log_group,
)
from infra.nag import acknowledge
from infra.settings import StageSettings

ROUTE_PATH = "/config"
UPLOAD_PATH = "/media"
STAGE_NAME = "$default"
# The IoT credentials provider assumes roles for devices (session name = thing name = deviceId).
IOT_CREDENTIALS_PRINCIPAL = "credentials.iot.amazonaws.com"
# Fleet-wide: a camera asks at boot and on reconnect; a storm after an outage stays bounded.
THROTTLE_RATE, THROTTLE_BURST = 100, 200
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "caller": "$context.identity.userArn",
    "route": "$context.routeKey",
    "status": "$context.status",
    "latencyMs": "$context.responseLatency",
    "integrationError": "$context.integrationErrorMessage",
}


@jsii.implements(apigw.IAccessLogSettings)
class JsonAccessLogs:
    """ACCESS_LOG_FORMAT lines into `log_group` (the stage takes an object of this interface, not a
    dict)."""

    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._destination = apigw.LogGroupLogDestination(log_group)

    @property
    def destination(self) -> apigw.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw_v1.AccessLogFormat:
        return apigw_v1.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FORMAT))


class DeviceConfigApi(Construct):
    def __init__(self, scope: Construct, construct_id: str, inputs: FunctionInputs) -> None:
        super().__init__(scope, construct_id)
        settings = inputs.settings
        self.function = self._build_function(inputs)
        self.api = self._build_api(settings)
        self.camera_role, role_alias = self._build_camera_role(settings)
        # Only sessions of this role are cameras: other callers allowed to invoke the API (operators,
        # CI) cannot pose as a camera by naming their session after one.
        self.function.lambda_function.add_environment("CAMERA_ROLE_NAME", self.camera_role.role_name)
        # Defence in depth: a role of the same name in another account is not this camera role.
        self.function.lambda_function.add_environment("CAMERA_ACCOUNT_ID", Stack.of(self).account)
        CfnOutput(self, "ConfigUrl", value=f"{self.api.api_endpoint}{ROUTE_PATH}")
        CfnOutput(self, "CameraRoleArn", value=self.camera_role.role_arn)
        CfnOutput(self, "CameraRoleAliasArn", value=role_alias.attr_role_alias_arn)

    def _build_function(self, inputs: FunctionInputs) -> SignalingFunction:
        function = SignalingFunction(
            self, "Config", inputs, service="device-config", timeout=Duration.seconds(10)
        )
        function.allow_table(inputs.registry_table, ["GetItem", "UpdateItem"])
        function.allow_channels(
            ["GetSignalingChannelEndpoint", "GetIceServerConfig", "DescribeSignalingChannel"]
        )
        return function

    def _build_api(self, settings: StageSettings) -> apigw.HttpApi:
        api = apigw.HttpApi(
            self, "Api", description="Camera signaling configuration", create_default_stage=False
        )
        self._integration = integrations.HttpLambdaIntegration("Function", self.function.lambda_function)
        api.add_routes(
            path=ROUTE_PATH,
            methods=[apigw.HttpMethod.GET],
            integration=self._integration,
            authorizer=authorizers.HttpIamAuthorizer(),
        )
        apigw.HttpStage(
            self,
            "Stage",
            http_api=api,
            stage_name=STAGE_NAME,
            auto_deploy=True,
            throttle=apigw.ThrottleSettings(rate_limit=THROTTLE_RATE, burst_limit=THROTTLE_BURST),
            access_log_settings=JsonAccessLogs(retained_log_group(self, "AccessLogs", settings)),
        )
        return api

    @property
    def url(self) -> str:
        """The API's base URL (no trailing slash)."""
        return self.api.api_endpoint

    def allow_uploads(self, media: MediaData) -> None:
        """`POST /media`: a camera's presigned upload into the media bucket, under its own prefix
        (the key is fixed by the function; the camera role may call the route)."""
        self.api.add_routes(
            path=UPLOAD_PATH,
            methods=[apigw.HttpMethod.POST],
            integration=self._integration,
            authorizer=authorizers.HttpIamAuthorizer(),
        )
        self.camera_role.add_to_policy(
            iam.PolicyStatement(
                actions=["execute-api:Invoke"],
                resources=[self.api.arn_for_execute_api("POST", UPLOAD_PATH, STAGE_NAME)],
            )
        )
        # A presigned POST carries the function's signature: the upload is the function's PutObject.
        media.give(self.function, table=[], objects=["PutObject"])

    def _build_camera_role(self, settings: StageSettings) -> tuple[iam.Role, iot.CfnRoleAlias]:
        # The alias name is fixed so the role's trust can name the alias ARN without referring to
        # the alias resource (which refers to the role: a reference back would be a cycle).
        alias_name = f"{settings.name}-camera-signaling"
        stack = Stack.of(self)
        alias_arn = stack.format_arn(service="iot", resource="rolealias", resource_name=alias_name)
        camera_role = iam.Role(
            self,
            "CameraRole",
            # Confused-deputy guard (AWS IoT guidance): the credentials provider may assume the role
            # only for this stack's role alias, not for an alias another account points at it.
            assumed_by=iam.ServicePrincipal(
                IOT_CREDENTIALS_PRINCIPAL,
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnEquals": {"aws:SourceArn": alias_arn},
                },
            ),
            description="Cameras assume it through the AWS IoT credentials provider to read their config",
        )
        role_alias = iot.CfnRoleAlias(
            self, "CameraRoleAlias", role_alias=alias_name, role_arn=camera_role.role_arn
        )
        camera_role.add_to_policy(
            iam.PolicyStatement(
                actions=["execute-api:Invoke"],
                resources=[self.api.arn_for_execute_api("GET", ROUTE_PATH, STAGE_NAME)],
            )
        )
        # A camera connects as MASTER to its own channel only: the IoT credentials provider names
        # the session after the thing (= deviceId), and IAM resolves the variable per request.
        camera_role.add_to_policy(
            iam.PolicyStatement(
                actions=["kinesisvideo:ConnectAsMaster"],
                resources=[
                    channel_arn_pattern(self, settings.channel_name_prefix, "${credentials-iot:ThingName}")
                ],
            )
        )
        acknowledge(
            camera_role,
            f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kinesisvideo:{stack.region}:"
            f"{stack.account}:channel/{settings.channel_name_prefix}<credentials-iot:ThingName>/*]",
            "The channel ARN ends in a creation time unknown at deploy; the name is the camera's own.",
        )
        return camera_role, role_alias
