"""Ingest: knowledge files -> chunks -> embeddings -> the vector store, incrementally.

Each file's content hash is stored with its chunks. A run re-embeds only files whose hash
changed, replaces their chunks, deletes the chunks of files that are gone, and reports
what it did.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.embeddings import Embedder
from assistant.errors import KnowledgeNotFoundError
from assistant.models import Chunk, IngestReport
from assistant.splitting import embedding_text, split_markdown
from assistant.store import VectorStore

log = logging.getLogger(__name__)

# A knowledge folder's data/ holds the tools' tables and interview/ the practice questions
# and their rubrics: neither is prose to cite.
NOT_GUIDANCE = ("data", "interview")
SUPPORTED = {".md": True, ".markdown": True, ".txt": False}  # suffix -> is markdown

# (files done, files total, source just done)
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class SourceFile:
    path: Path
    source: str  # the name citations use
    root: str  # the folder whose removals this file's ingest may act on


def _source_name(path: Path, knowledge_dir: Path, base: Path) -> str:
    resolved = path.resolve()
    for anchor in (knowledge_dir.resolve(), base):
        try:
            return resolved.relative_to(anchor).as_posix()
        except ValueError:
            continue
    return path.name


def discover(
    paths: Sequence[Path], knowledge_dir: Path
) -> tuple[list[SourceFile], list[str], list[str]]:
    """Files to ingest, the folders scanned in full (whose removed files get deleted), and
    warnings for whatever was skipped."""
    files: list[SourceFile] = []
    roots: list[str] = []
    warnings: list[str] = []
    for given in paths:
        if not given.exists():
            raise KnowledgeNotFoundError(f"knowledge path not found: {given}")
        if given.is_dir():
            root = given.resolve()
            roots.append(str(root))
            for path in sorted(given.rglob("*")):
                rel = path.relative_to(given)
                if any(part.startswith(".") for part in rel.parts) or path.is_dir():
                    continue
                if rel.parts[0] in NOT_GUIDANCE and len(rel.parts) > 1:
                    continue  # tool data and interview rubrics, not guidance
                if path.is_symlink():
                    target = path.resolve()
                    if not target.is_relative_to(root):
                        warnings.append(f"skipped {path}: symlink to {target}, outside {given}")
                        continue
                if path.suffix.lower() not in SUPPORTED:
                    warnings.append(f"skipped {path}: only .md and .txt files are ingested")
                    continue
                files.append(SourceFile(path, _source_name(path, knowledge_dir, root), str(root)))
        else:
            if given.suffix.lower() not in SUPPORTED:
                warnings.append(f"skipped {given}: only .md and .txt files are ingested")
                continue
            knowledge = knowledge_dir.resolve()
            inside = given.resolve().is_relative_to(knowledge)
            root = knowledge if inside else given.resolve().parent
            files.append(SourceFile(given, _source_name(given, knowledge_dir, root), str(root)))
    return files, roots, warnings


def _read(path: Path) -> tuple[str | None, str, str | None]:
    """(text, content hash, warning)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, "", f"skipped {path}: cannot read it ({exc.strerror or exc})"
    digest = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, digest, f"skipped {path}: not valid UTF-8 (byte {exc.start})"
    if "\x00" in text:
        return None, digest, f"skipped {path}: binary content (NUL bytes)"
    if not text.strip():
        return None, digest, f"skipped {path}: empty"
    return text.replace("\r\n", "\n"), digest, None


def chunk_file(
    file: SourceFile, text: str, digest: str, chunk_size: int, chunk_overlap: int
) -> tuple[list[Chunk], list[str]]:
    chunks, notes = split_markdown(
        text,
        file.source,
        file_hash=digest,
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        markdown=SUPPORTED[file.path.suffix.lower()],
    )
    return chunks, [f"{file.path}: {note}" for note in notes]


def ingest(
    paths: Sequence[Path],
    *,
    store: VectorStore,
    embedder: Embedder,
    knowledge_dir: Path,
    chunk_size: int = 900,
    chunk_overlap: int = 120,
    progress: Progress | None = None,
) -> IngestReport:
    """Bring the store in line with `paths`; see the module docstring."""
    started = time.perf_counter()
    files, roots, warnings = discover(paths, knowledge_dir)
    report = IngestReport(warnings=warnings)
    indexed = store.file_hashes()
    seen: set[str] = set()
    changed = False
    for done, file in enumerate(files, start=1):
        text, digest, problem = _read(file.path)
        if problem is not None or text is None:
            report.warnings.append(problem or f"skipped {file.path}")
            # An unreadable file keeps whatever was indexed for it, rather than losing it.
            if file.source in indexed:
                seen.add(file.source)
            if progress:
                progress(done, len(files), file.source)
            continue
        seen.add(file.source)
        old_hash = indexed.get(file.source, ("", ""))[0]
        if old_hash == digest:
            report.unchanged += 1
        else:
            chunks, notes = chunk_file(file, text, digest, chunk_size, chunk_overlap)
            report.warnings.extend(notes)
            stale = set(store.ids_for_source(file.source)) if file.source in indexed else set()
            if chunks:
                vectors = embedder.embed([embedding_text(c) for c in chunks])
                store.upsert(chunks, vectors, file.root)
            # Write the new chunks before deleting old ones: an interrupted run leaves a
            # file with mixed hashes, which the next run sees as changed and repairs.
            obsolete = stale - {c.id for c in chunks}
            store.delete_ids(obsolete)
            report.chunks_embedded += len(chunks)
            report.chunks_deleted += len(obsolete)
            if file.source in indexed:
                report.updated += 1
            else:
                report.added += 1
            changed = True
        if progress:
            progress(done, len(files), file.source)
    for source, (_, root) in indexed.items():
        if root in roots and source not in seen:
            ids = store.ids_for_source(source)
            store.delete_ids(ids)
            report.removed += 1
            report.chunks_deleted += len(ids)
            changed = True
    if changed:
        store.bump_generation()
    report.total_chunks = store.count()
    report.seconds = round(time.perf_counter() - started, 3)
    return report
