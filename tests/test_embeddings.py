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
