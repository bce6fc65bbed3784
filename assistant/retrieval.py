"""Hybrid retrieval: BM25 (bm25s) and dense (Chroma) rankings fused by reciprocal rank."""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import TYPE_CHECKING, Any

from assistant.embeddings import Embedder
from assistant.models import Chunk, RetrievedChunk
from assistant.splitting import embedding_text
from assistant.store import VectorStore

if TYPE_CHECKING:
    import numpy as np

# How long the index's generation is trusted before the store is asked again: another
# process's ingest shows within this; one in this process at once (`expire`).
RECHECK_SECONDS = 1.0
# Up to this many chunks of an embedded index the dense ranking is exact, in memory (about
# 1.5 MB per 1,000); above it, or on a Chroma server, Chroma's HNSW index ranks.
IN_MEMORY_CHUNKS = 20_000
RRF_K = 60  # the constant from Cormack et al. (2009); damps the weight of top ranks
_TOKEN = re.compile(r"[a-z0-9]+(?:[.\-][a-z0-9]+)*")
_STOPWORDS = frozenset(
    """a an and are as at be but by can do does for from has have how i if in into is it its
    me my of on or our should so than that the their then there these they this to use used
    using vs was we what when where which while who why will with would you your""".split()
)


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens without stop words; a light plural fold ('gpus' -> 'gpu')."""
    out = []
    for tok in _TOKEN.findall(text.lower()):
        if tok in _STOPWORDS:
            continue
        if len(tok) > 3 and tok.endswith("s") and not tok.endswith("ss"):
            tok = tok[:-1]
        out.append(tok)
    return out


class _LexicalIndex:
    def __init__(self, chunks: list[Chunk]) -> None:
        import bm25s

        # bm25s sets its own logger to DEBUG on import; its index builds are not news.
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        self.chunks = chunks
        self._bm25: Any = None
        corpus = [tokenize(embedding_text(c)) for c in chunks]
        self.vocabulary = frozenset(tok for doc in corpus for tok in doc)
        if chunks:
            self._bm25 = bm25s.BM25()
            self._bm25.index(corpus, show_progress=False)

    def search(self, query: str, n: int) -> list[tuple[Chunk, float]]:
        tokens = tokenize(query)
        if self._bm25 is None or not tokens:
            return []
        n = min(n, len(self.chunks))
        docs, scores = self._bm25.retrieve([tokens], k=n, show_progress=False, n_threads=0)
        return [
            (self.chunks[int(d)], float(s))
            for d, s in zip(docs[0], scores[0], strict=False)
            if s > 0
        ]


class _DenseIndex:
    """Every chunk's embedding in memory, ranked exactly by cosine with one matrix product:
    for an index this size a Chroma query cost more in its calls than in its search."""

    def __init__(self, chunks: list[Chunk], matrix: np.ndarray) -> None:
        self.chunks = chunks
        self.matrix = matrix
        self.row = {c.id: i for i, c in enumerate(chunks)}

    def search(self, vector: np.ndarray, n: int) -> list[tuple[Chunk, float]]:
        import numpy as np

        if not self.chunks or n <= 0:
            return []
        cosines = self.matrix @ np.asarray(vector, dtype=np.float32)
        n = min(n, len(self.chunks))
        best = np.argpartition(-cosines, n - 1)[:n] if n < len(self.chunks) else np.arange(n)
        best = best[np.lexsort((best, -cosines[best]))]  # by cosine, ties by position
        return [(self.chunks[int(i)], float(cosines[i])) for i in best]

    def vectors_for(self, ids: list[str]) -> dict[str, np.ndarray]:
        return {cid: self.matrix[self.row[cid]] for cid in ids if cid in self.row}


def _count(generation: str) -> int:
    return int(generation.rsplit(":", 1)[-1])


def read_in_memory(store: VectorStore, generation: str) -> tuple[list[Chunk], np.ndarray]:
    """Every chunk of an embedded index with its vector: from the snapshot beside the index
    while it is of this generation (no Chroma to open), else from the store, kept as the
    snapshot for the next process."""
    from assistant import index_snapshot
    from assistant.sentence_store import cache_folder

    folder = cache_folder(store.data_dir, store.where, store.collection_name)
    kept = index_snapshot.read(folder, generation)
    if kept is not None:
        return kept
    chunks, matrix = store.all_chunks_with_vectors()
    if store.generation() == generation:  # unchanged while it was read
        index_snapshot.write(folder, generation, chunks, matrix)
    return chunks, matrix


class HybridRetriever:
    """Top-k chunks for a query, from a lexical and a dense ranking fused by RRF."""

    def __init__(self, store: VectorStore, embedder: Embedder, *, candidates: int = 30) -> None:
        self.store = store
        self.embedder = embedder
        self.candidates = candidates
        self._lock = threading.Lock()
        self._lexical: _LexicalIndex | None = None
        self._generation: str | None = None
        self._checked = float("-inf")  # time.monotonic() of the last look at the store
        self._dense: _DenseIndex | None = None  # None: Chroma ranks (a large index)

    def refresh(self, force: bool = False) -> None:
        """Rebuild the lexical index if the store changed since it was built. The store is
        asked at most once every `RECHECK_SECONDS` (each ask cost two Chroma calls, several
        times per answer); `expire` makes the next call ask."""
        now = time.monotonic()
        if not force and self._lexical is not None and now - self._checked < RECHECK_SECONDS:
            return
        generation = self.store.generation()
        with self._lock:
            if force or self._lexical is None or generation != self._generation:
                dense = None
                # Embedded only: replicas sharing a Chroma server rank there, so an outage
                # is reported rather than answered from a copy that may be stale.
                if self.store.url is None and _count(generation) <= IN_MEMORY_CHUNKS:
                    chunks, matrix = read_in_memory(self.store, generation)
                    dense = _DenseIndex(chunks, matrix)
                else:
                    chunks = self.store.all_chunks()
                self._lexical, self._dense = _LexicalIndex(chunks), dense
                self._generation = generation
            self._checked = now

    def expire(self) -> None:
        """The store changed (an ingest in this process): look again on the next call."""
        self._checked = float("-inf")

    def vocabulary(self) -> frozenset[str]:
        """Every token of the indexed passages (as `tokenize` reads them)."""
        self.refresh()
        assert self._lexical is not None
        return self._lexical.vocabulary

    def section(self, source: str, heading: str) -> Chunk | None:
        """The first passage of the section `heading` (its last heading) in `source`."""
        self.refresh()
        assert self._lexical is not None
        matches = [
            c
            for c in self._lexical.chunks
            if c.source == source and c.heading.split(" > ")[-1].strip() == heading
        ]
        return min(matches, key=lambda c: c.line_start) if matches else None

    def vectors_for(self, ids: list[str]) -> dict[str, Any]:
        """The stored embeddings of these chunks (from memory when the index is there)."""
        dense = self._dense
        if dense is not None:
            found = dense.vectors_for(ids)
            if len(found) == len(set(ids)):
                return found
        return dict(self.store.embeddings_for(ids))

    def embed_query(self, query: str) -> np.ndarray:
        return self.embedder.embed([query])[0]

    def retrieve(
        self, query: str, k: int, vector: np.ndarray | None = None
    ) -> list[RetrievedChunk]:
        import numpy as np

        self.refresh()
        lexical = self._lexical
        assert lexical is not None
        if vector is None:
            vector = self.embed_query(query)
        in_memory = self._dense
        if in_memory is not None:
            dense = in_memory.search(vector, self.candidates)
        else:
            dense = self.store.query(vector, self.candidates)
        sparse = lexical.search(query, self.candidates)
        fused: dict[str, float] = {}
        chunks: dict[str, Chunk] = {}
        dense_score: dict[str, float] = {}
        bm25_score: dict[str, float] = {}
        for rank, (chunk, cos) in enumerate(dense, start=1):
            fused[chunk.id] = fused.get(chunk.id, 0.0) + 1.0 / (RRF_K + rank)
            chunks[chunk.id] = chunk
            dense_score[chunk.id] = cos
        for rank, (chunk, score) in enumerate(sparse, start=1):
            fused[chunk.id] = fused.get(chunk.id, 0.0) + 1.0 / (RRF_K + rank)
            chunks.setdefault(chunk.id, chunk)
            bm25_score[chunk.id] = score
        top = sorted(fused, key=lambda cid: fused[cid], reverse=True)[:k]
        # Chunks found only lexically still get a cosine, so every result can be judged
        # on the same scale (the abstain rule and the composer use it).
        missing = [cid for cid in top if cid not in dense_score]
        for cid, emb in self.vectors_for(missing).items():
            dense_score[cid] = float(np.dot(np.asarray(emb, dtype=np.float32), vector))
        return [
            RetrievedChunk(
                chunk=chunks[cid],
                score=round(fused[cid], 6),
                dense=dense_score.get(cid),
                bm25=bm25_score.get(cid),
            )
            for cid in top
        ]
