"""`python -m localcloud up | demo | token <user> | rotate | trust | screenshot <png>`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from localcloud.cloud import CloudState

DEFAULT_STATE_DIR = Path(".localcloud")


def _quiet_functions(level: str) -> None:
    # Read by Powertools when the modules first import it, so set before importing them.
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", level)
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")


@contextlib.contextmanager
def _function_output(state_dir: Path, name: str) -> Iterator[Path]:
    """Send the functions' stdout (what Lambda sends to CloudWatch Logs: JSON logs and EMF
    metrics) to a file, so the terminal stays readable. Import the local cloud inside this block:
    it imports the functions, whose logger binds to the stdout of that moment."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / name
    # Line-buffered, so `tail -f` follows the functions while the cloud runs.
    with path.open("w", buffering=1) as log, contextlib.redirect_stdout(log):
        yield path


async def _up(args: argparse.Namespace) -> int:
    terminal = sys.stdout
    with _function_output(args.state_dir, "functions.log") as function_log:
        from localcloud.aws.client import CloudClient, cloud_session  # noqa: PLC0415
        from localcloud.cameras.camera import SimulatedCamera  # noqa: PLC0415
        from localcloud.cloud import LocalCloud  # noqa: PLC0415

        cloud = LocalCloud(args.state_dir, port=args.port, cell_capacity=args.cell_capacity)
        await cloud.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with cloud_session(cloud.ca.ca_file) as session:
            client = CloudClient(cloud.url, session, cloud.region)
            # The first camera is a video doorbell: the page shows a ring button for it.
            cameras = [
                SimulatedCamera(
                    client,
                    f"{args.user}-cam-{n}",
                    args.user,
                    "Front door" if n == 1 else f"Camera {n}",
                    doorbell=n == 1,
                )
                for n in range(1, args.cameras + 1)
            ]
            for camera in cameras:
                await camera.bring_up()
                camera.watch(args.snapshot_every, args.detect_every)
            print(
                f"Local cloud up: open {cloud.url}/ (sign in as {args.user!r})\n"
                f"  camera page  {cloud.url}/camera  (this browser as a camera, KVS WebRTC SDK)\n"
                f"  moto server  {cloud.moto_url}  (AWS_ENDPOINT_URL for boto3 / the AWS CLI)\n"
                f"  local CA     {cloud.ca.ca_file}  (AWS_CA_BUNDLE; `python -m localcloud trust`)\n"
                f"  cameras      {', '.join(c.device_id for c in cameras) or 'none'} (a snapshot every "
                f"{args.snapshot_every:.0f} s, a person every {args.detect_every:.0f} s)\n"
                f"  cells        {', '.join(f'{c.id} (account {c.account})' for c in cloud.cells)}: "
                f"{cloud.cells[0].capacity} channels each (GET /cells)\n"
                f"  functions    {function_log} (their logs and metrics, as CloudWatch would get them)\n"
                f"  state        {args.state_dir}/state.json   Ctrl-C stops",
                file=terminal,
                flush=True,
            )
            await stop.wait()
            for camera in cameras:
                await camera.close()
        await cloud.stop()
    return 0


async def _demo(args: argparse.Namespace) -> int:
    terminal = sys.stdout
    with _function_output(args.state_dir, "demo-functions.log") as function_log:
        from localcloud.aws.client import CloudClient, cloud_session  # noqa: PLC0415
        from localcloud.aws.invoke import HANDLERS  # noqa: PLC0415
        from localcloud.cloud import LocalCloud  # noqa: PLC0415
        from localcloud.demo import Transcript, run_demo  # noqa: PLC0415

        print(
            f"Local cloud demo: moto + KVS signaling emulation, the {len(HANDLERS)} functions, aiortc peers",
            file=terminal,
            flush=True,
        )
        transcript = Transcript(out=terminal)
        cloud = LocalCloud(args.state_dir, cell_capacity=args.cell_capacity)

        async def start() -> str:
            await cloud.start()
            return (
                f"web and WSS signaling on {cloud.url}, moto server on {cloud.moto_url}\n"
                f"TLS from the local CA {cloud.ca.ca_file}"
            )

        ok = False
        try:
            if await transcript.step("Start the local cloud", start):
                async with cloud_session(cloud.ca.ca_file) as session:
                    client = CloudClient(cloud.url, session, cloud.region)
                    ok = await run_demo(client, transcript, cloud.state(), suffix=args.suffix)
        finally:
            await cloud.stop()
    print(f"function output: {function_log}")
    passed = sum(s.ok for s in transcript.steps)
    print(
        f"{passed}/{len(transcript.steps)} steps passed in {sum(s.seconds for s in transcript.steps):.1f} s"
    )
    return 0 if ok and transcript.ok else 1


def _token(args: argparse.Namespace) -> int:
    from localcloud.aws.identity import LocalIssuer  # noqa: PLC0415

    print(LocalIssuer(args.state_dir / "identity").mint(args.user, expires_in=args.expires_in))
    return 0


def _trust(args: argparse.Namespace) -> int:
    from localcloud.tls import LocalCA  # noqa: PLC0415

    ca = LocalCA(args.state_dir / "tls")
    ca.ensure_ca()
    print(ca.trust_instructions())
    return 0


def _running_cloud(state_dir: Path) -> CloudState | None:
    """The running local cloud's state, or None (said on stderr) when none is running."""
    from localcloud.cloud import read_state  # noqa: PLC0415

    try:
        return read_state(state_dir)
    except FileNotFoundError:
        print("no local cloud is running (start it with `python -m localcloud up`)", file=sys.stderr)
        return None


async def _rotate(args: argparse.Namespace) -> int:
    from localcloud.aws.client import CloudClient, cloud_session  # noqa: PLC0415

    state = _running_cloud(args.state_dir)
    if state is None:
        return 2
    async with cloud_session(state.ca_file) as session:
        print(json.dumps(await CloudClient(state.url, session, state.region).rotate(), indent=2))
    return 0


async def _screenshot(args: argparse.Namespace) -> int:
    from localcloud.browser import play_in_browser  # noqa: PLC0415

    state = _running_cloud(args.state_dir)
    if state is None:
        return 2
    presented, decoded = await play_in_browser(state.url, state.ca_file, args.user, screenshot=args.output)
    print(f"{args.output}: the page played {presented} frames ({decoded} decoded by Chromium)")
    return 0 if presented > 0 else 1


class _Parser(argparse.ArgumentParser):
    """A bad option is one line (which, the value, what is allowed) and status 2; --help has usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _cell_capacity(text: str) -> int:
    from functions.common.cells.config import channel_quota  # noqa: PLC0415
    from localcloud.aws.lambda_context import REGION  # noqa: PLC0415

    quota = channel_quota(REGION)
    allowed = f"{text!r}: a whole number of channels per cell from 1 to {quota}"
    try:
        capacity = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(allowed) from None
    if not 1 <= capacity <= quota:
        raise argparse.ArgumentTypeError(allowed)
    return capacity


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="python -m localcloud", description=__doc__)
    parser.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)
    parser.add_argument(
        "--log-level",
        type=str.upper,
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        default="WARNING",
        help="the functions' log level (default WARNING)",
    )
    parser.add_argument(
        "--cell-capacity",
        type=_cell_capacity,
        default=None,
        help="channels per cell (cells a, b, c; default 2)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start the local cloud and its web page (Ctrl-C stops it)")
    up.add_argument("--port", type=int, default=0, help="web/WSS port (default: a free one)")
    up.add_argument("--user", default="alice", help="owner of the simulated cameras")
    up.add_argument("--cameras", type=int, default=2, help="simulated cameras to start")
    up.add_argument("--snapshot-every", type=float, default=60.0, help="seconds between snapshots")
    up.add_argument("--detect-every", type=float, default=120.0, help="seconds between detected persons")
    demo = commands.add_parser("demo", help="scripted end-to-end run; exit 0 only if every step worked")
    demo.add_argument("--suffix", default="", help=argparse.SUPPRESS)
    token = commands.add_parser("token", help="mint a bearer token for a user (local identity provider)")
    token.add_argument("user")
    token.add_argument("--expires-in", type=int, default=3600)
    commands.add_parser("rotate", help="run tag rotation once on the running local cloud")
    commands.add_parser("trust", help="print how to trust the local CA in your own browser")
    shot = commands.add_parser("screenshot", help="headless Chromium plays the page; save a PNG")
    shot.add_argument("output", type=Path)
    shot.add_argument("--user", default="alice")
    args = parser.parse_args(argv)
    _quiet_functions(args.log_level)
    if args.command == "token":
        return _token(args)
    if args.command == "trust":
        return _trust(args)
    runner = {"up": _up, "demo": _demo, "rotate": _rotate, "screenshot": _screenshot}[args.command]
    return asyncio.run(runner(args))


if __name__ == "__main__":
    sys.exit(main())
