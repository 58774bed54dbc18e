"""Senders: the municipal systems that write intake on topics of their own.

A sender has a name (its topics are `registration.intake.v1.<name>` and
`registration.answers.v1.<name>`, its principal `sender-<name>`), the CloudEvent `source`
it registered, and the municipalities it may speak for. Who sent a message is known from
the topic the broker let it write; the message's `source` and municipality are checked
against that sender, never trusted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from services.registration.domain.validation import Invalid, Problems, municipality_code
from shared.contracts.errors import FieldProblem, MessageRejected, RejectionKind
from shared.contracts.topics import SENDER_NAME

MAX_SOURCE = 256
_SOURCE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[!-~]+$")
"""An absolute URI of printable ASCII without spaces (`urn:school:halmstad`,
`https://skola.halmstad.se/praktik`)."""

SOURCE_MISMATCH: Final = "source_mismatch"
MUNICIPALITY_NOT_REGISTERED: Final = "municipality_not_registered"
SENDER_NOT_REGISTERED: Final = "sender_not_registered"
"""The reason codes of a sender's refused message (`IntakeRejected.reason`, the dead
letter's `dlq.error.kind`)."""


def default_source(name: str) -> str:
    """The source a sender registered without one names itself by."""
    return f"urn:praktik:sender:{name}"


def sender_name(value: str) -> str:
    if not SENDER_NAME.match(value):
        raise Invalid("lowercase letters, digits and inner hyphens, at most 40, not `dlq`")
    return value


def source(value: str) -> str:
    if len(value) > MAX_SOURCE or not _SOURCE.match(value):
        raise Invalid(f"an absolute URI (scheme:rest) of at most {MAX_SOURCE} printable "
                      "characters without spaces")
    return value


def municipality_codes(values: Iterable[str]) -> frozenset[str]:
    codes = frozenset(values)
    if not codes:
        raise Invalid("name at least one municipality the sender speaks for")
    for code in sorted(codes):
        try:
            municipality_code(code)
        except Invalid as error:
            raise Invalid(f"{code}: {error}") from None
    return codes


@dataclass(frozen=True)
class Sender:
    name: str
    source: str
    municipalities: frozenset[str]
    registered_at: datetime

    @classmethod
    def register(cls, name: str, source_uri: str | None, municipalities: Iterable[str],
                 at: datetime) -> Sender:
        """A sender as an operator registers it; refuses every failing field at once."""
        problems = Problems()
        checked_name = problems.check("name", sender_name, name)
        checked_source = (problems.check("source", source, source_uri) if source_uri is not None
                          else default_source(checked_name or name))
        codes = problems.check("municipalities", municipality_codes, municipalities)
        problems.raise_if_any()
        assert checked_name and checked_source and codes
        return cls(checked_name, checked_source, codes, at)

    def refusal(self, message_source: str, code: str | None) -> MessageRejected | None:
        """Why this sender's message may not be taken, or None: its `source` must be the
        registered one, its municipality one the sender speaks for."""
        if message_source != self.source:
            return refused(SOURCE_MISMATCH, "source",
                           f"sender {self.name} is registered with another source")
        if code is not None and code not in self.municipalities:
            return refused(MUNICIPALITY_NOT_REGISTERED, "data.municipality_code",
                           f"sender {self.name} may not speak for municipality {code}")
        return None


def refused(kind: RejectionKind, field: str, message: str) -> MessageRejected:
    """A refusal of a sender's message: its reason code, the field and why."""
    return MessageRejected(kind, f"{field}: {message}", [FieldProblem(field, message)])


def not_registered(name: str) -> MessageRejected:
    return refused(SENDER_NOT_REGISTERED, "sender",
                   f"no sender {name} is registered (its intake topic is not open)")
