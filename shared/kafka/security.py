"""How a Kafka client authenticates: PLAINTEXT (no security, the default) or SASL/SCRAM
over TLS (`SASL_SSL`).

One `KafkaSecurity` value says it for every client of a process: `aiokafka_kwargs()` for
aiokafka's producers, consumers and admin clients, `faststream_security()` for a service's
`KafkaBroker`. A service reads it from its settings (`<PREFIX>KAFKA_SECURITY_PROTOCOL`, ...:
`ServiceSettings.kafka_security`); the CLI, the devkit, the benchmarks and the tests read
`KafkaSecurity.from_env()` (`PRAKTIK_KAFKA_SECURITY_PROTOCOL`, ...). The password is never
in a repr, and so never in a log line that shows the value. The Kafka libraries are
imported when a client is made, not with the settings (the portal has no Kafka client).
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

if TYPE_CHECKING:
    from faststream.security import BaseSecurity

SecurityProtocol = Literal["PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256"]
PROTOCOLS: tuple[str, ...] = get_args(SecurityProtocol)
MECHANISMS: tuple[str, ...] = get_args(SaslMechanism)
ENV_PREFIX = "PRAKTIK_"
"""The prefix of the settings every client outside the services reads."""

PROTOCOL_ENV = "KAFKA_SECURITY_PROTOCOL"
USERNAME_ENV = "KAFKA_SASL_USERNAME"
PASSWORD_ENV = "KAFKA_SASL_PASSWORD"
CAFILE_ENV = "KAFKA_SSL_CAFILE"
MECHANISM_ENV = "KAFKA_SASL_MECHANISM"
CLUSTER_WIDE = (PROTOCOL_ENV, CAFILE_ENV, MECHANISM_ENV)
"""Settings that are the cluster's, not the client's: under another prefix they fall back
to the `PRAKTIK_` name (the credentials never do: each service is its own principal)."""


class KafkaSecurityError(ValueError):
    """Kafka security settings that cannot work, naming the setting to fix."""


@dataclass(frozen=True)
class KafkaSecurity:
    """A Kafka client's security: PLAINTEXT, or SASL/SCRAM over TLS."""

    protocol: SecurityProtocol = "PLAINTEXT"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    """Never logged, never in the repr."""
    cafile: str | None = None
    """PEM bundle of the CAs that signed the broker's certificate; None: the system's
    trust store (a production broker's public certificate)."""
    mechanism: SaslMechanism = "SCRAM-SHA-512"

    def __post_init__(self) -> None:
        check(self)

    @property
    def secured(self) -> bool:
        return self.protocol == "SASL_SSL"

    def ssl_context(self) -> ssl.SSLContext:
        """A client TLS context that verifies the broker (host name included)."""
        from aiokafka.helpers import create_ssl_context

        try:
            return create_ssl_context(cafile=self.cafile)
        except (OSError, ssl.SSLError) as error:
            raise KafkaSecurityError(
                f"the Kafka CA file {self.cafile!r} cannot be loaded: {error}") from error

    def aiokafka_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `AIOKafkaProducer`/`AIOKafkaConsumer`/`AIOKafkaAdminClient`
        (none for PLAINTEXT: aiokafka's defaults)."""
        if not self.secured:
            return {}
        return {
            "security_protocol": "SASL_SSL",
            "sasl_mechanism": self.mechanism,
            "sasl_plain_username": self.username,
            "sasl_plain_password": self.password,
            "ssl_context": self.ssl_context(),
        }

    def faststream_security(self) -> BaseSecurity | None:
        """FastStream's security object for `KafkaBroker(security=...)` (None: PLAINTEXT)."""
        from faststream.security import SASLScram256, SASLScram512

        if not self.secured:
            return None
        scram = SASLScram512 if self.mechanism == "SCRAM-SHA-512" else SASLScram256
        assert self.username is not None and self.password is not None  # check() saw to it
        return scram(self.username, self.password, ssl_context=self.ssl_context())

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None,
                 prefix: str = ENV_PREFIX) -> KafkaSecurity:
        """From `<prefix>KAFKA_SECURITY_PROTOCOL`, `<prefix>KAFKA_SASL_USERNAME`,
        `<prefix>KAFKA_SASL_PASSWORD`, `<prefix>KAFKA_SSL_CAFILE` and
        `<prefix>KAFKA_SASL_MECHANISM` (`os.environ` by default; empty counts as unset).
        Under a prefix other than `PRAKTIK_` the protocol, CA file and mechanism fall back
        to their `PRAKTIK_` names."""
        env = os.environ if env is None else env

        def read(name: str) -> str | None:
            value = env.get(prefix + name) or None
            if value is None and name in CLUSTER_WIDE and prefix != ENV_PREFIX:
                value = env.get(ENV_PREFIX + name) or None
            return value

        protocol = _choice(read(PROTOCOL_ENV) or "PLAINTEXT", PROTOCOLS, prefix + PROTOCOL_ENV)
        mechanism = _choice(read(MECHANISM_ENV) or "SCRAM-SHA-512", MECHANISMS,
                            prefix + MECHANISM_ENV)
        username, password = read(USERNAME_ENV), read(PASSWORD_ENV)
        check_credentials(protocol, username, password, prefix)
        return cls(protocol, username, password, read(CAFILE_ENV), mechanism)  # type: ignore[arg-type]


def _choice(value: str, allowed: tuple[str, ...], setting: str) -> str:
    if value.upper() not in allowed:
        raise KafkaSecurityError(f"{setting} is {value!r}: it must be one of {', '.join(allowed)}")
    return value.upper()


def check_credentials(protocol: str, username: str | None, password: str | None,
                      prefix: str | None = None) -> None:
    """SASL_SSL needs a username and a password: name the settings that are missing
    (`<prefix>KAFKA_SASL_USERNAME`, ...; without a prefix the fields)."""
    if protocol != "SASL_SSL":
        return
    missing = [name if prefix is None else prefix + setting
               for name, setting, value in (("username", USERNAME_ENV, username),
                                            ("password", PASSWORD_ENV, password))
               if not value]
    if missing:
        protocol_setting = "the protocol" if prefix is None else prefix + PROTOCOL_ENV
        raise KafkaSecurityError(
            f"{protocol_setting} is SASL_SSL, but {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not set")


def check(security: KafkaSecurity) -> None:
    """The values a client can connect with, or a `KafkaSecurityError` saying why not."""
    if security.protocol not in PROTOCOLS:
        raise KafkaSecurityError(
            f"Kafka security protocol {security.protocol!r}: one of {', '.join(PROTOCOLS)}")
    if security.mechanism not in MECHANISMS:
        raise KafkaSecurityError(
            f"SASL mechanism {security.mechanism!r}: one of {', '.join(MECHANISMS)}")
    check_credentials(security.protocol, security.username, security.password)
