"""`POST /v1/chat/completions`, OpenAI-compatible: any OpenAI client or chat front end can
talk to mlinfra. The last user message is the question and the earlier user and assistant
turns its history (system messages are read by no one: the answer comes from the guidance
and the tools). The answer's text keeps its `[n]` markers, and the sources they point at
travel in an extra `citations` field (in the last chunk when streamed). `GET /v1/models`
lists the one model, `mlinfra`.
"""

import time
import uuid
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from assistant.models import Answer
from assistant.server.routes import OneContext, Who

MODEL = "mlinfra"


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = None


class ChatRequest(BaseModel):
    # Extra fields (temperature, max_tokens, tools, ...) are accepted and ignored: the
    # answer is the same whatever the sampling settings.
    model_config = ConfigDict(extra="allow")
    model: str = MODEL
    messages: list[ChatMessage] = Field(min_length=1, max_length=200)
    stream: bool = False


def _text(message: ChatMessage) -> str:
    if isinstance(message.content, list):
        return "".join(p.text or "" for p in message.content if p.type == "text")
    return message.content or ""


def split(messages: list[ChatMessage]) -> tuple[str, list[dict[str, str]]]:
    """(the question, its history) from a chat: the last user message and the user and
    assistant turns before it."""
    last = max((i for i, m in enumerate(messages) if m.role == "user"), default=None)
    if last is None:
        raise ValueError("messages must hold at least one message with role 'user'")
    question = _text(messages[last])
    history = [{"role": m.role, "content": _text(m)} for m in messages[:last]
               if m.role in ("user", "assistant") and _text(m)]  # fmt: skip
    return question, history


def _citations(answer: Answer) -> list[dict[str, Any]]:
    fields = ("n", "source", "heading", "chunk_id", "line_start", "line_end")
    return [{f: getattr(c, f) for f in fields} for c in answer.citations]


def register(app: FastAPI) -> None:
    @app.get("/v1/models", tags=["openai"])
    def models(_: Who) -> dict[str, Any]:
        """The models this server answers as (one)."""
        return {"object": "list", "data": [{"id": MODEL, "object": "model", "created": 0,
                                            "owned_by": "mlinfra"}]}  # fmt: skip

    @app.post("/v1/chat/completions", tags=["openai"])
    async def completions(body: ChatRequest, request: Request,
                          _: Who) -> Any:  # fmt: skip
        """An OpenAI chat completion (streamed as `chat.completion.chunk`s with `stream`)."""
        bot, metrics = request.app.state.bot, request.app.state.metrics
        question, history = split(body.messages)
        cid, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
        if not body.stream:
            answer = await run_in_threadpool(bot.ask, question, history)
            metrics.answered(answer)
            return {
                "id": cid, "object": "chat.completion", "created": created, "model": body.model,
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": answer.text}}],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
                "citations": _citations(answer),
                "tool_calls_run": [c.model_dump() for c in answer.tool_calls],
            }  # fmt: skip
        parts = OneContext(bot.stream(question, history))
        first = await run_in_threadpool(next, parts)

        def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
            import json

            payload = {"id": cid, "object": "chat.completion.chunk", "created": created,
                       "model": body.model,
                       "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                       **extra}  # fmt: skip
            return f"data: {json.dumps(payload, default=str)}\n\n"

        def events() -> Iterator[str]:
            item = first
            yield chunk({"role": "assistant", "content": ""})
            try:
                while not isinstance(item, Answer):
                    yield chunk({"content": item})
                    item = next(parts)
                metrics.answered(item)
                yield chunk({}, "stop", citations=_citations(item))
            except Exception as exc:  # after the headers: said in the stream
                yield chunk({"content": f"\n\n[error: {exc}]"}, "stop")
            finally:
                parts.close()
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})  # fmt: skip
