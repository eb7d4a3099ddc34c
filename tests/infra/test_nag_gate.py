"""cdk-nag (AwsSolutions) is a gate: one unacknowledged finding fails synthesis."""

from __future__ import annotations

import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs

from tests.infra.apps import build_app, example_context


def test_a_non_compliant_resource_fails_synthesis(tmp_path_factory: pytest.TempPathFactory) -> None:
    app, (stage,) = build_app(example_context(), str(tmp_path_factory.mktemp("cdk")))
    # No TLS enforcement, no dead-letter queue, and a wildcard policy on a role of its own: the
    # acknowledgements given to the functions' roles must not cover it.
    sqs.Queue(stage.service, "Careless", encryption=sqs.QueueEncryption.SQS_MANAGED)
    role = iam.Role(stage.service, "Careless Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    role.add_to_policy(iam.PolicyStatement(actions=["kinesisvideo:*"], resources=["*"]))

    with pytest.raises(RuntimeError, match="ValidationFailed") as failure:
        app.synth()

    message = str(failure.value)
    for finding in ("AwsSolutions-SQS3", "AwsSolutions-SQS4", "AwsSolutions-IAM5[Resource::*]"):
        assert finding in message
    assert "example/Service/Careless" in message
    # The real stacks stay clean: only the intruders are reported.
    assert "AlexaSkill" not in message
    assert "TagRotation" not in message
