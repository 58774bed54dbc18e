"""structlog JSON logging: one line per record, message context bound per event.

Personal identity numbers must never reach a log line: `redact_identity_numbers`
scrubs anything shaped like one, as a last line of defence behind the rule that
code never logs personal data in the first place.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

_MONTH_DAY = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]|6[1-9]|[78]\d|9[01])"
IDENTITY_NUMBER = re.compile(
    r"(?<![0-9A-Fa-f-])"  # not the tail of a longer run (a UUID's last group, hex, ...)
    rf"(?:(?:18|19|20)\d{{2}}|\d{{2}}){_MONTH_DAY}[-+]?\d{{4}}"
    r"(?![0-9A-Fa-f-])"  # nor its head
)
"""Personal identity numbers (personnummer) and coordination numbers (samordningsnummer:
day + 60) in every written form: YYMMDD-NNNN, YYMMDD+NNNN (100 or older), YYMMDDNNNN,
YYYYMMDDNNNN, YYYYMMDD-NNNN. The month and day must be possible ones, so organisation
numbers (212000-1355: the "month" is 20 or more) are left alone: they name legal persons
and are public; a sole trader's organisation number is the owner's personal number and is
redacted as one. A digit run inside a longer run of hex digits and hyphens (a UUID such as
an event id, a hash) is never taken for one. No check-digit test: a mistyped number is
still personal data."""
REDACTED = "[redacted]"


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return IDENTITY_NUMBER.sub(REDACTED, value)
    if isinstance(value, dict):
        return {key: _scrub(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(item) for item in value]
    return value


def redact_identity_numbers(
    _logger: Any, _name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key, value in list(event_dict.items()):
        event_dict[key] = _scrub(value)
    return event_dict


def configure_logging(service: str, level: str = "INFO", json: bool = True) -> None:
    """Route structlog and stdlib logging (aiokafka, uvicorn) through one JSON renderer."""
    shared_processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redact_identity_numbers,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[*shared_processors, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared_processors, processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer
        ]
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(service=service)


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    return structlog.stdlib.get_logger(name)
