"""Jinja2 templates: one file per template and language with `subject`, `text`, `html`
and `sms` blocks. `StrictUndefined`: a missing variable is an error, never a hole."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from markupsafe import Markup, escape

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
LANGUAGES = ("sv", "en")
FALLBACK = "sv"
URL = re.compile(r"https?://[^\s<>\"]+")


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


class Renderer:
    def __init__(self, directory: Path = TEMPLATES) -> None:
        self.env = Environment(
            loader=FileSystemLoader(str(directory)), undefined=StrictUndefined,
            autoescape=False, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)
        self.env.filters["as_html"] = as_html
        self._cache: dict[tuple[str, str], Template] = {}
        self.vocabulary = {
            lang: json.loads((directory / lang / "_vocabulary.json").read_text())
            for lang in LANGUAGES}

    def language_for(self, wanted: str | None) -> str:
        """The recipient's language when we have templates in it, else Swedish."""
        code = (wanted or FALLBACK).lower().split("-")[0]
        return code if code in LANGUAGES else FALLBACK

    def _template(self, name: str, language: str) -> Template:
        key = (name, language)
        if key not in self._cache:
            self._cache[key] = self.env.get_template(f"{language}/{name}.j2")
        return self._cache[key]

    def _block(self, template: Template, block: str, context: dict[str, Any],
               language: str) -> str:
        render = template.blocks[block]
        variables = {**context, "words": self.vocabulary[language]}
        return "".join(render(template.new_context(variables))).strip()

    def email(self, name: str, language: str | None, context: dict[str, Any]) -> Rendered:
        """Subject and text from the template's blocks; the HTML part from its `html` block
        if it has one, else the text part as an HTML letter (`as_html`)."""
        lang = self.language_for(language)
        template = self._template(name, lang)
        subject = self._block(template, "subject", context, lang)
        text = self._block(template, "text", context, lang)
        html = (self._block(template, "html", context, lang) if "html" in template.blocks
                else str(as_html(text, subject)))
        return Rendered(subject, text + "\n", html, lang)

    def sms(self, name: str, language: str | None, context: dict[str, Any]) -> Rendered:
        lang = self.language_for(language)
        template = self._template(name, lang)
        return Rendered("", self._block(template, "sms", context, lang), None, lang)
