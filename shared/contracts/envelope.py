"""The CloudEvents 1.0 envelope (structured JSON mode) with correlation and causation ids."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, StringConstraints

from shared.contracts.base import EventData

MAX_ID_LENGTH = 256
"""Event ids (and the ids that name events: causation, correlation, subject) are UUIDs
or a sender's own reference; longer is refused, as it would be stored in every inbox."""

_PRINTABLE = r"^[^\x00-\x1f\x7f]+$"
EnvelopeId = Annotated[str, StringConstraints(max_length=MAX_ID_LENGTH, pattern=_PRINTABLE)]
"""An attribute that is stored and logged: printable, bounded (no NUL, no controls)."""
EnvelopeText = Annotated[str, StringConstraints(max_length=1024, pattern=_PRINTABLE)]


class CloudEvent(BaseModel):
    """One message on the bus. Unknown attributes (CloudEvents extensions) are kept.

    Published in structured mode (this object is the record's value, `content-type:
    application/cloudevents+json`). Added: consumers also read binary mode, the
    attributes in `ce_<name>` headers and `data` as the value (`shared.contracts.binding`)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: Literal["1.0"]
    id: EnvelopeId
    type: EnvelopeId
    source: EnvelopeText
    time: AwareDatetime
    subject: EnvelopeId | None = None
    datacontenttype: Literal["application/json"] = "application/json"
    dataversion: int = 1
    correlationid: EnvelopeId | None = None
    causationid: EnvelopeId | None = None
    data: dict[str, Any]


def new_event(
    data: EventData,
    *,
    source: str,
    subject: str | None = None,
    cause: CloudEvent | None = None,
    correlationid: str | None = None,
    event_id: str | None = None,
    time: datetime | None = None,
) -> CloudEvent:
    """Wrap `data` in an envelope.

    With a `cause`, the new event joins the cause's business flow (its correlation
    id) and names it as causation; without one it starts a flow of its own.
    """
    new_id = event_id or str(uuid.uuid4())
    if cause is not None:
        correlation = correlationid or cause.correlationid or cause.id
        causation: str | None = cause.id
    else:
        correlation = correlationid or new_id
        causation = None
    when = time or datetime.now(UTC)
    if when.tzinfo is None:
        raise ValueError("an event's time needs a time zone")
    # Built from values made here and an already validated `data`: constructed without a
    # second validation (it is on the hot path of every publish).
    return CloudEvent.model_construct(
        specversion="1.0",
        id=new_id,
        type=data.TYPE,
        source=source,
        time=when,
        subject=subject,
        dataversion=1,
        correlationid=correlation,
        causationid=causation,
        data=data.model_dump(mode="json"),
    )
