"""Run in a fresh interpreter by the cold-start benchmark: `python -m bench.child SPEC RESULT`.

SPEC is a JSON file: {"module": "...", "attr": "handler", "event": {...} | null}, or
{"module": null, "event": {...}} for the floor (import boto3, create a DynamoDB and a signaling
client, GetItem and SendAlexaOfferToMaster as the event says); with "warm": N, the invocation (or
the floor's two calls) is repeated N more times after the first, for counting warm ones. RESULT
receives the timings, the process's CPU time, the resident memory and the first invocation's
response. Nothing is imported before the clock starts except json and the interpreter's own
modules (no pathlib, no typing).
"""

from __future__ import annotations

import importlib
import json
import sys
import time


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _floor(call: dict[str, str], warm: int) -> str:
    import boto3

    dynamodb = boto3.client("dynamodb")
    signaling = boto3.client("kinesis-video-signaling", endpoint_url=call["endpoint"])
    answer = ""
    for _ in range(1 + warm):
        dynamodb.get_item(TableName=call["table"], Key={"deviceId": {"S": call["device_id"]}})
        answer = signaling.send_alexa_offer_to_master(
            ChannelARN=call["channel_arn"], SenderClientId="bench-floor", MessagePayload=call["payload"]
        )["Answer"]
    return str(answer)


def main(spec_path: str, result_path: str) -> None:
    # Neither Lambda's runtime nor any asset carries pyOpenSSL (this venv has it for the local
    # cloud): present, botocore imports it, and cryptography's x509 with it, in every target, the
    # floor included, which would hide what the skill's RS256 library costs.
    sys.modules["OpenSSL"] = None  # type: ignore[assignment]  # None: `import OpenSSL` fails
    with open(spec_path) as spec_file:
        spec = json.load(spec_file)
    result: dict[str, object] = {}
    started = time.perf_counter()
    warm = int(spec.get("warm", 0))
    if spec["module"] is None:
        result["response"] = _floor(spec["event"], warm)
        result["init_s"], result["first_invoke_s"] = time.perf_counter() - started, 0.0
    else:
        module = importlib.import_module(spec["module"])
        result["init_s"] = time.perf_counter() - started
        result["rss_after_init_kib"] = _rss_kib()
        if spec.get("event") is not None:
            handler = getattr(module, spec["attr"])
            # Loaded after the clock: a dataclass and nothing else (no web server, no aiohttp).
            from localcloud.aws.lambda_context import LambdaContext

            context = LambdaContext(spec["module"].rsplit(".", 2)[-2])
            invoked = time.perf_counter()
            result["response"] = handler(spec["event"], context)
            result["first_invoke_s"] = time.perf_counter() - invoked
            for _ in range(warm):
                result["response"] = handler(spec["event"], context)
    result["rss_kib"] = _rss_kib()
    # CPU of the whole process (interpreter start included, every thread): unlike wall time, the
    # other agents on this shared machine barely move it.
    result["cpu_s"] = time.process_time()
    with open(result_path, "w") as result_file:
        json.dump(result, result_file, default=str)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
