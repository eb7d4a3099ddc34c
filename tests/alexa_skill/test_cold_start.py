"""What a cold container loads: the offer path's INIT leaves out what only other directives use."""

from __future__ import annotations

import os
from pathlib import Path

from tests.alexa_skill.conftest import Cloud
from tests.common.child_python import last_json_line, run_python

ROOT = Path(__file__).resolve().parents[2]

# Lambda's INIT (the handler module builds the dependencies), then what it loaded and created.
INIT = """
import json, sys
import botocore.session

services = []
created = botocore.session.Session.create_client
def counting(self, service_name, *args, **kwargs):
    services.append(service_name)
    return created(self, service_name, *args, **kwargs)
botocore.session.Session.create_client = counting

import functions.alexa_skill.handler
print(json.dumps({"modules": sorted(sys.modules), "clients": services}))
"""

# AcceptGrant's own modules: once per account link, never on an offer.
GRANT_ONLY = (
    "functions.alexa_skill.account_grants",
    "functions.common.alexa.grants",
    "functions.common.alexa.lwa",
    "functions.common.alexa.credentials",
    "aws_lambda_powertools.utilities.parameters",
)

# Discover's, ReportState's and AcceptGrant's routes and models (and Discovery's endpoint models):
# loaded on the first such directive, never for an offer.
ACCOUNT_ONLY = (
    "functions.alexa_skill.account_routes",
    "functions.common.alexa.endpoints",
    "functions.common.alexa.properties",
)

# SmartVision's and DataController's: loaded on the first such directive, never for an offer.
VISION_ONLY = (
    "functions.alexa_skill.vision_routes",
    "functions.alexa_skill.vision",
    "functions.common.alexa.smartvision.data_controller",
    "functions.common.alexa.smartvision.object_detection",
    "functions.common.alexa.smartvision.snapshot_provider",
    "functions.common.detections.store",
)


# A JWT library's weight: PyJWT, and the X.509, SSH, cipher and elliptic-curve modules of
# cryptography it imports (its urllib.request botocore loads anyway).
HEAVY_CRYPTO = (
    "jwt",
    "cryptography.x509",
    "cryptography.hazmat.primitives.serialization.ssh",
    "cryptography.hazmat.primitives.ciphers",
    "cryptography.hazmat.primitives.asymmetric.ec",
)
# Lambda's runtime has no pyOpenSSL (this environment has it for the local cloud): present,
# botocore loads it, and cryptography's X.509 with it.
NO_PYOPENSSL = "import sys\nsys.modules['OpenSSL'] = None\n"


def _init(initialization_type: str, prelude: str = "") -> dict[str, list[str]]:
    """What Lambda's INIT of that type loaded and created."""
    # As Lambda sets them (with LAMBDA_TASK_ROOT, the X-Ray SDK samples locally: no client of its own).
    env = {**os.environ, "AWS_LAMBDA_INITIALIZATION_TYPE": initialization_type, "LAMBDA_TASK_ROOT": str(ROOT)}
    loaded: dict[str, list[str]] = last_json_line(run_python(prelude + INIT, env=env))
    return loaded


# boto3 only wraps botocore's session: its package pulls its resources machinery and s3transfer.
NEVER = ("boto3", "s3transfer")


def test_init_builds_only_what_an_offer_needs(cloud: Cloud) -> None:
    loaded = _init("on-demand")
    assert [m for m in NEVER if m in loaded["modules"]] == []
    assert [m for m in GRANT_ONLY if m in loaded["modules"]] == []
    assert [m for m in ACCOUNT_ONLY if m in loaded["modules"]] == []
    assert [m for m in VISION_ONLY if m in loaded["modules"]] == []
    assert loaded["clients"] == ["dynamodb"]  # signaling on the first offer; no Secrets Manager


def test_a_snapshot_holds_every_directive_s_routes(cloud: Cloud) -> None:
    # Restored from a snapshot, loading costs nothing on a directive's clock: INIT loads them all.
    loaded = _init("snap-start")
    assert [m for m in ACCOUNT_ONLY + VISION_ONLY if m not in loaded["modules"]] == []
    assert [m for m in NEVER if m in loaded["modules"]] == []
    assert [m for m in GRANT_ONLY if m in loaded["modules"]] == []  # built with its clients, once per link


def test_init_loads_no_jwt_library_and_no_x509(cloud: Cloud) -> None:
    # RS256 needs cryptography's RSA, padding and hashes only (functions.alexa_skill.jws).
    for initialization_type in ("on-demand", "snap-start"):
        loaded = _init(initialization_type, NO_PYOPENSSL)
        assert "cryptography.hazmat.primitives.asymmetric.rsa" in loaded["modules"]
        assert [m for m in HEAVY_CRYPTO if m in loaded["modules"]] == []
