"""No guidance sentence that contradicts a tool result in the same answer.

The knowledge base quotes dated prices, worked chip counts and general advice; the tools
compute the answer's own figures for the user's facts. A guidance sentence is dropped when
it would say something else than the tool did:
- `price.quoted`: a dollar figure, in an answer whose price comes from the price list
  (the guidance's figure is older, or for another instance, region or period);
- `chips.count`: a count of GPUs or chips for a model of the size the selector sized,
  other than the count it computed;
- `memory.total`: a memory figure for a model of that size that is neither the
  selector's weights nor its total (within a quarter);
- `decision.managed` / `decision.kubernetes`: advice to go managed when the rules decided
  Kubernetes throughout, or the reverse.
Rules are data with ids and examples (`tests/test_coherence.py` runs them).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from assistant.models import ToolCall

_NUMBER = {"one": 1, "a single": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
           "eight": 8, "sixteen": 16}  # fmt: skip
_COUNT = re.compile(
    r"\b(\d+|one|a single|two|three|four|five|six|eight|sixteen)\s+(?:x\s+)?"
    r"(?:\d+\s*gb\s+)?(?:[\w-]+\s+){0,2}?(?:gpus?|chips?|accelerators?|cards?)\b"
)
_NEGATED = re.compile(r"\bnot\b[^.,;]{0,20}$")
_GB = re.compile(r"\b(\d+(?:\.\d+)?)\s*gb\b")
_CHIP_AFTER = re.compile(
    r"\s*(?:of\s+)?(?:memory\s+)?(?:each|per|gpus?|chips?|cards?|a100|"
    r"h100|h200|l4|l40s|a10g|t4|hbm|vram)\b"
)
_DOLLARS = re.compile(r"\$\s?\d")
_GO_MANAGED = re.compile(
    r"\b(?:start|stay|go|begin)\s+(?:with|on)\s+(?:a\s+)?managed\b"
    r"|\bmanaged (?:platforms?|services?) (?:is|are) (?:usually |often )?(?:the )?"
    r"(?:better|right|best|safer) (?:choice|default|fit|option)"
)
_GO_KUBERNETES = re.compile(
    r"\b(?:move|go|switch|migrate)\s+to\s+(?:self-managed\s+)?kubernetes\b"
    r"|\bkubernetes (?:is|becomes) (?:usually |often )?(?:the )?(?:better|right|best|cheaper) "
    r"(?:choice|fit|option)"
)


def _result(calls: list[ToolCall], name: str) -> dict[str, Any] | None:
    return next((c.result for c in calls if c.name == name), None)


def _priced(calls: list[ToolCall]) -> bool:
    """The answer prices something (or was asked to: a price tool that could not run is
    passed as a call with no result, and the guidance's figures would stand in for it)."""
    if any(c.name in ("estimate_cost", "find_prices") and not c.result for c in calls):
        return True
    cost, offers = _result(calls, "estimate_cost"), _result(calls, "find_prices")
    sizing = _result(calls, "select_accelerator")
    return bool((cost and cost.get("options")) or (offers and offers.get("offers"))
                or (sizing and sizing.get("price")))  # fmt: skip


def _model_size(calls: list[ToolCall]) -> tuple[float, dict[str, Any]] | None:
    sizing = _result(calls, "select_accelerator")
    if not sizing or not sizing.get("memory"):
        return None
    return float(sizing["inputs"]["params_billion"]), sizing["memory"]


def _names_size(sentence: str, size: float) -> bool:
    return re.search(rf"\b{size:g}\s?b\b", sentence) is not None


def _other_count(sentence: str, calls: list[ToolCall]) -> bool:
    sized = _model_size(calls)
    if sized is None or not _names_size(sentence, sized[0]):
        return False
    counts = [
        int(n) if n.isdigit() else _NUMBER[n]
        for m in _COUNT.finditer(sentence)
        for n in [m.group(1)]
        if not _NEGATED.search(sentence[: m.start()])
    ]  # "does not fit on one GPU" agrees
    return any(n != int(sized[1]["chips_needed"]) for n in counts)


def _other_memory(sentence: str, calls: list[ToolCall]) -> bool:
    sized = _model_size(calls)
    if sized is None or not _names_size(sentence, sized[0]):
        return False
    known = [float(sized[1]["weights_gb"]), float(sized[1]["total_gb"])]
    figures = [
        float(m.group(1))
        for m in _GB.finditer(sentence)
        if not _CHIP_AFTER.match(sentence, m.end())
    ]  # "80 GB GPUs" is a chip's size
    return any(all(abs(g - k) > 0.25 * k for k in known) for g in figures)


def _overall(calls: list[ToolCall]) -> str:
    decided = _result(calls, "choose_infrastructure")
    return str(decided.get("overall")) if decided else ""


@dataclass(frozen=True)
class Rule:
    id: str
    conflicts: Callable[[str, list[ToolCall]], bool]  # (lower-cased sentence, tool calls)
    context: dict[str, dict[str, Any]]  # tool -> arguments: the results its examples face
    examples: tuple[tuple[str, bool], ...]  # (sentence, whether it is dropped)


_PRICED = {"estimate_cost": {"instance_type": "ml.g5.xlarge"}}
_SIZED = {
    "select_accelerator": {"workload": "inference", "params_billion": 70, "precision": "bf16"}
}  # 140 GB weights, 168 GB, 2 x H200
RULES: tuple[Rule, ...] = (
    Rule("price.quoted", lambda s, c: _priced(c) and _DOLLARS.search(s) is not None, _PRICED,
         (("An always-on ml.g5.xlarge endpoint costs about $1,030 a month.", True),
          ("Spot capacity can be reclaimed with two minutes' notice.", False))),
    Rule("chips.count", _other_count, _SIZED,
         (("A 70B model in fp16 needs three 80 GB GPUs.", True),
          ("A 70B model in fp16 needs two 80 GB GPUs.", False),
          ("A 7B model fits on one L4.", False))),
    Rule("memory.total", _other_memory, _SIZED,
         (("A 70B model in fp16 needs about 140 GB of weights.", False),
          ("A 70B model needs about 35 GB in 4-bit.", True),
          ("A 70B model does not fit on one 80 GB GPU.", False))),
    Rule("decision.managed",
         lambda s, c: _overall(c) == "kubernetes" and _GO_MANAGED.search(s) is not None,
         {"choose_infrastructure": {"team_size": 9, "ml_models": 22, "data_stays_in_cloud": False}},
         (("Small teams should start with a managed platform.", True),
          ("Kubernetes needs engineers to run it.", False))),
    Rule("decision.kubernetes",
         lambda s, c: _overall(c) == "managed" and _GO_KUBERNETES.search(s) is not None,
         {"choose_infrastructure": {"team_size": 2, "ml_models": 2}},
         (("At that scale, move to Kubernetes.", True),
          ("A managed platform runs the servers for you.", False))),
)  # fmt: skip


@dataclass
class Checker:
    """Whether a guidance sentence may join an answer with these tool results; the ones
    dropped are kept with the rule that dropped them."""

    calls: list[ToolCall]
    dropped: list[tuple[str, str]] = field(default_factory=list)

    def keeps(self, sentence: str) -> bool:
        lowered = sentence.lower()
        for rule in RULES:
            if rule.conflicts(lowered, self.calls):
                self.dropped.append((rule.id, sentence))
                return False
        return True
