"""The shared HTTP error mapping: what a caller gets when the database connection is lost
(503, try again) and when something else fails in the database (500, nothing leaked)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError

from shared.http import install_error_handlers


class _Dropped(Exception):
    """What asyncpg raises for a connection the server closed."""


_Dropped.__name__ = "ConnectionDoesNotExistError"


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/dropped")
    async def dropped() -> None:
        raise DBAPIError("SELECT 1", {}, _Dropped("connection was closed"),
                         connection_invalidated=True)

    @app.get("/broken")
    async def broken() -> None:
        raise DBAPIError("SELECT secret FROM t", {"p": "hidden-parameter"}, ValueError("boom"))

    return app


async def test_a_lost_connection_is_503_and_another_database_error_500() -> None:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        dropped = await client.get("/dropped")
        assert dropped.status_code == 503 and dropped.headers["retry-after"] == "1"
        broken = await client.get("/broken")
        assert broken.status_code == 500
        assert broken.json() == {"detail": "internal error"}
        assert "hidden-parameter" not in broken.text and "secret" not in broken.text
