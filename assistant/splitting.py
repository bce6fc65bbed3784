"""Markdown-aware splitting: heading sections first, then recursive by size.

Every chunk's text is an exact slice of its file, so a citation can always be found in the
file it names, and its line range points at it.
"""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any

from assistant.models import Chunk

log = logging.getLogger(__name__)

HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4")]
HEADING_SEPARATOR = " > "
# A markdown (ATX) heading: 1 to 6 '#' then a space or the line's end. Seven or more '#',
# or '#word', are text.
ATX_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)")


def split_front_matter(text: str) -> tuple[dict[str, Any], str, list[str]]:
    """Return (front matter, body, warnings). The body keeps the file's line numbers:
    front-matter lines are blanked, not removed."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text, []
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        return {}, text, ["front matter has no closing '---'; read as text"]
    from assistant.yaml_files import safe_load

    raw = "\n".join(lines[1:end])
    body = "\n" * (end + 1) + "\n".join(lines[end + 1 :])
    try:
        meta = safe_load(raw) or {}
    # Not only YAMLError: a bad date (2026-13-45) raises ValueError, deep nesting
    # RecursionError; front matter is the file author's, and never stops an ingest.
    except Exception as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        return {}, body, [f"front matter is not valid YAML ({first}); ignored"]
    if not isinstance(meta, dict):
        return {}, body, ["front matter is not a mapping; ignored"]
    title = meta.get("title")
    if title is not None and not isinstance(title, str | int | float):
        # str() of a nested (or aliased, billion-laughs) value could be huge
        meta = {k: v for k, v in meta.items() if k != "title"}
        return meta, body, ["front matter title is not text; ignored"]
    return meta, body, []


def chunk_id(source: str, heading: str, text: str) -> str:
    """Stable id: the same source, heading and text always give the same id."""
    digest = hashlib.sha256(f"{source}\x00{heading}\x00{text}".encode()).hexdigest()
    return digest[:24]


def _is_heading_only(text: str) -> bool:
    return all(not line.strip() or ATX_HEADING.match(line) for line in text.split("\n"))


def _section_ranges(body: str, lines: list[str]) -> list[tuple[int, int, str]]:
    """(first line index, end line index exclusive, heading path) for each heading section."""
    from langchain_text_splitters import MarkdownHeaderTextSplitter

    splitter = MarkdownHeaderTextSplitter(HEADERS, strip_headers=False)
    starts: list[tuple[int, str]] = []
    cursor = 0
    for doc in splitter.split_text(body):
        first = next((ln.strip() for ln in doc.page_content.split("\n") if ln.strip()), "")
        heading = HEADING_SEPARATOR.join(
            str(doc.metadata[key]) for _, key in HEADERS if key in doc.metadata
        )
        for i in range(cursor, len(lines)):
            if lines[i].strip() == first or (first and first in lines[i]):
                starts.append((i, heading))
                cursor = i + 1
                break
    if not starts:
        return []
    ranges = []
    for n, (start, heading) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        ranges.append((start, end, heading))
    # Text before the first located section (rare) belongs to the first section.
    first_start, first_end, first_heading = ranges[0]
    ranges[0] = (min(first_start, _first_content_line(lines)), first_end, first_heading)
    return ranges


def _first_content_line(lines: list[str]) -> int:
    return next((i for i, ln in enumerate(lines) if ln.strip()), 0)


def split_markdown(
    text: str,
    source: str,
    *,
    file_hash: str = "",
    chunk_size: int = 900,
    chunk_overlap: int = 120,
    markdown: bool = True,
) -> tuple[list[Chunk], list[str]]:
    """Split one document into chunks; return (chunks, warnings)."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    meta, body, warnings = split_front_matter(text) if markdown else ({}, text, [])
    title = str(meta.get("title") or source.rsplit("/", 1)[-1].rsplit(".", 1)[0])
    lines = body.split("\n")
    if markdown:
        ranges = _section_ranges(body, lines)
    else:
        ranges = [(0, len(lines), title)] if body.strip() else []
    overlap = min(chunk_overlap, chunk_size // 2)
    recursive = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=overlap)
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for start, end, heading in ranges:
        section = "\n".join(lines[start:end])
        heading = heading or title
        offset = 0
        previous = 0
        for piece in recursive.split_text(section):
            # A piece starts at most `overlap` characters before the previous one ends:
            # searching from there keeps line ranges right in repetitive text.
            pos = section.find(piece, offset)
            if pos < 0:  # not expected: the splitter returns slices of its input
                pos = section.find(piece, previous)
            if pos < 0:
                pos = section.find(piece)
            if pos < 0:
                continue
            previous = pos + 1
            offset = pos + max(1, len(piece) - overlap)
            if _is_heading_only(piece):
                continue
            line_start = start + section.count("\n", 0, pos) + 1
            line_end = line_start + piece.count("\n")
            cid = chunk_id(source, heading, piece)
            if cid in seen:  # the same passage twice under one heading
                seen[cid] += 1
                cid = chunk_id(source, heading, f"{piece}\x00{seen[cid]}")
            else:
                seen[cid] = 0
            chunks.append(
                Chunk(
                    id=cid,
                    source=source,
                    heading=heading,
                    text=piece,
                    line_start=line_start,
                    line_end=line_end,
                    file_hash=file_hash,
                    title=title,
                )
            )
    return chunks, warnings


def embedding_text(chunk: Chunk) -> str:
    """What gets embedded and indexed: the heading path gives a passage its context."""
    return f"{chunk.heading}\n{chunk.text}"
