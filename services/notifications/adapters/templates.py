"""Jinja2 templates: one folder per language (`templates/<lang>/`: `_vocabulary.json`,
`_signature.j2`, and one file per template with `subject`, `text` and `sms` blocks).
`StrictUndefined`: a missing variable is an error, never a hole.

A language is a folder: a person whose language has none gets the Swedish text with the
English below it. Every message ends with the signature (the municipality and its
coordinator) and the opt-out link of its channel."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from markupsafe import Markup, escape

from services.notifications.domain import dates
from services.notifications.domain.sender import Sender

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
FALLBACK = "sv"
SECOND = "en"
"""Below the Swedish text for a reader whose language has no templates."""
BOTH = f"{FALLBACK}+{SECOND}"


def languages(directory: Path = TEMPLATES) -> tuple[str, ...]:
    """The languages with templates: each folder with a vocabulary."""
    return tuple(sorted(p.parent.name for p in directory.glob("*/_vocabulary.json")))


LANGUAGES = languages()
URL = re.compile(r"https?://[^\s<>\"]+")
LATER_VARIABLES: dict[str, Any] = {
    "variant": None, "moved_up": False, "earlier_workplace": None, "earlier_start": None,
    "earlier_end": None, "consent_by": None, "draw_url": None}
"""Variables added after rows were first stored (issues 18, 20): a row recorded before
them renders as it did."""


def as_html(text: str, subject: str) -> Markup:
    """The text part as an HTML letter: escaped, paragraphs, lists and links kept."""
    parts: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines: list[str] = []
        items: list[str] = []
        for line in [*block.split("\n"), ""]:
            if line.startswith("- "):
                if lines:
                    parts.append("<p>" + "<br>".join(lines) + "</p>")
                    lines = []
                items.append(f"<li>{_linked(line[2:])}</li>")
                continue
            if items:
                parts.append("<ul>" + "".join(items) + "</ul>")
                items = []
            if line:
                lines.append(_linked(line))
        if lines:
            parts.append("<p>" + "<br>".join(lines) + "</p>")
    return Markup(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{}</title></head>"
        "<body style=\"font-family:sans-serif;font-size:16px;line-height:1.5\">{}</body></html>"
    ).format(subject, Markup("".join(parts)))


def _linked(line: str) -> str:
    out, last = [], 0
    for match in URL.finditer(line):
        out.append(str(escape(line[last:match.start()])))
        url = escape(match.group(0))
        out.append(f'<a href="{url}">{url}</a>')
        last = match.end()
    out.append(str(escape(line[last:])))
    return "".join(out)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str | None
    language: str


def _day(value: str | date) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


class Renderer:
    def __init__(self, directory: Path = TEMPLATES) -> None:
        self.env = Environment(
            loader=FileSystemLoader(str(directory)), undefined=StrictUndefined,
            autoescape=False, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)
        self.env.filters["as_html"] = as_html
        self._cache: dict[tuple[str, str], Template] = {}
        self.languages = languages(directory)
        self.vocabulary = {
            lang: json.loads((directory / lang / "_vocabulary.json").read_text())
            for lang in self.languages}

    def language_for(self, wanted: str | None) -> str:
        """The recipient's language when we have templates in it, else Swedish with
        English below (`sv+en`)."""
        code = (wanted or FALLBACK).lower().split("-")[0]
        return code if code in self.languages else BOTH

    def _template(self, name: str, language: str) -> Template:
        key = (name, language)
        if key not in self._cache:
            self._cache[key] = self.env.get_template(f"{language}/{name}.j2")
        return self._cache[key]

    def _variables(self, context: dict[str, Any], language: str,
                   dash: str = dates.DASH) -> dict[str, Any]:
        words = self.vocabulary[language]
        months, weekdays = words["months"], words["weekdays"]
        # The helpers come last: a variable of the letter never hides one.
        return {"sender": Sender(None).signature(), "role": "", "opt_out_url": None,
                **LATER_VARIABLES, **context, "words": words,
                "span": lambda a, b: (dates.span(_day(a), _day(b), months, dash)
                                      if a and b else ""),
                "day_month": lambda d: dates.day_month(_day(d), months),
                "weekday": lambda d: dates.weekday_date(_day(d), weekdays, months),
                "moment": lambda t: _moment(str(t), months, words["at"])}

    def _block(self, template: Template, block: str, variables: dict[str, Any]) -> str:
        render = template.blocks[block]
        return "".join(render(template.new_context(variables))).strip()

    def _one_email(self, name: str, lang: str, context: dict[str, Any]) -> tuple[str, str]:
        variables = self._variables(context, lang)
        template = self._template(name, lang)
        signature = self._template("_signature", lang)
        text = (self._block(template, "text", variables) + "\n\n"
                + self._block(signature, "text", variables))
        return self._block(template, "subject", variables), text

    def email(self, name: str, language: str | None, context: dict[str, Any]) -> Rendered:
        """Subject and text from the template's blocks, the signature below; the HTML part
        is the text as an HTML letter (`as_html`)."""
        lang = self.language_for(language)
        if lang == BOTH:
            subject, text = self._one_email(name, FALLBACK, context)
            second_subject, second = self._one_email(name, SECOND, context)
            subject = f"{subject} / {second_subject}"
            text = f"{text}\n\n* * *\n\n{second}"
        else:
            subject, text = self._one_email(name, lang, context)
        return Rendered(subject, text + "\n", str(as_html(text, subject)), _tag(lang))

    def _one_sms(self, name: str, lang: str, context: dict[str, Any]) -> str:
        variables = self._variables(context, lang, dates.SMS_DASH)
        body = self._block(self._template(name, lang), "sms", variables)
        return body + " " + self._block(self._template("_signature", lang), "sms", variables)

    def sms(self, name: str, language: str | None, context: dict[str, Any]) -> Rendered:
        lang = self.language_for(language)
        if lang == BOTH:
            text = (self._one_sms(name, FALLBACK, context) + "\n\n"
                    + self._one_sms(name, SECOND, context))
        else:
            text = self._one_sms(name, lang, context)
        return Rendered("", text, None, _tag(lang))


def _tag(lang: str) -> str:
    """As a Content-Language header says it: `sv, en` for both."""
    return lang.replace("+", ", ")


def _moment(value: str, months: list[str], at: str) -> str:
    """"2027-03-10 16:00" as "10 mars kl. 16:00"."""
    day = date.fromisoformat(value[:10])
    clock = value[11:16]
    return f"{dates.day_month(day, months)} {at} {clock}" if clock else dates.day_month(
        day, months)
