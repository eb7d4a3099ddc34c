"""Send what the functions print (Powertools logs and EMF metrics) to /dev/null.

The output is still formatted and written, as on Lambda, so its CPU cost stays in the figures;
only the benchmark's own stdout is kept for the table.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# Open for the life of the process: a handler created inside discard_output() keeps it.
_DEVNULL = open(os.devnull, "w")  # noqa: SIM115


def _stdout_handlers() -> list[logging.StreamHandler[Any]]:
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    return [
        handler
        for candidate in loggers
        for handler in getattr(candidate, "handlers", [])
        if isinstance(handler, logging.StreamHandler) and handler.stream in (sys.stdout, sys.__stdout__)
    ]


@contextmanager
def discard_output() -> Iterator[None]:
    """Logs of the handlers that exist so far, and anything printed, go to /dev/null."""
    with contextlib.redirect_stdout(_DEVNULL):
        handlers = _stdout_handlers()
        previous = [handler.setStream(_DEVNULL) for handler in handlers]
        try:
            yield
        finally:
            for handler, stream in zip(handlers, previous, strict=True):
                handler.setStream(stream)
