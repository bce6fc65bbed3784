"""The vector store: a Chroma collection, embedded (PersistentClient) or on a server.

Each chunk's record carries its source, heading, line range and the content hash of its
file, so the store itself knows which files are indexed and at which version, and several
replicas sharing a server agree. The ingest manifest (`assistant.manifest`) is only a copy
of that answer, trusted while the store's `generation` is the one it recorded.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from assistant.errors import StoreUnavailableError
from assistant.models import Chunk

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

_WRITE_BATCH = 500
_GENERATION_KEY = "mlinfra_generation"


def _forget_cached_client(path: Path) -> None:
    """Chroma keeps one client per folder per process; drop the one bound to a bad index
    so the next client opens the new files."""
    from chromadb.api.shared_system_client import SharedSystemClient

    for key in [k for k in SharedSystemClient._identifier_to_system if k == str(path)]:
        system = SharedSystemClient._identifier_to_system.pop(key)
        SharedSystemClient._identifier_to_refcount.pop(key, None)
        try:
            system.stop()
        except Exception:  # already broken; it is being replaced
            log.debug("stopping the old Chroma client failed", exc_info=True)


def _chunk_from_record(cid: str, text: str, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        id=cid,
        source=str(meta.get("source", "")),
        heading=str(meta.get("heading", "")),
        text=text,
        line_start=int(meta.get("line_start", 0)),
        line_end=int(meta.get("line_end", 0)),
        file_hash=str(meta.get("file_hash", "")),
        title=str(meta.get("title", "")),
    )


def location(data_dir: Path, url: str | None) -> str:
    """Where an index lives: its folder, or the Chroma server."""
    return f"Chroma server {url}" if url else f"{Path(data_dir) / 'chroma'}"


class VectorStore:
    """Chunks and their embeddings in one Chroma collection."""

    def __init__(self, *, data_dir: Path, url: str | None = None, collection: str) -> None:
        self.url = url
        self.data_dir = data_dir
        self.collection_name = collection
        self._stale = False  # an embedded write failed: reopen before the next call
        self._client: Any = None
        self._collection: Any = None
        self._opening = threading.Lock()
        # A server is reached at once, so a wrong URL is said where the store is made; an
        # embedded index is opened on its first use that needs Chroma (`_open`): its
        # generation and count are read from its file (`index_snapshot.peek_generation`).
        if url:
            self._open()

    def _open(self) -> None:
        with self._opening:
            if self._client is None:
                self._client = self._connect()
                try:
                    self._collection = self._open_collection()
                except BaseException:
                    self._client = None
                    raise

    @property
    def where(self) -> str:
        return location(self.data_dir, self.url)

    def _connect(self) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if self.url:
            parsed = urlparse(self.url if "://" in self.url else f"http://{self.url}")
            if not parsed.hostname:
                raise StoreUnavailableError(f"MLINFRA_CHROMA_URL is not a URL: {self.url!r}")
            try:
                client = chromadb.HttpClient(
                    host=parsed.hostname,
                    port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                    ssl=parsed.scheme == "https",
                    settings=chroma_settings,
                )
                client.heartbeat()
            except Exception as exc:
                raise StoreUnavailableError(
                    f"cannot reach the Chroma server at {self.url}: {exc}"
                ) from exc
            return client
        path = self.data_dir / "chroma"
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailableError(f"cannot create the index folder {path}: {exc}") from exc
        try:
            client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
            client.heartbeat()
            return client
        except Exception as exc:
            # A corrupt embedded index is rebuilt from the knowledge folder; keep the old
            # files aside rather than deleting what someone may want to inspect.
            aside = path.with_name(f"chroma.corrupt-{int(time.time())}")
            log.warning("index at %s is unreadable (%s); moved to %s, rebuilding", path, exc, aside)
            shutil.move(str(path), str(aside))
            path.mkdir(parents=True)
            _forget_cached_client(path)
            return chromadb.PersistentClient(path=str(path), settings=chroma_settings)

    def _open_collection(self) -> Any:
        try:
            return self._client.get_or_create_collection(
                self.collection_name,
                metadata={"hnsw:space": "cosine"},
                embedding_function=None,
            )
        except Exception as exc:
            raise StoreUnavailableError(
                f"cannot open the collection in {self.where}: {exc}"
            ) from exc

    def _reopen(self) -> None:
        """A fresh embedded client after a failed call. The failed one may still hold the
        SQLite write lock (a transaction cut short by a full disk), and Chroma hands the
        same cached client to every store on that folder in this process."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        path = self.data_dir / "chroma"
        try:
            self._client = chromadb.PersistentClient(
                path=str(path), settings=ChromaSettings(anonymized_telemetry=False)
            )
        except Exception as exc:
            raise StoreUnavailableError(
                f"cannot reopen the index at {self.where}: {exc}{self._space_note()}"
            ) from exc
        self._collection = self._open_collection()
        self._stale = False

    def _call(self, what: str, op: Callable[..., Any]) -> Any:
        """op(collection), with errors said in words and naming the index."""
        if self._stale:
            self._reopen()
        self._open()
        try:
            return op(self._collection)
        except StoreUnavailableError:
            raise
        except Exception as exc:
            if self.url:
                raise StoreUnavailableError(
                    f"{what} failed: cannot reach the Chroma server at {self.url}: {exc}"
                ) from exc
            _forget_cached_client(self.data_dir / "chroma")
            self._stale = True
            raise StoreUnavailableError(
                f"{what} failed in the index at {self.where}: {exc}{self._space_note()}"
            ) from exc

    def _space_note(self) -> str:
        """Where the disk under the data dir is (nearly) full, say so: the store's own
        errors rarely do."""
        try:
            free = shutil.disk_usage(self.data_dir).free
        except OSError:
            return ""
        if free >= 16 * 1024 * 1024:
            return ""
        return f" (the disk holding {self.data_dir} is full: {free // 1024:,} KB of space left)"

    # -- reading -------------------------------------------------------------------------

    def count(self) -> int:
        peeked = self._peek()
        if peeked is not None:
            return int(peeked.rsplit(":", 1)[1])
        return int(self._call("count", lambda c: c.count()))

    def _peek(self) -> str | None:
        """The generation of an embedded index read from its file, if it can be."""
        if self.url or self._stale:
            return None
        from assistant.index_snapshot import peek_generation

        return peek_generation(self.data_dir / "chroma", self.collection_name, _GENERATION_KEY)

    def generation(self) -> str:
        """Changes whenever an ingest changes the collection (seen by every replica):
        '<time of the last change>:<count>'."""
        peeked = self._peek()
        if peeked is not None:
            return peeked
        col = self._call(
            "reading the collection", lambda _: self._client.get_collection(self.collection_name)
        )
        meta = col.metadata or {}
        return f"{meta.get(_GENERATION_KEY, '0')}:{col.count()}"

    def bump_generation(self) -> None:
        def bump(collection: Any) -> None:
            meta = dict(collection.metadata or {})
            meta.pop("hnsw:space", None)  # fixed at creation; Chroma refuses to modify it
            meta[_GENERATION_KEY] = f"{time.time():.6f}"
            collection.modify(metadata=meta)

        self._call("updating the collection", bump)

    def _pages(self, what: str, include: list[str]) -> Iterator[dict[str, Any]]:
        """The whole collection, a page of records at a time."""
        offset, page = 0, 5000
        while True:
            got = self._call(
                what, lambda c, at=offset: c.get(include=include, limit=page, offset=at)
            )
            yield got
            if len(got["ids"]) < page:
                return
            offset += page

    def all_chunks(self) -> list[Chunk]:
        out: list[Chunk] = []
        for got in self._pages("reading chunks", ["documents", "metadatas"]):
            for cid, text, meta in zip(
                got["ids"], got["documents"] or [], got["metadatas"] or [], strict=False
            ):
                out.append(_chunk_from_record(cid, text or "", dict(meta or {})))
        return out

    def all_chunks_with_vectors(self) -> tuple[list[Chunk], np.ndarray]:
        """Every chunk and its embedding (row i is chunk i's)."""
        import numpy as np

        chunks: list[Chunk] = []
        rows: list[Any] = []
        for got in self._pages("reading chunks", ["documents", "metadatas", "embeddings"]):
            vectors = got["embeddings"] if got["embeddings"] is not None else []
            for cid, text, meta, vec in zip(
                got["ids"], got["documents"] or [], got["metadatas"] or [], vectors, strict=False
            ):
                chunks.append(_chunk_from_record(cid, text or "", dict(meta or {})))
                rows.append(vec)
        if not rows:  # an empty index
            return chunks, np.zeros((0, 0), dtype=np.float32)
        matrix = np.asarray(rows, dtype=np.float32).reshape(len(rows), -1)
        return chunks, matrix

    def file_hashes(self) -> dict[str, tuple[str, str]]:
        """source -> (file hash, ingest root) for every indexed file."""
        out: dict[str, tuple[str, str]] = {}
        for got in self._pages("reading the index", ["metadatas"]):
            for meta in got["metadatas"] or []:
                meta = meta or {}
                source = str(meta.get("source"))
                file_hash = str(meta.get("file_hash", ""))
                if source in out and out[source][0] != file_hash:
                    file_hash = ""  # mixed versions (an interrupted ingest): treat as changed
                out[source] = (file_hash, str(meta.get("root", "")))
        return out

    def embeddings_for(self, ids: list[str]) -> dict[str, list[float]]:
        if not ids:
            return {}
        got = self._call("reading embeddings", lambda c: c.get(ids=ids, include=["embeddings"]))
        return {cid: list(vec) for cid, vec in zip(got["ids"], got["embeddings"], strict=False)}

    def query(self, vector: np.ndarray, n: int) -> list[tuple[Chunk, float]]:
        """The n nearest chunks with their cosine similarity."""
        if n <= 0:
            return []
        got = self._call(
            "searching",
            lambda c: c.query(
                query_embeddings=[vector.tolist()],
                n_results=n,
                include=["documents", "metadatas", "distances"],
            ),
        )
        hits = []
        for cid, text, meta, dist in zip(
            got["ids"][0],
            got["documents"][0],
            got["metadatas"][0],
            got["distances"][0],
            strict=False,
        ):
            hits.append((_chunk_from_record(cid, text or "", dict(meta or {})), 1.0 - float(dist)))
        return hits

    # -- writing -------------------------------------------------------------------------

    def upsert(self, chunks: list[Chunk], vectors: np.ndarray, root: str) -> None:
        for start in range(0, len(chunks), _WRITE_BATCH):
            part = chunks[start : start + _WRITE_BATCH]
            record = {
                "ids": [c.id for c in part],
                "embeddings": vectors[start : start + _WRITE_BATCH].tolist(),
                "documents": [c.text for c in part],
                "metadatas": [
                    {
                        "source": c.source,
                        "heading": c.heading,
                        "title": c.title,
                        "line_start": c.line_start,
                        "line_end": c.line_end,
                        "file_hash": c.file_hash,
                        "root": root,
                    }
                    for c in part
                ],
            }
            self._call("writing chunks", lambda c, record=record: c.upsert(**record))

    def ids_for_source(self, source: str) -> list[str]:
        got = self._call("reading the index", lambda c: c.get(where={"source": source}, include=[]))
        return list(got["ids"])

    def delete_ids(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        for start in range(0, len(ids), _WRITE_BATCH):
            part = ids[start : start + _WRITE_BATCH]
            self._call("deleting chunks", lambda c, part=part: c.delete(ids=part))
