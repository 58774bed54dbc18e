"""docker-compose.yml parses, runs every service, and sets only settings the code reads."""

from __future__ import annotations

import importlib
from pathlib import Path

import yaml
from pydantic_settings import BaseSettings

from devkit.infra import REPO
from shared.settings import EVERY_SERVICE, ServiceSettings

COMPOSE = REPO / "docker-compose.yml"


def _services_in_repo() -> list[str]:
    return sorted(p.parent.name for p in (REPO / "services").glob("*/__main__.py"))


def _settings_class(service: str) -> type[BaseSettings]:
    module = importlib.import_module(f"services.{service}.settings")
    found = [
        value for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, ServiceSettings)
        and value is not ServiceSettings
    ]
    assert len(found) == 1, f"services/{service}/settings.py must define one settings class"
    return found[0]


def test_compose_parses_and_has_the_infrastructure() -> None:
    compose = yaml.safe_load(COMPOSE.read_text())
    assert {"kafka", "postgres", "kafka-init", "mail-and-sms"} <= set(compose["services"])
    assert compose["services"]["kafka"]["image"].startswith("apache/kafka:4.")
    provision = compose["services"]["postgres"]["volumes"][0].split(":")[0]
    assert (REPO / provision).resolve() == (REPO / "infra/postgres/provision.sql").resolve()


def test_every_service_runs_in_compose_with_variables_its_settings_read() -> None:
    compose = yaml.safe_load(COMPOSE.read_text())["services"]
    for service in _services_in_repo():
        assert service in compose, f"{service} missing from docker-compose.yml"
        spec = compose[service]
        assert spec["command"] == ["python", "-m", f"services.{service}"]
        settings = _settings_class(service)
        prefix = str(settings.model_config.get("env_prefix", ""))
        assert prefix == f"{service.upper()}_"
        fields = set(settings.model_fields)
        for variable in spec["environment"]:
            if variable in EVERY_SERVICE.values():
                continue  # the cluster's, read by every service (PRAKTIK_KAFKA_SSL_CAFILE)
            assert variable.startswith(prefix), f"{service}: {variable} lacks prefix {prefix}"
            assert variable[len(prefix):].lower() in fields, (
                f"{service}: {variable} is not a setting of {settings.__name__}"
            )
        if not settings.model_fields["database_url"].is_required():
            continue  # the portal: no database, no broker (services/portal/settings.py)
        assert {"database_url", "kafka_bootstrap_servers"} <= {
            v[len(prefix):].lower() for v in spec["environment"]
        }


def test_dockerfile_copies_what_the_services_import() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    for folder in ("shared", "services", "praktik_cli", "infra"):
        assert f"COPY {folder} " in dockerfile
    assert Path(REPO / "uv.lock").exists()


def test_the_bus_in_compose_is_secured_and_each_service_is_its_own_principal() -> None:
    compose = yaml.safe_load(COMPOSE.read_text())["services"]
    secrets = compose["kafka-secrets"]
    assert secrets["command"][:4] == ["python", "-m", "devkit.compose_secrets", "/secrets"]
    kafka = compose["kafka"]
    assert kafka["entrypoint"] == ["/praktik/infra/compose/kafka-start"]
    assert "./infra:/praktik/infra:ro" in kafka["volumes"]
    assert "secrets:/secrets:ro" in kafka["volumes"]
    assert "environment" not in kafka, "the broker is configured by infra/, not KAFKA_*"
    assert kafka["depends_on"]["kafka-secrets"] == {
        "condition": "service_completed_successfully"}
    init = compose["kafka-init"]
    assert init["entrypoint"] == ["/app/infra/compose/with-env", "/secrets/kafka-init.env"]
    assert "shared.kafka.admin" in init["command"][-1]
    assert "shared.kafka.security_admin" in init["command"][-1]
    for service in _services_in_repo():
        if service == "portal":
            assert "entrypoint" not in compose[service]  # no broker, no credentials
            continue
        spec = compose[service]
        assert spec["entrypoint"] == ["/app/infra/compose/with-env", f"/secrets/{service}.env"]
        assert "secrets:/secrets:ro" in spec["volumes"]
        assert not any("KAFKA_SASL" in variable for variable in spec["environment"]), (
            f"{service}: its credentials come from its env file, not compose")
    for script in ("with-env", "kafka-start"):
        assert (REPO / "infra" / "compose" / script).stat().st_mode & 0o111
