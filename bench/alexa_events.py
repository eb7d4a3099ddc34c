"""Alexa events: EndpointChanged records through the events function to the emulated gateway."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING

from bench import emulated, environ, scenarios, sink
from bench.report import Section

if TYPE_CHECKING:
    from localcloud.alexa.cloud import AlexaCloud

BATCH = 5
USERS = 10
METHOD = (
    "moto in process; the emulated LWA token endpoint and event gateway on a loopback HTTP server "
    "in a thread of this process (schema validation of every event included). {users} users link "
    "the skill through a real code exchange; {n} registered cameras spread over them are announced "
    "as EndpointChanged records in SQS batches of {batch}, handed to the events handler as the "
    "event source mapping would. Events/s = AddOrUpdateReports accepted (202) / wall time of the "
    "handler calls. LWA and gateway calls are counted by the emulations: first with fresh tokens, "
    "then once more after every user's token was expired at LWA (one 401, one refresh, a resend)."
)


def measure(events: int) -> Section:
    from functions.alexa_events.dependencies import dependencies
    from functions.alexa_events.handler import handler
    from localcloud.alexa.cloud import AlexaCloud
    from localcloud.aws.bootstrap import client_credentials
    from localcloud.aws.invoke import LambdaContext
    from localcloud.loopback import LoopbackServer

    section = Section(title="Alexa events", method=METHOD.format(users=USERS, n=events, batch=BATCH))
    with emulated.in_process() as cloud:
        alexa = AlexaCloud(client_credentials(cloud.env["ALEXA_CLIENT_SECRET_ID"]))
        with LoopbackServer(alexa.routes()) as server:
            urls = {
                "LWA_TOKEN_URL": f"{server.url}/auth/o2/token",
                "ALEXA_EVENT_GATEWAY_URL": f"{server.url}/v3/events",
            }
            with environ.patched(urls), sink.discard_output():
                dependencies.cache_clear()
                users, changes = _seed(cloud.env, alexa, urls["LWA_TOKEN_URL"], events)

                def run(batch_of: list[dict[str, object]]) -> tuple[float, int]:
                    failed = 0
                    started = time.perf_counter()
                    for i in range(0, len(batch_of), BATCH):
                        batch = scenarios.sqs_batch(batch_of[i : i + BATCH], cloud.env["AWS_DEFAULT_REGION"])
                        response = handler(batch, LambdaContext(function_name="alexa-events", timeout_s=60))
                        failed += scenarios.batch_check(response) is not None
                    return time.perf_counter() - started, failed

                exchanges = alexa.lwa.calls["authorization_code"]
                wall, failed = run(changes)
                fresh_lwa = sum(alexa.lwa.calls.values()) - exchanges
                fresh_gateway = sum(alexa.gateway.calls.values())
                delivered = alexa.gateway.calls[202]
                for user in users:
                    alexa.lwa.expire_access_tokens(user)
                _, failed_after = run(changes[:USERS])
                refreshes = alexa.lwa.calls["refresh_token"]
                dependencies.cache_clear()
    section.add(
        "events delivered per second (handler + emulations, 1 core)",
        delivered / wall,
        "ev/s",
        note=f"{delivered} of {events} delivered, {events // BATCH} batches"
        + (f"; {failed} batches FAILED" if failed else ""),
    )
    section.add("LWA calls per event (tokens fresh)", fresh_lwa / events, target="0", met=fresh_lwa == 0)
    section.add(
        "gateway calls per event (tokens fresh)",
        fresh_gateway / events,
        target="1",
        met=fresh_gateway == events,
    )
    section.add(
        "LWA refreshes per user after the tokens expired",
        refreshes / USERS,
        target="1",
        met=refreshes == USERS and not failed_after,
        note=f"{USERS} events, one per user: 401, refresh, resend",
    )
    return section


def _seed(
    env: dict[str, str], alexa: AlexaCloud, lwa_url: str, events: int
) -> tuple[list[str], list[dict[str, object]]]:
    """Users linked (real code exchanges), cameras in the registry; the EndpointChanged bodies."""
    from functions.alexa_skill.account_grants import AccountGrants
    from functions.common import aws_clients
    from functions.common.alexa.credentials import credentials_reader
    from functions.common.alexa.grants import GrantStore
    from functions.common.alexa.lwa import LoginWithAmazon
    from functions.common.alexa.outbound import EndpointChanged
    from functions.common.deadline import Deadline
    from functions.common.registry.store import Device, Registry

    dynamodb = aws_clients.client("dynamodb")
    store = GrantStore(env["GRANTS_TABLE_NAME"], dynamodb)
    secrets = aws_clients.client("secretsmanager")
    lwa = LoginWithAmazon(lwa_url, credentials_reader(env["ALEXA_CLIENT_SECRET_ID"], secrets))
    users = [f"bench-user-{i}" for i in range(USERS)]
    for user in users:
        AccountGrants(store, lwa).accept(user, alexa.lwa.issue_code(user), Deadline(10))
    registry = Registry(env["REGISTRY_TABLE_NAME"], dynamodb)
    changes: list[dict[str, object]] = []
    for i in range(events):
        device_id, owner = f"cam-{i:05d}", users[i % USERS]
        registry.put_if_newer(
            Device(
                device_id=device_id,
                owner_id=owner,
                friendly_name=f"Camera {i}",
                last_event_time="2026-01-01T00:00:00.000000Z",
                last_event_id=uuid.uuid4().hex,
            )
        )
        change = EndpointChanged(device_id=device_id, owners=[owner], event_id=uuid.uuid4().hex)
        changes.append(change.model_dump(by_alias=True))
    return users, changes
