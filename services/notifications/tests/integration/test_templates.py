"""The templates with sample data over HTTP on real Postgres: every template in every
language, as an e-mail and an SMS, signed as the municipality's profile signs it; scoped
to the caller's municipalities; the samples' links lead nowhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from devkit.infra import Infra
from devkit.services import http_client, running
from services.notifications.adapters.templates import LANGUAGES
from services.notifications.bootstrap import build
from services.notifications.domain.routing import TEMPLATES
from services.notifications.tests.examples import World
from services.notifications.tests.integration.support import deliver, outside_world, settings
from shared.auth import issue_token
from shared.links import BadLink, LinkSigner

pytestmark = pytest.mark.infra


async def test_each_template_with_sample_data_signed_by_the_profile(
        infra: Infra, db: str, tmp_path: Path) -> None:
    world = World()
    async with outside_world(tmp_path) as (catcher, elks), \
            running(infra, lambda: build(settings(infra, db, catcher, elks)),
                    reset=False) as service, \
            http_client(service) as client:
        await deliver(service, world.profile())
        secret = service.settings.auth_jwt_secret
        own = {"Authorization": "Bearer " + issue_token(secret, "c", "coordinator",
                                                        [world.municipality])}
        other = {"Authorization": "Bearer " + issue_token(secret, "c", "coordinator",
                                                          ["1380"])}
        query = {"municipality_code": world.municipality}
        assert (await client.get("/notifications/templates", params=query)).status_code == 401
        names = (await client.get("/notifications/templates", params=query,
                                  headers=own)).json()
        assert set(names) == set(TEMPLATES)
        assert (await client.get("/notifications/templates", params=query,
                                 headers=other)).status_code == 403
        path = "/notifications/templates/placement_proposal"
        assert (await client.get(path, params=query, headers=other)).status_code == 403
        shown = (await client.get(path, params=query, headers=own)).json()
        assert [r["language"] for r in shown["renderings"]] == list(LANGUAGES)
        swedish = shown["renderings"][0]
        assert swedish["subject"] and "Kim Berg" in swedish["text"]
        assert "Eva Lund" in swedish["text"] and "Hässleholms kommun" in swedish["text"]
        assert "Eva Lund" in swedish["sms"] or "Hässleholm" in swedish["sms"]
        [token] = [word.rsplit("/l/", 1)[1].rstrip(".") for word in swedish["text"].split()
                   if "/l/" in word][:1]
        with pytest.raises(BadLink):  # a sample's link is signed with no service's key
            LinkSigner(service.settings.link_secret).read(token)
        for name in names:  # every one renders
            answer = await client.get(f"/notifications/templates/{name}", params=query,
                                      headers=own)
            assert answer.status_code == 200, (name, answer.text)
        missing = await client.get("/notifications/templates/nothing_such", params=query,
                                   headers=own)
        assert missing.status_code == 404
