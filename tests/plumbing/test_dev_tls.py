"""The development CA and broker keystore (devkit/tls.py): a client that trusts the CA
completes a TLS handshake with a server using the keystore, for 127.0.0.1 and localhost
and for no other name; files are kept while usable. In memory (no socket)."""

from __future__ import annotations

import ssl
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from devkit import tls


def handshake(keystore: Path, cafile: Path, server_hostname: str) -> None:
    """A TLS 1.2+ handshake between a server on `keystore` and a client trusting
    `cafile`, through memory buffers; raises ssl.SSLError when the client refuses."""
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(keystore)
    client_context = ssl.create_default_context(cafile=str(cafile))
    to_server, to_client = ssl.MemoryBIO(), ssl.MemoryBIO()
    server = server_context.wrap_bio(to_server, to_client, server_side=True)
    client = client_context.wrap_bio(to_client, to_server, server_hostname=server_hostname)
    done = {"client": False, "server": False}
    for _ in range(20):
        for name, side in (("client", client), ("server", server)):
            if done[name]:
                continue
            try:
                side.do_handshake()
                done[name] = True
            except ssl.SSLWantReadError:
                pass
        if all(done.values()):
            return
    raise AssertionError("the handshake did not finish")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_client_trusting_the_ca_accepts_the_broker(tmp_path: Path, host: str) -> None:
    made = tls.write(tmp_path)
    handshake(made.keystore, made.ca, host)


def test_a_client_refuses_it_for_another_name_or_without_the_ca(tmp_path: Path) -> None:
    made = tls.write(tmp_path)
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(made.keystore, made.ca, "broker.example.org")
    other = tls.write(tmp_path / "other")
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(made.keystore, other.ca, "127.0.0.1")


def test_the_keystore_is_kafkas_pem_form_and_private(tmp_path: Path) -> None:
    made = tls.write(tmp_path)
    text = made.keystore.read_text()
    assert text.startswith("-----BEGIN PRIVATE KEY-----"), "unencrypted PKCS#8 first"
    assert text.count("-----BEGIN CERTIFICATE-----") == 2, "the broker's, then the CA's"
    assert stat.S_IMODE(made.keystore.stat().st_mode) == 0o600
    key = serialization.load_pem_private_key(made.keystore.read_bytes(), password=None)
    broker, ca = x509.load_pem_x509_certificates(made.keystore.read_bytes())
    assert broker.public_key() == key.public_key()
    assert ca == x509.load_pem_x509_certificate(made.ca.read_bytes())
    assert "PRIVATE" not in made.ca.read_text()


def test_ensure_keeps_what_is_usable_and_replaces_what_is_not(tmp_path: Path) -> None:
    first = tls.ensure(tmp_path)
    kept = first.ca.read_bytes(), first.keystore.read_bytes()
    assert tls.ensure(tmp_path) == first
    assert (first.ca.read_bytes(), first.keystore.read_bytes()) == kept
    assert not tls.usable(first, ("127.0.0.1", "broker.internal"))
    first.keystore.write_text("not a keystore")
    assert not tls.usable(first)
    again = tls.ensure(tmp_path)
    assert tls.usable(again) and again.ca.read_bytes() != kept[0]
    handshake(again.keystore, again.ca, "127.0.0.1")


def test_a_certificate_near_its_end_is_not_usable(tmp_path: Path) -> None:
    short = tls.write(tmp_path, days=10)
    assert not tls.usable(short)
    assert tls.usable(tls.ensure(tmp_path))
