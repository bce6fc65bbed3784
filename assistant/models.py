"""The data the assistant hands back: answers, citations, tool calls, grades, chunks."""

from __future__ import annotations

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

    def __str__(self) -> str:
        return self.text


class Grade(BaseModel):
    """What `Assistant.grade` returns for an interview answer."""

    score: float = Field(ge=0, le=10)
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
