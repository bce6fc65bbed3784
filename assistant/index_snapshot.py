"""The chunks of an embedded index and their vectors, kept beside it, so that a new process
answers without importing or opening Chroma.

Opening Chroma (importing `chromadb`, starting its client, reading the collection back) was
most of a cold `mlinfra ask` and a third of its memory; an embedded index small enough to be
ranked in memory (`retrieval.IN_MEMORY_CHUNKS`) is read from here instead. The store stays
the truth: the snapshot records the store's generation and is used only while the store's
own file says the same (`peek_generation` reads it with the standard library's sqlite3,
read-only), it is removed before an ingest first writes and written again when it ends,
and whatever cannot be read (a missing or corrupt file, a Chroma whose file layout is not
the one known here) sends the reader to Chroma as before.

Files, in the ingest cache folder of the index (`sentence_store.cache_folder`):
- `chunks.json`: the generation, the vector file's name and every chunk's fields;
- `chunks-<generation key>.npy`: one float32 row per chunk, in the same order.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.models import Chunk

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

NAME = "chunks.json"
_FIELDS = ("id", "source", "heading", "text", "line_start", "line_end", "file_hash", "title")
_GENERATION_SQL = """
SELECT m.str_value,
       (SELECT COUNT(*) FROM embeddings e JOIN segments s ON e.segment_id = s.id
         WHERE s.collection = c.id AND s.scope = 'METADATA')
  FROM collections c LEFT JOIN collection_metadata m
    ON m.collection_id = c.id AND m.key = ?
 WHERE c.name = ?
"""


def peek_generation(chroma_dir: Path, collection: str, key: str) -> str | None:
    """The generation (`VectorStore.generation`) of `collection` in the embedded index at
    `chroma_dir`, read from Chroma's SQLite file without Chroma; None when it cannot be
    read this way (no file, no such collection, a corrupt file or another layout)."""
    path = Path(chroma_dir) / "chroma.sqlite3"
    if not path.is_file():
        return None
    try:
        with contextlib.closing(
            sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=1.0)
        ) as db:
            row = db.execute(_GENERATION_SQL, (key, collection)).fetchone()
    except sqlite3.Error as exc:
        log.debug("cannot read the generation from %s: %s", path, exc)
        return None
    if row is None:
        return None
    return f"{row[0] or '0'}:{int(row[1])}"


def _vectors_name(generation: str) -> str:
    return f"chunks-{hashlib.sha256(generation.encode()).hexdigest()[:16]}.npy"


def read(folder: Path, generation: str) -> tuple[list[Chunk], np.ndarray] | None:
    """The chunks and their vectors (row i is chunk i's) if the snapshot in `folder` is of
    `generation`, else None."""
    import numpy as np

    folder = Path(folder)
    try:
        data = json.loads((folder / NAME).read_text())
        if not isinstance(data, dict) or data.get("generation") != generation:
            return None
        chunks = [Chunk(**dict(zip(_FIELDS, row, strict=True))) for row in data["chunks"]]
        matrix = np.load(folder / str(data["vectors"]), mmap_mode="r")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.debug("index snapshot in %s unreadable: %s", folder, exc)
        return None
    if matrix.ndim != 2 or matrix.shape[0] != len(chunks):
        log.warning("index snapshot in %s does not match its chunks; ignored", folder)
        return None
    return chunks, np.asarray(matrix, dtype=np.float32)


def invalidate(folder: Path) -> None:
    """Remove the snapshot: the store is about to change."""
    (Path(folder) / NAME).unlink(missing_ok=True)


def write(folder: Path, generation: str, chunks: list[Chunk], matrix: np.ndarray) -> None:
    """Keep `chunks` and `matrix` as the snapshot of `generation`. Best effort: a snapshot
    that cannot be written (a full or read-only disk) only costs the next process time."""
    import numpy as np

    folder = Path(folder)
    vectors = _vectors_name(generation)
    tmp_vectors = folder / f".{vectors}.{os.getpid()}.tmp"
    tmp_index = folder / f".{NAME}.{os.getpid()}.tmp"
    payload: dict[str, Any] = {
        "generation": generation,
        "vectors": vectors,
        "chunks": [[getattr(c, f) for f in _FIELDS] for c in chunks],
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tmp_vectors.open("wb") as fh:
            np.save(fh, np.asarray(matrix, dtype=np.float32))
        tmp_index.write_text(json.dumps(payload, separators=(",", ":")))
        os.replace(tmp_vectors, folder / vectors)
        os.replace(tmp_index, folder / NAME)
    except OSError as exc:
        log.warning("cannot keep the index snapshot in %s (%s); carrying on without", folder, exc)
        for tmp in (tmp_vectors, tmp_index):
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
        return
    for old in folder.glob("chunks-*.npy"):  # earlier generations' vectors
        if old.name != vectors:
            with contextlib.suppress(OSError):
                old.unlink(missing_ok=True)
