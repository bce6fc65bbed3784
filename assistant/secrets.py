"""API keys: where they come from, and keeping them out of everything the assistant shows.

Keys come only from the environment or a `.env` file in the working directory (git-ignored):
`MLINFRA_LLM_API_KEY` for the configured provider, or the provider's own variable
(`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`). `redact()` replaces every key it can find (the
values of such variables, and strings shaped like provider keys) before a message reaches
an answer, a notice, a log line or the UI: provider errors often quote the key they were
given.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

REDACTED = "[redacted]"
PROVIDER_KEYS = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}
_SECRET_NAME = re.compile(r"(API_?KEY|TOKEN|SECRET|PASSWORD)", re.IGNORECASE)
# Shapes of provider keys: OpenAI / Anthropic "sk-...", bearer tokens.
_KEY_SHAPES = re.compile(r"\bsk-[A-Za-z0-9_\-]{12,}|(?<=Bearer )[A-Za-z0-9._\-]{12,}")
# mlinfra's own API keys (`mlk_<id>_<secret>`, storage.keys): the id stays, it names the key.
_OUR_KEYS = re.compile(r"\b(mlk_[0-9a-f]{12}_)[A-Za-z0-9_\-]{8,}")
_MIN_SECRET = 8  # shorter values are not treated as keys (they would redact ordinary words)


def dotenv(path: Path | None = None) -> dict[str, str]:
    """The variables of `.env` in the working directory (empty if there is none)."""
    path = path or Path(".env")
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def lookup(name: str) -> str | None:
    """A variable from the environment, else from `.env`."""
    return os.environ.get(name) or dotenv().get(name)


def provider_key(provider: str) -> str | None:
    """The API key for `provider`: MLINFRA_LLM_API_KEY, else the provider's variable."""
    own = PROVIDER_KEYS.get(provider)
    return lookup("MLINFRA_LLM_API_KEY") or (lookup(own) if own else None)


def secret_values() -> set[str]:
    """Every value of a key-like variable in the environment and `.env`."""
    found = {**dotenv(), **os.environ}
    return {v for k, v in found.items() if _SECRET_NAME.search(k) and len(v) >= _MIN_SECRET}


def redact(text: str) -> str:
    for value in sorted(secret_values(), key=len, reverse=True):
        text = text.replace(value, REDACTED)
    return redact_shapes(text)


def redact_shapes(text: str) -> str:
    """`text` with every string shaped like a key replaced (no look-up of the environment:
    cheap enough for every access-log line)."""
    return _KEY_SHAPES.sub(REDACTED, _OUR_KEYS.sub(r"\1" + REDACTED, text))


class RedactingFilter(logging.Filter):
    """Removes key-shaped strings from a log record's message and arguments (a key sent in a
    URL would otherwise reach the access log), keeping the arguments' kinds (uvicorn's access
    formatter unpacks them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_shapes(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact_shapes(a) if isinstance(a, str) else a
                                for a in record.args)  # fmt: skip
        return True
