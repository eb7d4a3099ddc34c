"""Plug the signaling emulation into moto's URL tables."""

from __future__ import annotations

import threading

_lock = threading.Lock()


def install() -> None:
    """Route the eleven signaling operations to the emulation; safe to call more than once.

    moto reads ``url_paths`` on every request under mock_aws, so installing before or after
    ``mock_aws()`` starts works. A moto server builds its Flask routes on the first request per
    service, so call this before the first KVS request reaches a server.
    """
    from moto.kinesisvideo import urls as control_urls  # noqa: PLC0415
    from moto.kinesisvideoarchivedmedia import urls as media_urls  # noqa: PLC0415

    from .responses import CONTROL_PLANE, DATA_PLANE, make_handler  # noqa: PLC0415

    with _lock:
        control_paths = control_urls.url_paths
        media_paths = media_urls.url_paths
        for path, (operation, run) in CONTROL_PLANE.items():
            control_paths.setdefault("{0}" + path + "$", make_handler(operation, run, data_plane=False))
        # Both KVS clients sign as "kinesisvideo", so a moto server routes the data plane through
        # this service too; on the real control-plane host it answers UnknownOperationException.
        data_handlers = {
            "{0}" + path + "$": make_handler(operation, run, data_plane=True)
            for path, (operation, run) in DATA_PLANE.items()
        }
        for key, handler in data_handlers.items():
            control_paths.setdefault(key, handler)
        # Per-channel hosts (r-xxxxxxxx.kinesisvideo...) match archived media's catch-all, which is
        # matched in dict order: put the data plane first.
        if not all(key in media_paths for key in data_handlers):
            others = {k: v for k, v in media_paths.items() if k not in data_handlers}
            media_paths.clear()
            media_paths.update(data_handlers)
            media_paths.update(others)
