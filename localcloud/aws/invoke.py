"""Invoke the functions the way Lambda would, from a local HTTP endpoint.

- ``POST /invoke/alexa``: the body is an Alexa directive, the answer the skill's response;
- ``POST /invoke/lifecycle``: drains the lifecycle queue into the handler in batches of up to
  ten, like an SQS event source mapping with ``ReportBatchItemFailures``: records the handler
  reports as failed stay on the queue (and reach the DLQ after enough receives);
- ``POST /invoke/alexa-events``: the same for the outbound Alexa events queue (the local cloud
  also drains it on its own every half second, as an event source mapping would);
- ``POST /invoke/rotation``: one scheduled run of tag rotation, on demand;
- ``GET /config`` and ``POST /media``: the device config HTTP API; the request must be SigV4-signed
  by a camera role session (see device_auth), and reaches the function as payload 2.0 with that
  IAM identity;
- ``GET /media/{ref}``: the media function (no IAM auth: Alexa presents the user's bearer token);
  its base64 body is answered as the bytes, as API Gateway does;
- ``POST /invoke/presence``: the same for the presence queue (also drained on its own);
- ``POST /invoke/presence-sweep``: one scheduled run of the presence sweep, on demand;
- ``POST /events``: puts a device event on its queue as EventBridge's rules would deliver it:
  presence and doorbell events on the presence queue, detections and snapshots on the detections
  queue, the others on the lifecycle queue.

Handlers are imported on first use, after the local environment is in place (their cold start).
They are synchronous and may wait on a camera's answer, so each call runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import json
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from functions.common import aws_clients
from functions.common.observability import logger
from functions.common.queue_schema import BATCH_SIZE
from localcloud.aws.device_auth import DEVICE_ROLE, SignatureError, verify
from localcloud.aws.device_events import device_event
from localcloud.aws.lambda_context import ACCOUNT_ID, LambdaContext

if TYPE_CHECKING:
    from mypy_boto3_sqs.type_defs import MessageTypeDef

HANDLERS = {
    "alexa-skill": "functions.alexa_skill.handler",
    "device-lifecycle": "functions.device_lifecycle.handler",
    "tag-rotation": "functions.tag_rotation.handler",
    "device-config": "functions.device_config.handler",
    "alexa-events": "functions.alexa_events.handler",
    "device-presence": "functions.device_presence.handler",
    "presence-sweep": "functions.presence_sweep.handler",
    "detections": "functions.detections.handler",
    "media": "functions.media.handler",
}
# The presence rule's detail-types: they go to the presence queue, the rest to lifecycle's.
PRESENCE_DETAIL_TYPES = frozenset({"DeviceConnected", "DeviceDisconnected", "DoorbellPressed"})
# The detections rule's: to the detections queue.
DETECTION_DETAIL_TYPES = frozenset({"ObjectDetected", "SnapshotTaken", "DetectionsDeleted"})


# What API Gateway passes between the client and a function here (the rest is irrelevant locally).
FORWARDED_HEADERS = frozenset({"authorization", "accept"})
ANSWERED_HEADERS = frozenset({"content-type", "cache-control", "www-authenticate", "retry-after", "location"})


# One invocation at a time: the functions share this process, and with it Powertools' metric set
# and logger keys, which Lambda gives each invocation alone. Concurrent invocations would flush
# (and log under) each other's. No handler waits on another's invocation.
_INVOKING = threading.Lock()


def call(function: str, event: dict[str, Any], timeout_s: float = 30.0) -> Any:
    """Run a function's handler in this thread, as one Lambda invocation."""
    handler: Callable[[dict[str, Any], LambdaContext], Any] = importlib.import_module(
        HANDLERS[function]
    ).handler
    with _INVOKING:
        return handler(event, LambdaContext(function_name=function, timeout_s=timeout_s))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class DeviceEvent(BaseModel):
    """What a device registry publishes: the EventBridge detail-type and detail."""

    model_config = ConfigDict(populate_by_name=True)

    detail_type: str = Field(alias="detail-type")
    detail: dict[str, Any]


def sqs_event(messages: list[MessageTypeDef], queue_arn: str, region: str) -> dict[str, Any]:
    """An SQS event source mapping's event for received messages."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": m.get("MessageAttributes", {}),
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for m in messages
        ]
    }


def scheduled_event(region: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": _now(),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{ACCOUNT_ID}:rule/tag-rotation-schedule"],
        "detail": {},
    }


def http_api_event(
    device_id: str, method: str, path: str, body: str | None, access_key: str = "ASIALOCAL"
) -> dict[str, Any]:
    """HTTP API payload 2.0 as API Gateway sends it for an IAM-authorized route."""
    event = public_http_event(method, path, {"content-type": "application/json"}, body)
    event["requestContext"]["authorizer"] = {
        "iam": {
            "accessKey": access_key,
            "accountId": ACCOUNT_ID,
            "callerId": f"AROALOCAL:{device_id}",
            "principalOrgId": None,
            "userArn": f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{DEVICE_ROLE}/{device_id}",
            "userId": f"AROALOCAL:{device_id}",
            "cognitoIdentity": None,
        }
    }
    return event


def public_http_event(method: str, path: str, headers: dict[str, str], body: str | None) -> dict[str, Any]:
    """HTTP API payload 2.0 for a route without authorization (header names lower-cased)."""
    now = datetime.now(UTC)
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {**{k.lower(): v for k, v in headers.items()}, "host": "local"},
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": "local",
            "domainName": "local",
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "localcloud-camera",
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": f"{method} {path}",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "body": body,
        "isBase64Encoded": False,
    }


def http_response(result: dict[str, Any]) -> web.Response:
    """A payload 2.0 function result as API Gateway answers it (base64 bodies as their bytes)."""
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    headers = {k: v for k, v in (result.get("headers") or {}).items() if k.lower() in ANSWERED_HEADERS}
    headers.setdefault("Content-Type", "application/json")
    return web.Response(status=int(result.get("statusCode", 200)), body=data, headers=headers)


class Invoker:
    """The invoke routes, bound to the local environment (region, queue URLs, event source)."""

    def __init__(self, env: dict[str, str]) -> None:
        self._env = env
        self._region = env["AWS_DEFAULT_REGION"]

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/invoke/alexa", self._alexa),
            web.post("/invoke/lifecycle", self._lifecycle),
            web.post("/invoke/rotation", self._rotation),
            web.get("/config", self._device_config),
            web.post("/media", self._device_config),
            web.get("/media/{ref}", self._media),
            web.post("/invoke/alexa-events", self._alexa_events),
            web.post("/invoke/presence", self._presence),
            web.post("/invoke/presence-sweep", self._presence_sweep),
            web.post("/events", self._events),
        ]

    async def _alexa(self, request: web.Request) -> web.Response:
        directive = await request.json()
        return web.json_response(await asyncio.to_thread(call, "alexa-skill", directive, 8.0))

    async def _rotation(self, request: web.Request) -> web.Response:
        result = await asyncio.to_thread(call, "tag-rotation", scheduled_event(self._region), 900.0)
        return web.json_response(result)

    async def _device_config(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            caller = verify(request.method, str(request.url), request.headers, body, self._region)
        except SignatureError as exc:
            # API Gateway refuses before the function runs, with a message of this form.
            return web.json_response({"message": str(exc)}, status=403)
        event = http_api_event(
            caller.device_id,
            request.method,
            request.path,
            body.decode() or None,
            access_key=caller.access_key_id,
        )
        return http_response(await asyncio.to_thread(call, "device-config", event, 10.0))

    async def _media(self, request: web.Request) -> web.Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() in FORWARDED_HEADERS}
        event = public_http_event("GET", request.path, headers, None)
        return http_response(await asyncio.to_thread(call, "media", event, 10.0))

    async def _events(self, request: web.Request) -> web.Response:
        event = DeviceEvent.model_validate(await request.json())
        envelope = device_event(
            event.detail_type, event.detail, source=self._env["DEVICE_EVENT_SOURCE"], region=self._region
        )
        sqs = aws_clients.client("sqs")
        if event.detail_type in PRESENCE_DETAIL_TYPES:
            queue = self._env["PRESENCE_QUEUE_URL"]
        elif event.detail_type in DETECTION_DETAIL_TYPES:
            queue = self._env["DETECTIONS_QUEUE_URL"]
        else:
            queue = self._env["LIFECYCLE_QUEUE_URL"]
        await asyncio.to_thread(sqs.send_message, QueueUrl=queue, MessageBody=json.dumps(envelope))
        return web.json_response({"id": envelope["id"]})

    async def _lifecycle(self, request: web.Request) -> web.Response:
        return web.json_response(await asyncio.to_thread(self.drain_lifecycle_queue))

    async def _alexa_events(self, request: web.Request) -> web.Response:
        return web.json_response(await asyncio.to_thread(self.drain_events_queue))

    async def _presence(self, request: web.Request) -> web.Response:
        return web.json_response(await asyncio.to_thread(self.drain_presence_queue))

    async def _presence_sweep(self, request: web.Request) -> web.Response:
        result = await asyncio.to_thread(call, "presence-sweep", scheduled_event(self._region), 300.0)
        return web.json_response(result)

    def drain_presence_queue(self, wait_s: int = 0) -> dict[str, Any]:
        return self._drain("device-presence", self._env["PRESENCE_QUEUE_URL"], wait_s)

    def drain_detections_queue(self, wait_s: int = 0) -> dict[str, Any]:
        return self._drain("detections", self._env["DETECTIONS_QUEUE_URL"], wait_s)

    def drain_lifecycle_queue(self) -> dict[str, Any]:
        return self._drain("device-lifecycle", self._env["LIFECYCLE_QUEUE_URL"])

    def drain_events_queue(self, wait_s: int = 0) -> dict[str, Any]:
        """The outbound Alexa events queue into the events function (Alexa's gateway emulated)."""
        return self._drain("alexa-events", self._env["ALEXA_EVENTS_QUEUE_URL"], wait_s)

    def _drain(self, function: str, queue_url: str, wait_s: int = 0) -> dict[str, Any]:
        """Feed every visible message to the handler; failed ones become visible again after.
        With `wait_s`, the first receive long-polls: it returns as soon as a message is queued."""
        sqs = aws_clients.client("sqs")
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        processed = 0
        failed: list[MessageTypeDef] = []
        while True:
            messages = sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=BATCH_SIZE,
                WaitTimeSeconds=wait_s if processed == 0 and not failed else 0,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not messages:
                break
            result = call(function, sqs_event(messages, queue_arn, self._region), 60.0) or {}
            failures = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
            done = [m for m in messages if m["MessageId"] not in failures]
            if done:
                sqs.delete_message_batch(
                    QueueUrl=queue_url,
                    Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
                )
            processed += len(done)
            failed.extend(m for m in messages if m["MessageId"] in failures)
        # Lambda would retry after the visibility timeout; locally the next drain retries them.
        for message in failed:
            sqs.change_message_visibility(
                QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
        if failed:
            logger.warning("queued records failed", extra={"function": function, "count": len(failed)})
        return {"processed": processed, "failed": [m["MessageId"] for m in failed]}
