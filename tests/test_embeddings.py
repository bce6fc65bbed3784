"""The fast ONNX route must give the vectors sentence-transformers gives."""

from __future__ import annotations

import numpy as np

from assistant.embeddings import SentenceTransformerEmbedder

TEXTS = [
    "How do I reduce SageMaker inference costs?",
    "TPU",
    "Multi-model endpoints host hundreds of models behind one endpoint to share cost. " * 20,
    "Kubeflow Pipelines, MLflow, KServe — un stack portable entre nuages ☁️",
    "",
]


def test_onnx_and_sentence_transformers_give_the_same_vectors(onnx_embedder) -> None:  # type: ignore[no-untyped-def]
    reference = SentenceTransformerEmbedder().embed(TEXTS)
    fast = onnx_embedder.embed(TEXTS)
    assert fast.shape == reference.shape == (len(TEXTS), 384)
    cosines = (fast * reference).sum(axis=1)
    assert np.all(cosines > 0.9999), cosines
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)


def test_related_texts_are_closer_than_unrelated_ones(onnx_embedder) -> None:  # type: ignore[no-untyped-def]
    q, near, far = onnx_embedder.embed(
        ["cheaper model serving", "reduce inference cost", "a recipe for banana bread"]
    )
    assert float(q @ near) > float(q @ far) + 0.2


def test_export_is_cached_and_atomic(model_dir) -> None:  # type: ignore[no-untyped-def]
    from assistant.embeddings import export_onnx

    first = export_onnx(model_dir)
    mtime = first.stat().st_mtime_ns
    assert export_onnx(model_dir) == first and first.stat().st_mtime_ns == mtime
    assert not list(model_dir.glob("*.tmp"))


class _Counting:
    """The real ONNX embedder, counting the texts it is asked to embed."""

    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        self.inner, self.texts = inner, 0

    def embed(self, texts):  # type: ignore[no-untyped-def]
        self.texts += len(texts)
        return self.inner.embed(texts)


def test_the_sentence_cache_gives_the_same_vectors_and_embeds_each_text_once(onnx_embedder) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    from assistant.embeddings import CachedEmbedder

    counting = _Counting(onnx_embedder)
    cached = CachedEmbedder(counting, capacity=3)
    texts = [
        "Spot instances cut training cost.",
        "TPUs suit large matrix work.",
        "Spot instances cut training cost.",
    ]
    first = cached.embed(texts)
    assert np.allclose(first, onnx_embedder.embed(texts), atol=1e-6)
    assert counting.texts == 2  # the repeated text was embedded once
    again = cached.embed(texts[::-1])
    assert counting.texts == 2 and np.allclose(again, first[::-1])
    cached.embed(["a", "b"])  # over capacity: the least recently used text goes
    assert len(cached) == 3
    cached.embed(["Spot instances cut training cost."])
    assert counting.texts == 5
    assert cached.embed([]).shape == (0, 384)
