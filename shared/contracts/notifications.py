"""`notifications.events.v1`: delivery outcomes (keyed by subject)."""

from __future__ import annotations

from uuid import UUID

from pydantic import Field

from shared.contracts.base import EventData
from shared.contracts.types import Channel


class NotificationDelivered(EventData):
    TYPE = "NotificationDelivered"
    KEY_FIELD = None

    notification_id: UUID
    cause_event_id: str
    recipient_id: UUID
    channel: Channel
    template: str
    attempts: int = Field(ge=1)


class NotificationFailed(EventData):
    TYPE = "NotificationFailed"
    KEY_FIELD = None

    notification_id: UUID
    cause_event_id: str
    recipient_id: UUID
    channel: Channel
    template: str
    attempts: int = Field(ge=1)
    error: str


NOTIFICATION_EVENTS: tuple[type[EventData], ...] = (NotificationDelivered, NotificationFailed)
