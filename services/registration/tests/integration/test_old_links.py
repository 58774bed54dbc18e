"""Links to a placement its request has left, over HTTP on real Postgres and Kafka: a
request proposed placement A, A declined, the request proposed placement B. A's links
still show A's facts (with its status), a used link to A answers 409 `link_used`, an
unused consent link to A 409 `placement_closed` and changes nothing; B's links work;
the coordinator sees B; erasure takes both."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from devkit.infra import Infra
from devkit.publisher import Publisher
from devkit.services import http_client
from devkit.wait import eventually
from services.registration.adapters import orm
from services.registration.tests import support
from services.registration.tests.integration.test_links import WELCOME, _link, _placed
from services.registration.tests.support import HALMSTAD, token
from shared.contracts import topics
from shared.contracts.matching import PlacementDeclined, PlacementProposed
from shared.runtime import Service

pytestmark = pytest.mark.infra

FACTS, CONSENT = "/registration/links/placement", "/registration/links/consent"


async def _request_at(client: httpx.AsyncClient, request_id: str, placement_id: str,
                      status: str) -> None:
    async def there() -> bool:
        answer = await client.get(f"/requests/{request_id}", headers=token(HALMSTAD))
        placement = answer.json()["placement"] or {}
        return bool(placement.get("placement_id") == placement_id
                    and placement.get("status") == status)

    await eventually(there, 30, f"registration to hear the request is {status}")


async def _next_offer(client: httpx.AsyncClient, publisher: Publisher,
                      made: dict[str, Any]) -> str:
    """Another offer of the same workplace, and matching's proposal of it (B)."""
    offer = await client.post("/offers", headers=token(HALMSTAD), json=support.offer_body(
        workplace_id=made["workplace"]["workplace_id"],
        supervisor_id=made["supervisor"]["supervisor_id"], bring="Arbetskläder"))
    assert offer.status_code == 201, offer.text
    placement_id, request = str(uuid.uuid4()), made["request"]
    await publisher.send_data(topics.MATCHING_EVENTS, PlacementProposed(
        placement_id=uuid.UUID(placement_id), request_id=request["request_id"],
        participant_id=made["participant"]["participant_id"],
        offer_id=offer.json()["offer_id"], workplace_id=made["workplace"]["workplace_id"],
        supervisor_id=made["supervisor"]["supervisor_id"], municipality_code=HALMSTAD,
        program="prao", period_start=request["period_start"],
        period_end=request["period_end"]))
    await _request_at(client, request["request_id"], placement_id, "proposed")
    return placement_id


async def test_links_to_a_declined_placement_after_the_next_proposal(
        infra: Infra, service: Service) -> None:
    async with Publisher(infra.kafka_bootstrap) as publisher, \
            http_client(service) as client:
        made = await _placed(client, publisher, **WELCOME)
        first, request_id = made["placement_id"], made["request"]["request_id"]
        pid = made["participant"]["participant_id"]
        vera, gustav = made["participant"]["guardian_ids"]
        supervisor = made["supervisor"]["supervisor_id"]
        used = _link(service, "consent", first, gustav)
        answered = await client.post(CONSENT, headers=used, json={"granted": True})
        assert answered.status_code == 200, answered.text
        await publisher.send_data(topics.MATCHING_EVENTS, PlacementDeclined(
            placement_id=uuid.UUID(first), request_id=request_id, by="workplace",
            reason="no_capacity", municipality_code=HALMSTAD))
        await _request_at(client, request_id, first, "declined")
        second = await _next_offer(client, publisher, made)

        old = await client.get(FACTS, headers=_link(service, "workplace_answer", first,
                                                     supervisor))
        assert old.status_code == 200, old.text
        assert old.json()["placement_id"] == first and old.json()["status"] == "declined"
        assert old.json()["bring"] == "Inneskor och lunch"  # A's own offer, not B's
        page = await client.get(CONSENT, headers=_link(service, "consent", first, vera))
        assert page.status_code == 200, page.text
        assert page.json()["status"] == "declined" and page.json()["answered"] is False

        again = await client.post(CONSENT, headers=used, json={"granted": False})
        assert again.status_code == 409 and again.json()["problem"] == "link_used"
        closed = await client.post(CONSENT, headers=_link(service, "consent", first, vera),
                                   json={"granted": False, "message": "Nej"})
        assert closed.status_code == 409, closed.text
        assert closed.json() == {"detail": "placement_closed"}
        consents = (await client.get(f"/participants/{pid}/consents",
                                     headers=token(HALMSTAD))).json()
        assert [(c["guardian_id"], c["granted"]) for c in consents] == [(gustav, True)]
        still = await client.get(CONSENT, headers=_link(service, "consent", first, vera))
        assert still.json()["answered"] is False

        new = await client.get(FACTS, headers=_link(service, "offer_answer", second, pid))
        assert new.status_code == 200, new.text
        assert new.json()["status"] == "proposed" and new.json()["bring"] == "Arbetskläder"
        given = await client.post(CONSENT, headers=_link(service, "consent", second, vera),
                                  json={"granted": True})
        assert given.status_code == 200, given.text
        shown = await client.get(f"/requests/{request_id}", headers=token(HALMSTAD))
        assert shown.json()["placement"]["placement_id"] == second

        assert (await client.delete(f"/participants/{pid}", headers=token(HALMSTAD))
                ).status_code == 204
        async with service.session_factory() as session:
            left = (await session.execute(select(orm.placements).where(
                orm.placements.c.placement_id.in_([uuid.UUID(first), uuid.UUID(second)]))
            )).all()
        assert left == []
        for placement_id in (first, second):
            gone = await client.get(FACTS, headers=_link(service, "consent", placement_id,
                                                          vera))
            assert gone.status_code == 403 and gone.json()["problem"] == "link_invalid"
