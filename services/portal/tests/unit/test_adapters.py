"""How the HTTP clients read a service's refusals (the responses as the services' shared
error handlers write them: shared/http.py), and that the token goes in the header."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from services.portal.adapters.links import MatchingClient, RegistrationClient
from services.portal.domain.answers import FieldProblems
from services.portal.domain.views import Closed, Unavailable
from shared.links import HEADER, BadLink

Seen = list[httpx.Request]


def _client(status: int, body: Any, seen: Seen) -> httpx.AsyncClient:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json=body)
    return httpx.AsyncClient(transport=httpx.MockTransport(answer))


@pytest.mark.parametrize(("status", "problem"), [
    (403, "link_invalid"), (403, "link_wrong_purpose"), (410, "link_expired"),
    (409, "link_used")])
async def test_a_refused_link_is_a_bad_link_with_its_municipality(status: int,
                                                                 problem: str) -> None:
    seen: Seen = []
    async with _client(status, {"detail": problem, "problem": problem,
                                "municipality_code": "0380"}, seen) as http:
        with pytest.raises(BadLink) as refused:
            await MatchingClient(http, "http://matching:8002").read("offer_answer", "tok")
    assert (refused.value.problem, refused.value.municipality_code) == (problem, "0380")
    assert seen[0].url == "http://matching:8002/matching/links/offer_answer"
    assert seen[0].headers[HEADER] == "tok" and "tok" not in str(seen[0].url)


async def test_a_refused_field_is_a_field_problem() -> None:
    seen: Seen = []
    body = {"detail": [{"field": "message", "message": "at most 1000 characters"}]}
    async with _client(422, body, seen) as http:
        with pytest.raises(FieldProblems) as refused:
            await RegistrationClient(http, "http://r").answer("consent", "tok",
                                                              {"granted": True})
    assert refused.value.problems == {"message": "refused"}
    assert seen[0].method == "POST" and seen[0].read() == b'{"granted":true}'


@pytest.mark.parametrize(("code", "refusal"), [
    ("placement_closed", Closed), ("already_answered", Closed), ("session_cancelled", Closed),
    ("deadline_passed", BadLink), ("session_started", BadLink)])
async def test_a_clash_with_the_state_is_closed_or_too_late(code: str,
                                                           refusal: type[Exception]) -> None:
    async with _client(409, {"detail": code}, []) as http:
        with pytest.raises(refusal) as refused:
            await MatchingClient(http, "http://m").answer("offer_answer", "tok",
                                                          {"accept": True})
    if isinstance(refused.value, BadLink):
        assert refused.value.problem == "link_expired"


@pytest.mark.parametrize("status", [500, 503])
async def test_a_failing_service_is_unavailable(status: int) -> None:
    async with _client(status, {"detail": "internal error"}, []) as http:
        with pytest.raises(Unavailable):
            await MatchingClient(http, "http://m").read("workplace_answer", "tok")


async def test_a_service_that_does_not_answer_is_unavailable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)
    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        with pytest.raises(Unavailable):
            await MatchingClient(http, "http://m").read("workplace_answer", "tok")


async def test_a_municipality_without_a_contact_is_none() -> None:
    async with _client(404, {"detail": "not found"}, []) as http:
        assert await RegistrationClient(http, "http://r").contact("0380") is None
    seen: Seen = []
    body = {"name": "Uppsala kommun", "coordinator_name": "Kim",
            "coordinator_email": "kim@uppsala.example", "coordinator_phone": "018-1"}
    async with _client(200, body, seen) as http:
        found = await RegistrationClient(http, "http://r").contact("0380")
    assert found is not None and found.email == "kim@uppsala.example"
    assert seen[0].url == "http://r/registration/municipalities/0380/contact"
