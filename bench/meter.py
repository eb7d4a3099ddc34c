"""Count AWS calls and the CPU spent inside the emulation, for code running under mock_aws.

moto answers a mocked request from botocore's `before-send` event. The meter takes the place of
moto's handler on that event, calls moto's stubber itself and returns its response, so it sees
every request a client of the functions' botocore session (functions.common.aws_clients) or of
boto3's default session (the naive baseline's) sends (retries included) and the thread CPU time
spent answering it: that time is the emulation's (moto, the KVS emulation, an in-process master),
not the caller's. Clients copy the session's handlers when they are created, so install the meter
before the code under test creates its clients.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any


class CallMeter:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.emulation_cpu_s = 0.0
        self._lock = threading.Lock()

    def __call__(self, event_name: str, request: Any, **kwargs: Any) -> Any:
        from moto.core.models import botocore_stubber

        started = time.thread_time()
        response = botocore_stubber(event_name=event_name, request=request, **kwargs)
        spent = time.thread_time() - started
        if response is not None:
            # event_name is "before-send.<service-id>.<Operation>".
            operation = event_name.split(".", 1)[1]
            with self._lock:
                self.calls[operation] += 1
                self.emulation_cpu_s += spent
        return response

    def snapshot(self) -> tuple[Counter[str], float]:
        with self._lock:
            return Counter(self.calls), self.emulation_cpu_s

    def install(self) -> None:
        """Hook into the functions' current botocore session (`aws_clients.clear_cache()` drops it)
        and boto3's default one (mock_aws replaces it on start)."""
        import boto3
        from moto.core.models import botocore_stubber

        from functions.common import aws_clients

        if boto3.DEFAULT_SESSION is None:
            boto3.setup_default_session()
        assert boto3.DEFAULT_SESSION is not None
        functions_events = aws_clients.process_session().get_component("event_emitter")
        for events in (functions_events, boto3.DEFAULT_SESSION.events):
            # botocore emits before-send to every handler (it does not stop at the first response),
            # so moto's own registration must go, or each request would be answered twice.
            events.unregister("before-send", botocore_stubber)
            events.register_first("before-send", self, unique_id="bench-call-meter")


def delta(before: Counter[str], after: Counter[str]) -> Counter[str]:
    return Counter({k: after[k] - before[k] for k in after if after[k] != before[k]})
