"""Powertools Logger, Tracer and Metrics as shared singletons.

Service name and metrics namespace come from POWERTOOLS_SERVICE_NAME and
POWERTOOLS_METRICS_NAMESPACE (set per function by the stack). Never log bearer tokens, secrets or
full SDP (it carries IP addresses): log ids, outcomes and sizes.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics, Tracer

NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "AlexaCameraSignaling")

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace=NAMESPACE)
