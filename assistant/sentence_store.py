"""Vectors of the passages' sentences, embedded once at ingest and kept beside the index.

The composer and the domain gate judge each sentence of the retrieved passages against the
question (`composer.contexts_of`: the sentence with its section's name in front). Embedding
those sentences while answering cost most of an answer's time on a question the process
had not seen; ingest now embeds them with the passages and keeps them here, so an answer
embeds only its question.

Files, in the ingest cache folder of the index (`cache_folder`):
- `sentences.npy`: one float32 row per sentence (read memory-mapped);
- `sentences.json`: the model it was embedded with, and per chunk id its file hash and
  `[first row, texts]`.

Vectors are looked up by the exact text embedded, so a stale or partial file can only miss
(the text is then embedded as before), never give a wrong vector; a file from another
model is ignored. `reconcile` brings the file in line with the chunks in the store.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.composer import contexts_of
from assistant.models import Chunk

if TYPE_CHECKING:
    import numpy as np

    from assistant.embeddings import Embedder

log = logging.getLogger(__name__)

DIM = 384
VECTORS, INDEX = "sentences.npy", "sentences.json"


def cache_folder(data_dir: Path, where: str, collection: str) -> Path:
    """The folder of the ingest caches (this file, the ingest manifest, the index snapshot)
    of one index: the embedded one in the data dir, or a Chroma server's collection. The
    embedded index is named by no path, so a data dir copied or moved keeps its caches
    (each is checked against the index before it is believed)."""
    scope = where if where.startswith("Chroma server") else "embedded"
    key = hashlib.sha256(f"{scope}\n{collection}".encode()).hexdigest()[:12]
    return Path(data_dir) / "index-cache" / f"{collection}-{key}"


class SentenceStore:
    """The sentence vectors of one index (see the module docstring)."""

    def __init__(self, folder: Path, model: str) -> None:
        self.folder = Path(folder)
        self.model = model
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._rows: dict[str, int] = {}
        self._matrix: Any = None

    # -- reading ----------------------------------------------------------------------

    def _read_index(self) -> dict[str, Any]:
        try:
            data = json.loads((self.folder / INDEX).read_text())
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("model") != self.model:
            return {}
        return data

    def _load(self) -> None:
        """(Re)read the files when they changed on disk since the last read."""
        try:
            info = (self.folder / INDEX).stat()
            stamp = (info.st_mtime_ns, info.st_size)
        except OSError:
            stamp = None
        if stamp == self._stamp:
            return
        import numpy as np

        self._stamp, self._rows, self._matrix = stamp, {}, None
        data = self._read_index() if stamp else {}
        if not data:
            return
        try:
            matrix = np.load(self.folder / VECTORS, mmap_mode="r")
        except (OSError, ValueError) as exc:
            log.warning(
                "sentence vectors in %s unreadable (%s); embedding as needed", self.folder, exc
            )
            return
        rows: dict[str, int] = {}
        for _, (start, texts) in data.get("chunks", {}).values():
            for offset, text in enumerate(texts):
                rows[text] = start + offset
        if (
            matrix.ndim != 2
            or matrix.shape[1] != DIM
            or any(r >= len(matrix) for r in rows.values())
        ):
            log.warning("sentence vectors in %s do not match their index; ignored", self.folder)
            return
        self._rows, self._matrix = rows, matrix

    def lookup(self, texts: Iterable[str]) -> dict[str, np.ndarray]:
        """The stored vector of each of `texts` that has one."""
        with self._lock:
            self._load()
            rows, matrix = self._rows, self._matrix
        if matrix is None:
            return {}
        found = {t: rows[t] for t in texts if t in rows}
        if not found:
            return {}
        import numpy as np

        wanted = sorted(set(found.values()))
        block = np.asarray(matrix[wanted], dtype=np.float32)
        where = {row: i for i, row in enumerate(wanted)}
        return {t: block[where[row]] for t, row in found.items()}

    def __len__(self) -> int:
        with self._lock:
            self._load()
            return len(self._rows)

    # -- writing ----------------------------------------------------------------------

    def reconcile(self, chunks: list[Chunk], embedder: Embedder) -> int:
        """Keep the vectors of the chunks in `chunks` (the whole store) whose file is at the
        same version, embed the sentences of the others, drop the rest; returns how many
        sentences were embedded (each distinct text once). The files are replaced
        atomically."""
        import numpy as np

        data = self._read_index()
        old = data.get("chunks", {})
        try:
            matrix = np.load(self.folder / VECTORS, mmap_mode="r") if old else None
        except (OSError, ValueError):
            matrix, old = None, {}
        kept: list[tuple[Chunk, list[str], Any]] = []
        fresh: list[tuple[Chunk, list[str]]] = []
        for chunk in chunks:
            entry = old.get(chunk.id)
            texts = contexts_of(chunk)
            if (
                matrix is not None
                and entry is not None
                and entry[0] == chunk.file_hash
                and entry[1][1] == texts
                and entry[1][0] + len(texts) <= len(matrix)
            ):
                start = entry[1][0]
                kept.append((chunk, texts, matrix[start : start + len(texts)]))
            else:
                fresh.append((chunk, texts))
        unchanged = not fresh and len(kept) == len(old) and matrix is not None
        if unchanged:
            return 0
        # A sentence already embedded (in a chunk's overlap with the next, or kept by an
        # edit of its file) is not embedded again.
        rows: dict[str, int] = {}
        if matrix is not None:
            for _, (start, texts) in old.values():
                for offset, text in enumerate(texts):
                    if start + offset < len(matrix):
                        rows.setdefault(text, start + offset)
        wanted = list(dict.fromkeys(t for _, texts in fresh for t in texts))
        new_texts = [t for t in wanted if t not in rows]
        embedded = embedder.embed(new_texts) if new_texts else np.zeros((0, DIM), np.float32)
        by_text = dict(zip(new_texts, embedded, strict=True))
        for text in wanted:
            if text not in by_text and matrix is not None:
                by_text[text] = np.asarray(matrix[rows[text]], dtype=np.float32)
        vectors = np.stack([by_text[t] for _, texts in fresh for t in texts]) if fresh else None
        blocks, index, row, at = [], {}, 0, 0
        for chunk, texts, block in kept:
            blocks.append(np.asarray(block, dtype=np.float32))
            index[chunk.id] = [chunk.file_hash, [row, texts]]
            row += len(texts)
        for chunk, texts in fresh:
            assert vectors is not None
            blocks.append(vectors[at : at + len(texts)])
            index[chunk.id] = [chunk.file_hash, [row, texts]]
            row, at = row + len(texts), at + len(texts)
        out = np.concatenate(blocks) if blocks else np.zeros((0, DIM), np.float32)
        self._write(out.astype(np.float32, copy=False), {"model": self.model, "chunks": index})
        return len(new_texts)

    def _write(self, matrix: np.ndarray, index: dict[str, Any]) -> None:
        import numpy as np

        self.folder.mkdir(parents=True, exist_ok=True)
        tmp_vectors = self.folder / f".{VECTORS}.{os.getpid()}.tmp"
        tmp_index = self.folder / f".{INDEX}.{os.getpid()}.tmp"
        with tmp_vectors.open("wb") as fh:
            np.save(fh, matrix)
        tmp_index.write_text(json.dumps(index, separators=(",", ":")))
        # The index names rows of the vectors: drop it first, so a crash between the two
        # renames leaves no index pointing into the wrong file.
        (self.folder / INDEX).unlink(missing_ok=True)
        os.replace(tmp_vectors, self.folder / VECTORS)
        os.replace(tmp_index, self.folder / INDEX)


class StoredSentenceEmbedder:
    """An embedder that takes the vectors it can from a `SentenceStore` and embeds the
    rest with `inner` (the cached embedder): the same vectors either way."""

    def __init__(self, inner: Embedder, store: SentenceStore) -> None:
        self.inner = inner
        self.store = store
        self.name = getattr(inner, "name", "embedder")

    def embed(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        known = self.store.lookup(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            known.update(zip(missing, self.inner.embed(missing), strict=True))
        return np.stack([known[t] for t in texts])
