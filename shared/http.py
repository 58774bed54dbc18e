"""The HTTP side every service shares: errors as 4xx with fields (and documented as they
are), a bound on request bodies, strict JSON, health."""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from email.message import Message as MimeHeader
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.contracts.errors import MessageRejected
from shared.errors import Conflict, Forbidden, NotFound
from shared.links import BadLink
from shared.transient import is_transient


class ErrorOut(BaseModel):
    detail: str


class FieldErrorOut(BaseModel):
    field: str
    message: str


class FieldErrorsOut(BaseModel):
    detail: list[FieldErrorOut]


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "no or invalid bearer token"},
    403: {"model": ErrorOut, "description": "outside the caller's municipalities or role"},
    404: {"model": ErrorOut, "description": "not found"},
    413: {"model": ErrorOut, "description": "the request body is over the size limit"},
    422: {"model": FieldErrorsOut, "description": "refused: each failing field and why"},
    503: {"model": ErrorOut, "description": "unavailable for a moment; try again"},
}
"""What any route of a service's router may answer besides its own success, as the
handlers below really answer it (FastAPI's own 422 document, `{loc, msg, type}`, is not
what a caller gets): `APIRouter(responses=ERRORS)`."""

CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorOut, "description": "clashes with the current state"},
}
"""For the routes whose command can clash (`shared.errors.Conflict`)."""


LINK_STATUS: dict[str, int] = {"link_invalid": 403, "link_wrong_purpose": 403,
                               "link_expired": 410, "link_used": 409}
"""A link token that does not hold (shared.links.BadLink): the portal words each."""


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

    @app.exception_handler(BadLink)
    async def _bad_link(_: Request, exc: BadLink) -> JSONResponse:
        return JSONResponse(status_code=LINK_STATUS[exc.problem], content={
            "detail": exc.problem, "problem": exc.problem,
            "municipality_code": exc.municipality_code})

    @app.exception_handler(DBAPIError)
    async def _database(_: Request, exc: DBAPIError) -> JSONResponse:
        # A dropped connection (the database restarted) is worth retrying; the pool has
        # already replaced it. Anything else is a bug: 500, as FastAPI would answer.
        if is_transient(exc):
            return JSONResponse(status_code=503, headers={"Retry-After": "1"},
                                content={"detail": "the database is unavailable; try again"})
        return JSONResponse(status_code=500, content={"detail": "internal error"})


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is out of range")
    return number


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("a key appears twice in one object")
    return result


def strict_json(body: bytes) -> Any:
    """Parse a body as strict JSON (RFC 8259, UTF-8 without a byte order mark), refusing
    what Python's parser would let through and the database cannot store: NaN and
    infinities, duplicate keys, lone surrogates, NUL characters. Raises ValueError."""
    try:
        text = body.decode("utf-8")  # strict: an encoded surrogate is not UTF-8
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite,
                           object_pairs_hook=_unique_keys)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    except UnicodeDecodeError:
        raise ValueError("not UTF-8") from None
    pending = [value]
    while pending:  # no recursion: the depth is the caller's
        item = pending.pop()
        if isinstance(item, dict):
            pending += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            pending += item
        elif isinstance(item, str):
            if "\x00" in item:
                raise ValueError("a string holds a NUL character")
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("a string holds a lone surrogate") from None
    return value


def _is_json(content_type: str | None) -> bool:
    """Whether FastAPI would parse this body as JSON (no content type counts, as there)."""
    if content_type is None:
        return True
    header = MimeHeader()
    header["content-type"] = content_type
    subtype = header.get_content_subtype()
    return header.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json"))


class BodyGuard:
    """Reads a request body up to `max_bytes` before the app sees it: a declared
    Content-Length over the limit answers 413 without reading, a streamed (chunked) body
    answers 413 as soon as the count passes it. A JSON body that is not strict JSON
    answers 422 before any route runs, so it changes nothing. The app then gets the
    body in one piece."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away: nobody to answer
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body and _is_json(headers.get("content-type")):
            try:
                strict_json(body)
            except ValueError as error:
                response = JSONResponse(status_code=422, content={"detail": [
                    {"field": "", "message": f"the body is not strict JSON: {error}"}]})
                await response(scope, receive, send)
                return
        await self.app(scope, _replay(body, receive), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse(status_code=413, headers={"Connection": "close"}, content={
            "detail": f"the request body is over {self.max_bytes} bytes"})
        await response(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body read once, then the client's own messages (a disconnect)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


def install_body_guard(app: FastAPI, max_bytes: int) -> None:
    """`BodyGuard` around the app's routes (inside FastAPI's error middleware)."""
    app.add_middleware(BodyGuard, max_bytes=max_bytes)


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
