"""mlinfra: a decision-support assistant for ML infrastructure.

    from assistant import Assistant
    answer = Assistant().ask("How do I reduce SageMaker inference costs?")

Importing this package is cheap: the embedding model, the vector store and the lexical
index load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "Answer",
    "Assistant",
    "Citation",
    "Grade",
    "IngestReport",
    "InterviewSession",
    "Settings",
    "ToolCall",
]
__version__ = "0.1.0"

if TYPE_CHECKING:
    from assistant.api import Assistant
    from assistant.config import Settings
    from assistant.interview.session import InterviewSession
    from assistant.models import Answer, Citation, Grade, IngestReport, ToolCall

_HOMES = {
    "Assistant": "assistant.api",
    "Settings": "assistant.config",
    "Answer": "assistant.models",
    "Citation": "assistant.models",
    "Grade": "assistant.models",
    "IngestReport": "assistant.models",
    "InterviewSession": "assistant.interview.session",
    "ToolCall": "assistant.models",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
