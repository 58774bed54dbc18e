"""Load and save participants with their guardians, consents and erasure marks, in the
unit of work's session. Identity numbers are here only sealed, and found by keyed hash."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import Row, any_, bindparam, delete, func, or_, select, union_all, update
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.ext.asyncio import AsyncSession

from services.registration.adapters import orm
from services.registration.adapters.rows import contact_of, contact_values, pairs_in, upsert
from services.registration.domain.consent import ConsentAnswer
from services.registration.domain.model import Guardian, Participant

_INSERT_NEW_PARTICIPANT = (
    insert(orm.participants).on_conflict_do_nothing().returning(orm.participants.c.id)
)
"""Built once: compiled once (the hot path of the intake)."""


def _holding(column: Any, codes: str, values: str) -> Any:
    """Participants holding one of the given `(municipality_code, column)` pairs."""
    t = orm.participants
    return pairs_in(t, column, codes, values, t.c.identity_hash)


_KNOWN_KEYS = union_all(
    _holding(orm.participants.c.external_ref, "ref_codes", "refs"),
    _holding(orm.participants.c.identity_hash, "hash_codes", "hashes"),
)
"""Participants holding any of the given references or identity hashes, per municipality."""


_PARTICIPANTS_BY_REF = pairs_in(orm.participants, orm.participants.c.external_ref, "codes",
                                "refs", orm.participants.c.id, orm.participants.c.birth_date)


class ParticipantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def _participant(row: Row[Any], guardian_ids: list[UUID]) -> Participant:
        return Participant(
            id=row.id, municipality_code=row.municipality_code, birth_date=row.birth_date,
            contact=contact_of(row), gender=row.gender, needs=tuple(row.needs),
            identity_hash=row.identity_hash, sealed_identity=row.sealed_identity,
            external_ref=row.external_ref, guardian_ids=guardian_ids,
        )

    async def _guardian_ids(self, participant_id: UUID) -> list[UUID]:
        link = orm.participant_guardians
        rows = await self.session.execute(
            select(link.c.guardian_id).where(link.c.participant_id == participant_id)
            .order_by(link.c.position)
        )
        return [row.guardian_id for row in rows]

    async def get(self, participant_id: UUID, *, lock: bool = False) -> Participant | None:
        stmt = select(orm.participants).where(orm.participants.c.id == participant_id)
        if lock:
            stmt = stmt.with_for_update()
        row = (await self.session.execute(stmt)).first()
        if row is None:
            return None
        return self._participant(row, await self._guardian_ids(row.id))

    async def get_by_ref(self, municipality_code: str, ref: str) -> Participant | None:
        t = orm.participants
        row = (await self.session.execute(
            select(t).where(t.c.municipality_code == municipality_code, t.c.external_ref == ref)
        )).first()
        if row is None:
            return None
        return self._participant(row, await self._guardian_ids(row.id))

    async def find(self, municipality_code: str, external_ref: str | None,
                   identity_hash: str) -> list[Participant]:
        """Participants of the municipality with this reference or this identity number."""
        t = orm.participants
        match = t.c.identity_hash == identity_hash
        if external_ref is not None:
            match = or_(match, t.c.external_ref == external_ref)
        rows = (await self.session.execute(
            select(t).where(t.c.municipality_code == municipality_code, match).with_for_update()
        )).all()
        return [self._participant(row, await self._guardian_ids(row.id)) for row in rows]

    async def add(self, participant: Participant) -> None:
        await self.session.execute(orm.participants.insert().values(**self._values(participant)))

    async def add_if_new(self, participant: Participant) -> bool:
        """Insert unless the id, the reference or the identity number is known already
        (one round trip for the common case of a new person); False when it was known."""
        inserted = await self.session.execute(_INSERT_NEW_PARTICIPANT, self._values(participant))
        return inserted.first() is not None

    async def known_keys(
        self, refs: Iterable[tuple[str, str]], hashes: Iterable[tuple[str, str]]
    ) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
        """Which `(municipality_code, external_ref)` and `(municipality_code,
        identity_hash)` pairs are taken already: one query for a whole run of intake."""
        wanted_refs, wanted_hashes = list(dict.fromkeys(refs)), list(dict.fromkeys(hashes))
        if not wanted_refs and not wanted_hashes:
            return set(), set()
        rows = await self.session.execute(_KNOWN_KEYS, {
            "ref_codes": [code for code, _ in wanted_refs],
            "refs": [ref for _, ref in wanted_refs],
            "hash_codes": [code for code, _ in wanted_hashes],
            "hashes": [digest for _, digest in wanted_hashes],
        })
        known_refs: set[tuple[str, str]] = set()
        known_hashes: set[tuple[str, str]] = set()
        for row in rows:
            if row.external_ref is not None:
                known_refs.add((row.municipality_code, row.external_ref))
            known_hashes.add((row.municipality_code, row.identity_hash))
        return known_refs, known_hashes

    async def born(self, ids: Iterable[UUID], refs: Iterable[tuple[str, str]],
                   ) -> dict[UUID | tuple[str, str], tuple[UUID, str, date]]:
        """The participants named by id or by `(municipality_code, external_ref)`: each
        name → (id, municipality, birth date), in two queries for a run of intake."""
        t = orm.participants
        found: dict[UUID | tuple[str, str], tuple[UUID, str, date]] = {}
        wanted_ids = list(dict.fromkeys(ids))
        if wanted_ids:
            rows = await self.session.execute(
                select(t.c.id, t.c.municipality_code, t.c.birth_date).where(t.c.id == any_(
                    bindparam("ids", type_=ARRAY(PG_UUID(as_uuid=True))))),
                {"ids": wanted_ids})
            for row in rows:
                found[row.id] = (row.id, row.municipality_code, row.birth_date)
        wanted_refs = list(dict.fromkeys(refs))
        if wanted_refs:
            rows = await self.session.execute(_PARTICIPANTS_BY_REF, {
                "codes": [code for code, _ in wanted_refs],
                "refs": [ref for _, ref in wanted_refs]})
            for row in rows:
                found[(row.municipality_code, row.external_ref)] = (
                    row.id, row.municipality_code, row.birth_date)
        return found

    async def add_many_if_new(self, participants: list[Participant]) -> int:
        """`add_if_new` for many in one round trip; returns how many were inserted (fewer
        than given when some id, reference or identity number was known meanwhile)."""
        if not participants:
            return 0
        inserted = await self.session.execute(
            _INSERT_NEW_PARTICIPANT, [self._values(p) for p in participants]
        )
        return len(inserted.all())

    async def update(self, participant: Participant) -> None:
        values = self._values(participant)
        values.pop("id")
        await self.session.execute(
            update(orm.participants).where(orm.participants.c.id == participant.id)
            .values(**values, updated_at=func.now())
        )

    @staticmethod
    def _values(p: Participant) -> dict[str, Any]:
        return {
            "id": p.id, "municipality_code": p.municipality_code,
            "external_ref": p.external_ref, "identity_hash": p.identity_hash,
            "sealed_identity": p.sealed_identity, "birth_date": p.birth_date,
            "gender": p.gender, "needs": list(p.needs),
            **contact_values(p.contact, ""),
        }

    async def guardians_of(self, participant_id: UUID) -> list[Guardian]:
        g, link = orm.guardians, orm.participant_guardians
        rows = await self.session.execute(
            select(g).join(link, link.c.guardian_id == g.c.id)
            .where(link.c.participant_id == participant_id).order_by(link.c.position)
        )
        return [self._guardian(row) for row in rows]

    async def guardians_by_hash(self, municipality_code: str,
                                hashes: Iterable[str]) -> dict[str, Guardian]:
        wanted = list(hashes)
        if not wanted:
            return {}
        g = orm.guardians
        rows = await self.session.execute(
            select(g).where(g.c.municipality_code == municipality_code,
                            g.c.identity_hash.in_(wanted))
        )
        return {row.identity_hash: self._guardian(row) for row in rows}

    @staticmethod
    def _guardian(row: Row[Any]) -> Guardian:
        return Guardian(row.id, row.municipality_code, contact_of(row), row.identity_hash,
                        row.sealed_identity)

    async def set_guardians(self, participant_id: UUID, guardians: list[Guardian]) -> None:
        for guardian in guardians:
            await upsert(self.session, orm.guardians, {
                "id": guardian.id, "municipality_code": guardian.municipality_code,
                "identity_hash": guardian.identity_hash,
                "sealed_identity": guardian.sealed_identity,
                **contact_values(guardian.contact),
            })
        link = orm.participant_guardians
        await self.session.execute(delete(link).where(link.c.participant_id == participant_id))
        if guardians:
            await self.session.execute(link.insert(), [
                {"participant_id": participant_id, "guardian_id": g.id, "position": i}
                for i, g in enumerate(guardians)
            ])

    async def drop_orphan_guardians(self, candidates: Iterable[UUID]) -> list[UUID]:
        """Delete those of `candidates` linked to no participant; returns their ids."""
        ids = list(candidates)
        if not ids:
            return []
        g, link = orm.guardians, orm.participant_guardians
        linked = select(link.c.guardian_id).where(link.c.guardian_id == g.c.id).exists()
        rows = await self.session.execute(
            delete(g).where(g.c.id.in_(ids), ~linked).returning(g.c.id)
        )
        return [row.id for row in rows]

    async def record_consent(self, answer: ConsentAnswer) -> None:
        """A guardian's answer for a programme; a later answer replaces an earlier one."""
        stmt = insert(orm.consents).values(
            participant_id=answer.participant_id, guardian_id=answer.guardian_id,
            program=answer.program, granted=answer.granted, via=answer.via,
            message=answer.message, placement_id=answer.placement_id)
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=["participant_id", "guardian_id", "program"],
            set_={"granted": stmt.excluded.granted, "via": stmt.excluded.via,
                  "message": stmt.excluded.message,
                  "placement_id": stmt.excluded.placement_id, "recorded_at": func.now()},
        ))

    async def answers_for(self, participant_id: UUID, program: str) -> dict[UUID, bool]:
        """Each guardian's answer for the programme (granted or not), by guardian id."""
        c = orm.consents
        rows = await self.session.execute(select(c.c.guardian_id, c.c.granted).where(
            c.c.participant_id == participant_id, c.c.program == program))
        return {row.guardian_id: row.granted for row in rows}

    async def erase(self, participant: Participant) -> list[UUID]:
        """Delete the participant with everything personal; keep an anonymous erasure mark.
        Returns the ids of guardians who no longer have any participant (also deleted)."""
        await self.session.execute(
            delete(orm.participants).where(orm.participants.c.id == participant.id)
        )
        await self.session.execute(
            insert(orm.erasures).values(participant_id=participant.id,
                                        municipality_code=participant.municipality_code)
            .on_conflict_do_nothing()
        )
        return await self.drop_orphan_guardians(participant.guardian_ids)

    async def erased(self, participant_id: UUID) -> str | None:
        """The municipality of an erased participant, or None."""
        return await self.session.scalar(
            select(orm.erasures.c.municipality_code)
            .where(orm.erasures.c.participant_id == participant_id)
        )

    async def guardian(self, guardian_id: UUID) -> Guardian | None:
        g = orm.guardians
        row = (await self.session.execute(
            select(g).where(g.c.id == guardian_id).with_for_update())).first()
        return None if row is None else self._guardian(row)

    async def children_of(self, guardian_id: UUID) -> list[UUID]:
        """The participants this guardian is a guardian of."""
        link = orm.participant_guardians
        rows = await self.session.execute(
            select(link.c.participant_id).where(link.c.guardian_id == guardian_id)
            .order_by(link.c.participant_id))
        return [row.participant_id for row in rows]

    async def erase_guardian(self, guardian_id: UUID) -> None:
        """Delete the guardian: gone from every participant's guardians, with every
        consent they gave (the cascades)."""
        await self.session.execute(delete(orm.guardians).where(orm.guardians.c.id == guardian_id))
