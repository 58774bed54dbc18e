"""The HTTP side every service shares: errors as 4xx with fields, health, API documents."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError

from shared.contracts.errors import MessageRejected
from shared.errors import Conflict, Forbidden, NotFound, is_transient


def field_errors(error: MessageRejected) -> list[dict[str, str]]:
    return [{"field": p.field, "message": p.message} for p in error.problems] or [
        {"field": "", "message": error.reason}
    ]


def install_error_handlers(app: FastAPI) -> None:
    """Rules refused → 422 naming each field; unknown → 404; clash → 409; scope → 403;
    a lost database connection → 503."""

    @app.exception_handler(MessageRejected)
    async def _rejected(_: Request, exc: MessageRejected) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": field_errors(exc)})

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [
            {
                "field": ".".join(str(p) for p in err.get("loc", ()) if p != "body"),
                "message": str(err.get("msg", "invalid")),
            }
            for err in exc.errors()
        ]
        return JSONResponse(status_code=422, content={"detail": detail})

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": str(exc) or "not found"})

    @app.exception_handler(Conflict)
    async def _conflict(_: Request, exc: Conflict) -> JSONResponse:
        return JSONResponse(status_code=409, content={"detail": str(exc) or "conflict"})

    @app.exception_handler(Forbidden)
    async def _forbidden(_: Request, __: Forbidden) -> JSONResponse:
        return JSONResponse(status_code=403, content={"detail": "forbidden"})

    @app.exception_handler(DBAPIError)
    async def _database(_: Request, exc: DBAPIError) -> JSONResponse:
        # A dropped connection (the database restarted) is worth retrying; the pool has
        # already replaced it. Anything else is a bug: 500, as FastAPI would answer.
        if is_transient(exc):
            return JSONResponse(status_code=503, headers={"Retry-After": "1"},
                                content={"detail": "the database is unavailable; try again"})
        return JSONResponse(status_code=500, content={"detail": "internal error"})


ReadinessCheck = Callable[[], Awaitable[None]]


def install_health(app: FastAPI, checks: dict[str, ReadinessCheck]) -> None:
    @app.get("/health/live", tags=["health"])
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/health/ready", tags=["health"],
        responses={503: {"description": "a dependency (database or broker) is unavailable"}},
    )
    async def ready() -> JSONResponse:
        results: dict[str, str] = {}
        healthy = True
        for name, check in checks.items():
            try:
                await check()
                results[name] = "ok"
            except Exception as exc:
                healthy = False
                results[name] = f"unavailable: {type(exc).__name__}"
        return JSONResponse(
            status_code=200 if healthy else 503,
            content={"status": "ok" if healthy else "unavailable", "checks": results},
        )
