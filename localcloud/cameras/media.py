"""The simulated camera's test signal: a moving pattern with a clock, and a tone; and its stills.

Drawn straight into YUV planes with byte slices (no numpy in the dependency set); 320x240 keeps
VP8 encoding cheap enough for several cameras on a two-core laptop. A still (a snapshot, a
detection's frame) is the frame the video shows at that instant, scaled up to Alexa's minimum of
360 px on the shorter side and encoded as JPEG with FFmpeg's mjpeg encoder.
"""

from __future__ import annotations

import asyncio
import math
import time
from array import array
from fractions import Fraction

import av
from aiortc.mediastreams import AUDIO_PTIME, AudioStreamTrack, VideoStreamTrack

WIDTH, HEIGHT = 320, 240
# Alexa's image guideline: at least 360 px on the shorter side.
STILL_WIDTH, STILL_HEIGHT = 480, 360
SAMPLE_RATE = 48_000
TONE_HZ = 440

# Seven-segment digits: segments a..g as (x, y, w, h) in a 3x5 cell grid, scaled when drawn.
_SEGMENTS = {
    "a": (0, 0, 3, 1),
    "b": (2, 0, 1, 3),
    "c": (2, 2, 1, 3),
    "d": (0, 4, 3, 1),
    "e": (0, 2, 1, 3),
    "f": (0, 0, 1, 3),
    "g": (0, 2, 3, 1),
}
_DIGITS = {
    "0": "abcdef",
    "1": "bc",
    "2": "abged",
    "3": "abgcd",
    "4": "fgbc",
    "5": "afgcd",
    "6": "afgedc",
    "7": "abc",
    "8": "abcdefg",
    "9": "abcdfg",
    ":": "",
}


def _fill(plane: bytearray, rect: tuple[int, int, int, int], value: int) -> None:
    """Paint rect (x, y, w, h) of a WIDTH-wide luma plane."""
    x, y, w, h = rect
    row = bytes([value]) * w
    for yy in range(y, y + h):
        start = yy * WIDTH + x
        plane[start : start + w] = row


def _draw_text(plane: bytearray, text: str, x: int, y: int, scale: int) -> None:
    for char in text:
        if char == ":":
            _fill(plane, (x + scale, y + scale, scale, scale), 235)
            _fill(plane, (x + scale, y + 3 * scale, scale, scale), 235)
            x += 3 * scale
            continue
        for segment in _DIGITS.get(char, ""):
            sx, sy, sw, sh = _SEGMENTS[segment]
            _fill(plane, (x + sx * scale, y + sy * scale, sw * scale, sh * scale), 235)
        x += 4 * scale


def draw_frame(t: float, label: str = "") -> av.VideoFrame:
    """One yuv420p frame at time t: scrolling stripes, a bouncing block and an HH:MM:SS clock."""
    shift = int(t * 80) % WIDTH
    stripes = bytes((((x + shift) // 20) % 2) * 60 + 40 for x in range(WIDTH))
    luma = bytearray(stripes * HEIGHT)
    # A block bouncing left to right, so motion is visible even in a still screenshot sequence.
    span = WIDTH - 60
    bx = int(abs((t * 120) % (2 * span) - span))
    _fill(luma, (bx, 150, 60, 60), 200)
    _draw_text(luma, time.strftime("%H:%M:%S", time.localtime(t)), 20, 20, 6)
    _draw_text(luma, label[-6:], 20, 100, 3)
    frame = av.VideoFrame(WIDTH, HEIGHT, "yuv420p")
    frame.planes[0].update(bytes(luma))
    hue = int(128 + 60 * math.sin(t))
    chroma = (WIDTH // 2) * (HEIGHT // 2)
    frame.planes[1].update(bytes([hue]) * chroma)
    frame.planes[2].update(bytes([256 - hue]) * chroma)
    return frame


def jpeg_still(t: float, label: str = "") -> bytes:
    """The frame at time t as a STILL_WIDTH x STILL_HEIGHT JPEG."""
    frame = draw_frame(t, label).reformat(width=STILL_WIDTH, height=STILL_HEIGHT, format="yuvj420p")
    encoder = av.CodecContext.create("mjpeg", "w")
    encoder.width, encoder.height = STILL_WIDTH, STILL_HEIGHT
    encoder.pix_fmt = "yuvj420p"
    encoder.time_base = Fraction(1, 30)
    packets = [*encoder.encode(frame), *encoder.encode(None)]
    return b"".join(bytes(p) for p in packets)


class TestPatternTrack(VideoStreamTrack):
    """Video of `draw_frame`, paced by aiortc's 30 fps clock."""

    def __init__(self, label: str = "") -> None:
        super().__init__()
        self._label = label

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = draw_frame(time.time(), self._label)
        frame.pts = pts
        frame.time_base = time_base
        return frame


class ToneTrack(AudioStreamTrack):
    """A continuous 440 Hz sine, 20 ms per frame."""

    _SAMPLES = int(SAMPLE_RATE * AUDIO_PTIME)
    # One second of tone: 440 whole periods, so slicing it cyclically never clicks.
    _TABLE = array(
        "h", (int(8000 * math.sin(2 * math.pi * TONE_HZ * n / SAMPLE_RATE)) for n in range(SAMPLE_RATE))
    )

    def __init__(self) -> None:
        super().__init__()
        self._started_at: float | None = None
        self._sent = 0

    async def recv(self) -> av.AudioFrame:
        # Pace like aiortc's own AudioStreamTrack, which is silent.
        if self._started_at is None:
            self._started_at = time.time()
        else:
            wait = self._started_at + (self._sent / SAMPLE_RATE) - time.time()
            if wait > 0:
                await asyncio.sleep(wait)
        offset = self._sent % SAMPLE_RATE
        samples = self._TABLE[offset : offset + self._SAMPLES]
        frame = av.AudioFrame(format="s16", layout="mono", samples=self._SAMPLES)
        frame.planes[0].update(samples.tobytes())
        frame.pts = self._sent
        frame.sample_rate = SAMPLE_RATE
        frame.time_base = Fraction(1, SAMPLE_RATE)
        self._sent += self._SAMPLES
        return frame
