"""Generate a synthetic knowledge folder of about N chunks for the scale benchmark.

Each file is one markdown document: a title with an introduction and 99 `##` sections of
one paragraph each (35-45 words of ML-infrastructure vocabulary, seeded, so the same N
gives the same corpus). Each section is shorter than a chunk, so the folder splits into one
chunk per section: N chunks from N / 100 files. Nothing is downloaded.

Run: `.venv/bin/python evals/gen_corpus.py DIR --chunks 10000`
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

SECTIONS_PER_FILE = 100  # the title's introduction plus 99 sections

PLATFORMS = ["SageMaker", "Vertex AI", "EKS", "GKE", "AKS", "Azure ML", "Kubeflow", "Ray"]
ACCELERATORS = ["H100", "A100", "L4", "T4", "A10G", "TPU v5e", "TPU v5p", "Inferentia2"]
TOPICS = [
    "spot training", "autoscaling", "batch inference", "real-time endpoints", "feature stores",
    "model registry", "drift monitoring", "data residency", "GPU quotas", "reserved capacity",
    "multi-model serving", "checkpointing", "pipeline orchestration", "cost allocation",
    "canary rollouts", "vector search", "hyperparameter tuning", "node pools", "cold starts",
    "network egress", "observability", "secrets management", "quantization", "distillation",
]  # fmt: skip
VERBS = ["reduces", "increases", "limits", "changes", "hides", "exposes", "bounds", "shifts"]
NOUNS = [
    "latency", "throughput", "the monthly bill", "operational load", "queue depth",
    "utilization", "recovery time", "tail latency", "idle capacity", "engineer time",
    "startup time", "memory headroom", "failure blast radius", "tenancy isolation",
]  # fmt: skip
QUALIFIERS = [
    "under bursty traffic", "for large transformer jobs", "when the region is short of GPUs",
    "for regulated workloads", "at night and on weekends", "for hundreds of small models",
    "during a rollout", "with mixed precision", "across two clouds", "for nightly scoring",
]  # fmt: skip


def _sentence(rng: random.Random) -> str:
    return (
        f"On {rng.choice(PLATFORMS)}, {rng.choice(TOPICS)} with {rng.choice(ACCELERATORS)} "
        f"{rng.choice(VERBS)} {rng.choice(NOUNS)} {rng.choice(QUALIFIERS)}."
    )


def _paragraph(rng: random.Random) -> str:
    words: list[str] = []
    while len(words) < 35:
        words += _sentence(rng).split()
    return " ".join(words)


def query(rng: random.Random) -> str:
    """A question in the corpus's vocabulary."""
    return (
        f"How does {rng.choice(TOPICS)} on {rng.choice(PLATFORMS)} affect "
        f"{rng.choice(NOUNS)} {rng.choice(QUALIFIERS)}?"
    )


def generate(folder: Path, chunks: int, seed: int = 0) -> int:
    """Write about `chunks` chunks' worth of documents into `folder`; returns the file count."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    files = max(1, round(chunks / SECTIONS_PER_FILE))
    for f in range(files):
        lines = [f"# Synthetic guide {f:05d}: {rng.choice(TOPICS)}", "", _paragraph(rng), ""]
        for s in range(1, SECTIONS_PER_FILE):
            lines += [f"## {rng.choice(TOPICS).capitalize()} note {s}", "", _paragraph(rng), ""]
        (folder / f"guide-{f:05d}.md").write_text("\n".join(lines))
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    files = generate(args.folder, args.chunks, args.seed)
    print(f"wrote {files} files (about {files * SECTIONS_PER_FILE} chunks) to {args.folder}")


if __name__ == "__main__":
    main()
