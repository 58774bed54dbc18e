"""What several of registration's handlers use: finding a thing a command names (by id
or by reference, in the command's municipality), the contact events and tombstones of
`registration.contacts.v1`, and the set-based path's run in order."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, TypeVar
from uuid import UUID

from services.registration.domain import model
from services.registration.unit_of_work import RegistrationUnitOfWork
from shared.contracts import topics
from shared.contracts.contacts import ContactDetailsRecorded
from shared.contracts.envelope import CloudEvent
from shared.contracts.types import ContactRole
from shared.errors import Rejected


class _Located(Protocol):
    municipality_code: str


L = TypeVar("L", bound=_Located)
C = TypeVar("C")
N = TypeVar("N")


async def locate(
    municipality_code: str, by_id: Callable[[UUID], Awaitable[L | None]],
    by_ref: Callable[[str, str], Awaitable[L | None]], ident: UUID | None, ref: str | None,
    id_field: str, ref_field: str, what: str,
) -> L:
    """The thing a command names by id or by reference, in the command's municipality."""
    if ident is not None:
        found = await by_id(ident)
        if found is None or found.municipality_code != municipality_code:
            raise Rejected.field(id_field, f"no {what} with this id in municipality "
                                           f"{municipality_code}")
        return found
    if ref is not None:
        found = await by_ref(municipality_code, ref)
        if found is None:
            raise Rejected.field(ref_field, f"no {what} with this reference in municipality "
                                            f"{municipality_code}")
        return found
    raise Rejected.field(id_field, f"name the {what} by {id_field} or {ref_field}")


def contact_event(person_id: UUID, role: ContactRole, contact: model.Contact,
                  municipality_code: str) -> ContactDetailsRecorded:
    return ContactDetailsRecorded(
        person_id=person_id, role=role, name=contact.name, email=contact.email,
        phone=contact.phone, language=contact.language, sms_allowed=contact.sms_allowed,
        municipality_code=municipality_code,
    )


def tombstone(uow: RegistrationUnitOfWork, person_id: UUID) -> None:
    uow.publish_tombstone(topics.REGISTRATION_CONTACTS, str(person_id),
                          f"tombstone:{person_id}:{uuid.uuid4().hex}")


class BatchFallback(Exception):
    """The set-based path cannot take this run as it stands (a key was taken meanwhile):
    the consumer rolls the batch back and replays it message by message."""


async def in_order(
    uow: RegistrationUnitOfWork, items: Sequence[tuple[CloudEvent, C]],
    new_and_simple: Callable[[C], N | None],
    add_many: Callable[[RegistrationUnitOfWork, list[tuple[CloudEvent, N]]], Awaitable[None]],
    one: Callable[[C], Awaitable[Any]],
) -> None:
    """Apply a run of commands in order: those `new_and_simple` prepares are gathered and
    written together by `add_many` (which empties the list); any other goes through `one`
    in its place, after everything gathered before it is written."""
    pending: list[tuple[CloudEvent, N]] = []
    for event, cmd in items:
        ready = new_and_simple(cmd)
        if ready is not None:
            pending.append((event, ready))
            continue
        await add_many(uow, pending)
        with uow.caused_by(event):
            await one(cmd)
    await add_many(uow, pending)
