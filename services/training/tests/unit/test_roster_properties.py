"""Seat invariants hold after any sequence of enrolments, cancellations and capacity changes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from services.training.domain.model import Roster, Session
from shared.errors import Conflict, NotFound, Rejected

PEOPLE = [uuid.UUID(int=i + 1) for i in range(12)]
START = datetime(2027, 5, 10, 8, tzinfo=UTC)

actions = st.lists(st.one_of(
    st.tuples(st.just("enrol"), st.sampled_from(PEOPLE)),
    st.tuples(st.just("cancel"), st.sampled_from(PEOPLE)),
    st.tuples(st.just("capacity"), st.integers(min_value=1, max_value=8)),
), max_size=40)


@settings(max_examples=200, deadline=None)
@given(capacity=st.integers(min_value=1, max_value=6), steps=actions)
def test_seats_never_overbook_and_the_waitlist_only_forms_when_full(
    capacity: int, steps: list[tuple[str, UUID | int]]
) -> None:
    roster = Roster(Session.schedule(uuid.uuid4(), "base_course", None, START,
                                     START + timedelta(hours=8), "1380", "Rådhuset", False,
                                     capacity))
    for action, value in steps:
        waiting_before = [e.person_id for e in roster.waitlist()]
        try:
            if isinstance(value, int):  # action == "capacity"
                roster.change(capacity=value)
            elif action == "enrol":
                roster.enrol(value, "supervisor")
            else:
                was_enrolled = value in {e.person_id for e in roster.enrolled()}
                changes = roster.cancel(value)
                if was_enrolled and waiting_before:
                    assert changes[1].person_id == waiting_before[0]  # first in line moves up
        except (Conflict, NotFound, Rejected):
            pass
        enrolled, waiting = roster.enrolled(), roster.waitlist()
        assert len(enrolled) <= roster.session.capacity
        assert not waiting or len(enrolled) == roster.session.capacity
        queues = [e.queue for e in roster.enrolments.values()]
        assert len(queues) == len(set(queues))
        assert [e.queue for e in waiting] == sorted(e.queue for e in waiting)
