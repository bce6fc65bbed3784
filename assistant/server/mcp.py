"""The MCP server (`mlinfra mcp`): the decision tools, knowledge search and `ask` for IDE
agents and desktop assistants, over stdio or streamable HTTP, with the official MCP SDK.

Tools: `choose_infrastructure`, `estimate_cost`, `select_accelerator`, `find_prices` (each
with its input model's fields as its input schema), `search_knowledge` and `ask`. Every
result carries its sources: a tool's `sources` are the guidance sections its reasons cite
and the price pages (with their as-of dates) its numbers come from; `ask` answers with
`[n]` markers and the passages they point at. A bad argument is an error result naming the field.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Annotated, Any

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from assistant.api import Assistant

INSTRUCTIONS = (
    "mlinfra answers ML infrastructure questions (SageMaker, Vertex AI, Kubernetes, GPUs "
    "and TPUs, cost) from a curated, cited knowledge base and priced decision tools. Use "
    "`ask` for a question in words; the four decision tools for a structured decision; "
    "`search_knowledge` for the passages behind a topic. Quote the [n] sources you use."
)


def _sources(answer: Any) -> list[dict[str, Any]]:
    return [{"n": c.n, "source": f"knowledge/{c.source}", "heading": c.heading,
             "lines": f"{c.line_start}-{c.line_end}"} for c in answer.citations]  # fmt: skip


def _price_pages(result: Any) -> list[dict[str, Any]]:
    """Every price page a tool result quotes (its `source` URLs), with their as-of dates."""
    found: dict[str, str] = {}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            source = value.get("source")
            if isinstance(source, str) and source.startswith("http"):
                found.setdefault(source, str(value.get("as_of") or value.get("as_of_date") or ""))
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(result)
    return [{"source": url, "as_of": as_of} for url, as_of in found.items()]


def _tool(bot: Assistant, name: str, model: Any) -> Any:
    """A function whose keyword parameters are `model`'s fields (so the SDK derives the
    tool's input schema from them) and which runs the tool as `Assistant.run_tool` does."""

    def run(**arguments: Any) -> dict[str, Any]:
        given = {k: v for k, v in arguments.items() if v is not None}
        answer = bot.run_tool(name, given)
        result = answer.tool_calls[0].result
        return {"result": result, "text": answer.text,
                "sources": _sources(answer) + _price_pages(result)}  # fmt: skip

    from pydantic import Field

    parameters = []
    for field, info in model.model_fields.items():
        # Optional here: a field left out takes the tool's own default (named in `text`).
        described = Field(description=info.description) if info.description else Field()
        annotation = Annotated[(info.annotation | None, *info.metadata, described)]  # type: ignore[name-defined]
        parameters.append(inspect.Parameter(field, inspect.Parameter.KEYWORD_ONLY,
                                            default=None, annotation=annotation))  # fmt: skip
    run.__signature__ = inspect.Signature(parameters, return_annotation=dict[str, Any])  # type: ignore[attr-defined]
    run.__name__ = name
    return run


def create_server(bot: Assistant | None = None) -> MCPServer:
    from mcp.server.mcpserver import MCPServer

    from assistant.api import Assistant
    from assistant.tools import TOOLS

    bot = bot or Assistant()
    server: MCPServer = MCPServer(name="mlinfra", instructions=INSTRUCTIONS, version="1")
    for name, (fn, model) in TOOLS.items():
        doc = (fn.__doc__ or name).strip().split("\n\n")[0]
        server.add_tool(_tool(bot, name, model), name=name, description=" ".join(doc.split()))

    @server.tool(name="search_knowledge")
    def search_knowledge(query: str, k: int = 5) -> dict[str, Any]:
        """The knowledge base's passages for a query, best first, each with its file,
        section, line range and retrieval score."""
        hits = bot.sources(query, k)
        return {"passages": [{"n": i, "source": f"knowledge/{h.chunk.source}",
                              "heading": h.chunk.heading, "text": h.chunk.text,
                              "lines": f"{h.chunk.line_start}-{h.chunk.line_end}",
                              "score": h.score} for i, h in enumerate(hits, start=1)]}  # fmt: skip

    @server.tool(name="ask")
    def ask(question: str) -> dict[str, Any]:
        """Answer an ML infrastructure question in words: the answer with [n] markers, the
        sources they cite, and the decision tools it ran with their inputs."""
        answer = bot.ask(question)
        return {"text": answer.text, "sources": _sources(answer),
                "tool_calls": [{"name": t.name, "args": t.args} for t in answer.tool_calls],
                "declined": answer.abstained}  # fmt: skip

    return server


class RequireKey:
    """ASGI middleware for the MCP server over HTTP: the same Bearer keys and rate limit as
    the HTTP API (`guard.Guard`); a refusal is a JSON 401 or 429."""

    def __init__(self, app: Any, guard: Any) -> None:
        self.app, self.guard = app, guard

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        import json

        from assistant.server.guard import Refused

        if scope["type"] == "http" and scope.get("path") != "/healthz":
            headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers") or []}
            try:
                self.guard.check(headers.get("authorization"))
            except Refused as exc:
                extra = [(k.lower().encode(), v.encode()) for k, v in exc.headers.items()]
                sent = [(b"content-type", b"application/json"), *extra]
                await send({"type": "http.response.start", "status": exc.status,
                            "headers": sent})  # fmt: skip
                await send({"type": "http.response.body",
                            "body": json.dumps({"detail": exc.message}).encode()})  # fmt: skip
                return
        await self.app(scope, receive, send)


def http_app(bot: Assistant | None = None, host: str = "127.0.0.1") -> Any:
    """The MCP server's streamable HTTP app at `/mcp`, behind the API keys."""
    from assistant.api import Assistant
    from assistant.server.guard import Guard
    from assistant.storage.keys import KeyStore

    bot = bot or Assistant()
    settings = bot.settings
    keys = None if settings.auth == "off" else KeyStore.of(settings, bot.database_url)
    server = create_server(bot)

    @server.custom_route("/healthz", methods=["GET"])
    async def healthz(_request: Any) -> Any:
        from starlette.responses import JSONResponse

        return JSONResponse({"status": "ok"})

    app = server.streamable_http_app(host=host)
    return RequireKey(app, Guard(keys, settings.rate_limit))
