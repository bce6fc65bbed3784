"""What every `mlinfra` command shares: the consoles, the assistant, error lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.console import Console

if TYPE_CHECKING:
    from assistant.api import Assistant

out = Console()
err = Console(stderr=True)


def _assistant() -> Assistant:
    from assistant.api import Assistant

    return Assistant()


def _error(message: str) -> None:
    """Print an error line, with any API key in it redacted."""
    from rich.markup import escape

    from assistant.secrets import redact

    err.print(f"[bold red]error:[/] {escape(redact(message))}", highlight=False, markup=True)


def _fail(message: str, code: int = 1) -> typer.Exit:
    _error(message)
    return typer.Exit(code)


def _validation_message(exc: ValueError) -> str:
    """One line per bad field: 'field: what is wrong'."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        parts = []
        for e in errors():
            field = ".".join(str(p) for p in e.get("loc", ())) or "input"
            parts.append(f"{field}: {e.get('msg', '')}")
        return "; ".join(parts)
    return str(exc)
