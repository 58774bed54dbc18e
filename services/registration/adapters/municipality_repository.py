"""Municipality profiles in registration's schema: one row per municipality, replaced
whole by the coordinator's edit."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.registration.adapters import orm
from services.registration.domain.age_rules import AgeRule
from services.registration.domain.consent import DEFAULT_RULE, ConsentRule
from services.registration.domain.profile import MunicipalityProfile


class MunicipalityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def _profile(row: Row[Any]) -> MunicipalityProfile:
        return MunicipalityProfile(
            municipality_code=row.municipality_code, name=row.name,
            coordinator_name=row.coordinator_name, coordinator_email=row.coordinator_email,
            coordinator_phone=row.coordinator_phone,
            consent_rule="both" if row.consent_rule == "both" else "either",
            offer_answer_programs=tuple(row.offer_answer_programs),
            offer_answer_days=row.offer_answer_days,
            guardian_answers_offer=row.guardian_answers_offer,
            age_rules=tuple(AgeRule(**rule) for rule in row.age_rules),
            only_preferences_programs=tuple(row.only_preferences_programs),
            workplace_answer_days=row.workplace_answer_days, consent_days=row.consent_days,
        )

    async def get(self, municipality_code: str) -> MunicipalityProfile | None:
        t = orm.municipality_profiles
        row = (await self.session.execute(
            select(t).where(t.c.municipality_code == municipality_code))).first()
        return None if row is None else self._profile(row)

    async def consent_rule(self, municipality_code: str) -> ConsentRule:
        """The municipality's rule; `either` where it has recorded no profile."""
        profile = await self.get(municipality_code)
        return DEFAULT_RULE if profile is None else profile.consent_rule

    async def save(self, p: MunicipalityProfile) -> None:
        values: dict[str, Any] = {
            "municipality_code": p.municipality_code, "name": p.name,
            "coordinator_name": p.coordinator_name, "coordinator_email": p.coordinator_email,
            "coordinator_phone": p.coordinator_phone, "consent_rule": p.consent_rule,
            "offer_answer_programs": list(p.offer_answer_programs),
            "offer_answer_days": p.offer_answer_days,
            "guardian_answers_offer": p.guardian_answers_offer,
            "age_rules": [dataclasses.asdict(rule) for rule in p.age_rules],
            "only_preferences_programs": list(p.only_preferences_programs),
            "workplace_answer_days": p.workplace_answer_days, "consent_days": p.consent_days,
        }
        stmt = insert(orm.municipality_profiles).values(**values)
        changes: dict[str, Any] = {k: stmt.excluded[k] for k in values
                                   if k != "municipality_code"}
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=["municipality_code"], set_={**changes, "updated_at": func.now()}))
