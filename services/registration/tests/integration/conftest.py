"""One registration service for the integration tests of this package, on real Kafka and
Postgres; its log lines are rendered without the redaction safety net and kept, for
test_privacy.py to search the lines its own traffic produced for identity numbers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import structlog

from devkit.infra import Infra
from devkit.services import running
from services.registration.bootstrap import build
from services.registration.tests import support
from shared.runtime import Service


class LogLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(scope="package")
def log_lines() -> Iterator[LogLines]:
    """Every log line rendered as JSON, with `redact_identity_numbers` left out on
    purpose: the code itself must never log an identity number."""
    chain: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
    ]
    saved = structlog.get_config()
    structlog.configure(
        processors=[*chain, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    handler = LogLines()
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=chain,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.JSONRenderer()],
    ))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    kafka = logging.getLogger("aiokafka")
    kafka_level = kafka.level
    kafka.setLevel(logging.WARNING)  # as `shared.logging.configure_logging` does
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        kafka.setLevel(kafka_level)
        structlog.configure(**saved)


@pytest.fixture(scope="package")
async def service(infra: Infra, log_lines: LogLines) -> AsyncIterator[Service]:
    async with running(infra, lambda: build(support.settings(infra))) as svc:
        yield svc
