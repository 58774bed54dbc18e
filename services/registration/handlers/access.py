"""The access log (`domain.access`): each read of a participant's record by staff is
written in the read's own transaction; the retention job purges what is past its time."""

from __future__ import annotations

from services.registration.dependencies import Dependencies
from services.registration.domain import commands
from services.registration.domain.access import AccessEntry, purge_before
from services.registration.unit_of_work import RegistrationUnitOfWork


async def record_read(cmd: commands.RecordRead, uow: RegistrationUnitOfWork,
                      deps: Dependencies) -> AccessEntry:
    entry = AccessEntry(cmd.reader, cmd.reader_role, cmd.participant_id,
                        cmd.municipality_code, cmd.record, cmd.purpose, deps.clock())
    await uow.access_log.add(entry)
    return entry


async def purge_access_log(cmd: commands.PurgeAccessLog, uow: RegistrationUnitOfWork,
                           deps: Dependencies) -> int:
    """How many entries were past their retention, now gone (the refused intake
    requests past theirs go too)."""
    now = deps.clock()
    await uow.intake_rejections.purge(purge_before(now, cmd.rejections_retention_days))
    return await uow.access_log.purge(purge_before(now, cmd.retention_days))
