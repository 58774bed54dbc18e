"""`praktik senders` with a fake registration API, a fake broker admin and fake topics:
what `add`, `list`, `rotate-password` and `remove` make and unmake, secured or not."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from praktik_cli import senders
from praktik_cli.main import app
from praktik_cli.sender_adapters import SenderPorts
from shared.contracts import topics
from shared.contracts.topics import TopicSpec
from shared.kafka.acls import Acl, sender_acls

runner = CliRunner()


class FakeRegistration:
    def __init__(self) -> None:
        self.senders: dict[str, dict[str, Any]] = {}

    async def register(self, name: str, municipalities: list[str],
                       source: str | None) -> dict[str, Any]:
        first = self.senders.get(name, {}).get("registered_at", datetime.now(UTC).isoformat())
        self.senders[name] = {
            "name": name, "source": source or f"urn:praktik:sender:{name}",
            "municipalities": municipalities, "registered_at": first,
            "intake_topic": topics.sender_intake(name),
            "answers_topic": topics.sender_answers(name), "principal": f"sender-{name}"}
        return self.senders[name]

    async def get(self, name: str) -> dict[str, Any] | None:
        return self.senders.get(name)

    async def all(self) -> list[dict[str, Any]]:
        return [self.senders[name] for name in sorted(self.senders)]

    async def remove(self, name: str) -> bool:
        return self.senders.pop(name, None) is not None


class FakeTopics:
    def __init__(self) -> None:
        self.names: set[str] = set()

    async def create(self, specs: list[TopicSpec]) -> None:
        self.names |= {spec.name for spec in specs}

    async def delete(self, names: list[str]) -> None:
        self.names -= set(names)


class FakeSecurityAdmin:
    def __init__(self) -> None:
        self.users: dict[str, str] = {}
        self.acls: set[Acl] = set()

    async def upsert_scram_user(self, name: str, password: str) -> None:
        self.users[name] = password

    async def delete_scram_user(self, name: str) -> None:
        self.users.pop(name, None)

    async def create_acls(self, acls: Sequence[Acl]) -> None:
        self.acls |= set(acls)

    async def delete_acls(self, acls: Sequence[Acl]) -> None:
        self.acls -= set(acls)

    async def describe_acls(self, principal: str) -> list[Acl]:
        return sorted(acl for acl in self.acls if acl.principal == principal)


@pytest.fixture
def secured(monkeypatch: pytest.MonkeyPatch) -> Iterator[SenderPorts]:
    ports = SenderPorts(FakeRegistration(), FakeTopics(), FakeSecurityAdmin(), "env.")
    monkeypatch.setattr(senders, "ports", lambda *_: ports)
    yield ports


@pytest.fixture
def plaintext(monkeypatch: pytest.MonkeyPatch) -> Iterator[SenderPorts]:
    ports = SenderPorts(FakeRegistration(), FakeTopics(), None)
    monkeypatch.setattr(senders, "ports", lambda *_: ports)
    yield ports


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables as wide as their lines, whatever console the test runs in."""
    monkeypatch.setattr(senders, "console", Console(width=200))


def _invoke(*args: str) -> Any:
    return runner.invoke(app, ["senders", *args], env={"COLUMNS": "200"})


def _admin(ports: SenderPorts) -> FakeSecurityAdmin:
    assert isinstance(ports.security, FakeSecurityAdmin)
    return ports.security


def test_add_makes_the_entry_topics_principal_and_acls(secured: SenderPorts) -> None:
    result = _invoke("add", "skola-halmstad", "--municipalities", "1381,1380",
                     "--source", "urn:school:halmstad")
    assert result.exit_code == 0, result.output
    entry = secured.registration.senders["skola-halmstad"]  # type: ignore[attr-defined]
    assert (entry["municipalities"], entry["source"]) == (["1380", "1381"],
                                                          "urn:school:halmstad")
    assert secured.topics.names == {  # type: ignore[attr-defined]
        "registration.intake.v1.skola-halmstad", "registration.intake.v1.skola-halmstad.dlq",
        "registration.answers.v1.skola-halmstad"}
    admin = _admin(secured)
    assert admin.acls == set(sender_acls("skola-halmstad", "env."))
    password = admin.users["sender-skola-halmstad"]
    assert len(password) >= 40 and result.output.count(password) == 1


def test_adding_again_changes_the_entry_and_keeps_the_password(secured: SenderPorts) -> None:
    _invoke("add", "skola-halmstad", "--municipalities", "1380")
    password = _admin(secured).users["sender-skola-halmstad"]
    result = _invoke("add", "skola-halmstad", "--municipalities", "1380,1381")
    assert result.exit_code == 0, result.output
    assert password not in result.output
    assert _admin(secured).users["sender-skola-halmstad"] == password
    assert secured.registration.senders["skola-halmstad"]["municipalities"] == [  # type: ignore[attr-defined]
        "1380", "1381"]


def test_on_a_plaintext_stack_add_registers_and_creates_topics_and_says_no_principal(
        plaintext: SenderPorts) -> None:
    result = _invoke("add", "hr-kungsbacka", "--municipalities", "1384")
    assert result.exit_code == 0, result.output
    assert "no principal" in result.output and "password" not in result.output
    assert "hr-kungsbacka" in plaintext.registration.senders  # type: ignore[attr-defined]
    assert len(plaintext.topics.names) == 3  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["Skola", "dlq", "skola.halmstad", "-x"])
def test_a_bad_name_is_refused_before_anything_is_made(secured: SenderPorts,
                                                       name: str) -> None:
    result = _invoke("add", name, "--municipalities", "1380")
    assert result.exit_code == 2
    assert not secured.topics.names and not _admin(secured).users  # type: ignore[attr-defined]


def test_rotate_password_sets_a_new_one_printed_once(secured: SenderPorts) -> None:
    _invoke("add", "skola-halmstad", "--municipalities", "1380")
    old = _admin(secured).users["sender-skola-halmstad"]
    result = _invoke("rotate-password", "skola-halmstad")
    assert result.exit_code == 0, result.output
    new = _admin(secured).users["sender-skola-halmstad"]
    assert new != old and result.output.count(new) == 1 and old not in result.output


def test_rotate_password_of_an_unknown_sender_fails(secured: SenderPorts) -> None:
    result = _invoke("rotate-password", "nobody")
    assert result.exit_code == 1 and "no sender nobody" in result.output
    assert not _admin(secured).users


def test_remove_unmakes_everything_of_that_sender_only(secured: SenderPorts) -> None:
    _invoke("add", "skola-halmstad", "--municipalities", "1380")
    _invoke("add", "hr-kungsbacka", "--municipalities", "1384")
    result = _invoke("remove", "skola-halmstad")
    assert result.exit_code == 0, result.output
    admin = _admin(secured)
    assert list(admin.users) == ["sender-hr-kungsbacka"]
    assert admin.acls == set(sender_acls("hr-kungsbacka", "env."))
    assert all("hr-kungsbacka" in name for name in secured.topics.names)  # type: ignore[attr-defined]
    assert list(secured.registration.senders) == ["hr-kungsbacka"]  # type: ignore[attr-defined]


def test_list_shows_each_sender_with_its_topics(secured: SenderPorts) -> None:
    _invoke("add", "skola-halmstad", "--municipalities", "1380,1381")
    _invoke("add", "hr-kungsbacka", "--municipalities", "1384")
    result = _invoke("list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line for line in lines if "registration.answers.v1.hr-kungsbacka" in line]
    assert [line for line in lines if "1380,1381" in line and "skola-halmstad" in line]
