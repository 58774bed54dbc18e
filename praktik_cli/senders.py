"""Senders: the municipal systems that write intake on a topic of their own.

`praktik senders add NAME --municipalities 1380,1381 [--source URI]` makes everything a
new municipal system needs (CONTRACT.md, "Senders"): its entry in registration (the
source it must put in its messages, the municipalities it may speak for), its topics
`registration.intake.v1.<name>` (and its `.dlq`) and `registration.answers.v1.<name>`,
and on a secured broker the SCRAM principal `sender-<name>` with a random password,
printed once, and its ACLs. On a stack without authentication (PLAINTEXT) there is no
principal to make: the sender is registered and its topics created all the same.
`list`, `rotate-password NAME` and `remove NAME` do the rest.

Registration is found at `PRAKTIK_REGISTRATION_URL` (the stack's port by default) and
called as an admin (`--token`, or one signed with `PRAKTIK_AUTH_JWT_SECRET`); the broker
as `PRAKTIK_KAFKA_*` say, as its super user.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import typer
from aiokafka.errors import KafkaError
from rich.console import Console
from rich.table import Table

from praktik_cli.kafka import cli_security
from praktik_cli.outbox import service_url
from praktik_cli.sender_adapters import (
    SenderApiError,
    SenderPorts,
    admin_token,
    env_partitions,
    real_ports,
)
from shared.contracts import topics
from shared.kafka.acls import check_sender_name, principal, sender_acls, sender_user
from shared.kafka.naming import PREFIX_ENV
from shared.kafka.security_admin import SecurityAdminError

app = typer.Typer(help="Municipal systems as senders: their principal (printed once), topics, "
                       "ACLs and entry in registration.", no_args_is_help=True)
console = Console()
T = TypeVar("T")

PASSWORD_BYTES = 32


def _ports(bootstrap: str, prefix: str, url: str | None, token: str | None,
           secret: str) -> SenderPorts:
    return real_ports(bootstrap, prefix, env_partitions(), url or service_url("registration"),
                      token or admin_token(secret), cli_security())


ports: Callable[[str, str, str | None, str | None, str], SenderPorts] = _ports
"""How the commands get their ports (a unit test puts fakes here)."""

BOOTSTRAP = typer.Option("127.0.0.1:19092", envvar="PRAKTIK_KAFKA_BOOTSTRAP_SERVERS")
PREFIX = typer.Option("", "--prefix", envvar=PREFIX_ENV,
                      help="the environment's topic prefix (default none)")
URL = typer.Option(None, "--url", envvar="PRAKTIK_REGISTRATION_URL",
                   help="registration's base URL (default the stack's)")
TOKEN = typer.Option(None, "--token", envvar="PRAKTIK_ADMIN_TOKEN",
                     help="an admin's bearer token (default: one signed with the secret)")
SECRET = typer.Option("dev-only-change-me-0123456789abcdef", envvar="PRAKTIK_AUTH_JWT_SECRET")


def _run(work: Coroutine[Any, Any, T]) -> T:
    try:
        return asyncio.run(work)
    except (SenderApiError, SecurityAdminError, KafkaError) as error:
        console.print(f"[red]praktik senders:[/red] {error}", highlight=False)
        raise typer.Exit(1) from None


def _name(name: str) -> str:
    try:
        return check_sender_name(name)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="NAME") from None


def _codes(value: str) -> list[str]:
    codes = sorted({code.strip() for code in value.split(",") if code.strip()})
    if not codes:
        raise typer.BadParameter("name at least one municipality code",
                                 param_hint="--municipalities")
    return codes


def new_password() -> str:
    return secrets.token_urlsafe(PASSWORD_BYTES)


def _print_password(user: str, password: str) -> None:
    console.print(f"principal [bold]{principal(user)}[/bold]\n"
                  f"password  [bold]{password}[/bold]\n"
                  "[yellow]The password is shown this once: hand it to the sender's "
                  "operators now (SASL/SCRAM-SHA-512 over TLS).[/yellow]",
                  soft_wrap=True, highlight=False)


async def add_sender(p: SenderPorts, name: str, municipalities: list[str],
                     source: str | None) -> str | None:
    """Register, create and allow the sender; its new password (printed), None when it
    keeps its old one or the broker has no authentication."""
    existing = await p.registration.get(name)
    entry = await p.registration.register(name, municipalities, source)
    await p.topics.create(topics.sender_topics(name))
    console.print(f"{'changed' if existing else 'registered'} sender [bold]{name}[/bold] "
                  f"for {', '.join(entry['municipalities'])}; its messages carry source "
                  f"[bold]{entry['source']}[/bold]", highlight=False)
    console.print(f"writes {entry['intake_topic']}, reads {entry['answers_topic']} and "
                  f"{topics.dead_letter_topic(entry['intake_topic'])}"
                  + (f" (under the prefix {p.prefix!r})" if p.prefix else ""), highlight=False)
    if p.security is None:
        console.print("[yellow]The broker runs without authentication (PLAINTEXT): no "
                      "principal and no ACLs were made.[/yellow]")
        return None
    await p.security.create_acls(sender_acls(name, p.prefix))
    if existing:
        console.print(f"{principal(sender_user(name))} keeps its password "
                      f"(`praktik senders rotate-password {name}` for a new one)")
        return None
    password = new_password()
    await p.security.upsert_scram_user(sender_user(name), password)
    _print_password(sender_user(name), password)
    return password


@app.command()
def add(
    name: str,
    municipalities: str = typer.Option(..., help="SCB codes the sender speaks for: 1380,1381"),
    source: str | None = typer.Option(None, help="its CloudEvent source "
                                                 "(default urn:praktik:sender:NAME)"),
    bootstrap: str = BOOTSTRAP, prefix: str = PREFIX, url: str | None = URL,
    token: str | None = TOKEN, secret: str = SECRET,
) -> None:
    """Register the sender NAME, create its topics, its principal and its ACLs."""
    name, codes = _name(name), _codes(municipalities)
    _run(add_sender(ports(bootstrap, prefix, url, token, secret), name, codes, source))


async def list_senders(p: SenderPorts) -> None:
    table = Table("name", "source", "municipalities", "intake topic", "answers topic",
                  "registered", *(["ACLs"] if p.security is not None else []))
    for entry in await p.registration.all():
        acls = ([str(len(await p.security.describe_acls(principal(entry["principal"]))))]
                if p.security is not None else [])
        table.add_row(entry["name"], entry["source"], ",".join(entry["municipalities"]),
                      entry["intake_topic"], entry["answers_topic"],
                      entry["registered_at"][:19], *acls)
    console.print(table)


@app.command("list")
def list_(bootstrap: str = BOOTSTRAP, prefix: str = PREFIX, url: str | None = URL,
          token: str | None = TOKEN, secret: str = SECRET) -> None:
    """Every registered sender: source, municipalities, topics (and ACLs when secured)."""
    _run(list_senders(ports(bootstrap, prefix, url, token, secret)))


async def rotate(p: SenderPorts, name: str) -> None:
    if await p.registration.get(name) is None:
        raise SenderApiError(f"no sender {name} is registered")
    if p.security is None:
        raise SenderApiError("the broker runs without authentication (PLAINTEXT): "
                             "senders have no password")
    password = new_password()
    await p.security.upsert_scram_user(sender_user(name), password)
    _print_password(sender_user(name), password)


@app.command("rotate-password")
def rotate_password(name: str, bootstrap: str = BOOTSTRAP, prefix: str = PREFIX,
                    url: str | None = URL, token: str | None = TOKEN,
                    secret: str = SECRET) -> None:
    """A new password for the sender NAME (printed once); the old one stops working."""
    _run(rotate(ports(bootstrap, prefix, url, token, secret), _name(name)))


async def remove_sender(p: SenderPorts, name: str, keep_topics: bool) -> None:
    known = await p.registration.remove(name)
    if p.security is not None:
        await p.security.delete_acls(sender_acls(name, p.prefix))
        await p.security.delete_scram_user(sender_user(name))
    if not keep_topics:
        await p.topics.delete([spec.name for spec in topics.sender_topics(name)])
    console.print(f"removed sender [bold]{name}[/bold]" if known
                  else f"no sender {name} was registered; its broker rights and topics "
                       "are gone all the same", highlight=False)


@app.command()
def remove(name: str, keep_topics: bool = typer.Option(False, help="leave its topics"),
           bootstrap: str = BOOTSTRAP, prefix: str = PREFIX, url: str | None = URL,
           token: str | None = TOKEN, secret: str = SECRET) -> None:
    """Forget the sender NAME: its entry, principal, ACLs and (unless kept) topics."""
    _run(remove_sender(ports(bootstrap, prefix, url, token, secret), _name(name),
                       keep_topics))
