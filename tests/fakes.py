"""Deterministic test doubles that are real code: an embedder that needs no weights."""

from __future__ import annotations

import hashlib
import re

import numpy as np

DIM = 384


class HashEmbedder:
    """Bag of hashed words, L2-normalised: texts sharing words are close. Counts what it
    embeds, so tests can tell what an ingest re-embedded."""

    name = "hash-embedder (tests)"

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.embedded.extend(texts)
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                slot = int(hashlib.md5(word.encode()).hexdigest(), 16) % DIM
                out[row, slot] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
            if not norm:
                out[row, 0] = 1.0
        return out


class ScriptedChatModel:
    """Builds a LangChain chat model that plays a fixed script: each step is a function of
    the messages so far returning the next AI message (a tool call or the final text).
    The agent, the tools and the guardrails around it are the real ones."""

    @staticmethod
    def make(steps: list):  # type: ignore[no-untyped-def,type-arg]
        from langchain_core.language_models.chat_models import BaseChatModel
        from langchain_core.outputs import ChatGeneration, ChatResult

        class _Scripted(BaseChatModel):
            script: list  # type: ignore[type-arg]
            calls: int = 0

            @property
            def _llm_type(self) -> str:
                return "scripted"

            def bind_tools(self, tools, **kwargs):  # type: ignore[no-untyped-def]
                return self

            def _generate(self, messages, stop=None, run_manager=None, **kwargs):  # type: ignore[no-untyped-def]
                step = self.script[min(self.calls, len(self.script) - 1)]
                self.calls += 1
                message = step(messages)
                return ChatResult(generations=[ChatGeneration(message=message)])

        return _Scripted(script=steps)


def tool_call(name: str, args: dict):  # type: ignore[no-untyped-def,type-arg]
    """A script step: the model calls `name` with `args`."""
    from langchain_core.messages import AIMessage

    return lambda messages: AIMessage(
        content="", tool_calls=[{"name": name, "args": args, "id": f"call-{name}"}]
    )


def final(make_text):  # type: ignore[no-untyped-def]
    """A script step: the model's final answer, written from the messages it saw."""
    from langchain_core.messages import AIMessage

    return lambda messages: AIMessage(content=make_text(messages))


def raises(exc: Exception):  # type: ignore[no-untyped-def]
    def step(messages):  # type: ignore[no-untyped-def]
        raise exc

    return step
