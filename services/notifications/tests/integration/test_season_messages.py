"""The season's rules from Kafka to a real SMTP server and the 46elks fake (issue 18): a
reminder at half the time reaches the supervisor by e-mail and SMS with a working link;
a participant who moves up is told once, in their language, while the earlier workplace
hears its place is free (the cancellation comes first, as it may); and an erased
guardian, manager and supervisor leave the read models."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from devkit.infra import Infra
from devkit.mail import SmtpCatcher
from devkit.publisher import Publisher
from devkit.services import running
from devkit.wait import eventually
from services.notifications.bootstrap import build
from services.notifications.tests.examples import World
from services.notifications.tests.integration.support import (
    deliver,
    mail_to,
    outside_world,
    rows,
    settings,
)
from services.notifications.tests.integration.test_routing_end_to_end import (
    _store_world,
    body,
)
from shared.contracts import topics
from shared.contracts.matching import (
    PlacementCancelled,
    PlacementConfirmed,
    PlacementDeadlineApproaching,
    PlacementProposed,
)
from shared.contracts.registration import PersonErased
from shared.links import LinkSigner


def _texts(catcher: SmtpCatcher, address: str) -> list[tuple[str, str]]:
    return [(m["subject"], body(catcher, m)[0]) for m in mail_to(catcher, address)]


async def test_a_reminder_reaches_the_supervisor_by_email_and_sms_with_a_working_link(
        infra: Infra, db: str, tmp_path: Path) -> None:
    world = World()
    async with outside_world(tmp_path) as (catcher, elks), \
            running(infra, lambda: build(settings(infra, db, catcher, elks)),
                    reset=False) as service, \
            Publisher(infra.kafka_bootstrap) as publisher:
        await _store_world(service, publisher, world)
        proposed = next(e for e in world.routed() if isinstance(e, PlacementProposed))
        await publisher.send_data(topics.MATCHING_EVENTS, proposed)
        deadline = world.now + timedelta(days=1)
        await publisher.send_data(topics.MATCHING_EVENTS, PlacementDeadlineApproaching(
            **world.news(), awaiting="workplace", deadline=deadline))

        def reminded() -> bool:
            return (any(s.startswith("Påminnelse") for s, _ in _texts(
                catcher, world.email("supervisor")))
                and any("Påminnelse" in s["message"] for s in elks.messages
                        if s["to"] == world.phone("supervisor")))

        await eventually(reminded, timeout_s=60, what="the reminder, by e-mail and SMS")
        [(subject, text)] = [t for t in _texts(catcher, world.email("supervisor"))
                             if t[0].startswith("Påminnelse")]
        assert subject.startswith("Påminnelse: svara om praktikanten senast")
        assert "Vi väntar fortfarande på ditt svar" in text
        assert "räknas det som ett nej" in text
        link = next(w for w in text.split() if "/l/" in w and w.startswith("http"))
        read = LinkSigner(service.settings.link_secret).read(link.rsplit("/", 1)[1],
                                                             "workplace_answer")
        assert read.subject == world.placement and read.recipient == world.supervisor
        assert read.expires_at == deadline.replace(microsecond=0)
        [sms] = [s for s in elks.messages if s["to"] == world.phone("supervisor")
                 and "Påminnelse" in s["message"]]
        assert "/l/" in sms["message"]


async def test_a_participant_who_moves_up_is_told_once_and_the_earlier_place_is_freed(
        infra: Infra, db: str, tmp_path: Path) -> None:
    """The earlier placement is confirmed; the participant moves up to a place they ranked
    higher. The cancellation of the earlier one comes first."""
    world = World()
    async with outside_world(tmp_path) as (catcher, elks), \
            running(infra, lambda: build(settings(infra, db, catcher, elks)),
                    reset=False) as service, \
            Publisher(infra.kafka_bootstrap) as publisher:
        await _store_world(service, publisher, world)
        proposed = next(e for e in world.routed() if isinstance(e, PlacementProposed))
        await publisher.send_data(topics.MATCHING_EVENTS, proposed)
        confirmed = next(e for e in world.routed() if isinstance(e, PlacementConfirmed))
        await publisher.send_data(topics.MATCHING_EVENTS, confirmed)
        await eventually(lambda: any(s.startswith("Välkomstbrev") for s, _ in _texts(
            catcher, world.email("participant"))), timeout_s=60, what="the welcome letter")
        seen = {who: len(mail_to(catcher, world.email(who)))
                for who in ("participant", "guardian", "supervisor")}
        await publisher.send_data(topics.MATCHING_EVENTS, PlacementCancelled(
            **world.news(), reason="moved_to_preferred"))
        moved = proposed.model_copy(update={
            "placement_id": uuid.uuid4(), "replaces": world.placement,
            "consent_required": False, "preference_rank": 0})
        await publisher.send_data(topics.MATCHING_EVENTS, moved)

        def told() -> bool:
            return (len(mail_to(catcher, world.email("participant"))) > seen["participant"]
                    and len(mail_to(catcher, world.email("guardian"))) > seen["guardian"]
                    and any("er plats är ledig" in s for s, _ in _texts(
                        catcher, world.email("supervisor"))))

        await eventually(told, timeout_s=60, what="the move up, told")
        await _settled(service, moved.placement_id)
        news = _texts(catcher, world.email("participant"))[seen["participant"]:]
        assert [s for s, _ in news] == ["En plats som du önskade mer har blivit ledig"], news
        [(_, letter)] = news
        assert "Din tidigare plats på Ekonomiskt bistånd" in letter and "släpps" in letter
        assert "inställd" not in letter
        guardian = _texts(catcher, world.email("guardian"))[seen["guardian"]:]
        assert [s for s, _ in guardian] == ["A place you ranked higher has come free"], guardian
        [(_, freed)] = [t for t in _texts(catcher, world.email("supervisor"))
                        if "er plats är ledig" in t[0]]
        assert "Platsen hos er är ledig igen" in freed
        assert "Checklistan för första dagen som vi skickade gäller inte längre" in freed


async def _settled(service: Any, placement_id: uuid.UUID) -> None:
    """Every message of the move is settled (none left to arrive after the check)."""
    async def done() -> bool:
        found = await rows(service, "select count(*) from notifications.notifications "
                                    "where status in ('pending', 'sending') "
                                    "and placement_id = :p", p=placement_id)
        return int(found[0][0]) == 0
    await eventually(done, timeout_s=30, what="the move's messages settled")


async def test_an_erased_guardian_manager_and_supervisor_leave_the_read_models(
        infra: Infra, db: str, tmp_path: Path) -> None:
    world = World()
    async with outside_world(tmp_path) as (catcher, elks), \
            running(infra, lambda: build(settings(
                infra, db, catcher, elks, dispatcher_enabled=False)), reset=False) as service, \
            Publisher(infra.kafka_bootstrap) as publisher:
        await _store_world(service, publisher, world)
        proposed = next(e for e in world.routed() if isinstance(e, PlacementProposed))
        await deliver(service, proposed)
        for person, role in ((world.guardian, "guardian"), (world.manager, "manager"),
                             (world.supervisor, "supervisor")):
            await deliver(service, PersonErased(
                person_id=person, role=role, municipality_code=world.municipality,
                workplace_id=None if role == "guardian" else world.workplace,
                participant_ids=[world.participant] if role == "guardian" else []))
        [(guardians,)] = await rows(service, "select guardian_ids from notifications.participants"
                                             " where participant_id = :p", p=world.participant)
        assert guardians == []
        [(manager,)] = await rows(service, "select manager_id from notifications.workplaces "
                                           "where workplace_id = :w", w=world.workplace)
        assert manager is None
        [(supervisor,)] = await rows(service, "select supervisor_id from "
                                              "notifications.placements where placement_id = :p",
                                     p=world.placement)
        assert supervisor is None
        gone = await rows(service, "select count(*) from notifications.contacts where "
                                   "person_id = any(:ids)", ids=[
                                       world.guardian, world.manager, world.supervisor])
        assert gone[0][0] == 0
        left = await rows(service, "select status, context::text from "
                                   "notifications.notifications where recipient_id = any(:ids)",
                          ids=[world.guardian, world.supervisor])
        assert left and all(tuple(r) == ("cancelled", "{}") for r in left), left
