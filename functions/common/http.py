"""A small JSON/form POST (and a GET) over urllib3 (botocore's own HTTP library, so in every Lambda runtime),
bounded by the caller's deadline and never redirected.

Answers with any HTTP status come back as (status, body), a 3xx included: a redirect is never
followed, so a bearer token, a refresh token or the client secret reaches the configured host only.
A transport failure (refused, reset, timed out, cut at the deadline) raises `TransportError`,
whose message never quotes the request; a call with too little time left for it is not started
(`DeadlineExceeded`). urllib3's timeouts bound each socket operation, not the whole answer, so the
body is read a piece at a time, each read with the time left as its socket timeout: a drip-fed
answer ends at the deadline.
"""

from __future__ import annotations

from dataclasses import dataclass

import urllib3

from functions.common.deadline import Deadline

# Bodies larger than this are not ours to read (an error page, a misrouted proxy).
MAX_BODY = 64 * 1024
# A call is not started with less time than this left: a healthy LWA or gateway answers in less.
MIN_CALL_SECONDS = 0.5

# One pool per container: the events function keeps its connection to the gateway between records.
_POOL = urllib3.PoolManager(num_pools=4, maxsize=4, retries=False)


class TransportError(OSError):
    """No HTTP answer: connection refused or reset, DNS failure, or the time ran out."""


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    body: bytes


def post(
    url: str, body: bytes, headers: dict[str, str], deadline: Deadline, *, limit: float | None = None
) -> HttpAnswer:
    """The answer by `deadline`, or within `limit` seconds if that comes first."""
    return _request("POST", url, body=body, headers=headers, deadline=deadline, limit=limit)


def get(url: str, headers: dict[str, str], deadline: Deadline, *, limit: float | None = None) -> HttpAnswer:
    """The answer by `deadline`, or within `limit` seconds if that comes first (a key set, a
    document: the same pool, bounds and refusal to follow a redirect as `post`)."""
    return _request("GET", url, body=None, headers=headers, deadline=deadline, limit=limit)


def _request(
    method: str,
    url: str,
    *,
    body: bytes | None,
    headers: dict[str, str],
    deadline: Deadline,
    limit: float | None,
) -> HttpAnswer:
    if not url.startswith(("https://", "http://")):
        raise ValueError("only http(s) URLs")
    deadline.require(MIN_CALL_SECONDS)
    if limit is not None:
        deadline = deadline.within(limit)
    left = deadline.remaining()
    try:
        response = _POOL.request(
            method,
            url,
            body=body,
            headers=headers,
            timeout=urllib3.Timeout(connect=left, read=left),
            retries=False,
            redirect=False,
            preload_content=False,
        )
        return HttpAnswer(response.status, _read(response, deadline))
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        # The class name only: a urllib3 error's text can carry the URL.
        raise TransportError(type(exc).__name__) from None


def _read(response: urllib3.BaseHTTPResponse, deadline: Deadline) -> bytes:
    """The body (its first MAX_BODY bytes), read by the deadline; the connection goes back to the
    pool only when the answer was read to its end."""
    parts: list[bytes] = []
    size = 0
    complete = False
    try:
        while size < MAX_BODY:
            left = deadline.remaining()
            if left <= 0:
                raise TimeoutError
            connection = response.connection
            if connection is not None and connection.sock is not None:  # type: ignore[attr-defined]
                connection.sock.settimeout(left)  # type: ignore[attr-defined]
            part = response.read1(MAX_BODY - size)
            if not part:
                complete = True
                break
            parts.append(part)
            size += len(part)
    finally:
        if not complete:
            response.close()
        response.release_conn()
    return b"".join(parts)
