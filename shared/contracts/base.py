"""Base class of every event's `data`: unknown fields kept, wrong types rejected."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict


class EventData(BaseModel):
    """The `data` of one CloudEvent type.

    `extra="allow"` keeps fields a newer producer added (the contract lets code add
    fields, never rename or drop one); types are strict about what they declare.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    TYPE: ClassVar[str]
    """The CloudEvent `type`, e.g. `PlacementRequested`."""

    KEY_FIELD: ClassVar[str | None] = "municipality_code"
    """The data field that is the Kafka message key; None means the event's subject."""

    def kafka_key(self, subject: str | None) -> str | None:
        if self.KEY_FIELD is None:
            return subject
        value: Any = getattr(self, self.KEY_FIELD, None)
        return None if value is None else str(value)
