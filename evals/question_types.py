"""The question-type classifier measured on its exemplar bank by 5-fold cross-validation:
the linear (softmax) classifier `assistant.agent.qtypes` uses, against a cosine-weighted
vote of the nearest exemplars.

    python evals/question_types.py
"""

from __future__ import annotations

import platform
import sys
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FOLDS, SEED, NEIGHBOURS = 5, 0, (1, 3, 7, 15)


def nearest_vote(train: np.ndarray, types: list[str], vector: np.ndarray, k: int) -> str:
    sims = train @ vector
    weights: dict[str, float] = {}
    for i in np.argsort(-sims)[:k]:
        weights[types[i]] = weights.get(types[i], 0.0) + max(float(sims[i]), 0.0)
    return max(weights, key=lambda t: weights[t])


def main() -> None:
    from assistant import Assistant
    from assistant.agent.qtypes import TYPES, fit

    matrix, types = Assistant().question_types.labelled
    fold = np.random.default_rng(SEED).integers(0, FOLDS, len(types))
    right = {"linear": 0, **{f"nearest {k}": 0 for k in NEIGHBOURS}}
    for f in range(FOLDS):
        train, test = np.where(fold != f)[0], np.where(fold == f)[0]
        train_types = [types[i] for i in train]
        w, b = fit(matrix[train], train_types)
        guesses = (matrix[test] @ w + b).argmax(axis=1)
        right["linear"] += sum(TYPES[g] == types[i] for g, i in zip(guesses, test, strict=True))
        for k in NEIGHBOURS:
            right[f"nearest {k}"] += sum(
                nearest_vote(matrix[train], train_types, matrix[i], k) == types[i] for i in test
            )
    print(f"# question types, {FOLDS}-fold cross-validation on {len(types)} exemplars, "
          f"{date.today()}, {platform.node()} (seed {SEED}, one run)")  # fmt: skip
    for name, n in right.items():
        print(f"{name:12s} right on {n / len(types):.3f} of held-out exemplars")


if __name__ == "__main__":
    main()
