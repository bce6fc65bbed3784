"""The data the assistant hands back: answers, citations, tool calls, grades, chunks."""

from __future__ import annotations

import contextlib
from typing import Any

from pydantic import BaseModel, Field


class Chunk(BaseModel):
    """One retrievable passage of a knowledge file."""

    id: str
    source: str = Field(description="Path under the knowledge folder, e.g. 'sagemaker.md'.")
    heading: str = Field(description="Heading path, e.g. 'SageMaker > Inference'.")
    text: str
    line_start: int = Field(description="First line of the passage in its file (1-based).")
    line_end: int = Field(description="Last line of the passage in its file (inclusive).")
    file_hash: str = ""
    title: str = ""


class Citation(BaseModel):
    """A chunk that supports part of an answer; `n` is its `[n]` marker in the text."""

    n: int
    chunk_id: str
    source: str
    heading: str
    text: str
    score: float
    line_start: int | None = None
    line_end: int | None = None

    @classmethod
    def of(cls, chunk: Chunk, n: int, score: float) -> Citation:
        """The citation `[n]` of `chunk`, with its relevance score."""
        return cls(
            n=n,
            chunk_id=chunk.id,
            source=chunk.source,
            heading=chunk.heading,
            text=chunk.text,
            score=round(score, 4),
            line_start=chunk.line_start,
            line_end=chunk.line_end,
        )

    @classmethod
    def of_hit(cls, hit: RetrievedChunk, n: int) -> Citation:
        """The citation `[n]` of a retrieved chunk, scored by its cosine (else fused) score."""
        return cls.of(hit.chunk, n, hit.dense if hit.dense is not None else hit.score)


class ToolCall(BaseModel):
    """A deterministic tool the assistant ran while answering."""

    name: str
    args: dict[str, Any] = Field(default_factory=dict)
    result: dict[str, Any] = Field(default_factory=dict)


class Answer(BaseModel):
    """What `Assistant.ask` returns."""

    question: str
    text: str
    citations: list[Citation] = Field(default_factory=list)
    tool_calls: list[ToolCall] = Field(default_factory=list)
    abstained: bool = False
    notices: list[str] = Field(default_factory=list, description="Truncation and similar notes.")
    context: list[str] = Field(
        default_factory=list, description="Each tool argument and the words it was read from."
    )
    details: list[str] = Field(
        default_factory=list,
        description="Where each tool argument came from and each default the tools took "
        "(`mlinfra ask --verbose`, the UI's details), or why the question was declined.",
    )
    backend: str = Field(default="offline", description="'offline' or the LLM that wrote the text.")

    def __str__(self) -> str:
        return self.text

    def to_markdown(self) -> str:
        """A decision record to paste into a design doc: question, context and assumptions,
        the answer (decision, reasons, costs with unit prices and as-of dates), the tool
        inputs, and the sources with their line ranges."""
        from datetime import date

        lines = [
            f"# Decision record: {_one_line(self.question)}",
            "",
            f"_Written by mlinfra ({self.backend}) on {date.today().isoformat()}._",
            "",
            "## Question",
            "",
            self.question.strip(),
            "",
        ]
        if self.context:
            lines += ["## Context", ""] + [f"- {c}" for c in self.context] + [""]
        lines += ["## Answer", "", self.text.strip(), ""]
        if self.tool_calls:
            lines += ["## Tool inputs", ""]
            for call in self.tool_calls:
                inputs = call.result.get("inputs", call.args)
                shown = ", ".join(f"{k}={v!r}" for k, v in inputs.items() if v is not None)
                lines.append(f"- `{call.name}`: {shown}")
            lines.append("")
        if self.citations:
            lines += ["## Sources", ""]
            for c in self.citations:
                where = f", lines {c.line_start}-{c.line_end}" if c.line_start else ""
                lines.append(f"- [{c.n}] `knowledge/{c.source}`, {c.heading}{where}")
            lines.append("")
        if self.notices:
            lines += ["## Notices", ""] + [f"- {n}" for n in self.notices] + [""]
        return "\n".join(lines)


def conversation_markdown(answers: list[Answer]) -> str:
    """A whole conversation as markdown: each question, its answer, sources and tool runs."""
    lines = ["# mlinfra conversation", ""]
    for i, answer in enumerate(answers, start=1):
        lines += [f"## {i}. {_one_line(answer.question)}", "", answer.text.strip(), ""]
        if answer.citations:
            lines += ["Sources:", ""]
            lines += [f"- [{c.n}] `knowledge/{c.source}`, {c.heading}" for c in answer.citations]
            lines.append("")
        for call in answer.tool_calls:
            lines.append(f"Tool `{call.name}` with {call.args}")
        if answer.tool_calls:
            lines.append("")
    return "\n".join(lines)


def conversation_json(answers: list[Answer]) -> str:
    """A whole conversation as JSON: every answer with its citations and tool calls."""
    import json

    return json.dumps([a.model_dump() for a in answers], indent=2) + "\n"


def saved_messages(answer: Answer) -> list[dict[str, Any]]:
    """One turn as a conversation store keeps it: the question, then the answer's text with
    the whole answer beside it."""
    return [{"role": "user", "content": answer.question},
            {"role": "assistant", "content": answer.text,
             "answer": answer.model_dump(mode="json")}]  # fmt: skip


def saved_history(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    """A saved conversation's messages as an answer's history: role and text only."""
    return [{"role": m["role"], "content": m["content"]} for m in messages]


def saved_answers(messages: list[dict[str, Any]]) -> list[Answer]:
    """The answers of a saved conversation's messages, in order: each assistant message's
    kept answer, or (saved by a client that sent only text) its text for the question
    before it."""
    answers, question = [], ""
    for message in messages:
        if message.get("role") == "user":
            question = str(message.get("content", ""))
        else:
            answers.append(_kept_answer(message, question))
    return answers


def _kept_answer(message: dict[str, Any], question: str) -> Answer:
    kept = message.get("answer")
    if isinstance(kept, dict):
        with contextlib.suppress(ValueError):  # kept by another version: its text stands
            return Answer.model_validate(kept)
    return Answer(question=question, text=str(message.get("content", "")))


def _one_line(text: str, limit: int = 100) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


class Grade(BaseModel):
    """What `Assistant.grade` returns for an interview answer."""

    score: float = Field(ge=0, le=10)
    summary: str = Field("", description="One sentence explaining the score.")
    covered: list[str] = Field(default_factory=list)
    missed: list[str] = Field(default_factory=list)
    feedback: str = ""
    citations: list[Citation] = Field(default_factory=list)


class RetrievedChunk(BaseModel):
    """A chunk with the scores retrieval gave it."""

    chunk: Chunk
    score: float = Field(description="Fused reciprocal-rank score.")
    dense: float | None = Field(None, description="Cosine similarity to the query, if ranked.")
    bm25: float | None = Field(None, description="BM25 score, if ranked lexically.")


class IngestReport(BaseModel):
    """Summary of one ingest run."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    chunks_embedded: int = 0
    chunks_deleted: int = 0
    total_chunks: int = 0
    seconds: float = 0.0
    warnings: list[str] = Field(default_factory=list)
