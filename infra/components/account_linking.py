"""How the skill verifies Alexa's bearer tokens: a Cognito user pool set up for Alexa account
linking, or an external OpenID Connect provider named in the settings."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import CfnOutput, RemovalPolicy, Stack
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.nag import acknowledge
from infra.settings import CognitoIdentity, OidcIdentity

# Alexa's account linking redirect URLs, one per Alexa region, ending in the vendor id.
ALEXA_REDIRECT_HOSTS = ("pitangui.amazon.com", "layla.amazon.com", "alexa.amazon.co.jp")


@dataclass(frozen=True)
class IdentityVariables:
    issuer: str
    audience: str
    jwks_url: str
    # The stage's own pool, when Cognito is its provider (the canary signs in there).
    user_pool: cognito.IUserPool | None = None

    def environment(self) -> dict[str, str]:
        return {
            "IDENTITY_ISSUER": self.issuer,
            "IDENTITY_AUDIENCE": self.audience,
            "IDENTITY_JWKS_URL": self.jwks_url,
        }


class CognitoAccountLinking(Construct):
    """A user pool with a hosted sign-in page and a confidential client for Alexa's auth code grant."""

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: CognitoIdentity, password_sign_in: bool
    ) -> None:
        super().__init__(scope, construct_id)
        region = Stack.of(self).region
        self.user_pool = cognito.UserPool(
            self,
            "Users",
            self_sign_up_enabled=True,
            sign_in_aliases=cognito.SignInAliases(email=True),
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_digits=True,
                require_lowercase=True,
                require_uppercase=True,
                require_symbols=True,
            ),
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,  # customer accounts outlive any one deployment
        )
        acknowledge(
            self.user_pool,
            "AwsSolutions-COG2",
            "Camera owners sign in from the Alexa app; MFA is offered (TOTP), not forced on them.",
        )
        for finding in ("AwsSolutions-COG3", "AwsSolutions-COG8"):
            acknowledge(
                self.user_pool,
                finding,
                "Threat protection needs the Cognito Plus plan; a per-user cost each deployment decides on.",
            )
        domain = self.user_pool.add_domain(
            "Domain", cognito_domain=cognito.CognitoDomainOptions(domain_prefix=settings.domain_prefix)
        )
        self.client = self.user_pool.add_client(
            "Alexa",
            generate_secret=True,
            prevent_user_existence_errors=True,
            # The live-view canary signs in with a password (and the client's secret) to get the
            # same access token Alexa's users get; Alexa itself uses the hosted UI's code grant.
            auth_flows=cognito.AuthFlow(user_password=True) if password_sign_in else None,
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
                callback_urls=[
                    f"https://{host}/api/skill/link/{settings.alexa_vendor_id}"
                    for host in ALEXA_REDIRECT_HOSTS
                ],
            ),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
        )
        issuer = f"https://cognito-idp.{region}.amazonaws.com/{self.user_pool.user_pool_id}"
        self.variables = IdentityVariables(
            issuer=issuer,
            audience=self.client.user_pool_client_id,
            jwks_url=f"{issuer}/.well-known/jwks.json",
            user_pool=self.user_pool,
        )
        # What the Alexa developer console asks for (the client secret stays in Cognito).
        CfnOutput(self, "AuthorizationUri", value=domain.base_url() + "/oauth2/authorize")
        CfnOutput(self, "AccessTokenUri", value=domain.base_url() + "/oauth2/token")
        CfnOutput(self, "ClientId", value=self.client.user_pool_client_id)


def identity_variables(
    scope: Construct, identity: CognitoIdentity | OidcIdentity, *, canary: bool = False
) -> IdentityVariables:
    """The skill's IDENTITY_* variables for whichever provider the stage chose."""
    if isinstance(identity, CognitoIdentity):
        return CognitoAccountLinking(
            scope, "AccountLinking", settings=identity, password_sign_in=canary
        ).variables
    return IdentityVariables(issuer=identity.issuer, audience=identity.audience, jwks_url=identity.jwks_url)
