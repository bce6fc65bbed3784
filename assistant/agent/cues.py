"""When a tool applies: the cues in a question's words (a managed-versus-Kubernetes
choice, a price or cost, a TPU/GPU or sizing choice) and the facts it states. Each tool's
test is one function here, named by its `ToolSpec` (`assistant.agent.registry`); they run
in the registry's order, and a later one sees the tools chosen before it.
"""

from __future__ import annotations

import re

from assistant.agent import extract as ex
from assistant.agent.extract import Fact

_MANAGED = re.compile(
    r"\b(sagemaker|vertex(?: ai)?|managed (?:platform|service|ml|offering)s?|managed|"
    r"fully[- ]managed|buy)\b"
)
_KUBERNETES = re.compile(
    r"\b(kubernetes|k8s|eks|gke|kubeflow|kserve|seldon|self[- ]managed|self[- ]hosted|"
    r"our own (?:cluster|platform|infrastructure)|build (?:our own|it ourselves)|diy|build)\b"
)
_DECIDE = re.compile(
    r"\b(or|vs\.?|versus|should (?:we|i)|which|when (?:would|should|to|do)|choose|pick|"
    r"decide|decision|recommend\w*|better|make sense|worth|go with|right call|right choice|"
    r"what (?:would|do) you (?:suggest|advise)|trade[- ]?offs?|should|move (?:from|to)|"
    r"migrate|switch)\b"
)
_BUILD_BUY = re.compile(r"\bbuild (?:vs\.?|versus|or) buy\b|\bbuy (?:vs\.?|versus|or) build\b")
_COST = re.compile(
    r"\b(cost|costs|costing|cheaper|cheapest|price|prices|pricing|priced|how much|bill|spend|"
    r"per month|a month|monthly|break[- ]?even|tco|total cost|dollars|expensive|damage|"
    r"ballpark|(?:the|a|in) total|total (?:for|bill|price|spend)|what (?:do|would|will|did) "
    r"(?:we|i|you) pay|looking at|figures?(?! out)|annual (?:cost|bill|figure|spend)|annually|"
    r"per year|a year|budget check|quote)\b"
)
# A sum of money per year is a budget or a salary the user states, not a price asked for
_MONEY_PER_YEAR = re.compile(
    r"\$?\d[\d.,]*\s*(?:k|m|mm|million|thousand)?\s*(?:usd|dollars)?\s*(?:a|per|/)\s*(?:year|yr)\b"
)
_ACCEL = re.compile(
    r"\b(tpus?|gpus?|accelerators?|chips?|h100s?|h200s?|a100s?|a10gs?|l4s?|t4s?|inferentia2?|"
    r"trainium|vram|hbm)\b"
)
_SIZING = re.compile(
    r"\b(fit|fits|how many|memory|vram|need|needed|size|sizing|enough|run|serve|host|train)\b"
)
# Asking what to run a described model on, without naming a chip
_HARDWARE = re.compile(
    r"\b(?:what|which) (?:hardware|machines?|instances?|instance types?)\b|"
    r"\bwhat (?:should|would|could|do|does|can|to) (?:it|we|i|this|that|they|the model) "
    r"(?:run|go|train|be served) on\b"
)
_MODEL_FACTS = ("params_billion", "model_type", "framework")
TPU_OR_GPU = re.compile(r"\btpus?\b.*\bgpus?\b|\bgpus?\b.*\btpus?\b")


def priced_thing(found: dict[str, Fact]) -> bool:
    """Whether the facts name something with a price: an instance, an accelerator, or a
    serverless endpoint."""
    return (
        "instance_type" in found
        or "accelerator" in found
        or ("mode" in found and found["mode"].value == "serverless")
    )


def _costly(t: str) -> bool:
    return bool(_COST.search(_MONEY_PER_YEAR.sub(" ", t)))


def chooser_applies(t: str, found: dict[str, Fact], chosen: list[str]) -> bool:
    """A build-vs-buy phrase, or managed and Kubernetes options weighed (or one of them
    for a team the question describes), unless it asks the price of a named thing."""
    team_facts = any(f in found for f in ("team_size", "ml_models"))
    managed, kubernetes, decide = _MANAGED.search(t), _KUBERNETES.search(t), _DECIDE.search(t)
    return bool(_BUILD_BUY.search(t)) or bool(
        (managed or kubernetes)
        and decide
        and ((managed and kubernetes) or team_facts)
        and not (_costly(t) and not team_facts and priced_thing(found))
    )


def cost_applies(t: str, found: dict[str, Fact], chosen: list[str]) -> bool:
    """A cost word and something to price (an instance, accelerator, platform, hours or
    request volume), unless it sizes a model for a chip rather than pricing one."""
    accel = _ACCEL.search(t)
    # a priced thing with how it is bought and for how long is a price asked for, even
    # without a cost word ("g6e.12xlarge in frankfurt over the weekend, on spot")
    bought = ("spot" in found or "purchase" in found) and "hours_per_month" in found
    return bool(
        (_costly(t) or (bought and priced_thing(found)))
        and (
            priced_thing(found)
            or ex.platforms(t)
            or any(f in found for f in ("hours_per_month", "requests_per_month"))
        )
        and not (accel and "params_billion" in found and not priced_thing(found))
    )


def selector_applies(t: str, found: dict[str, Fact], chosen: list[str]) -> bool:
    """An accelerator word and no instance named: TPUs contrasted with GPUs, a model size
    to fit, or a chip to choose (unless the question is pricing one)."""
    asks_hardware = bool(_HARDWARE.search(t)) and any(f in found for f in _MODEL_FACTS)
    if not (_ACCEL.search(t) or asks_hardware) or "instance_type" in found:
        return False
    sizing = "params_billion" in found and _SIZING.search(t)
    chooses_chip = _DECIDE.search(t) and not (_costly(t) and "estimate_cost" in chosen)
    return bool(TPU_OR_GPU.search(t) or sizing or chooses_chip or asks_hardware)
