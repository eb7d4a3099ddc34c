"""The local certificate authority: every local endpoint is https:// or wss://, as on AWS.

On first start the local cloud creates a CA under ``{state_dir}/tls/`` and reuses it afterwards,
so a person trusts it once in their own browser. Each start issues a fresh short-lived server
certificate from it, and sets both private keys to 0600 (owner only) whatever mode they had.

The CA is name-constrained to the loopback names it issues for (localhost, 127.0.0.0/8, ::1).
Where those constraints apply, even a leaked CA key could not vouch for any other site: in every
client that verifies the chain against the CA as a trust anchor, i.e. Python's ``ssl`` with
``client_context()`` (aiohttp, and boto3 through ``AWS_CA_BUNDLE``) and a browser or OS store the
CA was imported into (``trust_instructions()``). Where they do not apply: Chromium's
``--ignore-certificate-errors-spki-list`` (an SPKI pin) accepts any chain holding the CA's key
without checking the leaf's names or the CA's name constraints, so a leaf for ``evil.test``
signed by the CA would load. The project's Chromium profiles (``chromium_flags()``: the headless
browser of the tests and of ``screenshot``, and the throwaway profile ``trust`` prints) therefore
resolve only localhost, 127.0.0.1 and ::1 and use no proxy: every other host fails at DNS before
any certificate is seen.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import ipaddress
import os
import shlex
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
SERVER_FILE = "server.pem"  # the server certificate followed by the CA (the chain it presents)
SERVER_KEY_FILE = "server-key.pem"
CA_VALIDITY = datetime.timedelta(days=3650)
SERVER_VALIDITY = datetime.timedelta(days=30)
TRUST_NAME = "Local cloud CA"
PRIVATE_MODE = 0o600
# An SPKI-pinned profile checks no names, so it must reach nothing but loopback. A proxy would
# resolve names itself, past these rules: none, whatever the environment says.
CHROMIUM_LOOPBACK_ONLY = [
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE ::1",
    "--no-proxy-server",
]
LOOPBACK_NAMES: list[x509.GeneralName] = [
    x509.DNSName("localhost"),
    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
    x509.IPAddress(ipaddress.ip_address("::1")),
]
# Name constraints compare IP addresses as networks.
LOOPBACK_NETWORKS: list[x509.GeneralName] = [
    x509.DNSName("localhost"),
    x509.IPAddress(ipaddress.ip_network("127.0.0.0/8")),
    x509.IPAddress(ipaddress.ip_network("::1/128")),
]


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _write_private(path: Path, data: bytes) -> None:
    """Write a key for its owner only, also over an existing file with a looser mode."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_MODE)
    with os.fdopen(fd, "wb") as file:
        os.fchmod(fd, PRIVATE_MODE)  # before the key is in it
        file.write(data)


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


class LocalCA:
    """The CA files in ``directory``; ``ensure()`` creates what is missing."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.ca_file = directory / CA_FILE
        self.server_file = directory / SERVER_FILE
        self.server_key_file = directory / SERVER_KEY_FILE

    def ensure(self) -> None:
        """The CA (created on first use), then a new server certificate signed by it."""
        self._issue_server(*self.ensure_ca())

    def ensure_ca(self) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        """The CA certificate and key, created when missing."""
        self.directory.mkdir(parents=True, exist_ok=True)
        key_file = self.directory / CA_KEY_FILE
        if not (self.ca_file.exists() and key_file.exists()):
            self._create_ca(key_file)
        key_file.chmod(PRIVATE_MODE)  # a copy or an unpacked archive may have left it readable
        ca_key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
            raise ValueError(
                f"{key_file} is not the local CA's EC key: delete {self.directory} to start anew"
            )
        return x509.load_pem_x509_certificate(self.ca_file.read_bytes()), ca_key

    def _create_ca(self, key_file: Path) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Local cloud (development only)"),
                x509.NameAttribute(NameOID.COMMON_NAME, f"Local cloud CA {_now():%Y-%m-%d %H:%M:%S}"),
            ]
        )
        now = _now()
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + CA_VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.NameConstraints(permitted_subtrees=LOOPBACK_NETWORKS, excluded_subtrees=None),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        _write_private(key_file, _pem_key(key))
        self.ca_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))

    def _issue_server(self, ca: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey) -> None:
        cert, key = leaf_certificate(ca, ca_key, LOOPBACK_NAMES)
        chain = cert.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(serialization.Encoding.PEM)
        _write_private(self.server_key_file, _pem_key(key))
        self.server_file.write_bytes(chain)

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.server_file, self.server_key_file)
        return context

    def client_context(self) -> ssl.SSLContext:
        return client_context(self.ca_file)

    def trust_instructions(self) -> str:
        """What a person runs to open the local pages in their own browser."""
        ca = self.ca_file.resolve()
        cert = x509.load_pem_x509_certificate(ca.read_bytes())
        fingerprint = cert.fingerprint(hashes.SHA256()).hex(":").upper()
        return "\n".join(
            [
                f"The local cloud's CA: {ca}",
                f"  SHA-256 fingerprint {fingerprint}",
                "  It can only vouch for localhost, 127.0.0.0/8 and ::1 (X.509 name constraints).",
                "Trust it once, in one of these ways:",
                "  Chrome/Chromium on Linux (certutil: Debian's libnss3-tools):",
                f'    certutil -d sql:$HOME/.pki/nssdb -A -t "C,," -n "{TRUST_NAME}" -i {ca}',
                "  Firefox: Settings > Privacy & Security > Certificates > View Certificates > Authorities >",
                f"           Import {ca} and tick 'Trust this CA to identify websites'",
                "  macOS:",
                f"    security add-trusted-cert -r trustRoot -k ~/Library/Keychains/login.keychain-db {ca}",
                f"  Windows: certutil -user -addstore Root {ca}",
                "Or trust it in a throwaway Chromium profile only (it reaches loopback names only):",
                f"  chromium --user-data-dir=$(mktemp -d) {shlex.join(chromium_flags(ca))} "
                "https://127.0.0.1:<port>/",
                "Untrust it later with the same tools, for example:",
                f'    certutil -d sql:$HOME/.pki/nssdb -D -n "{TRUST_NAME}"',
            ]
        )


def leaf_certificate(
    ca: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey, names: list[x509.GeneralName]
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A short-lived server certificate for `names`, signed by the CA, and its new key."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, str(names[0].value))]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(min(now + SERVER_VALIDITY, ca.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def client_context(ca_file: Path) -> ssl.SSLContext:
    """A client context that trusts the local CA (and verifies host names as usual)."""
    return ssl.create_default_context(cafile=str(ca_file))


def chromium_flags(ca_file: Path) -> list[str]:
    """A Chromium profile that trusts the CA by its SPKI pin and reaches loopback names only."""
    return [f"--ignore-certificate-errors-spki-list={spki_pin(ca_file)}", *CHROMIUM_LOOPBACK_ONLY]


def spki_pin(ca_file: Path) -> str:
    """base64(SHA-256(SubjectPublicKeyInfo)) of the CA, the form Chromium's SPKI list takes."""
    cert = x509.load_pem_x509_certificate(ca_file.read_bytes())
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()
