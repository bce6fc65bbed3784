"""The HTTP API's own routes: ask (JSON or server-sent events), one route per decision tool,
grading, interview sessions, feedback, sources, conversations, health and metrics.

No `from __future__ import annotations` here: FastAPI reads the tools' input and output
models from the annotations of routes made in a loop.
"""

import contextvars
import json
from collections.abc import Iterator
from typing import Annotated, Any, Literal, get_type_hints

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from assistant.models import Answer, Grade, saved_history, saved_messages
from assistant.server.guard import Caller

# Request fields a `ValueError` may name (its 422 then points at the field).
FIELDS = ("question", "history", "k", "answer", "rating", "comment", "messages", "title",
          "topic", "difficulty", "count", "mode", "order", "time_limit", "seconds", "user",
          "conversation_id", "q")  # fmt: skip


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["user", "assistant"]
    content: str = Field(max_length=100_000)


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=100_000)
    history: list[Message] = Field(default_factory=list, max_length=200)
    k: int | None = Field(None, ge=1, le=50, description="Passages to retrieve.")
    stream: bool = Field(False, description="Server-sent events: lead, parts, then answer.")
    conversation_id: str | None = Field(
        None, description="A conversation of yours (POST /v1/conversations): its turns are the "
        "history, and this question and answer are added to it.", max_length=64)  # fmt: skip


class GradeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=10_000)
    answer: str = Field(max_length=200_000)


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: Answer
    rating: Literal[1, -1] = Field(description="1 thumbs up, -1 thumbs down.")
    comment: str = Field("", max_length=5000)


class SessionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topic: str | None = Field(None, max_length=100)
    difficulty: str | None = Field(None, max_length=20)
    count: int = Field(5, ge=1, le=50)
    mode: Literal["practice", "mock"] = "practice"
    order: Literal["due", "shuffle"] = "due"
    time_limit: int | None = Field(None, ge=1, le=3600)


class AnswerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: str = Field(max_length=200_000)
    seconds: float | None = Field(None, ge=0, le=86_400)


class ConversationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field("", max_length=200)
    messages: list[Message] = Field(default_factory=list, max_length=1000)


async def caller(request: Request) -> Caller:
    """The request's caller (401 without a valid key, 429 over the rate limit). A key seen
    in the last few seconds is checked on the event loop; one that needs the database waits
    for a worker thread, not for the loop."""
    guard: Any = request.app.state.guard
    authorization = request.headers.get("authorization")
    if guard.quick(authorization):
        return guard.check(authorization)
    return await run_in_threadpool(guard.check, authorization)


Who = Annotated[Caller, Depends(caller)]


def bot_of(request: Request) -> Any:
    return request.app.state.bot


class OneContext:
    """A generator advanced, and closed, always in the same context, whichever worker
    thread asks for its next item: what it sets in a context variable on one item (the
    price files in use) is still set on the next, and reset where it was set."""

    def __init__(self, parts: Iterator[Any]) -> None:
        self.parts, self.context = parts, contextvars.copy_context()

    def __iter__(self) -> "OneContext":
        return self

    def __next__(self) -> Any:
        return self.context.run(next, self.parts)

    def close(self) -> None:
        close = getattr(self.parts, "close", None)
        if close is not None:
            self.context.run(close)


def sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, default=str)}\n\n"


def _conversation_history(bot: Any, body: AskRequest, user: str) -> list[dict[str, str]]:
    if body.conversation_id is None:
        return [m.model_dump() for m in body.history]
    stored = bot.conversations.get(body.conversation_id, user)["messages"]
    return saved_history(stored) + [m.model_dump() for m in body.history]


def _remember(bot: Any, body: AskRequest, user: str, answer: Answer) -> None:
    if body.conversation_id is not None:
        bot.conversations.append(body.conversation_id, user, saved_messages(answer))


def _answer(bot: Any, body: AskRequest, user: str) -> Answer:
    """The whole of a non-streamed ask in one worker thread: the conversation read, the
    answer, the conversation written (each hop to the pool would queue behind the answers
    of every other request)."""
    answer: Answer = bot.ask(body.question, _conversation_history(bot, body, user), k=body.k)
    _remember(bot, body, user, answer)
    return answer


def register(app: FastAPI) -> None:
    router = APIRouter()

    @router.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """The process is up (no key needed)."""
        return {"status": "ok"}

    @router.get("/readyz", tags=["health"], responses={503: {"description": "not ready"}})
    def readyz(request: Request) -> Any:
        """The index and the price catalog are loaded (no key needed)."""
        from assistant.tools.prices import catalog
        from assistant.tools.prices import using as using_prices

        bot = bot_of(request)
        try:
            bot.retriever.refresh()
            with using_prices(bot.settings):
                rows = len(catalog().rows)
            return {"status": "ready", "chunks": bot.store.count(), "price_rows": rows}
        except Exception as exc:
            return JSONResponse({"status": "not ready", "detail": str(exc)}, status_code=503)

    @router.get("/metrics", tags=["health"], response_class=PlainTextResponse)
    def metrics(request: Request, _: Who) -> PlainTextResponse:
        """Prometheus metrics: requests, latency, errors, tool calls, declines."""
        return PlainTextResponse(request.app.state.metrics.text(),
                                 media_type="text/plain; version=0.0.4")  # fmt: skip

    @router.post("/v1/ask", tags=["answers"], response_model=Answer,
                 responses={200: {"content": {"text/event-stream": {}}}})  # fmt: skip
    async def ask(body: AskRequest, request: Request, who: Who) -> Any:
        """Answer a question with citations and tool calls; `stream` for server-sent events
        (`lead`, then `part`s, then `answer` with the whole `Answer`)."""
        bot, metrics = bot_of(request), request.app.state.metrics
        if not body.stream:
            answer = await run_in_threadpool(_answer, bot, body, who.user)
            metrics.answered(answer)
            return answer
        history = await run_in_threadpool(_conversation_history, bot, body, who.user)
        parts = OneContext(bot.stream(body.question, history, k=body.k))
        first = await run_in_threadpool(next, parts)  # a bad question is a 422, not a stream

        def events() -> Iterator[str]:
            item, kind = first, "lead"
            try:
                while True:
                    if isinstance(item, Answer):
                        metrics.answered(item)
                        _remember(bot, body, who.user, item)
                        yield sse("answer", item.model_dump())
                        return
                    yield sse(kind, {"text": item})
                    kind = "part"
                    item = next(parts)
            except Exception as exc:  # after the headers: said as an event
                yield sse("error", {"detail": str(exc)})
            finally:
                parts.close()

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})  # fmt: skip

    from assistant.tools import TOOLS

    for name, (fn, model) in TOOLS.items():
        output = get_type_hints(fn).get("return")
        tool_route = _tool_route(name, fn, model)
        doc = (fn.__doc__ or "").strip().split("\n\n")[0]
        shape = output if isinstance(output, type) else None
        router.add_api_route(f"/v1/tools/{name}", tool_route, methods=["POST"], tags=["tools"],
                             name=name, summary=name, description=doc,
                             response_model=shape)  # fmt: skip

    @router.post("/v1/grade", tags=["interview"], response_model=Grade)
    def grade(body: GradeRequest, request: Request, _: Who) -> Grade:
        """Grade an interview answer against its rubric (0-10, covered and missed points)."""
        return bot_of(request).grade(body.question, body.answer)

    @router.post("/v1/interview/sessions", tags=["interview"], status_code=201)
    def new_session(body: SessionRequest, request: Request,
                    who: Who) -> dict[str, Any]:  # fmt: skip
        """Start an interview session: its id and first question."""
        from assistant.interview import InterviewSession

        session = InterviewSession(bot_of(request), user=who.user, **body.model_dump())
        session.save()
        return _session_state(session)

    @router.get("/v1/interview/sessions/{session_id}", tags=["interview"])
    def get_session(session_id: str, request: Request,
                    who: Who) -> dict[str, Any]:  # fmt: skip
        """A session: the waiting question or follow-up, and its summary so far."""
        return _session_state(_own_session(bot_of(request), session_id, who))

    @router.post("/v1/interview/sessions/{session_id}/answers", tags=["interview"])
    def answer_session(session_id: str, body: AnswerRequest, request: Request,
                       who: Who) -> dict[str, Any]:  # fmt: skip
        """Answer what the session is waiting for (the question, or its follow-up)."""
        session = _own_session(bot_of(request), session_id, who)
        if session.pending_follow_up is not None:
            result = session.answer_follow_up(body.answer, body.seconds)
        else:
            result = session.answer(body.answer, body.seconds)
        return {"grade": result.model_dump(), **_session_state(session)}

    @router.post("/v1/feedback", tags=["feedback"], status_code=201)
    def feedback(body: FeedbackRequest, request: Request,
                 who: Who) -> dict[str, int]:  # fmt: skip
        """Rate an answer (as `/v1/ask` returned it) up or down, with a comment."""
        from assistant.storage.feedback import FeedbackStore

        bot = bot_of(request)
        store = FeedbackStore(bot.settings.data_dir, bot.database_url, user=who.user)
        return {"id": store.add(body.answer, body.rating, body.comment)}

    @router.get("/v1/sources", tags=["knowledge"])
    def sources(request: Request, _: Who,
                q: str | None = Query(None, max_length=4000, description="A question: the "
                                      "passages retrieval returns for it."),
                k: int = Query(5, ge=1, le=50)) -> dict[str, Any]:  # fmt: skip
        """The indexed knowledge files, or with `q` the passages retrieved for it."""
        bot = bot_of(request)
        if q is None:
            return {"documents": bot.documents()}
        hits = bot.sources(q, k)
        return {"passages": [{"source": h.chunk.source, "heading": h.chunk.heading,
                              "text": h.chunk.text, "line_start": h.chunk.line_start,
                              "line_end": h.chunk.line_end, "score": h.score}
                             for h in hits]}  # fmt: skip

    @router.get("/v1/conversations", tags=["conversations"])
    def conversations(request: Request, who: Who) -> dict[str, Any]:
        """Your conversations, the latest changed first."""
        return {"conversations": bot_of(request).conversations.list(who.user)}

    @router.post("/v1/conversations", tags=["conversations"], status_code=201)
    def new_conversation(body: ConversationRequest, request: Request,
                         who: Who) -> dict[str, str]:  # fmt: skip
        """Start a conversation (optionally with earlier turns); ask in it with
        `conversation_id`."""
        messages = [m.model_dump() for m in body.messages]
        return {"id": bot_of(request).conversations.create(who.user, body.title, messages)}

    @router.get("/v1/conversations/{conversation_id}", tags=["conversations"])
    def conversation(conversation_id: str, request: Request,
                     who: Who) -> dict[str, Any]:  # fmt: skip
        """One of your conversations with its messages."""
        return bot_of(request).conversations.get(conversation_id, who.user)

    app.include_router(router)


def _tool_route(name: str, fn: Any, model: Any) -> Any:
    """The route of one tool: its input model as the body (read from the annotation)."""

    def tool_route(body: model, request: Request, _: Who) -> Any:
        from assistant.tools.prices import using as using_prices

        with using_prices(bot_of(request).settings):
            result = fn(body)
        request.app.state.metrics.tool_calls.labels(name).inc()
        return result

    return tool_route


def _own_session(bot: Any, session_id: str, who: Caller) -> Any:
    from assistant.interview import InterviewSession

    try:
        session = InterviewSession.resume(bot, session_id)
    except ValueError as exc:
        if "no saved interview session" in str(exc):
            raise KeyError(f"no interview session {session_id!r}") from None
        raise
    if str(session.settings.get("user")) != who.user:
        raise KeyError(f"no interview session {session_id!r}")
    return session


def _session_state(session: Any) -> dict[str, Any]:
    question = session.current()
    return {
        "id": session.id,
        "question": question.question if question else None,
        "topic": question.topic if question else None,
        "follow_up": session.follow_up(),
        "done": session.done,
        "answered": len(session.records),
        "of": len(session.question_ids),
    }
