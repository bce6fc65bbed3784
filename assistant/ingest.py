"""Ingest: knowledge files -> chunks -> embeddings -> the vector store, incrementally.

Each file's content hash is stored with its chunks. A run re-embeds only files whose hash
changed, replaces their chunks, deletes the chunks of files that are gone, embeds the
sentences of the new chunks for the composer (`sentence_store`), and reports what it did.
What the index holds is read from the manifest beside it while that matches the store
(`manifest`), else from the store's own records; an embedded index small enough to rank in
memory is kept as a snapshot beside it too (`index_snapshot`).
"""

from __future__ import annotations

import errno
import hashlib
import logging
import stat
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant import index_snapshot, manifest
from assistant.embeddings import Embedder, model_key
from assistant.errors import KnowledgeNotFoundError
from assistant.models import Chunk, IngestReport
from assistant.retrieval import IN_MEMORY_CHUNKS
from assistant.sentence_store import SentenceStore, cache_folder
from assistant.splitting import embedding_text, split_markdown
from assistant.store import VectorStore

log = logging.getLogger(__name__)

# A knowledge folder's data/ holds the tools' tables and interview/ the practice questions
# and their rubrics: neither is prose to cite.
NOT_GUIDANCE = ("data", "interview")
SUPPORTED = {".md": True, ".markdown": True, ".txt": False}  # suffix -> is markdown
MB = 1024 * 1024  # max_file_mb counts MiB, as `ls -lh` shows sizes

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


def _symlink_problem(path: Path, root: Path, given: Path) -> str | None:
    """Why the symlink `path`, found while scanning `given`, is skipped; None to ingest it.
    Only links to files inside the folder are followed: never a folder (a loop, or a way
    out of it) and never a file outside it."""
    try:
        target = path.resolve(strict=True)
    except RuntimeError:  # Python 3.11-3.12 raise it for a loop, later ones OSError(ELOOP)
        return f"skipped {path}: symlink loop, not followed"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return f"skipped {path}: symlink loop, not followed"
        return f"skipped {path}: broken symlink ({exc.strerror or exc}), not followed"
    if target.is_dir():
        loop = " (a loop)" if path.parent.resolve().is_relative_to(target) else ""
        return f"skipped {path}: symlink to the folder {target}{loop}; folders are not followed"
    if not target.is_relative_to(root):
        return f"skipped {path}: symlink to {target}, outside {given}"
    return None


def discover(
    paths: Sequence[Path], knowledge_dir: Path
) -> tuple[list[SourceFile], list[str], list[str]]:
    """Files to ingest, the folders scanned in full (whose removed files get deleted), and
    warnings for whatever was skipped."""
    files: dict[str, SourceFile] = {}  # by source: a file and a symlink to it are one file
    roots: list[str] = []
    warnings: list[str] = []

    def add(file: SourceFile) -> None:
        kept = files.get(file.source)
        if kept is None:
            files[file.source] = file
            return
        if kept.path.is_symlink() and not file.path.is_symlink():
            files[file.source] = file  # index the file under its own name, not the link's
            kept, file = file, kept
        if file.path.is_symlink():
            warnings.append(f"skipped {file.path}: symlink to {kept.path}, ingested already")

    for given in paths:
        if not given.exists():
            raise KnowledgeNotFoundError(f"knowledge path not found: {given}")
        if given.is_dir():
            root = given.resolve()
            roots.append(str(root))
            for path in sorted(given.rglob("*")):
                rel = path.relative_to(given)
                if any(part.startswith(".") for part in rel.parts):
                    continue
                if rel.parts[0] in NOT_GUIDANCE and len(rel.parts) > 1:
                    continue  # tool data and interview rubrics, not guidance
                if path.is_symlink():
                    problem = _symlink_problem(path, root, given)
                    if problem:
                        warnings.append(problem)
                        continue
                if path.is_dir():
                    continue
                if path.suffix.lower() not in SUPPORTED:
                    warnings.append(f"skipped {path}: only .md and .txt files are ingested")
                    continue
                add(SourceFile(path, _source_name(path, knowledge_dir, root), str(root)))
        else:
            if given.suffix.lower() not in SUPPORTED:
                warnings.append(f"skipped {given}: only .md and .txt files are ingested")
                continue
            knowledge = knowledge_dir.resolve()
            inside = given.resolve().is_relative_to(knowledge)
            root = knowledge if inside else given.resolve().parent
            add(SourceFile(given, _source_name(given, knowledge_dir, root), str(root)))
    return list(files.values()), roots, warnings


def _read(path: Path, max_file_mb: float | None = None) -> tuple[str | None, str, str | None]:
    """(text, content hash, warning). A file over `max_file_mb` is skipped on its size
    (stat), without reading it; so is anything but a regular file (a FIFO would block)."""
    try:
        info = path.stat()
    except OSError as exc:
        return None, "", f"skipped {path}: cannot read it ({exc.strerror or exc})"
    if not stat.S_ISREG(info.st_mode):
        return None, "", f"skipped {path}: not a regular file (a FIFO, socket or device)"
    limit = None if max_file_mb is None else int(max_file_mb * MB)

    def too_big(size: str) -> str:
        return (
            f"skipped {path}: {size} is over the {max_file_mb:g} MB limit "
            "(setting max_file_mb, env MLINFRA_MAX_FILE_MB)"
        )

    if limit is not None and info.st_size > limit:
        return None, "", too_big(f"{info.st_size / MB:,.1f} MB")
    try:
        with path.open("rb") as fh:
            data = fh.read() if limit is None else fh.read(limit + 1)
    except OSError as exc:
        return None, "", f"skipped {path}: cannot read it ({exc.strerror or exc})"
    if limit is not None and len(data) > limit:  # it grew after the stat
        return None, "", too_big("its content")
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
    max_file_mb: float | None = 10.0,
    progress: Progress | None = None,
) -> IngestReport:
    """Bring the store in line with `paths`; see the module docstring."""
    started = time.perf_counter()
    files, roots, warnings = discover(paths, knowledge_dir)
    report = IngestReport(warnings=warnings)
    folder = cache_folder(store.data_dir, store.where, store.collection_name)
    trusted = manifest.read(folder, store.generation())
    indexed = trusted if trusted is not None else store.file_hashes()
    hashes = dict(indexed)  # what the store holds once this run is done
    seen: set[str] = set()
    changed = False

    def about_to_write() -> None:
        nonlocal changed
        if not changed:
            manifest.invalidate(folder)
            index_snapshot.invalidate(folder)
        changed = True

    for done, file in enumerate(files, start=1):
        text, digest, problem = _read(file.path, max_file_mb)
        old_hash = indexed.get(file.source, ("", ""))[0]
        split: tuple[list[Chunk], list[str]] | None = None  # None: unchanged, not split
        if problem is None and text is not None and old_hash != digest:
            try:
                split = chunk_file(file, text, digest, chunk_size, chunk_overlap)
            except Exception as exc:  # one odd file must not stop the ingest of the rest
                log.debug("splitting %s failed", file.path, exc_info=True)
                problem = f"skipped {file.path}: cannot split it ({type(exc).__name__}: {exc})"
        if problem is not None or text is None:
            report.warnings.append(problem or f"skipped {file.path}")
            # An unreadable file keeps whatever was indexed for it, rather than losing it.
            if file.source in indexed:
                seen.add(file.source)
            if progress:
                progress(done, len(files), file.source)
            continue
        seen.add(file.source)
        if split is None:
            report.unchanged += 1
        else:
            chunks, notes = split
            report.warnings.extend(notes)
            if not chunks:
                report.warnings.append(f"{file.path}: no text to index, only headings")
            stale = set(store.ids_for_source(file.source)) if file.source in indexed else set()
            about_to_write()
            if chunks:
                vectors = embedder.embed([embedding_text(c) for c in chunks])
                store.upsert(chunks, vectors, file.root)
                hashes[file.source] = (digest, file.root)
            else:
                hashes.pop(file.source, None)
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
        if progress:
            progress(done, len(files), file.source)
    for source, (_, root) in indexed.items():
        if root in roots and source not in seen:
            ids = store.ids_for_source(source)
            about_to_write()
            store.delete_ids(ids)
            hashes.pop(source, None)
            report.removed += 1
            report.chunks_deleted += len(ids)
    refresh = changed or trusted is None
    # An embedded index small enough to rank in memory is also kept as a snapshot, which a
    # new process reads instead of opening Chroma (see index_snapshot).
    in_memory = refresh and store.url is None and store.count() <= IN_MEMORY_CHUNKS
    if refresh:
        if in_memory:
            chunks, matrix = store.all_chunks_with_vectors()
        else:
            chunks = store.all_chunks()
        # The sentences the composer judges, embedded once here (see sentence_store).
        SentenceStore(folder, model_key(embedder)).reconcile(chunks, embedder)
    if changed:
        store.bump_generation()
    if refresh:
        generation = store.generation()
        manifest.write(folder, generation, hashes)
        if in_memory:
            index_snapshot.write(folder, generation, chunks, matrix)
    report.total_chunks = store.count()
    report.seconds = round(time.perf_counter() - started, 3)
    return report
