"""The SDK verifies TLS by default: the config says so, the httpx client it builds requires a certificate and checks
the host name, and a local HTTPS server with a certificate from an unknown CA is refused (``APIConnectionError``)
unless ``verify=False`` or the CA bundle is given."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from twenty_sdk import APIConnectionError, ClientConfig, RateLimit, RetryPolicy, Transport, TwentyClient

x509 = pytest.importorskip("cryptography.x509")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

KEY = "tw_tls_Lp3vQ8zR1mX6"


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def make_certificates(tmp: Path, names: tuple[str, ...] = ("127.0.0.1", "localhost")) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate it signs for ``names``: (ca.pem, cert.pem, key.pem)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("twenty-sdk test CA"))
        .issuer_name(_name("twenty-sdk test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )  # key_cert_sign, crl_sign
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca.subject)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([_general_name(n) for n in names]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = tmp / "ca.pem", tmp / "cert.pem", tmp / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"data": {"people": []}, "totalCount": 0, "pageInfo": {"hasNextPage": False}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def https(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A local HTTPS server (127.0.0.1) with a certificate from a throwaway CA: (its URL, the CA bundle)."""
    yield from serve_https(tmp_path, ("127.0.0.1", "localhost"))


@pytest.fixture
def https_for_another_host(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The same, its certificate for another name than the one the client connects to."""
    yield from serve_https(tmp_path, ("twenty.example.test",))


def serve_https(tmp_path: Path, names: tuple[str, ...]) -> Iterator[tuple[str, Path]]:
    ca, cert, key = make_certificates(tmp_path, names)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", ca
    finally:
        server.shutdown()
        server.server_close()


def client(url: str, **options: object) -> TwentyClient:
    return TwentyClient(url, KEY, rate_limit=RateLimit(enabled=False), retry=RetryPolicy(max_retries=0), **options)  # type: ignore[arg-type]


def test_verification_is_on_by_default() -> None:
    config = ClientConfig(base_url="https://twenty.example.test", api_key=KEY)
    assert config.verify is True
    with Transport(config) as transport:
        context = transport._client._transport._pool._ssl_context  # type: ignore[attr-defined]
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True
    with client("https://twenty.example.test") as default:
        assert default.config.verify is True
        assert default.transport._client._transport._pool._ssl_context.verify_mode == ssl.CERT_REQUIRED  # type: ignore[attr-defined]


def test_an_unknown_certificate_is_refused(https: tuple[str, Path]) -> None:
    url, _ = https
    with client(url) as twenty, pytest.raises(APIConnectionError) as caught:
        twenty.records("people").list()
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)
    assert "unable to get local issuer certificate" in str(caught.value)


@pytest.mark.filterwarnings("ignore:`verify=<str>` is deprecated:DeprecationWarning")  # httpx 0.28, see below
def test_the_ca_bundle_or_verify_false_lets_it_through(
    https: tuple[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    url, ca = https
    with client(url, verify=ssl.create_default_context(cafile=str(ca))) as trusted:
        assert trusted.records("people").list() is not None
    with client(url, verify=str(ca)) as trusted_by_path:  # a CA bundle path (the documented str form)
        assert trusted_by_path.records("people").list() is not None
    caplog.set_level(logging.WARNING, logger="twenty_sdk")
    with client(url, verify=False) as insecure:
        assert insecure.records("people").list() is not None
    assert any("verification is off" in r.getMessage() for r in caplog.records)  # said out loud


def test_a_certificate_for_another_host_is_refused(https_for_another_host: tuple[str, Path]) -> None:
    url, ca = https_for_another_host
    with client(url, verify=ssl.create_default_context(cafile=str(ca))) as twenty:  # noqa: SIM117
        with pytest.raises(APIConnectionError) as caught:
            twenty.records("people").list()
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)
    assert "mismatch" in str(caught.value)
