"""`registration.contacts.v1`: contact details, log-compacted by person id."""

from __future__ import annotations

from uuid import UUID

from pydantic import Field

from shared.contracts.base import EventData
from shared.contracts.types import ContactRole, LanguageCode, MunicipalityCode, PhoneE164


class ContactDetailsRecorded(EventData):
    TYPE = "ContactDetailsRecorded"
    KEY_FIELD = "person_id"

    person_id: UUID
    role: ContactRole
    name: str = Field(min_length=1)
    email: str | None = None
    phone: PhoneE164 | None = None
    language: LanguageCode = "sv"
    sms_allowed: bool = False
    municipality_code: MunicipalityCode | None = None
    """Added: lets notifications scope a coordinator's view by municipality."""


CONTACT_EVENTS: tuple[type[EventData], ...] = (ContactDetailsRecorded,)
