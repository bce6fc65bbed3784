"""Deterministic test doubles that are real code: an embedder that needs no weights."""

from __future__ import annotations

import hashlib
import re

import numpy as np

DIM = 384


class HashEmbedder:
    """Bag of hashed words, L2-normalised: texts sharing words are close. Counts what it
    embeds, so tests can tell what an ingest re-embedded."""

    name = "hash-embedder (tests)"

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.embedded.extend(texts)
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                slot = int(hashlib.md5(word.encode()).hexdigest(), 16) % DIM
                out[row, slot] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
            if not norm:
                out[row, 0] = 1.0
        return out
