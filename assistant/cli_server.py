"""`mlinfra serve` (the HTTP API), `mlinfra mcp` (the MCP server) and `mlinfra keys` (the
API keys both accept)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from assistant.cli_console import _fail, out

if TYPE_CHECKING:
    from assistant.storage.keys import KeyStore

keys_app = typer.Typer(help="API keys for `mlinfra serve` and `mlinfra mcp`.",
                       no_args_is_help=True)  # fmt: skip


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(mcp)
    app.add_typer(keys_app, name="keys")


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=64)] = 1,
) -> None:
    """Serve the HTTP API (FastAPI): /v1/ask, /v1/chat/completions, /v1/tools/..., /docs."""
    import uvicorn

    from assistant.config import Settings

    settings = Settings()  # type: ignore[call-arg]  # from the environment
    _check_configured_keys(settings)
    if settings.auth == "on" and not _keys_exist():
        out.print("[yellow]no API key yet:[/] every request but /healthz and /readyz will be "
                  "refused; make one with `mlinfra keys create NAME` (or set MLINFRA_AUTH=off "
                  "for a local single-user run)")  # fmt: skip
    uvicorn.run("assistant.server.app:create_app", factory=True, host=host, port=port,
                workers=workers, log_level="info", access_log=True)  # fmt: skip


def mcp(
    transport: Annotated[
        str,
        typer.Option(
            help="stdio (a desktop or IDE client starts it) or http (streamable HTTP at /mcp)."
        ),
    ] = "stdio",
    host: Annotated[str, typer.Option(help="Address to listen on (http).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (http).", min=1, max=65535)] = 8001,
) -> None:
    """Serve the MCP server: the decision tools, search_knowledge and ask, with sources."""
    if transport not in ("stdio", "http"):
        raise _fail(f"transport must be one of stdio, http, got {transport!r}")
    import logging

    if transport == "stdio":
        from assistant.server.mcp import create_server

        # stdout carries the protocol: logs go to stderr only.
        logging.basicConfig(level=logging.WARNING)
        create_server().run("stdio")
        return
    import uvicorn

    from assistant.config import Settings
    from assistant.server.mcp import http_app

    _check_configured_keys(Settings())  # type: ignore[call-arg]  # from the environment
    uvicorn.run(http_app(host=host), host=host, port=port, log_level="info")


def _check_configured_keys(settings: object) -> None:
    """A malformed MLINFRA_API_KEYS stops the server before it starts, naming the entry."""
    from assistant.storage.keys import configured_in

    try:
        configured_in(settings)
    except ValueError as exc:
        raise _fail(str(exc)) from None


def _keys_exist() -> bool:
    try:
        return any(k.revoked is None for k in _store().list())
    except Exception:  # the server says what is wrong with the database when it is used
        return True


def _store() -> KeyStore:
    from assistant.config import Settings
    from assistant.storage.db import url_of
    from assistant.storage.keys import KeyStore

    settings = Settings()  # type: ignore[call-arg]  # from the environment
    return KeyStore.of(settings, url_of(settings))


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="Who the key is for.")],
    for_config: Annotated[
        bool,
        typer.Option(
            "--for-config",
            help="Keep it nowhere: print the MLINFRA_API_KEYS entry "
            "(its hash) to put in your configuration, e.g. a Kubernetes Secret.",
        ),
    ] = False,
) -> None:
    """Make a key; it is printed once (only its hash is kept)."""
    from assistant.storage.keys import config_entry, new_key

    try:
        made = new_key(name) if for_config else _store().create(name)
    except Exception as exc:
        raise _fail(str(exc)) from None
    if for_config:
        out.print("add this entry to MLINFRA_API_KEYS (entries comma-separated; it holds only "
                  "the key's hash):")  # fmt: skip
        print(config_entry(made))
    out.print(f"key id {made.record.id} for {made.record.name}; it is shown only now:")
    print(made.key)


@keys_app.command("list")
def keys_list() -> None:
    """Every key: id, name, when made, when revoked (never the key)."""
    try:
        records = _store().list()
    except Exception as exc:
        raise _fail(str(exc)) from None
    if not records:
        out.print("no API keys (make one with `mlinfra keys create NAME`)")
    for r in records:
        state = f"revoked {r.revoked}" if r.revoked else "active"
        made = "from MLINFRA_API_KEYS" if r.source == "configuration" else f"created {r.created}"
        out.print(f"{r.id}  {r.name:<24} {made}  {state}", highlight=False)


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key's id (`keys list`).")]) -> None:
    """Revoke a key: every replica refuses it within a few seconds."""
    try:
        record = _store().revoke(key_id)
    except KeyError as exc:
        raise _fail(str(exc.args[0])) from None
    except Exception as exc:  # a configured key (ValueError), the database out of reach
        raise _fail(str(exc)) from None
    out.print(f"revoked {record.id} ({record.name}) at {record.revoked}")
