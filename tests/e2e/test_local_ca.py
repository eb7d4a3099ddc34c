"""The local CA's keys stay private, and the project's Chromium trusts the CA for loopback names only.

Chromium's SPKI pin accepts any chain holding the CA's key whatever names the leaf carries (the
CA's name constraints are not checked then), so whoever holds the CA key could make that profile
accept a page for any name. The profile must therefore never reach a non-loopback host: here a
leaf for `evil.test`, signed by the local CA, is served on 127.0.0.1 and the project's Chromium
is led to it the two ways a machine could: a hosts file naming it, and a proxy in the environment.
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from localcloud.browser import Chromium, chromium_path, find_chromium
from localcloud.tls import CA_KEY_FILE, LocalCA, leaf_certificate

EVIL = "evil.test"
PAGE = "a page for evil.test, vouched for by the local CA"
PRIVATE = "0o600"


def test_private_keys_are_0600_after_every_start_even_if_they_were_looser(tmp_path: Path) -> None:
    ca = LocalCA(tmp_path / "tls")
    keys = [ca.directory / CA_KEY_FILE, ca.server_key_file]
    ca.ensure()
    assert [oct(key.stat().st_mode & 0o777) for key in keys] == [PRIVATE, PRIVATE]
    for key in keys:
        key.chmod(0o644)  # as a copy, an unpacked archive or a loose umask would leave them
    ca.ensure()
    assert [oct(key.stat().st_mode & 0o777) for key in keys] == [PRIVATE, PRIVATE]


def test_the_throwaway_chromium_that_trust_prints_reaches_loopback_names_only(tmp_path: Path) -> None:
    ca = LocalCA(tmp_path / "tls")
    ca.ensure_ca()
    (command,) = [line for line in ca.trust_instructions().splitlines() if "chromium --user-data-dir" in line]
    flags = shlex.split(command.replace("$(mktemp -d)", "profile"))
    assert "--no-proxy-server" in flags
    assert "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE ::1" in flags


@contextlib.asynccontextmanager
async def evil_server(ca: LocalCA) -> AsyncIterator[int]:
    """An https server on 127.0.0.1 presenting a leaf for evil.test from the local CA; its port."""
    ca_cert, ca_key = ca.ensure_ca()
    cert, key = leaf_certificate(ca_cert, ca_key, [x509.DNSName(EVIL)])
    chain, key_file = ca.directory / "evil.pem", ca.directory / "evil-key.pem"
    chain.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + ca.ca_file.read_bytes())
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(chain, key_file)
    app = web.Application()

    async def page(_: web.Request) -> web.Response:
        return web.Response(text=PAGE)

    app.router.add_get("/", page)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context).start()
    try:
        yield runner.addresses[0][1]
    finally:
        await runner.cleanup()


def test_where_the_name_constraints_apply_python_refuses_a_leaf_for_evil_test(tmp_path: Path) -> None:
    """The boundary the docs draw: a client that verifies against the CA enforces its constraints."""
    ca = LocalCA(tmp_path / "tls")

    async def scenario() -> None:
        async with evil_server(ca) as port:
            with pytest.raises(ssl.SSLCertVerificationError, match="permitted subtree violation"):
                await asyncio.open_connection(
                    "127.0.0.1", port, ssl=ca.client_context(), server_hostname=EVIL
                )

    asyncio.run(scenario())


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


@contextlib.asynccontextmanager
async def tunnel_proxy(target_port: int, connects: list[bytes]) -> AsyncIterator[int]:
    """An HTTP proxy that tunnels every CONNECT to 127.0.0.1:target_port, noting each request line."""

    async def tunnel(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        connects.append(request.split(b"\r\n", 1)[0])
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", target_port)
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))

    server = await asyncio.start_server(tunnel, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


async def load(executable: str, ca: LocalCA, url: str) -> str:
    """The project's Chromium profile opens `url`: the page's text, or Chromium's network error."""
    async with Chromium(executable, ca.ca_file) as browser:
        navigation = await browser.send("Page.navigate", url=url)
        if "errorText" in navigation:
            return str(navigation["errorText"])
        return str(await browser.wait_for("document.body && document.body.textContent", PAGE, 20))


@pytest.fixture
def chromium_with_evil_in_hosts(tmp_path: Path) -> Iterator[str]:
    """Chromium in a private mount namespace whose /etc/hosts maps evil.test to 127.0.0.1."""
    hosts = tmp_path / "hosts"
    hosts.write_text(f"127.0.0.1 localhost {EVIL}\n::1 localhost\n")
    for unshare in (["unshare", "--mount"], ["unshare", "--map-root-user", "--mount"]):
        namespace = [*unshare, "sh", "-c", 'mount --bind "$0" /etc/hosts && exec "$@"', str(hosts)]
        probe = subprocess.run(  # noqa: S603 (fixed arguments)
            [*namespace, "getent", "hosts", EVIL], capture_output=True, text=True, check=False
        )
        if probe.stdout.split()[:1] == ["127.0.0.1"]:
            break
    else:
        pytest.skip("a private mount namespace (unshare --mount) is not allowed here")
    wrapper = tmp_path / "chromium"
    wrapper.write_text(f'#!/bin/sh\nexec {shlex.join([*namespace, chromium_path()])} "$@"\n')
    wrapper.chmod(0o755)
    yield str(wrapper)


@pytest.mark.e2e
@pytest.mark.browser
@pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed (run `make chromium`)")
@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare (util-linux)")
def test_a_hosts_file_cannot_lead_the_project_chromium_to_a_non_loopback_name(
    chromium_with_evil_in_hosts: str, tmp_path: Path
) -> None:
    ca = LocalCA(tmp_path / "tls")

    async def scenario() -> str:
        async with evil_server(ca) as port:
            return await load(chromium_with_evil_in_hosts, ca, f"https://{EVIL}:{port}/")

    # Without the profile's confinement the hosts file resolves it and the page loads.
    assert asyncio.run(scenario()) == "net::ERR_NAME_NOT_RESOLVED"


@pytest.mark.e2e
@pytest.mark.browser
@pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed (run `make chromium`)")
def test_a_proxy_in_the_environment_cannot_lead_the_project_chromium_to_a_non_loopback_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca = LocalCA(tmp_path / "tls")
    connects: list[bytes] = []

    async def scenario() -> str:
        async with evil_server(ca) as port, tunnel_proxy(port, connects) as proxy_port:
            # Chromium on Linux takes its proxy from the environment when no desktop says otherwise.
            monkeypatch.setenv("https_proxy", f"http://127.0.0.1:{proxy_port}")
            return await load(chromium_path(), ca, f"https://{EVIL}:{port}/")

    # Without the profile's confinement the proxy resolves the name, not Chromium, and the page loads.
    assert asyncio.run(scenario()) == "net::ERR_NAME_NOT_RESOLVED"
    assert connects == []
