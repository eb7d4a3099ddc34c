"""Headless Chromium driven over the DevTools protocol (aiohttp WebSocket, no extra dependency).

Used by the browser tests and by `python -m localcloud screenshot`: the page signs in, discovers,
plays the first camera, and reports the frames its video element decoded; or the camera page
makes the browser a camera. Chromium trusts the local CA explicitly: a throwaway profile with
``--ignore-certificate-errors-spki-list`` holding only the CA's key, so any chain not issued by
that CA is still refused, confined to loopback names (``localcloud.tls.chromium_flags``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import os
import shutil
import signal
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp

from localcloud.tls import chromium_flags

CHROMIUM_PATHS = ("chromium", "/usr/bin/chromium", "chromium-browser", "google-chrome")
FLAGS = [
    "--headless",
    "--no-sandbox",  # runs as root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
    # Raw host candidates instead of mDNS names, which aiortc would have to resolve.
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--window-size=1280,760",
    "--remote-debugging-port=0",
]
# Frames the page's video element has presented (the page counts requestVideoFrameCallback).
FRAMES_JS = "Number(document.getElementById('frames').textContent)"
DECODED_JS = "document.getElementById('video').getVideoPlaybackQuality().totalVideoFrames"


def find_chromium() -> str | None:
    for candidate in CHROMIUM_PATHS:
        path = shutil.which(candidate)
        if path:
            return path
    return None


class Chromium:
    """One headless browser with one page; `async with Chromium(path) as page: ...`."""

    def __init__(self, executable: str, ca_file: Path, fake_media: bool = False) -> None:
        self._executable = executable
        self._flags = [*FLAGS, *chromium_flags(ca_file)]
        if fake_media:
            # A synthetic camera and microphone, and no permission prompt for them.
            self._flags += ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
        # Chromium's helper processes may still flush into the profile as it is removed.
        self._profile = tempfile.TemporaryDirectory(prefix="localcloud-chromium-", ignore_cleanup_errors=True)
        self._process: asyncio.subprocess.Process | None = None
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._ids = itertools.count(1)

    async def __aenter__(self) -> Chromium:
        self._process = await asyncio.create_subprocess_exec(
            self._executable,
            *self._flags,
            f"--user-data-dir={self._profile.name}",
            "about:blank",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            # Its own process group, so closing it ends its helper processes too.
            start_new_session=True,
        )
        port = await self._devtools_port()
        self._session = aiohttp.ClientSession()
        async with self._session.get(f"http://127.0.0.1:{port}/json/list") as response:
            targets = await response.json()
        page = next(t for t in targets if t["type"] == "page")
        self._ws = await self._session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0)
        return self

    async def _devtools_port(self, timeout_s: float = 20.0) -> int:
        # Chromium writes the port it picked into the profile directory.
        marker = Path(self._profile.name) / "DevToolsActivePort"
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if marker.exists() and marker.read_text().strip():
                return int(marker.read_text().splitlines()[0])
            await asyncio.sleep(0.1)
        raise TimeoutError("Chromium did not open its DevTools port")

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._session is not None:
            await self._session.close()
        if self._process is not None and self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGTERM)
            await self._process.wait()
        self._profile.cleanup()

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        """One DevTools command and its result (events in between are skipped)."""
        assert self._ws is not None
        command_id = next(self._ids)
        await self._ws.send_json({"id": command_id, "method": method, "params": params})
        while True:
            message = await self._ws.receive_json()
            if message.get("id") == command_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message["result"]
                return result

    async def navigate(self, url: str) -> None:
        await self.send("Page.navigate", url=url)

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def wait_for_frames(self, minimum: int, timeout_s: float) -> int:
        """Poll the page until its video has presented `minimum` frames (or the timeout)."""
        deadline = time.monotonic() + timeout_s
        frames = 0
        while time.monotonic() < deadline:
            frames = int(await self.evaluate(FRAMES_JS) or 0)
            if frames >= minimum:
                break
            await asyncio.sleep(0.25)
        return frames

    async def wait_for(self, expression: str, expected: Any, timeout_s: float) -> Any:
        """Poll `expression` until it equals `expected`; its last value (TimeoutError if never)."""
        deadline = time.monotonic() + timeout_s
        while True:
            value = await self.evaluate(expression)
            if value == expected:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"{expression} is {value!r}, not {expected!r}")
            await asyncio.sleep(0.25)

    async def screenshot(self, path: Path) -> None:
        result = await self.send("Page.captureScreenshot", format="png")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(result["data"]))


def chromium_path() -> str:
    executable = find_chromium()
    if executable is None:
        raise FileNotFoundError("Chromium is not installed (make chromium)")
    return executable


async def play_in_browser(
    page_url: str,
    ca_file: Path,
    user: str,
    *,
    minimum_frames: int = 30,
    timeout_s: float = 30.0,
    screenshot: Path | None = None,
) -> tuple[int, int]:
    """Open the page as `user`, play the first camera: (frames presented, frames decoded)."""
    async with Chromium(chromium_path(), ca_file) as browser:
        await browser.navigate(f"{page_url}/?user={user}&play=first")
        presented = await browser.wait_for_frames(minimum_frames, timeout_s)
        decoded = int(await browser.evaluate(DECODED_JS) or 0)
        if screenshot is not None:
            await browser.screenshot(screenshot)
    return presented, decoded


@contextlib.asynccontextmanager
async def browser_camera(
    page_url: str, ca_file: Path, owner: str, device_id: str, timeout_s: float = 30.0
) -> AsyncIterator[Chromium]:
    """Chromium (fake webcam) runs the camera page until it is connected as MASTER; yields it."""
    async with Chromium(chromium_path(), ca_file, fake_media=True) as browser:
        await browser.navigate(f"{page_url}/camera?owner={owner}&device={device_id}&start=1")
        try:
            await browser.wait_for("window.camera && window.camera.status", "connected", timeout_s)
        except TimeoutError as exc:
            steps = await browser.evaluate(
                "[...document.querySelectorAll('#log li')].map(li => li.textContent)"
            )
            raise TimeoutError(f"the camera page did not connect: {exc}; its steps: {steps}") from None
        yield browser
