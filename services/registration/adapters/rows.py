"""What registration's repositories share: contact columns to and from the domain's
`Contact`, an upsert by id, and a join on `(municipality_code, value)` pairs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, String, Table, and_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.registration.domain.model import Contact


def contact_of(row: Row[Any], prefix: str = "") -> Contact:
    m = row._mapping
    return Contact(m[f"{prefix}name"], m[f"{prefix}email"], m[f"{prefix}phone"],
                   m[f"{prefix}language"], m[f"{prefix}sms_allowed"])


def contact_values(contact: Contact, prefix: str = "") -> dict[str, Any]:
    return {f"{prefix}name": contact.name, f"{prefix}email": contact.email,
            f"{prefix}phone": contact.phone, f"{prefix}language": contact.language,
            f"{prefix}sms_allowed": contact.sms_allowed}


async def upsert(session: AsyncSession, table: Table, values: dict[str, Any]) -> None:
    stmt = insert(table).values(**values)
    changes: dict[str, Any] = {k: stmt.excluded[k] for k in values if k != "id"}
    changes["updated_at"] = func.now()
    await session.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=changes))


def pairs_in(table: Table, column: Any, codes: str, values: str, *selected: Any) -> Any:
    """Rows of `table` whose `(municipality_code, column)` is one of the pairs given as
    two array parameters: a join on the unique key, one statement for any count."""
    pairs = func.unnest(bindparam(codes, type_=ARRAY(String)),
                        bindparam(values, type_=ARRAY(String))
                        ).table_valued("code", "value").render_derived()
    return (select(table.c.municipality_code, table.c.external_ref, *selected)
            .join(pairs, and_(table.c.municipality_code == pairs.c.code,
                              column == pairs.c.value)))
