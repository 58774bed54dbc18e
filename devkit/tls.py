"""A development certificate authority and the broker's certificate, for a secured stack.

`python -m devkit.tls DIR` (what `scripts/stack` runs with `PRAKTIK_KAFKA_SECURITY=sasl_ssl`)
writes, once, into DIR:

- `ca.pem`: the development CA's certificate, which clients trust
  (`PRAKTIK_KAFKA_SSL_CAFILE`); its private key is thrown away once it has signed;
- `broker.pem`: the broker's keystore in PEM form, its private key (PKCS#8, unencrypted,
  readable by the owner only) followed by its certificate chain, for 127.0.0.1 and
  localhost (`ssl.keystore.type=PEM`, `ssl.keystore.location`: no keytool, no password).

Run again, it keeps what is there while the broker's certificate is valid for a month
more and was signed by that CA. Production uses its own certificates: the broker reads
them from the same settings (README, "A secured bus").
"""

from __future__ import annotations

import argparse
import datetime
import ipaddress
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

HOSTS = ("127.0.0.1", "localhost")
VALID_DAYS = 825
RENEW_WITHIN = datetime.timedelta(days=30)


@dataclass(frozen=True)
class DevTls:
    """Where a development CA and broker keystore are."""

    ca: Path
    """The CA certificate clients trust (PEM)."""
    keystore: Path
    """The broker's private key and certificate chain (PEM)."""

    @classmethod
    def under(cls, directory: Path) -> DevTls:
        return cls(directory / "ca.pem", directory / "broker.pem")


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Praktik development"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _alternative_names(hosts: Sequence[str]) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


def _certificate(subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey,
                 signer: ec.EllipticCurvePrivateKey, days: int,
                 extensions: Sequence[tuple[x509.ExtensionType, bool]]) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
               .public_key(public_key).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=days)))
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(signer, hashes.SHA256())


def issue(hosts: Sequence[str] = HOSTS, days: int = VALID_DAYS
          ) -> tuple[x509.Certificate, x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A new CA certificate, and a server certificate for `hosts` it signed, with its key."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("Praktik development CA")
    ca = _certificate(ca_name, ca_name, ca_key.public_key(), ca_key, days, [
        (x509.BasicConstraints(ca=True, path_length=0), True),
        (x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                       content_commitment=False, key_encipherment=False,
                       data_encipherment=False, key_agreement=False, encipher_only=False,
                       decipher_only=False), True),
        (x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False),
    ])
    key = ec.generate_private_key(ec.SECP256R1())
    server = _certificate(_name("Praktik development broker"), ca_name, key.public_key(),
                          ca_key, days, [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (_alternative_names(hosts), False),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
        (x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False),
    ])
    return ca, server, key


def write(directory: Path, hosts: Sequence[str] = HOSTS, days: int = VALID_DAYS) -> DevTls:
    """Issue a new CA and broker certificate and write them into `directory`."""
    ca, server, key = issue(hosts, days)
    tls = DevTls.under(directory)
    directory.mkdir(parents=True, exist_ok=True)
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    _write_private(tls.keystore, key_pem + server.public_bytes(pem) + ca.public_bytes(pem))
    tls.ca.write_bytes(ca.public_bytes(pem))
    return tls


def _write_private(path: Path, data: bytes) -> None:
    partial = path.with_suffix(".tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(data)
    partial.replace(path)


def usable(tls: DevTls, hosts: Sequence[str] = HOSTS) -> bool:
    """True when both files are there, the broker's certificate names `hosts`, was
    signed by the CA and stays valid for `RENEW_WITHIN` more."""
    try:
        ca = x509.load_pem_x509_certificate(tls.ca.read_bytes())
        server = x509.load_pem_x509_certificates(tls.keystore.read_bytes())[0]
        server.verify_directly_issued_by(ca)
        names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (OSError, ValueError, TypeError, x509.ExtensionNotFound):
        return False
    expires = min(server.not_valid_after_utc, ca.not_valid_after_utc)
    return (set(_alternative_names(hosts)) <= set(names)
            and expires - datetime.datetime.now(datetime.UTC) > RENEW_WITHIN)


def ensure(directory: Path, hosts: Sequence[str] = HOSTS) -> DevTls:
    """The CA and keystore in `directory`: kept while usable, issued anew otherwise."""
    tls = DevTls.under(directory)
    return tls if usable(tls, hosts) else write(directory, hosts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--host", action="append", help="a name or address the broker's "
                        "certificate is for (repeatable; default 127.0.0.1 and localhost)")
    args = parser.parse_args()
    tls = ensure(args.directory, tuple(args.host or HOSTS))
    print(f"ca={tls.ca}\nkeystore={tls.keystore}")


if __name__ == "__main__":
    main()
