"""The HTTP API (`mlinfra serve`): a FastAPI app over one `Assistant`.

`create_app(bot)` builds it: the routes (`routes.py`, `chat.py`), the key check and rate
limit (`guard.py`) on every route but `/healthz` and `/readyz`, a cap on request bodies
(413 past `MLINFRA_MAX_BODY_KB`), CORS only for `MLINFRA_CORS_ORIGINS`, Prometheus metrics
(`metrics.py`), and errors said in words: a bad field is a 422 naming it, a database or
index that cannot be reached a 503 with what failed, never a traceback.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from typing import TYPE_CHECKING, Any

from assistant.errors import DatabaseUnavailableError, MlinfraError, StoreUnavailableError
from assistant.server.guard import Guard, Refused
from assistant.server.metrics import Metrics

if TYPE_CHECKING:
    from fastapi import FastAPI

    from assistant.api import Assistant

log = logging.getLogger(__name__)
VERSION = "1"
THREADS = int(os.environ.get("MLINFRA_API_THREADS", "4"))


def field_of(message: str, fields: tuple[str, ...]) -> list[str]:
    """The location of the field a `ValueError`'s message names ('question must be ...')."""
    head = message.split(" ", 1)[0].split(".", 1)[0].split("[", 1)[0].rstrip(":")
    return ["body", head] if head in fields else ["body"]


def unprocessable(message: str, fields: tuple[str, ...] = ()) -> Any:
    from fastapi.responses import JSONResponse

    detail = [{"loc": field_of(message, fields), "msg": message, "type": "value_error"}]
    return JSONResponse({"detail": detail}, status_code=422)


class BodyLimit:
    """Refuses a request body over `limit` bytes with 413, by its Content-Length or, when it
    is sent in chunks, once the bytes read pass the limit (the body is read before the app
    sees it, so a refusal never comes halfway through a route)."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.limit:
                await self._refuse(send)
                return
        sent = False

        async def replay() -> Any:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Any) -> None:
        body = (b'{"detail": "the request body is larger than %d KiB (MLINFRA_MAX_BODY_KB)"}'
                % (self.limit // 1024))  # fmt: skip
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json")]})  # fmt: skip
        await send({"type": "http.response.body", "body": body})


class Measure:
    """Counts every request by route, method and status, and times it to the response's
    first byte (plain ASGI: no task or stream per request, as `@app.middleware` costs)."""

    def __init__(self, app: Any, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status, timed = time.perf_counter(), 500, False

        async def sending(message: Any) -> None:
            nonlocal status, timed
            if message["type"] == "http.response.start":
                status, timed = message["status"], True
                self._observe(scope, status, started)
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            if not timed:  # failed before a response began
                self._observe(scope, status, started)

    def _observe(self, scope: Any, status: int, started: float) -> None:
        name = getattr(scope.get("route"), "path", "unmatched")
        self.metrics.observe(name, scope["method"], status, time.perf_counter() - started)


WARM_QUESTION = "What does a g5.xlarge endpoint cost a month on SageMaker?"


def _warm(bot: Assistant) -> None:
    from assistant.tools.prices import catalog
    from assistant.tools.prices import using as using_prices

    bot.retriever.refresh()
    with using_prices(bot.settings):
        catalog()
    # One answer, so the first user's does not pay what the first answer of a process costs
    # (embedding the question-type bank when its vectors are not yet cached: ~1.2 s here).
    bot.ask(WARM_QUESTION)


def _redact_logs() -> None:
    """Every handler the server logs through (uvicorn's access and error logs, the root's)
    drops key-shaped strings, once per process."""
    from assistant.secrets import RedactingFilter

    names = ("", "uvicorn", "uvicorn.access", "uvicorn.error")
    handlers = [h for n in names for h in logging.getLogger(n).handlers]
    for handler in [*handlers, logging.lastResort]:
        if handler is not None and not any(isinstance(f, RedactingFilter)
                                           for f in handler.filters):  # fmt: skip
            handler.addFilter(RedactingFilter())


def create_app(bot: Assistant | None = None) -> FastAPI:
    """The API over `bot` (default: an `Assistant` from the environment's settings)."""
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.middleware.cors import CORSMiddleware
    from fastapi.responses import JSONResponse

    from assistant.api import Assistant
    from assistant.server import chat, routes
    from assistant.storage.keys import KeyStore

    _redact_logs()
    bot = bot or Assistant()
    settings = bot.settings
    keys = None if settings.auth == "off" else KeyStore.of(settings, bot.database_url)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> Any:
        # Answers are CPU-bound and hold the GIL: a few at a time per process finish sooner
        # than forty time-slicing each other (the others wait their turn in order).
        import anyio.to_thread

        anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
        # Load the index and the price catalog before the first request, not during the
        # first fifty (`/readyz` says whether it worked; a failure is retried on use).
        try:
            await anyio.to_thread.run_sync(_warm, bot)
        except Exception as exc:
            log.warning("not ready yet: %s", exc)
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="mlinfra",
        version=VERSION,
        description="ML infrastructure decisions with cited sources and priced tools. "
        "Send `Authorization: Bearer <key>` (`mlinfra keys create NAME`) on every route "
        "but the health checks.",
    )
    app.state.bot = bot
    app.state.guard = Guard(keys, settings.rate_limit)
    app.state.metrics = metrics = Metrics()
    routes.register(app)
    chat.register(app)

    @app.exception_handler(Refused)
    async def refused(_request: Request, exc: Refused) -> JSONResponse:
        if exc.status == 429:
            metrics.rate_limited.inc()
        return JSONResponse({"detail": exc.message}, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        from fastapi.encoders import jsonable_encoder

        errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")}
                  for e in exc.errors()]  # fmt: skip
        return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)

    @app.exception_handler(ValueError)
    async def value_error(_request: Request, exc: ValueError) -> Any:
        return unprocessable(str(exc), routes.FIELDS)

    @app.exception_handler(KeyError)
    async def not_found(_request: Request, exc: KeyError) -> JSONResponse:
        return JSONResponse({"detail": str(exc.args[0]) if exc.args else "not found"},
                            status_code=404)  # fmt: skip

    @app.exception_handler(MlinfraError)
    async def unavailable(_request: Request, exc: MlinfraError) -> JSONResponse:
        status = 503 if isinstance(exc, DatabaseUnavailableError | StoreUnavailableError) else 500
        log.warning("%s", exc)
        return JSONResponse({"detail": str(exc)}, status_code=status,
                            headers={"Retry-After": "5"} if status == 503 else {})  # fmt: skip

    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Authorization", "Content-Type"])  # fmt: skip
    app.add_middleware(BodyLimit, limit=settings.max_body_kb * 1024)
    app.add_middleware(Measure, metrics=metrics)
    return app
