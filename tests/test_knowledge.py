"""The knowledge base keeps its form: sourced, dated, tagged, and cut into sections that a
retriever can take whole."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from conftest import KNOWLEDGE

from assistant.config import Settings
from assistant.splitting import split_front_matter

DOCS = sorted(d for d in KNOWLEDGE.rglob("*.md") if "data" not in d.relative_to(KNOWLEDGE).parts)
CHUNK_SIZE = Settings().chunk_size


def _sections(body: str) -> list[tuple[str, str]]:
    """(heading line, text including the heading) for every heading section."""
    out: list[tuple[str, list[str]]] = []
    in_code = False
    for line in body.split("\n"):
        if line.strip().startswith("```"):
            in_code = not in_code
        if not in_code and re.match(r"^#{1,6} ", line):
            out.append((line, [line]))
        elif out:
            out[-1][1].append(line)
    return [(h, "\n".join(lines).strip()) for h, lines in out]


def test_there_is_a_knowledge_base() -> None:
    assert len(DOCS) >= 7


@pytest.mark.parametrize("doc", DOCS, ids=[d.name for d in DOCS])
def test_front_matter_names_title_sources_review_date_and_tags(doc: Path) -> None:
    meta, _, warnings = split_front_matter(doc.read_text())
    assert warnings == []
    assert isinstance(meta.get("title"), str) and meta["title"].strip()
    sources = meta.get("sources")
    assert isinstance(sources, list) and sources, "at least one source"
    assert all(isinstance(s, str) and re.match(r"^https://\S+$", s) for s in sources), sources
    reviewed = meta.get("reviewed")
    if isinstance(reviewed, str):
        reviewed = dt.date.fromisoformat(reviewed)
    assert isinstance(reviewed, dt.date) and reviewed <= dt.date.today()
    tags = meta.get("tags")
    assert isinstance(tags, list) and tags and all(isinstance(t, str) for t in tags)


@pytest.mark.parametrize("doc", DOCS, ids=[d.name for d in DOCS])
def test_every_section_fits_in_one_chunk(doc: Path) -> None:
    _, body, _ = split_front_matter(doc.read_text())
    too_long = [
        f"{heading} ({len(text)} chars)"
        for heading, text in _sections(body)
        if len(text) > CHUNK_SIZE
    ]
    assert too_long == [], f"sections longer than {CHUNK_SIZE} characters"


@pytest.mark.parametrize("doc", DOCS, ids=[d.name for d in DOCS])
def test_document_has_one_title_and_a_summary(doc: Path) -> None:
    _, body, _ = split_front_matter(doc.read_text())
    sections = _sections(body)
    assert [h for h, _ in sections if h.startswith("# ")] == [sections[0][0]]
    summary = sections[0][1].split("\n", 1)[1].strip() if "\n" in sections[0][1] else ""
    assert len(summary.split()) >= 10, "a summary under the title"
