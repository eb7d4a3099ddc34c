"""Plug the signaling emulation into moto's URL tables.

moto has no registration path for a service outside its package: a request is routed by
``moto.backend_index`` to a service, and that service's ``urls.url_paths`` dict names the
handlers. So the emulation's url_paths (urls.py) are added to kinesisvideo's, as an upstream PR
would add them to moto/kinesisvideo/urls.py, served by the instrumented responses.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

_lock = threading.Lock()


def install() -> None:
    """Route the eleven signaling operations to the emulation; safe to call more than once.

    moto reads ``url_paths`` on every request under mock_aws, so installing before or after
    ``mock_aws()`` starts works. A moto server builds its Flask routes on the first request per
    service, so call this before the first KVS request reaches a server.
    """
    from moto.kinesisvideo import urls as control_urls  # noqa: PLC0415
    from moto.kinesisvideoarchivedmedia import urls as media_urls  # noqa: PLC0415

    from . import urls  # noqa: PLC0415
    from .instrumented import INSTRUMENTED  # noqa: PLC0415

    def served(paths: Mapping[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
        return {path: INSTRUMENTED[handler.__self__].dispatch for path, handler in paths.items()}  # type: ignore[attr-defined]

    _load_service_models()
    data_plane = served(urls.data_plane_url_paths)
    with _lock:
        control_paths = control_urls.url_paths
        # Both KVS clients sign as "kinesisvideo", so a moto server routes the data plane to this
        # service too; on the control-plane host it answers UnknownOperationException.
        for path, handler in {**served(urls.url_paths), **data_plane}.items():
            control_paths.setdefault(path, handler)
        # Under mock_aws, a channel's own host (r-xxxxxxxx.kinesisvideo...) matches archived
        # media's url_bases, whose catch-all "{0}/.*$" is tried in dict order: the two data-plane
        # paths go in front of it, the one entry there is kept behind them.
        media_paths = media_urls.url_paths
        if list(media_paths)[: len(data_plane)] != list(data_plane):
            kept = {k: v for k, v in media_paths.items() if k not in data_plane}
            media_paths.clear()
            media_paths.update(data_plane)
            media_paths.update(kept)


def _load_service_models() -> None:
    """Load the botocore models moto's dispatch and serializer read (cached once per process),
    so their second of loading is not charged to the first call, under a caller's deadline."""
    from moto.core.routing import get_service_router  # noqa: PLC0415
    from moto.core.utils import get_service_model  # noqa: PLC0415

    for service in ("kinesisvideo", "kinesis-video-signaling"):
        get_service_model(service)
        get_service_router(service)
