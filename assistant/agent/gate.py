"""The domain gate: is a question about ML infrastructure on the cloud, which mlinfra
covers, or outside it (a vector database, an NCCL error, a LoRA learning rate, a recipe)?

One cosine cut-off could not tell them apart: a near-domain question ("my NCCL all-reduce
hangs on 8 A100s on EKS") retrieves passages as close as an in-domain one does. The gate
weighs several signals with a logistic model fitted on labelled questions: the question
-type bank and the calibration set (`evals/calibration/domain/`, written for the gate, none
from the battery, which the gate never sees while fitting):
- `dense`: the best cosine between the question and a retrieved passage;
- `coverage`: the share of the question's words that occur in the knowledge base;
- `p_out`: the question-type classifier's probability that it is out of scope;
- `tool`: whether a decision tool applies to it (the planner planned a call);
- `ruled`: whether a question-type rule (not the classifier) read its type;
- `foreign`: words (up to 2) found neither in the knowledge base, nor among the names the
  planner reads (places, instances), nor in the embedding model's English word list:
  product names such as a neocloud's or a database's;
- `named`: the kinds of names the planner read (an instance type, an accelerator, a region
  or a place; up to 2);
- `sentence`: the best cosine between the question and one sentence of the top passages
  (a passage can match on its topic while no sentence of it answers);
- `p_embed`: an in-or-out linear classifier on the question's sentence embedding;
- `words`: the mean log-odds of in-scope over the question's words (naive Bayes), a name
  the planner read counting as its kind (`<instance_type>`, `<accelerator>`, `<place>`);
- `instance`: whether it names an instance type (a priced machine, not only a chip);
- `elsewhere`: whether it names a provider mlinfra does not price (a GPU neocloud, a
  hosted-model API, another cloud: `providers.py`).

Whatever the weights say, a question one knowledge-base sentence answers closely (cosine
at least `answered`, set above every out-of-scope calibration question's best) is in
scope: the knowledge base is written for the domain. The weights, the cut and the
figures they were measured with live in `data/domain_gate.json`, written by `python
evals/gate.py --write`; nothing here is tuned by hand. The gate was fitted on one
embedding model's vectors: with another embedder (the tests' hashing one) it falls back
to the best-passage cosine cut-off of the settings.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

MODEL = Path(__file__).parent / "data" / "domain_gate.json"
FEATURES = (
    "dense",
    "coverage",
    "p_out",
    "tool",
    "ruled",
    "foreign",
    "named",
    "sentence",
    "p_embed",
    "words",
    "instance",
    "elsewhere",
)
BASE = ("dense", "coverage", "p_out", "tool", "ruled", "foreign", "named", "sentence")
_WORD = re.compile(r"[a-z]{4,}")
_MARKUP = re.compile(r"<[^>]{0,200}>|!?\[[^\]]{0,200}\]\([^)]{0,500}\)|https?://\S+")


@dataclass(frozen=True)
class Signals:
    dense: float
    coverage: float
    p_out: float
    tool: bool
    ruled: bool
    foreign: int
    named: int = 0
    sentence: float = 0.0
    p_embed: float = 0.5
    words: float = 0.0
    instance: bool = False
    elsewhere: bool = False

    def vector(self, names: tuple[str, ...] = FEATURES) -> list[float]:
        return [float(getattr(self, name)) for name in names]


@dataclass(frozen=True)
class Verdict:
    in_scope: bool
    p_in: float
    signals: Signals | None  # None: the cosine fallback judged

    def why(self) -> str:
        s = self.signals
        if s is None:
            return f"best passage cosine {self.p_in:.2f} (cut-off fallback)"
        return (f"domain gate p = {self.p_in:.2f} (best passage {s.dense:.2f}, words known "
                f"{s.coverage:.0%}, out-of-scope type {s.p_out:.2f}, tool "
                f"{'yes' if s.tool else 'no'}, unknown names {s.foreign})")  # fmt: skip


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


@dataclass(frozen=True)
class Gate:
    weights: tuple[float, ...]
    bias: float
    cut: float  # p_in below the cut declines
    embedder: str = ""  # the embedding model the vectors came from
    embed_w: tuple[float, ...] = ()
    embed_b: float = 0.0
    tokens: dict[str, float] | None = None  # word -> in-scope log-odds
    unseen: float = 0.0  # the log-odds of a word the fit never saw
    answered: float = 2.0  # a knowledge-base sentence this close answers it: in scope

    def p_in(self, signals: Signals) -> float:
        x = signals.vector(FEATURES[: len(self.weights)])
        return _sigmoid(self.bias + sum(w * v for w, v in zip(self.weights, x, strict=True)))

    def judge(self, signals: Signals) -> Verdict:
        p = self.p_in(signals)
        return Verdict(p >= self.cut or signals.sentence >= self.answered, p, signals)

    def p_embed(self, vector: Any) -> float:
        if not self.embed_w:
            return 0.5
        z = self.embed_b + sum(w * float(v) for w, v in zip(self.embed_w, vector, strict=True))
        return _sigmoid(z)

    def words(self, tokens: list[str]) -> float:
        distinct = set(tokens)
        if not distinct or self.tokens is None:
            return 0.0
        return sum(self.tokens.get(t, self.unseen) for t in distinct) / len(distinct)

    def fits(self, embedder: Any) -> bool:
        return bool(self.embedder) and str(getattr(embedder, "name", "")).startswith(self.embedder)


@lru_cache(maxsize=4)
def load(path: Path = MODEL) -> Gate:
    data = json.loads(path.read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES[: len(data["features"])]:
        raise ValueError(f"{path.name}: features {data['features']} are not {list(FEATURES)}; "
                         "refit with `python evals/gate.py --write`")  # fmt: skip
    embed = data.get("embed") or {}
    return Gate(
        tuple(float(w) for w in data["weights"]), float(data["bias"]), float(data["cut"]),
        str(data.get("embedder", "")), tuple(float(w) for w in embed.get("w", [])),
        float(embed.get("b", 0.0)), {k: float(v) for k, v in data.get("tokens", {}).items()},
        float(data.get("unseen", 0.0)), float(data.get("answered", 2.0)),
    )  # fmt: skip


@lru_cache(maxsize=1)
def english() -> frozenset[str]:
    """The whole words of the embedding model's vocabulary (about 20,000 common English
    words); empty when the model package is not installed."""
    try:
        from assistant.embeddings import packaged_model_path

        path = packaged_model_path() / "vocab.txt"
        words = path.read_text(encoding="utf-8").split()
    except Exception:  # the package is missing: no word counts as English
        return frozenset()
    return frozenset(w for w in words if w.isalpha())


def coverage(tokens: list[str], vocabulary: frozenset[str]) -> float:
    """The share of distinct question tokens the knowledge base uses (1 for no tokens)."""
    distinct = set(tokens)
    return len(distinct & vocabulary) / len(distinct) if distinct else 1.0


def foreign(
    names: dict[str, tuple[object, str]], tokens: list[str], vocabulary: frozenset[str]
) -> list[str]:
    """Words that are neither in the knowledge base, nor among the `names` the planner
    read, nor common English: most often the product a question is really about."""
    from assistant.retrieval import tokenize

    named = {t for _, quote in names.values() for t in tokenize(quote)}
    common = english()
    return sorted(
        t for t in set(tokens)
        if _WORD.fullmatch(t) and t not in vocabulary and t not in named
        and t not in common and t + "s" not in common
    )  # fmt: skip


def word_tokens(tokens: list[str], names: dict[str, tuple[object, str]]) -> list[str]:
    """The tokens the word table scores: a name the planner read stands for its kind
    ("g6e.12xlarge" and "a2-highgpu-1g" both count as `<instance_type>`), so that an
    instance, chip or place the calibration questions never spelled still speaks for the
    domain instead of counting as an unseen word."""
    from assistant.retrieval import tokenize

    kinds = {t: "<place>" if k == "region" else f"<{k}>"
             for k, (_, quote) in names.items() for t in tokenize(quote)}  # fmt: skip
    return [kinds.get(t, t) for t in tokens]


def question_words(question: str) -> list[str]:
    """`word_tokens` of a question as the gate reads it (the fit's tokens)."""
    from assistant.retrieval import tokenize

    question = _MARKUP.sub(" ", question)
    return word_tokens(tokenize(question), _names(question))


def _names(question: str) -> dict[str, tuple[object, str]]:
    from assistant.agent import extract as ex
    from assistant.agent.names import names

    return names(ex.normalise(question))


def best_dense(retrieved: list[Any]) -> float:
    """The best cosine between the question and a retrieved passage (-1 for none)."""
    return max((h.dense for h in retrieved if h.dense is not None), default=-1.0)


def best_sentence(bot: Any, retrieved: list[Any], vector: Any, top: int = 3) -> float:
    """The best cosine of one sentence of the `top` passages to the question, each read
    with its section's name as the composer reads it (`contexts_of`: the vectors ingest
    stored, so the gate embeds nothing more than the question)."""
    import numpy as np

    from assistant.composer import contexts_of

    texts = [s for hit in retrieved[:top] for s in contexts_of(hit.chunk)]
    if not texts:
        return -1.0
    return float((bot.sentence_embedder.embed(texts) @ np.asarray(vector)).max())


def read(
    bot: Any,
    question: str,
    plan: Any,
    retrieved: list[Any],
    vector: Any,
    model: Gate | None = None,
) -> Signals:
    """The signals of `question` given its plan, its embedding and the passages retrieved
    (`model`: the gate whose sub-models score it; the shipped one by default)."""
    from assistant.agent import extract as ex
    from assistant.agent import providers
    from assistant.retrieval import tokenize

    gate = model or load()
    question = _MARKUP.sub(" ", question)  # a pasted tag or image link says nothing of scope
    tokens = tokenize(question)
    vocabulary = bot.retriever.vocabulary()
    names = _names(question)
    typed = bot.classify_question(question)
    ruled = bool(plan.qtype_how) and not plan.qtype_how.startswith("exemplar")
    return Signals(
        best_dense(retrieved), coverage(tokens, vocabulary), float(typed.p_out),
        bool(plan.calls), ruled, min(2, len(foreign(names, tokens, vocabulary))),
        min(2, len({"place" if k == "region" else k for k in names})),
        best_sentence(bot, retrieved, vector), gate.p_embed(vector),
        gate.words(word_tokens(tokens, names)), "instance_type" in names,
        providers.elsewhere(ex.normalise(question)) is not None,
    )  # fmt: skip


def judge(
    bot: Any, question: str, plan: Any, retrieved: list[Any], vector: Any, previous: str = ""
) -> Verdict:
    """In scope or not. A follow-up that re-runs an earlier tool is in scope whatever its
    words; a turn the gate would decline is judged again with the user's previous turn in
    front of it ("go deeper on that" is about what came before); with an embedder the gate
    was not fitted on, the settings' cosine cut-off decides."""
    gate = load()
    if plan.follow_up:
        return Verdict(True, 1.0, None)
    if not gate.fits(bot.embedder):
        dense = best_dense(retrieved)
        return Verdict(bool(plan.calls) or dense >= bot.settings.abstain_threshold, dense, None)
    verdict = gate.judge(read(bot, question, plan, retrieved, vector))
    if verdict.in_scope or not previous:
        return verdict
    joined = f"{previous[:500]} {question}"
    joined_vector = bot.sentence_embedder.embed([joined])[0]
    again = bot.retriever.retrieve(joined, bot.settings.k, vector=joined_vector)
    second = gate.judge(read(bot, joined, plan, again, joined_vector))
    return second if second.in_scope else verdict
