"""Credentials for the cells: the functions reach a cell in another account through its role.

Each cell's botocore session shares the process's data loader (botocore's endpoint data and
service models, read once). One STS AssumeRole per role ARN per container, renewed only shortly
before the credentials expire (botocore's refreshable credentials renew on the first use inside
the window), so a warm call into a cell costs no STS call. A cell in the control account uses
the function's own role.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any

import botocore.session
from botocore.config import Config
from botocore.credentials import Credentials, RefreshableCredentials

from functions.common.aws_clients import (
    also_clear,
    create_client,
    process_loader,
    process_session,
    sts_client,
)
from functions.common.cells.config import Cell

DEFAULT_DURATION_S = 3600
# botocore renews in the background this long before expiry, and blocks on renewal at the last.
ADVISORY_REFRESH_S, MANDATORY_REFRESH_S = 15 * 60, 10 * 60


def _now() -> datetime:
    return datetime.now(UTC)


class CellSession:
    """A botocore session in a cell's region: `client()` makes that cell's clients."""

    def __init__(self, core: botocore.session.Session, region_name: str) -> None:
        self._core = core
        self.region_name = region_name

    def client(self, service: str, *, endpoint_url: str | None = None, config: Config | None = None) -> Any:
        return create_client(
            self._core, service, region=self.region_name, endpoint_url=endpoint_url, config=config
        )

    def get_credentials(self) -> Credentials | None:
        credentials: Credentials | None = self._core.get_credentials()
        return credentials


class CellCredentials:
    """Sessions per cell, built on credentials cached per role ARN."""

    def __init__(
        self,
        *,
        sts: Any | None = None,
        clock: Callable[[], datetime] = _now,
        session_name: str = "camera-signaling",
        duration_seconds: int = DEFAULT_DURATION_S,
    ) -> None:
        self._sts = sts
        self._clock = clock
        self._session_name = session_name
        self._duration = duration_seconds
        self._lock = threading.Lock()
        self._credentials: dict[str, RefreshableCredentials] = {}
        self._sessions: dict[str, CellSession] = {}

    def session(self, cell: Cell) -> CellSession:
        """A session in the cell's account and region; the same one on every call."""
        with self._lock:
            session = self._sessions.get(cell.id)
            if session is None:
                session = self._new_session(cell)
                self._sessions[cell.id] = session
            return session

    def _new_session(self, cell: Cell) -> CellSession:
        if cell.role_arn is None:
            # The function's own credentials: the process's session, in the cell's region.
            return CellSession(process_session(), cell.region)
        core = botocore.session.Session()
        # The process's models and endpoint data, not a second copy read and parsed from disk.
        core.register_component("data_loader", process_loader())
        core._credentials = self._role_credentials(cell.role_arn)  # botocore has no public setter
        return CellSession(core, cell.region)

    def _role_credentials(self, role_arn: str) -> RefreshableCredentials:
        credentials = self._credentials.get(role_arn)
        if credentials is None:
            first = self._assume(role_arn)
            credentials = RefreshableCredentials(
                access_key=first["access_key"],
                secret_key=first["secret_key"],
                token=first["token"],
                expiry_time=datetime.fromisoformat(first["expiry_time"]),
                refresh_using=lambda: self._assume(role_arn),
                method="sts-assume-role",
                time_fetcher=self._clock,
                advisory_timeout=ADVISORY_REFRESH_S,
                mandatory_timeout=MANDATORY_REFRESH_S,
            )
            self._credentials[role_arn] = credentials
        return credentials

    def _assume(self, role_arn: str) -> dict[str, str]:
        if self._sts is None:
            self._sts = sts_client()
        response = self._sts.assume_role(
            RoleArn=role_arn, RoleSessionName=self._session_name, DurationSeconds=self._duration
        )
        issued = response["Credentials"]
        return {
            "access_key": issued["AccessKeyId"],
            "secret_key": issued["SecretAccessKey"],
            "token": issued["SessionToken"],
            "expiry_time": issued["Expiration"].astimezone(UTC).isoformat(),
        }


@cache
def shared_credentials() -> CellCredentials:
    """The container's one credentials cache: every client of a cell shares its role's credentials."""
    return CellCredentials()


also_clear(shared_credentials.cache_clear)
