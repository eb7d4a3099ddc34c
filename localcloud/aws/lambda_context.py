"""Lambda's context object for runs outside Lambda: the local cloud, the tests and the benchmarks.

Only the attributes Powertools and the handlers read; the time left counts down for real from
`timeout_s`. Kept free of the local cloud's web server, so that importing it loads nothing else.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

ACCOUNT_ID = "123456789012"  # moto's default account
REGION = "us-east-1"


@dataclass
class LambdaContext:
    function_name: str = "local-function"
    timeout_s: float = 60.0
    memory_limit_in_mb: int = 256
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "local"
    log_stream_name: str = "local"
    account_id: str = ACCOUNT_ID  # the account in its invoked ARN, which functions take for their own
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{self.account_id}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
