"""Safe defaults (shared.devkeys): a service left with the keys committed to the repository
refuses to start unless development is declared. No I/O: the start is stopped right after
the check."""

from __future__ import annotations

from typing import Any

import pytest

from services.matching.settings import MatchingSettings
from services.notifications.settings import NotificationsSettings
from services.registration.bootstrap import build
from services.registration.settings import RegistrationSettings
from services.training.settings import TrainingSettings
from shared import runtime
from shared.devkeys import DevelopmentKeys, development_keys_in_use, refuse_development_keys
from shared.settings import ServiceSettings

URL = "postgresql+asyncpg://nobody:nothing@127.0.0.1:1/none"
EXPECTED = {
    RegistrationSettings: {"REGISTRATION_AUTH_JWT_SECRET", "REGISTRATION_IDENTITY_ENCRYPTION_KEY",
                           "REGISTRATION_IDENTITY_HASH_KEY", "REGISTRATION_LINK_SECRET"},
    MatchingSettings: {"MATCHING_AUTH_JWT_SECRET", "MATCHING_LINK_SECRET"},
    TrainingSettings: {"TRAINING_AUTH_JWT_SECRET"},
    NotificationsSettings: {"NOTIFICATIONS_AUTH_JWT_SECRET", "NOTIFICATIONS_LINK_SECRET",
                            "NOTIFICATIONS_RECEIPT_PASSWORD"},
}


def committed(cls: type[ServiceSettings], **values: Any) -> ServiceSettings:
    """Settings with the committed defaults (the environment of the test run not read)."""
    return cls.model_construct(database_url=URL, **values)


@pytest.mark.parametrize("cls", list(EXPECTED), ids=lambda cls: cls.__name__)
def test_committed_keys_refuse_to_start_naming_the_settings(cls: type[ServiceSettings]) -> None:
    with pytest.raises(DevelopmentKeys) as refused:
        refuse_development_keys(committed(cls), environ={})
    message = str(refused.value)
    for variable in EXPECTED[cls]:
        assert variable in message
    assert "PRAKTIK_DEVELOPMENT=1" in message


@pytest.mark.parametrize("cls", list(EXPECTED), ids=lambda cls: cls.__name__)
def test_the_development_flag_allows_them(cls: type[ServiceSettings]) -> None:
    refuse_development_keys(committed(cls), environ={"PRAKTIK_DEVELOPMENT": "1"})
    refuse_development_keys(committed(cls), environ={"PRAKTIK_DEVELOPMENT": "true"})
    refuse_development_keys(committed(cls, development=True), environ={})
    with pytest.raises(DevelopmentKeys):
        refuse_development_keys(committed(cls), environ={"PRAKTIK_DEVELOPMENT": "0"})


def test_keys_of_ones_own_start_and_each_left_one_is_named() -> None:
    own = {"auth_jwt_secret": "a" * 40, "identity_encryption_key": "b" * 44,
           "identity_hash_key": "c" * 40, "link_secret": "d" * 40}
    refuse_development_keys(committed(RegistrationSettings, **own), environ={})
    left = committed(RegistrationSettings, **{**own, "identity_hash_key": (
        RegistrationSettings.model_fields["identity_hash_key"].default)})
    assert development_keys_in_use(left) == ["REGISTRATION_IDENTITY_HASH_KEY"]


async def test_serve_checks_before_anything_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "configure_logging", lambda *_a, **_k: None)
    monkeypatch.delenv("PRAKTIK_DEVELOPMENT", raising=False)
    service = build(RegistrationSettings(database_url=URL, development=False))

    class Started(Exception):
        pass

    async def reached_the_database(*_: Any, **__: Any) -> None:
        raise Started

    monkeypatch.setattr(service, "migrate_when_reachable", reached_the_database)
    try:
        with pytest.raises(DevelopmentKeys, match="REGISTRATION_IDENTITY_ENCRYPTION_KEY"):
            await service.serve()
        monkeypatch.setenv("PRAKTIK_DEVELOPMENT", "1")
        with pytest.raises(Started):  # past the check: on to the database
            await service.serve()
    finally:
        await service.producer.stop()  # never started; closes its client
        await service.engine.dispose()
