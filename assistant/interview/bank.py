"""The interview question bank: YAML files in `knowledge/interview/`, each question with a
difficulty and a rubric of weighted key points (with phrasings and the knowledge sections
that state them) and common misconceptions to penalise."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from assistant.yaml_files import safe_load

BANK_DIR = "interview"
DIFFICULTIES = ("easy", "medium", "hard")


class SourceRef(BaseModel):
    source: str = Field(description="file under knowledge/, e.g. 'tpu-vs-gpu.md'")
    heading: str = Field(description="exact text of a section heading in that file")


class Point(BaseModel):
    point: str
    weight: float = Field(ge=0.5, le=5)
    phrasings: list[str] = Field(default_factory=list)
    sources: list[SourceRef] = Field(default_factory=list)


class Misconception(BaseModel):
    claim: str
    phrasings: list[str] = Field(default_factory=list)
    penalty: float = Field(2.0, ge=0, le=5)
    sources: list[SourceRef] = Field(default_factory=list)


class Question(BaseModel):
    id: str
    topic: str
    difficulty: Literal["easy", "medium", "hard"]
    question: str
    points: list[Point] = Field(min_length=1)
    misconceptions: list[Misconception] = Field(default_factory=list)
    derived: bool = Field(default=False, description="rubric derived from retrieved guidance")

    @field_validator("points")
    @classmethod
    def _four_to_eight(cls, points: list[Point]) -> list[Point]:
        if not 1 <= len(points) <= 8:
            raise ValueError("a question has 1 to 8 key points")
        return points


def load_bank(knowledge_dir: Path) -> list[Question]:
    """Every question of every `*.yaml` in `knowledge_dir/interview/`, in file order."""
    folder = Path(knowledge_dir) / BANK_DIR
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    stamp = tuple((str(p), p.stat().st_mtime_ns) for p in files)
    return list(_load(stamp))


@lru_cache(maxsize=4)
def _load(stamp: tuple[tuple[str, int], ...]) -> tuple[Question, ...]:
    questions: list[Question] = []
    seen: set[str] = set()
    for name, _ in stamp:
        entries = safe_load(Path(name).read_text()) or []
        for i, entry in enumerate(entries):
            try:
                q = Question.model_validate(entry)
            except ValueError as exc:
                raise ValueError(f"{name}: question {i + 1}: {exc}") from exc
            if q.id in seen:
                raise ValueError(f"{name}: duplicate question id {q.id!r}")
            seen.add(q.id)
            questions.append(q)
    return tuple(questions)
