"""Views into HTML: the Jinja2 templates (autoescape on), with the words of the page's
language (`t`) and dates as people write them."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.portal.adapters.texts import Texts
from services.portal.domain import dates
from services.portal.domain.answers import DECLINE_REASONS, LIMITS, SCORES
from services.portal.domain.course_figures import kronor
from services.portal.domain.courses import INVITE_REASONS
from services.portal.domain.explanation import REASONS
from services.portal.domain.language import LANGUAGES
from services.portal.domain.messages import DELIVERY, MESSAGE_NAMES, ROLES
from services.portal.domain.placements import OUTCOMES, PARTIES, STATUSES
from services.portal.domain.places import COURSES
from services.portal.domain.statistics import SHOWN
from shared.contracts.types import PROGRAMS

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
           "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"}
"""No page is kept by a cache, and no link (its token) leaves in a Referer header."""


class Renderer:
    def __init__(self, texts: Texts, timezone: str) -> None:
        self.texts = texts
        self.timezone = timezone
        self.env = Environment(loader=FileSystemLoader(TEMPLATES),
                               autoescape=select_autoescape(["html"], default=True),
                               undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)

    def page(self, request: Request, template: str, language: str, status: int = 200,
             **context: Any) -> HTMLResponse:
        def t(key: str, **values: object) -> str:
            return self.texts.text(language, key, **values)

        html = self.env.get_template(template).render(
            t=t, lang=language, languages=LANGUAGES, path=request.url.path,
            day=lambda d: dates.day(d, language) if isinstance(d, date) else "",
            clock=lambda v: dates.clock(v, language) if isinstance(v, time) else "",
            moment=lambda m: (dates.moment(m, language, self.timezone)
                              if isinstance(m, datetime) else ""),
            period=lambda a, b: (dates.period(a, b, language)
                                 if isinstance(a, date) and isinstance(b, date) else ""),
            clock_at=lambda m: (dates.clock_at(m, language, self.timezone)
                                if isinstance(m, datetime) else ""),
            month=lambda d: dates.month(d, language) if isinstance(d, date) else "",
            kronor=lambda amount: kronor(amount, language),
            courses=COURSES, invite_reasons=INVITE_REASONS,
            decline_reasons=DECLINE_REASONS, scores=SCORES, programs=PROGRAMS, limits=LIMITS,
            reason_codes=REASONS, outcomes=OUTCOMES, parties=PARTIES, statuses=STATUSES,
            message_templates=MESSAGE_NAMES, message_delivery=DELIVERY, message_roles=ROLES,
            counts_shown=SHOWN,
            **context)
        return HTMLResponse(html, status_code=status, headers=HEADERS)
