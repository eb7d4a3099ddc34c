"""A small JSON/form POST over urllib (no extra runtime dependency), with a timeout.

Answers with any HTTP status come back as (status, body); only a transport failure (refused,
reset, timed out) raises `TransportError`, whose message never quotes the request.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass

# Bodies larger than this are not ours to read (an error page, a misrouted proxy).
MAX_BODY = 64 * 1024


class TransportError(OSError):
    """No HTTP answer: connection refused or reset, DNS failure, or the timeout passed."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    if not url.startswith(("https://", "http://")):
        raise ValueError("only http(s) URLs")  # urllib would also open file: and ftp:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return Answer(response.status, response.read(MAX_BODY))
    except urllib.error.HTTPError as exc:
        with exc:
            return Answer(exc.code, exc.read(MAX_BODY))
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        # The class name only: a URLError's reason can carry the URL.
        raise TransportError(type(exc).__name__) from None
