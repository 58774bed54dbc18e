"""How Kafka clients authenticate (shared.kafka.security, `ServiceSettings.kafka_security`):
the client arguments, FastStream's security object, the settings read from the
environment, the errors that name the setting to fix, and the password kept out of reprs
and logs. No I/O: nothing connects (a real SASL_SSL broker is the integration tests')."""

from __future__ import annotations

import datetime as dt
import json
import logging
import ssl
from pathlib import Path
from typing import Any

import pytest
import structlog
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from faststream.security import SASLScram256, SASLScram512
from pydantic import ValidationError

from devkit.infra import Infra
from services.matching.settings import MatchingSettings
from services.portal.settings import PortalSettings
from shared.kafka.broker import make_broker
from shared.kafka.clients import make_producer
from shared.kafka.security import KafkaSecurity, KafkaSecurityError
from shared.logging import configure_logging, get_logger

PASSWORD = "pw-7f3a9c-never-shown"
SASL = KafkaSecurity("SASL_SSL", "matching", PASSWORD)
URL = "postgresql+asyncpg://nobody:nothing@127.0.0.1:1/none"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No Kafka security settings from the run's environment (scripts/test's .stack/env)."""
    import os

    for name in list(os.environ):
        if "KAFKA_S" in name:  # *_KAFKA_SECURITY_PROTOCOL, *_KAFKA_SASL_*, *_KAFKA_SSL_*
            monkeypatch.delenv(name)
    return monkeypatch


def write_ca(path: Path, name: str = "Praktik test CA") -> Path:
    """A self-signed CA certificate (PEM), as `scripts/stack` makes the development one."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


# -- the clients' arguments -------------------------------------------------------------

def test_plaintext_is_the_default_and_changes_nothing() -> None:
    security = KafkaSecurity()
    assert security.protocol == "PLAINTEXT" and not security.secured
    assert security.aiokafka_kwargs() == {}
    assert security.faststream_security() is None


def test_sasl_ssl_gives_aiokafka_scram_over_a_verifying_tls_context(tmp_path: Path) -> None:
    ca = write_ca(tmp_path / "ca.pem")
    kwargs = KafkaSecurity("SASL_SSL", "matching", PASSWORD, str(ca)).aiokafka_kwargs()
    context = kwargs.pop("ssl_context")
    assert kwargs == {"security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-512",
                      "sasl_plain_username": "matching", "sasl_plain_password": PASSWORD}
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    certs: list[Any] = context.get_ca_certs()
    subjects = [dict(entry[0] for entry in cert["subject"]) for cert in certs]
    assert {"commonName": "Praktik test CA"} in subjects, "the CA file is what is trusted"


def test_without_a_ca_file_the_system_trust_store_verifies() -> None:
    context = SASL.aiokafka_kwargs()["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


@pytest.mark.parametrize(("mechanism", "kind"), [("SCRAM-SHA-512", SASLScram512),
                                                  ("SCRAM-SHA-256", SASLScram256)])
def test_faststream_security_is_the_matching_scram_object(
        mechanism: str, kind: type) -> None:
    security = KafkaSecurity("SASL_SSL", "matching", PASSWORD, mechanism=mechanism)  # type: ignore[arg-type]
    found = security.faststream_security()
    assert type(found) is kind
    assert isinstance(found, SASLScram512 | SASLScram256)
    assert (found.username, found.password) == ("matching", PASSWORD)
    assert found.use_ssl and isinstance(found.ssl_context, ssl.SSLContext)
    assert security.aiokafka_kwargs()["sasl_mechanism"] == mechanism


def consumer_arguments(broker: Any) -> dict[str, Any]:
    """What FastStream builds each subscriber's AIOKafkaConsumer with."""
    return dict(broker.config.broker_config.builder.keywords)


def test_a_service_broker_connects_its_consumers_with_the_settings(clean_env: pytest.MonkeyPatch
                                                                   ) -> None:
    settings = MatchingSettings(database_url=URL, kafka_security_protocol="SASL_SSL",
                                kafka_sasl_username="matching", kafka_sasl_password=PASSWORD)
    consumer = consumer_arguments(make_broker(settings, "matching"))
    assert consumer["security_protocol"] == "SASL_SSL"
    assert consumer["sasl_mechanism"] == "SCRAM-SHA-512"
    assert consumer["sasl_plain_username"] == "matching"
    plain = make_broker(MatchingSettings(database_url=URL), "matching")
    assert consumer_arguments(plain).get(
        "security_protocol", "PLAINTEXT") == "PLAINTEXT"  # aiokafka's default


async def test_the_service_producer_connects_with_the_security() -> None:
    producer = make_producer("127.0.0.1:1", "matching", security=SASL)
    assert producer.client._security_protocol == "SASL_SSL"
    assert producer.client._sasl_mechanism == "SCRAM-SHA-512"
    assert producer.client._sasl_plain_username == "matching"
    assert make_producer("127.0.0.1:1", "matching").client._security_protocol == "PLAINTEXT"


# -- the environment ----------------------------------------------------------------------

def test_from_env_reads_the_praktik_settings(tmp_path: Path) -> None:
    ca = str(write_ca(tmp_path / "ca.pem"))
    security = KafkaSecurity.from_env({
        "PRAKTIK_KAFKA_SECURITY_PROTOCOL": "sasl_ssl",
        "PRAKTIK_KAFKA_SASL_USERNAME": "praktik-admin",
        "PRAKTIK_KAFKA_SASL_PASSWORD": PASSWORD,
        "PRAKTIK_KAFKA_SSL_CAFILE": ca,
        "PRAKTIK_KAFKA_SASL_MECHANISM": "scram-sha-256",
    })
    assert security == KafkaSecurity("SASL_SSL", "praktik-admin", PASSWORD, ca, "SCRAM-SHA-256")


def test_from_env_without_settings_or_with_empty_ones_is_plaintext() -> None:
    assert KafkaSecurity.from_env({}) == KafkaSecurity()
    empty = {f"PRAKTIK_KAFKA_{name}": "" for name in (
        "SECURITY_PROTOCOL", "SASL_USERNAME", "SASL_PASSWORD", "SSL_CAFILE", "SASL_MECHANISM")}
    assert KafkaSecurity.from_env(empty) == KafkaSecurity()


def test_a_prefix_takes_the_cluster_settings_from_praktik_but_never_the_credentials() -> None:
    env = {"PRAKTIK_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "PRAKTIK_KAFKA_SSL_CAFILE": "/ca.pem",
           "PRAKTIK_KAFKA_SASL_USERNAME": "praktik-admin", "PRAKTIK_KAFKA_SASL_PASSWORD": "x",
           "MATCHING_KAFKA_SASL_USERNAME": "matching", "MATCHING_KAFKA_SASL_PASSWORD": PASSWORD}
    security = KafkaSecurity.from_env(env, prefix="MATCHING_")
    assert security == KafkaSecurity("SASL_SSL", "matching", PASSWORD, "/ca.pem")
    own = KafkaSecurity.from_env({**env, "MATCHING_KAFKA_SSL_CAFILE": "/own.pem"}, "MATCHING_")
    assert own.cafile == "/own.pem"
    with pytest.raises(KafkaSecurityError, match="TRAINING_KAFKA_SASL_USERNAME and "
                                                 "TRAINING_KAFKA_SASL_PASSWORD are not set"):
        KafkaSecurity.from_env(env, prefix="TRAINING_")


# -- errors that name the setting ---------------------------------------------------------

@pytest.mark.parametrize(("env", "message"), [
    ({"PRAKTIK_KAFKA_SECURITY_PROTOCOL": "SASL_SSL"},
     "PRAKTIK_KAFKA_SECURITY_PROTOCOL is SASL_SSL, but PRAKTIK_KAFKA_SASL_USERNAME and "
     "PRAKTIK_KAFKA_SASL_PASSWORD are not set"),
    ({"PRAKTIK_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "PRAKTIK_KAFKA_SASL_USERNAME": "u"},
     "PRAKTIK_KAFKA_SECURITY_PROTOCOL is SASL_SSL, but PRAKTIK_KAFKA_SASL_PASSWORD is not set"),
    ({"PRAKTIK_KAFKA_SECURITY_PROTOCOL": "SSL"},
     "PRAKTIK_KAFKA_SECURITY_PROTOCOL is 'SSL': it must be one of PLAINTEXT, SASL_SSL"),
    ({"PRAKTIK_KAFKA_SASL_MECHANISM": "PLAIN"},
     "PRAKTIK_KAFKA_SASL_MECHANISM is 'PLAIN': it must be one of SCRAM-SHA-512, SCRAM-SHA-256"),
])
def test_settings_that_cannot_work_are_refused_naming_the_setting(
        env: dict[str, str], message: str) -> None:
    with pytest.raises(KafkaSecurityError) as refused:
        KafkaSecurity.from_env(env)
    assert str(refused.value) == message


def test_a_value_without_credentials_is_refused() -> None:
    with pytest.raises(KafkaSecurityError, match="username and password are not set"):
        KafkaSecurity("SASL_SSL")
    with pytest.raises(KafkaSecurityError, match="one of PLAINTEXT, SASL_SSL"):
        KafkaSecurity("SASL_PLAINTEXT")  # type: ignore[arg-type]


def test_a_ca_file_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-ca.pem"
    with pytest.raises(KafkaSecurityError, match=r"no-such-ca\.pem"):
        KafkaSecurity("SASL_SSL", "u", "p", str(missing)).aiokafka_kwargs()
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    with pytest.raises(KafkaSecurityError, match=r"garbage\.pem"):
        KafkaSecurity("SASL_SSL", "u", "p", str(garbage)).faststream_security()


# -- a service's settings -----------------------------------------------------------------

def test_a_service_reads_its_own_principal_and_the_cluster_settings(
        clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("PRAKTIK_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    clean_env.setenv("PRAKTIK_KAFKA_SSL_CAFILE", "/stack/ca.pem")
    clean_env.setenv("PRAKTIK_KAFKA_SASL_USERNAME", "praktik-admin")
    clean_env.setenv("PRAKTIK_KAFKA_SASL_PASSWORD", "the-admin's")
    clean_env.setenv("MATCHING_KAFKA_SASL_USERNAME", "matching")
    clean_env.setenv("MATCHING_KAFKA_SASL_PASSWORD", PASSWORD)
    settings = MatchingSettings(database_url=URL)
    assert settings.kafka_security == KafkaSecurity("SASL_SSL", "matching", PASSWORD,
                                                    "/stack/ca.pem")
    assert settings.kafka_sasl_password is not None
    assert settings.kafka_sasl_password.get_secret_value() == PASSWORD

    clean_env.setenv("MATCHING_KAFKA_SECURITY_PROTOCOL", "plaintext")
    clean_env.setenv("MATCHING_KAFKA_SSL_CAFILE", "/own/ca.pem")
    own = MatchingSettings(database_url=URL)
    assert (own.kafka_security_protocol, own.kafka_ssl_cafile) == ("PLAINTEXT", "/own/ca.pem")
    assert own.kafka_security.aiokafka_kwargs() == {}


def test_a_service_without_security_settings_is_plaintext(clean_env: pytest.MonkeyPatch) -> None:
    settings = MatchingSettings(database_url=URL)
    assert settings.kafka_security == KafkaSecurity()
    assert settings.kafka_sasl_username is None and settings.kafka_sasl_password is None


def test_sasl_ssl_without_the_service_credentials_names_the_service_settings(
        clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("PRAKTIK_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    clean_env.setenv("PRAKTIK_KAFKA_SASL_USERNAME", "praktik-admin")
    clean_env.setenv("PRAKTIK_KAFKA_SASL_PASSWORD", PASSWORD)
    settings = MatchingSettings(database_url=URL)
    with pytest.raises(KafkaSecurityError, match="MATCHING_KAFKA_SECURITY_PROTOCOL is SASL_SSL, "
                       "but MATCHING_KAFKA_SASL_USERNAME and MATCHING_KAFKA_SASL_PASSWORD"):
        settings.kafka_security  # noqa: B018 (the property is what raises)
    # The portal has no Kafka client: the cluster's SASL_SSL asks nothing of it.
    assert PortalSettings().kafka_security_protocol == "SASL_SSL"


def test_devkit_gives_each_service_its_own_principal(clean_env: pytest.MonkeyPatch) -> None:
    run = KafkaSecurity("SASL_SSL", "praktik-admin", "the-admin's", "/stack/ca.pem")
    infra = Infra("127.0.0.1:1", URL, kafka_security=run)
    clean_env.setenv("MATCHING_KAFKA_SASL_USERNAME", "matching")
    clean_env.setenv("MATCHING_KAFKA_SASL_PASSWORD", PASSWORD)
    assert infra.service_security("matching") == KafkaSecurity(
        "SASL_SSL", "matching", PASSWORD, "/stack/ca.pem")
    assert infra.service_security_settings("matching") == {
        "kafka_security_protocol": "SASL_SSL", "kafka_sasl_mechanism": "SCRAM-SHA-512",
        "kafka_sasl_username": "matching", "kafka_sasl_password": PASSWORD,
        "kafka_ssl_cafile": "/stack/ca.pem"}
    assert infra.service_security("plumbing") == run, "the tests' own services run as the run"
    with pytest.raises(KafkaSecurityError, match="TRAINING_KAFKA_SASL_USERNAME"):
        infra.service_security("training")
    plain = Infra("127.0.0.1:1", URL)
    assert plain.service_security_settings("matching") == {
        "kafka_security_protocol": "PLAINTEXT", "kafka_sasl_mechanism": "SCRAM-SHA-512"}


# -- the password stays out of sight ------------------------------------------------------

def test_the_password_is_in_no_repr(clean_env: pytest.MonkeyPatch) -> None:
    assert PASSWORD not in repr(SASL) and PASSWORD not in str(SASL)
    assert "matching" in repr(SASL)
    settings = MatchingSettings(database_url=URL, kafka_security_protocol="SASL_SSL",
                                kafka_sasl_username="matching", kafka_sasl_password=PASSWORD)
    for shown in (repr(settings), str(settings), settings.model_dump_json(),
                  repr(settings.model_dump()), repr(settings.kafka_security)):
        assert PASSWORD not in shown


def test_a_refused_setting_does_not_show_the_password(clean_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError) as refused:
        MatchingSettings(database_url=URL, kafka_security_protocol="SSL",
                         kafka_sasl_username="matching", kafka_sasl_password=PASSWORD)
    assert "kafka_security_protocol" in str(refused.value)
    assert PASSWORD not in str(refused.value) and PASSWORD not in repr(refused.value)


def test_the_password_is_in_no_log_line(clean_env: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    settings = MatchingSettings(database_url=URL, kafka_security_protocol="SASL_SSL",
                                kafka_sasl_username="matching", kafka_sasl_password=PASSWORD)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging("matching", "DEBUG", json=True)
    try:
        get_logger("test").info("connecting", security=settings.kafka_security,
                                settings=settings)
        logging.getLogger("shared.kafka").warning("client %r", settings.kafka_security)
    finally:
        structlog.reset_defaults()
        root.handlers[:] = handlers
        root.setLevel(level)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert any(line.get("event") == "connecting" and "matching" in line["security"]
               for line in lines), lines
    assert any("client KafkaSecurity(" in line["event"] for line in lines), lines
    assert PASSWORD not in json.dumps(lines)
