"""What the skill does for each directive, independent of Lambda and of the message format."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Executor
from typing import TYPE_CHECKING, TypeVar

from aws_lambda_powertools.metrics import MetricUnit

from functions.alexa_skill.errors import ErrorType, SkillError, from_kvs, from_registry
from functions.alexa_skill.offers import decode_answer, encode_offer, sender_client_id
from functions.alexa_skill.tokens import ExpiredToken, InvalidToken, TokenVerifier
from functions.common.deadline import Deadline, DeadlineExceeded
from functions.common.device_id import is_device_id
from functions.common.kvs.control_plane import ACTIVE
from functions.common.kvs.errors import translate
from functions.common.kvs.router import CellRouter
from functions.common.observability import logger, metrics
from functions.common.registry.store import MAX_ENDPOINTS_PER_DISCOVERY, Device, Registry

if TYPE_CHECKING:
    from functions.alexa_skill.account_grants import AccountGrants
    from functions.alexa_skill.vision import Vision, VisionParts

T = TypeVar("T")


class Skill:
    def __init__(
        self,
        *,
        verifier: TokenVerifier,
        registry: Registry,
        router: CellRouter,
        executor: Executor,
        grants: Callable[[], AccountGrants],
        vision: Callable[[], VisionParts] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._grants = grants
        self._vision = vision
        self._verifier = verifier
        self._registry = registry
        self._router = router
        self._executor = executor
        self._clock = clock

    def owner(self, token: str, deadline: Deadline) -> str:
        """The token's owner (`sub`). Raises SkillError for a bad or expired token. A key set fetch
        (cold container, rotated key) may use all the time left."""
        try:
            return self._verifier.owner(token, fetch_timeout=deadline.remaining())
        except ExpiredToken:
            raise SkillError(ErrorType.EXPIRED_AUTHORIZATION_CREDENTIAL) from None
        except InvalidToken:
            raise SkillError(ErrorType.INVALID_AUTHORIZATION_CREDENTIAL) from None

    def discover(self, token: str, deadline: Deadline) -> list[Device]:
        """The caller's cameras; none for a bad or expired token (Alexa expects a list)."""
        try:
            owner = self._within(deadline, lambda: self.owner(token, deadline), late=ErrorType.INTERNAL_ERROR)
        except SkillError as exc:
            if exc.type is ErrorType.INTERNAL_ERROR:
                raise
            logger.info("discovery with an unusable token", extra={"reason": exc.type})
            return []
        return self._within(deadline, lambda: self._cameras_of(owner), late=ErrorType.INTERNAL_ERROR)

    def _cameras_of(self, owner: str) -> list[Device]:
        try:
            return self._registry.list_by_owner(owner, limit=MAX_ENDPOINTS_PER_DISCOVERY)
        except Exception as exc:
            raise from_registry(exc) from exc

    def camera(self, token: str, endpoint_id: str, deadline: Deadline) -> Device:
        """The caller's camera; NO_SUCH_ENDPOINT whether it is unknown or someone else's. The token
        check (a JWKS fetch on a cold container) and the registry read count against the deadline."""
        return self._within(deadline, lambda: self._camera(token, endpoint_id, deadline))

    def _camera(self, token: str, endpoint_id: str, deadline: Deadline) -> Device:
        owner = self.owner(token, deadline)
        if not is_device_id(endpoint_id):
            # Alexa knows only the endpointIds Discovery listed, and those are all valid deviceIds.
            raise SkillError(ErrorType.NO_SUCH_ENDPOINT)
        try:
            device = self._registry.get(endpoint_id)
        except Exception as exc:
            raise from_registry(exc) from exc
        if device is None or not device.is_active or device.owner_id != owner:
            raise SkillError(ErrorType.NO_SUCH_ENDPOINT)
        return device

    def answer_offer(
        self, token: str, endpoint_id: str, session_id: str, sdp: str, deadline: Deadline
    ) -> str:
        """The camera's SDP answer to Alexa's offer, within the deadline."""
        payload = encode_offer(sdp)  # an offer too large for KVS is refused before any call
        device = self.camera(token, endpoint_id, deadline)
        channel_arn = _channel_of(device)
        started = time.monotonic()
        sender = sender_client_id(session_id)
        answer = self._within(
            deadline,
            lambda: decode_answer(
                self._router.signaling(channel_arn).send_alexa_offer(
                    channel_arn, sender, payload, device.viewer_endpoint
                )
            ),
        )
        latency_ms = (time.monotonic() - started) * 1000
        metrics.add_metric(name="OfferToAnswerLatency", unit=MetricUnit.Milliseconds, value=latency_ms)
        # Carried by the directive's one log line ("directive handled"): a second line would cost
        # more than the rest of the skill's own work on a warm offer.
        logger.append_keys(offer_bytes=len(sdp), answer_bytes=len(answer), latency_ms=round(latency_ms))
        return answer

    def is_reachable(self, token: str, endpoint_id: str, deadline: Deadline) -> tuple[bool, int]:
        """Connectivity: the camera is connected (its presence, kept by the presence function) and
        its channel ACTIVE; with the milliseconds since the camera last confirmed it."""
        device = self.camera(token, endpoint_id, deadline)
        confirmed = device.last_confirmed
        if not device.is_connected or device.channel_arn is None or confirmed is None:
            return False, 0
        since_ms = max(0, round((self._clock() - confirmed) * 1000))
        channel_arn = device.channel_arn
        control = self._router.control
        return self._within(deadline, lambda: control(channel_arn).status(channel_arn) == ACTIVE), since_ms

    def confirm_session(self, token: str, endpoint_id: str, deadline: Deadline) -> None:
        """Session events are only acknowledged for the caller's own camera."""
        self.camera(token, endpoint_id, deadline)

    def accept_grant(self, token: str, code: str, deadline: Deadline) -> None:
        """The grantee token must be ours; the grant code is exchanged at Login with Amazon for the
        tokens the events function sends with. Any failure stores nothing."""
        try:
            owner = self._within(deadline, lambda: self.owner(token, deadline))
            self._within(deadline, lambda: self._grants().accept(owner, code, deadline))
        except SkillError as exc:
            raise SkillError(ErrorType.ACCEPT_GRANT_FAILED) from exc

    def vision(self) -> Vision:
        """The SmartVision and DataController side (built on its first directive)."""
        from functions.alexa_skill.vision import Vision  # noqa: PLC0415 (needs Skill: a cycle)

        if self._vision is None:
            raise SkillError(ErrorType.INVALID_DIRECTIVE)
        return Vision(self, self._vision(), self._clock)

    def _within(
        self, deadline: Deadline, call: Callable[[], T], *, late: ErrorType = ErrorType.ENDPOINT_UNREACHABLE
    ) -> T:
        """`call()` within the deadline; SkillError(`late`) when it passes first."""
        try:
            return deadline.run(self._executor, call)
        except DeadlineExceeded:
            raise SkillError(late) from None
        except SkillError:
            raise
        except Exception as exc:
            failure = translate(exc)
            # The code only: a message could quote a request (a token, an SDP).
            logger.warning("call failed", extra={"error": failure.aws_code})
            raise from_kvs(failure) from exc


def _channel_of(device: Device) -> str:
    if device.channel_arn is None:
        # Registered, but its channel is not created yet.
        raise SkillError(ErrorType.ENDPOINT_UNREACHABLE)
    return device.channel_arn
