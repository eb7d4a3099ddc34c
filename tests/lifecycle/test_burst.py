"""A fleet registering at once converges through the real queue with the KVS quotas on.

The production pollers (event source mapping concurrency and batch size, function timeout) drain
a burst on the local cloud's SQS queue; the quotas are scaled down so that this small burst still
outruns them several times over, as thousands of events would at AWS's own quotas.
"""

from __future__ import annotations

from bench import burst

EVENTS = 60
# 5 creates/s: the 60 events need 12 s at least, and the pollers ask for more than that.
QUOTA_SCALE = 0.1
# Failed records come back after this, not the production 6 minutes, so the test stays short.
VISIBILITY_TIMEOUT_S = 5


def test_a_registration_burst_converges_with_no_dead_letters() -> None:
    outcome = burst.run(
        EVENTS, quota_scale=QUOTA_SCALE, visibility_timeout_s=VISIBILITY_TIMEOUT_S, give_up_s=300
    )
    assert outcome.throttles > 0, "the burst should have gone over the quota"
    assert outcome.dead_letters == 0
    assert outcome.channels == outcome.registry_entries == EVENTS
