"""Registration's unit of work: the shared transaction plus its repositories."""

from __future__ import annotations

from services.registration.adapters.access_log_repository import AccessLogRepository
from services.registration.adapters.erasure_repository import ErasureRepository
from services.registration.adapters.intake_rejection_repository import (
    IntakeRejectionRepository,
)
from services.registration.adapters.municipality_repository import MunicipalityRepository
from services.registration.adapters.orm import tables
from services.registration.adapters.participant_repository import ParticipantRepository
from services.registration.adapters.repository import (
    CoordinatorRepository,
    NewsRepository,
    OfferRepository,
    RequestRepository,
    SupervisorRepository,
    WorkplaceRepository,
)
from services.registration.adapters.sender_repository import SenderRepository
from shared.unit_of_work import UnitOfWork
from shared.used_links import LinkUses, UsedLinks


class RegistrationUnitOfWork(UnitOfWork):
    participants: ParticipantRepository
    workplaces: WorkplaceRepository
    supervisors: SupervisorRepository
    offers: OfferRepository
    requests: RequestRepository
    coordinators: CoordinatorRepository
    news: NewsRepository
    municipalities: MunicipalityRepository
    links: LinkUses
    erasures: ErasureRepository
    senders: SenderRepository
    access_log: AccessLogRepository
    intake_rejections: IntakeRejectionRepository

    def _open(self) -> None:
        self.participants = ParticipantRepository(self.session)
        self.workplaces = WorkplaceRepository(self.session)
        self.supervisors = SupervisorRepository(self.session)
        self.offers = OfferRepository(self.session)
        self.requests = RequestRepository(self.session)
        self.coordinators = CoordinatorRepository(self.session)
        self.news = NewsRepository(self.session)
        self.municipalities = MunicipalityRepository(self.session)
        self.links = UsedLinks(self.session, tables.used_links)
        self.erasures = ErasureRepository(self.session)
        self.senders = SenderRepository(self.session)
        self.access_log = AccessLogRepository(self.session)
        self.intake_rejections = IntakeRejectionRepository(self.session)
