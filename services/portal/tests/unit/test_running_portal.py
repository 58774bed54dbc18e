"""`devkit.portal.running_portal`, the portal a cross-service test runs: its real HTTP
clients, here pointed at services that do not listen, say "try again later"."""

from __future__ import annotations

import httpx

from devkit.portal import running_portal
from devkit.ports import free_port
from services.portal.tests.fakes import token


async def test_a_portal_whose_services_are_away_says_try_again_later() -> None:
    away = f"http://127.0.0.1:{free_port()}"
    urls = {name: away for name in ("registration", "matching", "training", "notifications")}
    async with running_portal(urls, request_timeout_s=2.0) as url, httpx.AsyncClient() as http:
        page = await http.get(f"{url}/l/{token('consent')}")
        assert page.status_code == 503 and 'data-trouble="service_down"' in page.text
        assert "support@praktik.example" in page.text  # the municipality's contact is away
        answer = await http.post(f"{url}/l/{token('enrolment')}", data={"attend": "yes"})
        assert answer.status_code == 503
        assert (await http.get(f"{url}/health/ready")).status_code == 200
