"""What kind of question it is: the price of a thing, a comparison, sizing (does it fit,
how many, which chip), build vs buy, how-to, a concept, or outside what mlinfra covers.

Rules first (data with ids and examples, over the normalised text; the highest priority
wins, then the longest phrase). What no rule decides goes to the nearest labelled exemplars
by sentence embedding: a bank of several hundred questions (`data/question_types.yaml`,
written for this classifier, none taken from the eval battery) embedded once, and a linear
(softmax) classifier fitted on them. Measured on the bank by 5-fold cross-validation, the
linear classifier is right on 0.86 of held-out exemplars and a vote of the nearest 7 on
0.61 (the bank holds no near-duplicates, so a neighbour vote sees topic more than intent;
`python evals/question_types.py` measures both).

The type decides what the planner does with the tools its cues select: a price question
gets no build-vs-buy verdict; see `assistant.agent.planner`.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.agent.rules import Rule, by_priority, const, read

if TYPE_CHECKING:
    import numpy as np

    from assistant.embeddings import Embedder

TYPES = ("price", "comparison", "sizing", "build_vs_buy", "howto", "concept", "out_of_scope")
BANK = Path(__file__).parent / "data" / "question_types.yaml"
STEPS, RATE, L2 = 300, 2.0, 1e-3  # the linear classifier's fit

_MANAGED = r"(?:sagemaker|vertex(?: ai)?|azure ml|azureml|a managed (?:platform|service)|managed)"
_OWN = (r"(?:(?:our own|self[- ]managed|self[- ]hosted|diy|a)\s+)?(?:kubernetes|k8s|eks|gke|aks|"
        r"kubeflow|kserve|cluster)")  # fmt: skip
_CHIP = r"(?:gpus?|tpus?|chips?|cards?|accelerators?|h100s?|a100s?|l4s?|l40s|t4s?|v5e|v5p|nodes?)"


def _not_before(qtype: str, words: str):  # noqa: ANN202
    """`qtype` unless one of `words` follows the match ("how much memory" is no price)."""
    follows = re.compile(r"\s*(?:" + words + r")\b")
    return lambda m, t: None if follows.match(t, m.end()) else qtype


_PRICED = re.compile(
    r"[^.?!]{0,60}?\b(?:cost|costs|price|priced|pricing|bill)\b"
    r"[^.?!]{0,20}?\b(?:a|per|an|each|for|in)\s+(?:month|hour|year|day|week)"
)


def _unless_priced(qtype: str):  # noqa: ANN202
    """`qtype` unless the same sentence goes on to ask what it costs over a period
    ("SageMaker or EKS: what would it cost a month?" asks a price)."""
    return lambda m, t: None if _PRICED.match(t, m.end()) else qtype


RULES: tuple[Rule, ...] = (
    Rule("type.build_vs_buy.phrase", "qtype",
         r"\bbuild (?:vs\.?|versus|or) buy\b|\bbuy (?:vs\.?|versus|or) build\b|"
         r"\bmanaged (?:or|vs\.?|versus) self[- ](?:managed|hosted)\b", const("build_vs_buy"),
         priority=60,
         examples=(("build vs buy for our ml platform?", "build_vs_buy"),
                   ("managed or self-hosted for 6 models?", "build_vs_buy"))),
    Rule("type.build_vs_buy.managed_or_own", "qtype",
         _MANAGED + r"\s*(?:,\s*)?(?:or|vs\.?|versus|instead of|rather than|compared to)\s+"
         + _OWN + r"|" + _OWN + r"\s*(?:,\s*)?(?:or|vs\.?|versus|instead of|rather than)\s+"
         + _MANAGED, _unless_priced("build_vs_buy"), priority=55,
         examples=(("sagemaker or our own eks with kubeflow?", "build_vs_buy"),
                   ("should 3 of us run gke or vertex ai", "build_vs_buy"),
                   ("kubernetes vs a managed platform for a small team", "build_vs_buy"))),
    Rule("type.comparison.which_cheaper", "qtype",
         r"\bwhich (?:one |of (?:them|these|the (?:\w+ ){0,2}\w+) )?"
         r"(?:is|would be|'s|comes out|works out)?\s*"
         r"(?:cheaper|cheapest|faster|better value|more cost[- ]effective|less expensive)\b",
         const("comparison"), priority=50,
         examples=(("a10g or l4: which is cheaper for serving?", "comparison"),
                   ("which of the three clouds comes out cheapest", "comparison"))),
    Rule("type.comparison.than", "qtype",
         r"\b(?:cheaper|more expensive|less expensive|costlier|pricier|better value) than\b|"
         r"\bcompare (?:the )?(?:cost|price|bill)s?\b|\b(?:cost|price) difference\b|"
         r"\bside[- ]by[- ]side\b", const("comparison"), priority=50,
         examples=(("is spot really cheaper than a savings plan here", "comparison"),
                   ("compare the cost of g5 and g6 in frankfurt", "comparison"),
                   ("price difference between us-east-1 and eu-west-1", "comparison"))),
    Rule("type.sizing.how_many", "qtype", r"\bhow many " + _CHIP, const("sizing"), priority=40,
         examples=(("how many h100s to fine-tune a 70b model", "sizing"),
                   ("how many tpu chips would we need", "sizing"))),
    Rule("type.sizing.fit", "qtype",
         r"\b(?:fit|fits|fitting)\s+(?:on|in|into|onto)\s+(?:a |an |one |\d+ |the |our )?"
         r"(?:single )?(?!budget)\w+", const("sizing"), priority=40,
         examples=(("will llama 3 70b in 4-bit fit on one l40s", "sizing"),
                   ("does a 13b model fit into 24 gb", "sizing"))),
    Rule("type.sizing.memory", "qtype",
         r"\bhow much (?:gpu |accelerator )?(?:memory|vram|hbm|ram)\b|"
         r"\b(?:tpus?|gpus?) (?:or|vs\.?|versus) (?:tpus?|gpus?)\b|"
         r"\b(?:which|what) (?:gpu|tpu|accelerator|chip)s?\b(?! (?:price|cost))",
         const("sizing"), priority=40,
         examples=(("how much vram does mistral 7b need for inference", "sizing"),
                   ("tpu or gpu for a jax transformer?", "sizing"),
                   ("which gpu should we serve bert-base on", "sizing"))),
    Rule("type.howto.how_do", "qtype",
         r"^(?:\W*(?:so|ok|okay|hey|hi|hello),?\s+)?how (?:do|can|should|would|could) "
         r"(?:i|we|you|one)\b(?! (?:much|many))", const("howto"), priority=35,
         examples=(("how do we set up autoscaling on kserve?", "howto"),
                   ("how can i make training survive spot interruptions", "howto"))),
    Rule("type.howto.ways", "qtype",
         r"\b(?:ways|tips|best practices?|steps|checklist|strategies|playbook) (?:to|for)\b|"
         r"\bhow to\b|\b(?:reduce|cut|lower|optimi[sz]e|save on|bring down|trim|slash) "
         r"(?:our |the |my |this |that )?(?:\w+ ){0,3}(?:costs?|bill|spend|spending)\b",
         const("howto"), priority=35,
         examples=(("tips for cutting gpu spend", "howto"),
                   ("we want to reduce our sagemaker bill", "howto"),
                   ("how to move training from sagemaker to gke", "howto"))),
    Rule("type.price.how_much", "qtype",
         r"\bhow much (?:would|will|does|do|is|are|for|to|it|we|i|money|are we)\b|"
         r"\b(?:ballpark|rough (?:number|figure|estimate)|back[- ]of[- ]the[- ]envelope)\b",
         _not_before("price", r"memory|vram|hbm|ram|data|gpu memory"), priority=30,
         examples=(("how much would 4 a100s for a week cost", "price"),
                   ("a ballpark for 4 g6.12xlarge through q3?", "price"),
                   ("how much is an ml.g5.2xlarge a month", "price"))),
    Rule("type.price.cost_of", "qtype",
         r"\b(?:what(?:'s| is| are| would| will| does| do)?|give me|quote(?: me)?|estimate)\s+"
         r"(?:be |the |a |an |our |my |roughly |approximately )*(?:\w+[- ]){0,2}"
         r"(?:costs?|price|prices|pricing|bill|damage|spend)\b|"
         r"\bwhat (?:would|will|does|do|did) [^?!]{0,80}?\bcost\b|"
         r"\b(?:monthly|hourly|annual|spot|on-demand) (?:cost|bill|price|rate)\b",
         const("price"), priority=30,
         examples=(("what's the monthly bill for a g6.xlarge", "price"),
                   ("what would a p5.48xlarge in tokyo cost for 48 hours", "price"),
                   ("quote me the hourly rate of an a2-highgpu-1g", "price"))),
    Rule("type.concept.what_is", "qtype",
         r"^(?:\W*(?:so|ok|okay|and|hey|hi),?\s+)?(?:what(?:'s| is| are) (?:a |an |the )?"
         r"(?!cost|price|bill|rate|cheapest|best)|explain|define|why (?:do|does|is|are|would|"
         r"should|would)\b)",
         const("concept"), priority=20,
         examples=(("what is a multi-model endpoint?", "concept"),
                   ("explain committed use discounts", "concept"),
                   ("why are tpus fast at matrix math", "concept"))),
    Rule("type.concept.difference", "qtype",
         r"\bdifference between\b|\bhow does [^?.!]{1,60} work\b|\bwhat does [^?.!]{1,60} mean\b",
         const("concept"), priority=20,
         examples=(("difference between async and serverless inference", "concept"),
                   ("how does sagemaker managed spot work", "concept"))),
)  # fmt: skip


@dataclass(frozen=True)
class QuestionType:
    type: str
    how: str  # the rule's id, or the classifier's probability
    p: float = 1.0  # the classifier's probability (1 for a rule)
    p_out: float = 0.0  # the classifier's probability of out_of_scope (a domain-gate signal)


def by_rules(text: str) -> QuestionType | None:
    """The type the rules read from the normalised `text`: the highest priority wins, then
    the longest phrase, then the earliest."""
    best = read(text, RULES, by_priority).get("qtype")
    return QuestionType(str(best.value), best.rule.id) if best else None


def load_bank(path: Path = BANK) -> list[tuple[str, str]]:
    """(text, type) for every exemplar; a type outside `TYPES` is an error naming it."""
    from assistant.yaml_files import safe_load

    items = safe_load(path.read_text(encoding="utf-8")) or []
    out = []
    for i, item in enumerate(items):
        if item.get("type") not in TYPES or not str(item.get("text", "")).strip():
            raise ValueError(f"{path.name} item {i}: type must be one of {', '.join(TYPES)} "
                             f"and text non-empty, got {item!r}")  # fmt: skip
        out.append((str(item["text"]), str(item["type"])))
    return out


class Exemplars:
    """The bank embedded once (kept in `cache_dir` when given, keyed by the bank's bytes
    and the embedder's name) and a linear classifier fitted on it."""

    def __init__(self, embedder: Embedder, cache_dir: Path | None = None, bank: Path = BANK):
        self.embedder = embedder
        self.cache_dir = cache_dir
        self.bank = bank
        self._lock = threading.Lock()
        self._types: list[str] = []
        self._texts: list[str] = []
        self._matrix: np.ndarray | None = None
        self._weights: tuple[np.ndarray, np.ndarray] | None = None

    @functools.cached_property
    def _kept(self) -> tuple[Path | None, Path | None]:
        """Where the bank's vectors and the fit are kept: named by the bank's bytes, the
        embedder's name and the fitting constants (None without a `cache_dir`)."""
        if self.cache_dir is None:
            return None, None
        name = str(getattr(self.embedder, "name", type(self.embedder).__name__))
        digest = hashlib.sha256(self.bank.read_bytes() + name.encode()).hexdigest()[:16]
        key = f"{digest}-{STEPS}-{RATE}-{L2}".encode()
        fit_name = f"question-types-fit-{hashlib.sha256(key).hexdigest()[:16]}.npz"
        return self.cache_dir / f"question-types-{digest}.npy", self.cache_dir / fit_name

    def prepare(self) -> None:
        """Embed the bank and fit, keeping both, unless they are kept already (ingest calls
        it, so a new install's first answer does not pay ~1 s for it)."""
        vectors, fitted = self._kept
        if vectors is None or fitted is None or not (vectors.exists() and fitted.exists()):
            self._fit()

    def _load(self) -> np.ndarray:
        import numpy as np

        with self._lock:
            if self._matrix is not None:
                return self._matrix
            items = load_bank(self.bank)
            self._types = [t for _, t in items]
            self._texts = [t for t, _ in items]
            cached = self._kept[0]
            matrix = None
            if cached is not None and cached.exists():
                try:
                    matrix = np.load(cached)
                except (OSError, ValueError):
                    matrix = None
                if matrix is not None and matrix.shape[0] != len(items):
                    matrix = None
            if matrix is None:
                matrix = np.asarray(self.embedder.embed([t for t, _ in items]), dtype=np.float32)
                if cached is not None:
                    cached.parent.mkdir(parents=True, exist_ok=True)
                    tmp = cached.with_suffix(".tmp.npy")
                    np.save(tmp, matrix)
                    tmp.replace(cached)
            self._matrix = matrix
            return matrix

    def _fit(self) -> tuple[np.ndarray, np.ndarray]:
        """The classifier's weights: fitted once per bank, model and fitting constants, and
        kept beside the bank's vectors (fitting was a tenth of a cold answer)."""
        import numpy as np

        matrix = self._load()
        with self._lock:
            if self._weights is not None:
                return self._weights
            cached = self._kept[1]
            try:
                with np.load(cached) as kept:  # type: ignore[arg-type]
                    w, b = kept["w"], kept["b"]
                if w.shape != (matrix.shape[1], len(TYPES)) or b.shape != (len(TYPES),):
                    raise ValueError("the kept fit is of another shape")
                self._weights = (w, b)
            except (OSError, ValueError, KeyError, TypeError):
                self._weights = fit(matrix, self._types)
                if cached is not None:
                    tmp = cached.with_suffix(f".{os.getpid()}.tmp.npz")
                    try:
                        np.savez(tmp, w=self._weights[0], b=self._weights[1])
                        tmp.replace(cached)
                    except OSError:
                        tmp.unlink(missing_ok=True)
            return self._weights

    def classify(self, vector: Any) -> QuestionType:
        """The type of a question's unit vector, with the classifier's probability."""
        import numpy as np

        w, b = self._fit()
        p = _softmax((np.asarray(vector, dtype=np.float32) @ w + b)[None, :])[0]
        best = int(p.argmax())
        return QuestionType(TYPES[best], f"exemplar classifier: p = {p[best]:.2f}", float(p[best]),
                            float(p[TYPES.index("out_of_scope")]))  # fmt: skip

    def nearest(self, vector: Any, n: int = 3) -> list[str]:
        """The `n` in-scope exemplars nearest `vector`: questions mlinfra can answer, to
        suggest when it declines one."""
        import numpy as np

        matrix = self._load()
        scores = matrix @ np.asarray(vector, dtype=np.float32)
        order = [int(i) for i in np.argsort(-scores) if self._types[int(i)] != "out_of_scope"]
        return [self._texts[i] for i in order[:n]]

    @property
    def labelled(self) -> tuple[np.ndarray, list[str]]:
        """The bank's vectors and their types (for `evals/question_types.py`)."""
        return self._load(), list(self._types)


def fit(matrix: np.ndarray, types: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Softmax regression of `types` on `matrix` (full-batch gradient descent, L2 `L2`):
    deterministic, about 50 ms on two cores for the bank."""
    import numpy as np

    labels = np.array([TYPES.index(t) for t in types])
    onehot = np.eye(len(TYPES), dtype=np.float32)[labels]
    w = np.zeros((matrix.shape[1], len(TYPES)), dtype=np.float32)
    b = np.zeros(len(TYPES), dtype=np.float32)
    for _ in range(STEPS):
        p = _softmax(matrix @ w + b)
        w -= RATE * (matrix.T @ (p - onehot) / len(matrix) + L2 * w)
        b -= RATE * (p - onehot).mean(axis=0)
    return w, b


def _softmax(z: np.ndarray) -> np.ndarray:
    import numpy as np

    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
