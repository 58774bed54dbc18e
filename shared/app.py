"""A service's HTTP side: the FastAPI app (its routers, errors, body guard, health,
`/asyncapi.json`) and the uvicorn server that serves it inside the service's process.

The server is uvicorn's public `Server.serve()` with one change: `capture_signals`, the
public hook around it, does nothing. Uvicorn's own would replace the process's SIGTERM
and SIGINT handlers for as long as it serves and raise the signal again after it; the
runtime's handlers (`shared.runtime`) must keep them, to stop HTTP first, then the
consumers, then the relay after a last flush.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from shared.auth import Authenticator
from shared.http import install_body_guard, install_error_handlers, install_health
from shared.kafka.progress import PartitionReport
from shared.outbox import outbox_status

if TYPE_CHECKING:
    from shared.runtime import Service


class HttpServer(uvicorn.Server):
    """uvicorn's server, leaving signal handling to the process that embeds it."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def http_server(app: FastAPI, host: str, port: int) -> HttpServer:
    return HttpServer(uvicorn.Config(app, host=host, port=port, log_config=None,
                                     access_log=False, lifespan="on"))


def http_app(service: Service) -> FastAPI:
    """The service's FastAPI app; `request.app.state` holds the service, its
    authenticator (accepting `service.roles`) and the service's own `state`."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield

    app = FastAPI(title=f"praktik {service.name}", description=service.description,
                  lifespan=lifespan)
    app.state.service = service
    app.state.authenticator = Authenticator(
        service.settings.auth_jwt_secret, service.settings.auth_api_keys, roles=service.roles
    )
    for key, value in service.state.items():
        setattr(app.state, key, value)
    install_error_handlers(app)
    install_body_guard(app, service.settings.http_max_body_bytes)
    install_health(app, {"database": service.check_database, "kafka": service.check_broker,
                         "consumers": service.check_consumers})
    install_documents(app, service)
    for router in service.routers:
        app.include_router(router)
    return app


def install_documents(app: FastAPI, service: Service) -> None:
    """`/health/consumers`, `/health/outbox` and `/asyncapi.json`."""

    @app.get("/health/consumers", tags=["health"])
    async def consumers() -> dict[str, list[PartitionReport]]:
        """The partitions each consumer group of this replica owns right now: the next
        offset to handle, the end, the lag, and how long records have waited without
        the position moving (`stalled` past `consumer_stall_s`: then not ready)."""
        return await service.consumer_reports()

    @app.get("/health/outbox", tags=["health"])
    async def outbox() -> dict[str, Any]:
        """Rows waiting to be published, and rows set aside as unsendable (their id,
        event id, topic, reason and time; never their content)."""
        return await outbox_status(service.engine, service.tables.outbox,
                                   service.tables.outbox_dead)

    @app.get("/asyncapi.json", tags=["documents"])
    async def asyncapi() -> JSONResponse:
        return JSONResponse(service.asyncapi())
