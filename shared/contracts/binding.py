"""The CloudEvents Kafka protocol binding: a consumed record's envelope, in either mode.

- *Structured* mode (what this system publishes): the value is the whole envelope as
  JSON (`content-type: application/cloudevents+json`, or no header at all).
- *Binary* mode (the default of several CloudEvents SDKs and of Knative's Kafka sink):
  the attributes are `ce_<name>` headers (`ce_specversion`, `ce_id`, `ce_source`,
  `ce_type`, optional `ce_time`, `ce_subject`, extensions such as `ce_correlationid`,
  `ce_causationid`, `ce_dataversion`), the `content-type` header is `datacontenttype`,
  and the value is `data`.

A record is read in binary mode when it has a `ce_specversion` header and its
`content-type` is not a structured one; the `ce_type`/`ce_id` headers this system adds
to what it publishes do not make a record binary. A binary record without `ce_time`
takes the record's own timestamp. A binary record is validated as the structured
envelope it stands for, so both modes are refused for the same reasons.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pydantic_core import from_json, to_json

from shared.contracts.envelope import CloudEvent
from shared.contracts.errors import MessageRejected
from shared.contracts.registry import decode

CONTENT_TYPE = "content-type"
STRUCTURED_CONTENT_TYPE = "application/cloudevents+json"
"""What this system publishes (structured mode); any `application/cloudevents…` reads so."""
ATTRIBUTE_PREFIX = "ce_"
DATA_CONTENT_TYPE = "application/json"

_ATTRIBUTE_NAME = re.compile(r"^[a-z0-9]{1,20}$")
"""CloudEvents attribute names: lowercase letters and digits, at most 20."""
_NOT_HEADERS = frozenset({"data", "data_base64", "datacontenttype"})
"""Not carried in `ce_` headers in binary mode: the value is `data`, `content-type` is
`datacontenttype`."""
_INTEGER = re.compile(r"^-?\d{1,18}$")
_INTEGER_ATTRIBUTES = frozenset({"dataversion"})
"""Extensions the envelope declares as integers (headers carry only text)."""


def decode_message(value: bytes | None, headers: Iterable[tuple[str, bytes]] | None,
                   timestamp_ms: int | None = None) -> CloudEvent:
    """A consumed record's envelope, in structured or binary mode (see the module).

    `timestamp_ms` is the record's timestamp, the `time` of a binary record without
    `ce_time`. Whatever the bytes, the only exception is `MessageRejected`."""
    pairs = list(headers or ())
    if not is_binary(pairs):
        return decode(value)
    return _binary(value, pairs, _content_type(pairs), timestamp_ms)


def is_binary(headers: Iterable[tuple[str, bytes]] | None) -> bool:
    """Whether a record with these headers is in binary mode: it has `ce_specversion`,
    and its `content-type` (if any) is not a structured one."""
    pairs = list(headers or ())
    return not _content_type(pairs).startswith("application/cloudevents") and any(
        name == f"{ATTRIBUTE_PREFIX}specversion" for name, _ in pairs)


def _binary(value: bytes | None, headers: list[tuple[str, bytes]], content_type: str,
            timestamp_ms: int | None) -> CloudEvent:
    if content_type not in ("", DATA_CONTENT_TYPE):
        raise MessageRejected("not_cloudevent", f"binary mode: content-type {content_type!r} "
                              f"is not {DATA_CONTENT_TYPE} (this bus carries JSON data)")
    envelope: dict[str, Any] = binary_attributes(headers)
    if "time" not in envelope:
        if timestamp_ms is None or timestamp_ms < 0:
            raise MessageRejected("not_cloudevent",
                                  "binary mode: no ce_time header and no record timestamp")
        envelope["time"] = datetime.fromtimestamp(timestamp_ms / 1000, UTC).isoformat()
    envelope["datacontenttype"] = DATA_CONTENT_TYPE
    envelope["data"] = _data(value)
    try:
        return decode(to_json(envelope))
    except MessageRejected as error:
        raise MessageRejected(error.kind, f"binary mode (ce_* headers): {error.reason}",
                              error.problems, error.omitted) from None


def binary_attributes(headers: Iterable[tuple[str, bytes]]) -> dict[str, Any]:
    """The attributes a binary-mode record's `ce_` headers carry, by name (an integer
    extension as an integer). Refuses a header that names no attribute, is not UTF-8
    text, or comes twice."""
    attributes: dict[str, Any] = {}
    for header, raw in headers:
        if not header.startswith(ATTRIBUTE_PREFIX):
            continue
        name = header.removeprefix(ATTRIBUTE_PREFIX)
        if name in _NOT_HEADERS or not _ATTRIBUTE_NAME.match(name):
            raise MessageRejected("not_cloudevent", f"binary mode: header {header[:64]!r} "
                                  "names no CloudEvents attribute")
        if name in attributes:
            raise MessageRejected("not_cloudevent", f"binary mode: header {header} comes twice")
        try:
            text = bytes(raw).decode()
        except (UnicodeDecodeError, TypeError):
            raise MessageRejected("not_cloudevent",
                                  f"binary mode: header {header} is not UTF-8 text") from None
        integer = name in _INTEGER_ATTRIBUTES and _INTEGER.match(text)
        attributes[name] = int(text) if integer else text
    return attributes


def _data(value: bytes | None) -> Any:
    """A binary-mode value as the event's `data` (JSON; the envelope requires an object)."""
    if value is None:
        raise MessageRejected("malformed_json", "binary mode: message has no value (data)")
    try:
        return from_json(value, allow_inf_nan=False)
    except ValueError as error:
        raise MessageRejected("malformed_json",
                              f"binary mode: value is not valid JSON: {error}") from None
    except Exception as error:  # whatever else a parser may raise: the message is refused
        raise MessageRejected("malformed_json", "binary mode: value cannot be parsed: "
                              f"{type(error).__name__}") from None


def _content_type(headers: list[tuple[str, bytes]]) -> str:
    """The `content-type` header's media type, lower case, without parameters ('' when
    there is none or it is not text)."""
    for name, raw in headers:
        if name.lower() == CONTENT_TYPE:
            try:
                return bytes(raw).decode().split(";")[0].strip().lower()
            except (UnicodeDecodeError, TypeError):
                return "\ufffd"
    return ""
