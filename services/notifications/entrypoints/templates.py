"""The message templates for staff to read (`/notifications/templates`): each one
rendered with sample data (`domain.samples`) in every language, as an e-mail and as an
SMS, signed as the municipality's profile signs it.

The samples' links have the portal's address but are signed with a key no service holds
(`SAMPLE_KEY`): they show what a link looks like, and lead nowhere.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel

from services.notifications.adapters import views
from services.notifications.adapters.templates import LANGUAGES, Renderer
from services.notifications.domain.links import Links
from services.notifications.domain.planning import PlanConfig
from services.notifications.domain.routing import TEMPLATES
from services.notifications.domain.samples import World, sample_contexts
from services.notifications.domain.sender import Sender
from shared.auth import CurrentPrincipal
from shared.contracts.types import MunicipalityCode
from shared.errors import NotFound
from shared.http import ERRORS
from shared.links import LinkSigner

router = APIRouter(prefix="/notifications", tags=["templates"], responses=ERRORS)
SAMPLE_KEY = "sample-links-are-signed-with-a-key-no-service-holds"
RENDERER = Renderer()


class Rendering(BaseModel):
    language: str
    subject: str
    text: str
    sms: str


class TemplateOut(BaseModel):
    template: str
    municipality_code: str
    renderings: list[Rendering]
    """One per language (`sv`, `en`)."""


def _samples(request: Request) -> dict[str, dict[str, object]]:
    links: Links = request.app.state.links
    sample = Links(links.base_url, LinkSigner(SAMPLE_KEY), links.timezone)
    return sample_contexts(PlanConfig(sample, links.timezone), World(tag="00000000"))


@router.get("/templates", response_model=list[str])
async def template_names(municipality_code: MunicipalityCode,
                         principal: CurrentPrincipal) -> list[str]:
    """The names of the templates a municipality's messages are written with."""
    principal.require(municipality_code)
    return sorted(TEMPLATES)  # each has sample data (a unit test holds it)


@router.get("/templates/{template}", response_model=TemplateOut)
async def template(template: Annotated[str, Path(pattern=r"^[a-z_]{1,40}$")],
                   municipality_code: MunicipalityCode, request: Request,
                   principal: CurrentPrincipal) -> TemplateOut:
    """One template with sample data, in each language, signed as `municipality_code`'s
    profile signs its messages."""
    principal.require(municipality_code)
    context = _samples(request).get(template)
    if context is None:
        raise NotFound("no such template")
    async with request.app.state.service.session_factory() as db:
        profile = await views.profile(db, municipality_code)
    signed = {**context, "recipient_name": "Kim Berg",
              "sender": Sender(municipality_code, profile).signature()}
    return TemplateOut(template=template, municipality_code=municipality_code, renderings=[
        Rendering(language=lang, subject=(mail := RENDERER.email(template, lang, signed)).subject,
                  text=mail.text, sms=RENDERER.sms(template, lang, signed).text)
        for lang in LANGUAGES])
