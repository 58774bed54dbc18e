"""The statistics page and its downloads, as the signed-in person: matching counts only
their municipalities."""

from __future__ import annotations

from services.portal.dependencies import Dependencies, StaffApi
from services.portal.domain.commands import DownloadStatistics, ShowStatistics
from services.portal.domain.people import StaffTroublePage
from services.portal.domain.statistics import (
    FORMATS,
    Download,
    StatisticsPage,
    statistics_page,
)
from services.portal.handlers.people import or_trouble


async def show_statistics(cmd: ShowStatistics, uow: StaffApi,
                          deps: Dependencies) -> StatisticsPage | StaffTroublePage:
    if problems := cmd.asked.problems():
        return StatisticsPage(cmd.asked, problems=problems)

    async def read() -> StatisticsPage:
        return statistics_page(cmd.asked, await uow.statistics(cmd.member, cmd.asked.query()))

    return await or_trouble(read)


async def download_statistics(cmd: DownloadStatistics, uow: StaffApi,
                              deps: Dependencies) -> Download | StaffTroublePage:
    if cmd.file_format not in FORMATS or cmd.asked.problems():
        return StaffTroublePage("not_found")

    async def read() -> Download:
        return await uow.statistics_file(cmd.member, cmd.asked.query(), cmd.file_format)

    return await or_trouble(read)
