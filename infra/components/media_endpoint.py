"""The media endpoint: `GET /media/{ref}` on the device config HTTP API, where Alexa fetches the
images it was handed, with the user's bearer token. No IAM authorization: the function checks
the token with the skill's own verifier and serves only the camera's current owner."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_integrations as integrations
from constructs import Construct

from infra.components.account_linking import IdentityVariables
from infra.components.detections import MediaData
from infra.components.function import FunctionInputs, SignalingFunction
from infra.nag import acknowledge

ROUTE_PATH = "/media/{ref}"


class MediaEndpoint(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        inputs: FunctionInputs,
        *,
        api: apigw.HttpApi,
        identity: IdentityVariables,
        media: MediaData,
    ) -> None:
        super().__init__(scope, construct_id)
        self.function = SignalingFunction(
            self,
            "Media",
            inputs,
            service="media",
            # Alexa waits a few seconds for an image; a token's key set is fetched within 3 s.
            timeout=Duration.seconds(10),
            environment=identity.environment(),
        )
        # The current owner of the reference's camera.
        self.function.allow_table(inputs.registry_table, ["GetItem"])
        media.give(self.function, table=["GetItem"], objects=["GetObject"])
        (route,) = api.add_routes(
            path=ROUTE_PATH,
            methods=[apigw.HttpMethod.GET],
            integration=integrations.HttpLambdaIntegration("Function", self.function.lambda_function),
            authorizer=apigw.HttpNoneAuthorizer(),
        )
        acknowledge(
            route,
            "AwsSolutions-APIG4",
            "Alexa presents the user's access token: the function verifies it with the skill's own "
            "TokenVerifier and answers 401 / 404 / 410 as Alexa's image fetch expects.",
        )
