"""The responses as the local cloud serves them: faults, quotas and call accounting around the
moto-shaped core (none of which moto would take upstream)."""

from __future__ import annotations

import json
import time
from typing import Any

from moto.core.common_types import TYPE_RESPONSE
from moto.core.exceptions import JsonRESTError, ServiceException
from moto.core.responses import ActionResult, BaseResponse

from . import faults
from .accounting import CallRecord, record
from .exceptions import AccountChannelLimitExceededException, KvsError, UnknownOperationException
from .responses import (
    KinesisVideoSignalingChannelResponse,
    KinesisVideoSignalingResponse,
    SignalingResponseBase,
)


def _injected_error(injection: faults.Injection) -> Exception:
    code = injection.error or ""
    if injection.status is not None:
        error = JsonRESTError(code, injection.message)
        error.code = injection.status
        return error
    if code == UnknownOperationException().error_type:
        return UnknownOperationException(injection.message)
    # Serialized with the service model, which gives the code its status.
    return KvsError(code, injection.message)


def _outcome(status: int, headers: dict[str, Any], body: Any) -> str:
    if status < 300:
        return "ok"
    for key, value in headers.items():
        if key.lower() == "x-amzn-errortype":
            return str(value).split(":", 1)[0]
    try:
        return str(json.loads(body)["__type"])
    except (ValueError, KeyError, TypeError):
        return f"HTTP {status}"


class _Instrumented(SignalingResponseBase):
    def _channel_arn(self) -> str | None:
        try:
            body = json.loads(self.body) if self.body else {}
        except ValueError:
            return None
        value = body.get("ChannelARN", body.get("ResourceARN")) if isinstance(body, dict) else None
        return value if isinstance(value, str) else None

    def _error_response(self, error: Exception) -> TYPE_RESPONSE:
        """The response moto's call_action gives an error raised by an operation."""
        if isinstance(error, ServiceException):
            return self.serialized(ActionResult(error))
        assert isinstance(error, JsonRESTError)
        headers = dict(self.response_headers)
        headers.update(dict(error.get_headers()))
        return error.code, headers, error.get_body()

    def _admit(self, operation: str, channel_arn: str | None) -> None:
        injection = faults.state().take_injection(operation, self.current_account)
        if injection is not None:
            if injection.latency_s:
                time.sleep(injection.latency_s)
            if injection.error:
                raise _injected_error(injection)
        faults.state().admit(self.current_account, self.region, operation, channel_arn)

    def call_action(self) -> TYPE_RESPONSE:
        operation = self._get_action()
        channel_arn = self._channel_arn()
        try:
            self._admit(operation, channel_arn)
            response = self._run_within_channel_limit(operation)
        except (ServiceException, JsonRESTError) as error:
            response = self._error_response(error)
        status, headers, body = response
        outcome = _outcome(int(status), dict(headers), body)
        if channel_arn is None and outcome == "ok":
            channel_arn = _result_channel_arn(body)
        record(CallRecord(operation, channel_arn, outcome, time.time(), self.current_account, self.region))
        return response

    def _run_within_channel_limit(self, operation: str) -> TYPE_RESPONSE:
        limit = faults.state().channel_limit
        if operation != "CreateSignalingChannel" or limit is None:
            return super().call_action()
        backend = self.backend
        # The core enforces AWS's quota; a lower one set for a test is checked under the same
        # lock, so concurrent creates cannot pass it together.
        with backend.lock:
            if backend.channel_count() >= limit:
                raise AccountChannelLimitExceededException(
                    f"The account already has {limit} signaling channels in {self.region}."
                )
            return super().call_action()


def _result_channel_arn(body: Any) -> str | None:
    try:
        result = json.loads(body)
    except (ValueError, TypeError):
        return None
    arn = result.get("ChannelARN") or result.get("ChannelInfo", {}).get("ChannelARN")
    return arn if isinstance(arn, str) else None


class InstrumentedChannelResponse(_Instrumented, KinesisVideoSignalingChannelResponse):
    pass


class InstrumentedSignalingResponse(_Instrumented, KinesisVideoSignalingResponse):
    pass


# The instrumented class that serves each core response class's URLs.
INSTRUMENTED: dict[type[BaseResponse], type[BaseResponse]] = {
    KinesisVideoSignalingChannelResponse: InstrumentedChannelResponse,
    KinesisVideoSignalingResponse: InstrumentedSignalingResponse,
}
