"""The offline planner: which tools a question needs, and their arguments, read from the
question and the conversation by rules (no language model).

- A tool applies when the question carries its cues (a managed-versus-Kubernetes choice, a
  price or cost, a TPU/GPU or sizing choice); several may apply at once.
- Arguments come from the user's words, this turn first, then earlier turns (newest first);
  each remembers the words it was read from. Anything unsaid is left to the tool's default,
  which the tool lists as an assumption.
- A follow-up ("what if we were 12?", "and with spot?") that names no tool of its own re-runs
  the tools of the last turn that used one, with the earlier arguments updated.
- A clarifying question is asked only where no sensible default exists (serverless pricing
  needs the request volume and duration).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assistant.agent import extract as ex
from assistant.agent.extract import Fact
from assistant.tools.cost_models import CLOUD_OF, VM_PLATFORMS
from assistant.tools.regions import place_region

CHOOSE = "choose_infrastructure"
COST = "estimate_cost"
ACCELERATOR = "select_accelerator"

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
# A question "starts" at its first letter or digit in the Latin script: a greeting emoji, a
# "Привет!" or a removed instruction before it does not change what it asks.
_HOWTO = re.compile(
    r"^[^a-z0-9]*(how (?:do|can|should|would) (?:i|we|you|one)|what are (?:the )?(?:ways|options|"
    r"levers)|ways to|tips|explain|what is|what are|why)\b"
)
# "ok", "hmm", "actually" before a follow-up ("ok and on spot?")
_INTERJECTION = re.compile(r"^(?:(?:ok|okay|hmm+|ah|right|alright|actually|understood|cool|"
                           r"great|thanks|fine|got it|i see|well)\b[\s,.!-]*)+")  # fmt: skip
# Words that point back at what was priced or decided before
_REFERENCE = re.compile(r"\b(same|instead|them|it|those|these|that one|redo|again|"
                        r"rather|still)\b")  # fmt: skip
_FOLLOW_UP = re.compile(
    r"^[^a-z0-9]*(and|but|also|or|so|what about|how about|what if|then|now|instead|with|without|"
    r"suppose|say|if)\b"
)

TOOL_FIELDS: dict[str, tuple[str, ...]] = {
    CHOOSE: (
        "team_size", "ml_models", "budget", "engineer_cost", "time_to_market", "multi_cloud",
        "compliance", "requires_custom_controls", "data_stays_in_cloud",
    ),
    COST: (
        "workload", "instance_type", "instance_count", "hours_per_month", "spot", "mode",
        "requests_per_month", "avg_duration_ms", "memory_gb", "models", "platforms",
        "engineer_cost", "region", "purchase",
    ),
    ACCELERATOR: (
        "workload", "framework", "model_type", "cloud", "latency", "custom_ops",
        "params_billion", "precision",
    ),
}  # fmt: skip


# Facts about the team hold for the whole conversation; facts about a workload (instance,
# hours, model size, cloud) only carry into a follow-up of the question that stated them.
TEAM_FIELDS = frozenset(
    {
        "team_size", "ml_models", "budget", "engineer_cost", "time_to_market", "multi_cloud",
        "compliance", "requires_custom_controls", "data_stays_in_cloud",
    }
)  # fmt: skip


# Facts are read from this much of a turn, as retrieval searches the first
# `Settings.max_question_chars` (4,000 by default): reading a megabyte of pasted text by
# rules takes minutes, and no question states its facts past its first page.
MAX_READ_CHARS = 4000


@dataclass
class PlannedCall:
    name: str
    args: dict[str, Any]
    given: dict[str, str] = field(default_factory=dict)  # field -> where it was read
    label: str = ""  # a named scenario, when the question gives no facts to decide on


@dataclass
class Plan:
    calls: list[PlannedCall]
    query: str  # what retrieval searches for
    follow_up: bool = False
    howto: bool = False  # a how-to question: the guidance leads, the numbers support it
    clarify: str | None = None


def facts(text: str) -> dict[str, Fact]:
    """Every argument the text states, by field."""
    t = ex.normalise(text)
    found: dict[str, Fact] = {}
    readers = (
        ex.team_size, ex.ml_models, ex.budget, ex.engineer_cost, ex.time_to_market,
        ex.multi_cloud, ex.compliance, ex.custom_controls,
        ex.data_stays_in_cloud, ex.workload, ex.instance_type, ex.instance_count,
        ex.hours_per_month, ex.spot, ex.mode, ex.requests_per_month, ex.avg_duration_ms,
        ex.memory_gb, ex.framework, ex.model_type, ex.latency, ex.custom_ops,
        ex.params_billion, ex.precision, ex.accelerator_word, ex.accelerator_count, ex.region,
        ex.purchase,
    )  # fmt: skip
    for read in readers:
        fact = read(t)
        if fact is not None:
            found.setdefault(fact.field, fact)
    if "ml_models" in found:
        found["models"] = Fact("models", found["ml_models"].value, found["ml_models"].quote)
    named_clouds = ex.clouds(t)
    if len(named_clouds) == 1:
        found["cloud"] = Fact("cloud", named_clouds[0], named_clouds[0])
    elif len(named_clouds) > 1 and "multi_cloud" not in found:
        spans = [m for m in re.finditer(r"\b(aws|amazon|gcp|google cloud|azure)\b", t)]
        between = t[spans[0].start() : spans[-1].end()] if len(spans) > 1 else ""
        if re.search(r"\b(and|both|plus|as well as)\b", between) and not re.search(
            r"\b(or|vs\.?|versus|instead)\b", between
        ):
            found["multi_cloud"] = Fact("multi_cloud", True, between)
    platforms = _platforms(t, named_clouds)
    if platforms:
        found["platforms"] = Fact("platforms", platforms, ", ".join(platforms))
    if ex.VM_WORDS.search(t):  # the bare instance's bill, on the cloud of the question
        cloud = _cloud_of_question(found)
        vm = next(p for p, c in VM_PLATFORMS.items() if c == cloud)
        named = found["platforms"].value if "platforms" in found else []
        if vm not in named and set(named) <= set(VM_PLATFORMS):  # no managed platform named
            found["platforms"] = Fact("platforms", [*named, vm], vm)
    if "region" not in found:
        spot = ex.place(t)
        if spot is not None:
            found["place"] = spot
            code = place_region(spot.value, _cloud_of_question(found))
            if code:
                found["region"] = Fact("region", code, spot.quote)
    return found


def _place_on_earlier_cloud(now: dict[str, Fact], earlier: list[dict[str, Fact]]) -> None:
    """A follow-up naming only a place ("and in Sweden Central?") prices it on the cloud
    of the instance asked about earlier, not on the default one."""
    if "place" not in now or "instance_type" in now or "cloud" in now:
        return
    before = next((f for f in reversed(earlier) if "instance_type" in f), None)
    if before is None:
        return
    code = place_region(now["place"].value, _cloud_of_question(before))
    if code:
        now["region"] = Fact("region", code, now["place"].quote)


def _cloud_of_question(found: dict[str, Fact]) -> str:
    """The cloud a place is priced on: the instance's, else the cloud or platform named,
    else AWS (the tools' default instance is AWS's)."""
    if "instance_type" in found:
        name = str(found["instance_type"].value)
        for cloud, pattern in (("azure", ex.AZURE_INSTANCE), ("gcp", ex.GCP_INSTANCE),
                               ("aws", ex.AWS_INSTANCE)):  # fmt: skip
            if pattern.fullmatch(name):
                return cloud
    if "cloud" in found and found["cloud"].value in ("aws", "gcp", "azure"):
        return str(found["cloud"].value)
    named = [CLOUD_OF[p] for p in found["platforms"].value] if "platforms" in found else []
    return named[0] if named else "aws"


def _platforms(t: str, named_clouds: list[str]) -> list[str] | None:
    """A platform filter only when the wording restricts the comparison: the platforms
    named, else the managed and Kubernetes platforms of the one cloud named."""
    named = ex.platforms(t)
    if re.search(r"\b(kubernetes|k8s|self[- ]managed|self[- ]hosted)\b", t):
        for cloud, k8s in (("aws", "eks"), ("gcp", "gke")):
            if (cloud in named_clouds or not named_clouds) and k8s not in named:
                named.append(k8s)
    if named:
        return named
    if len(named_clouds) == 1:
        return {"aws": ["sagemaker", "eks"], "gcp": ["vertex", "gke"],
                "azure": ["azure-ml", "aks"]}[named_clouds[0]]  # fmt: skip
    return None


def tools_for(text: str, found: dict[str, Fact]) -> list[str]:
    """The tools a question asks for, from its wording and the facts it states."""
    t = ex.normalise(text)
    tools: list[str] = []
    team_facts = any(f in found for f in ("team_size", "ml_models"))
    costly = bool(_COST.search(_MONEY_PER_YEAR.sub(" ", t)))
    managed, kubernetes, decide = _MANAGED.search(t), _KUBERNETES.search(t), _DECIDE.search(t)
    if _BUILD_BUY.search(t) or (
        (managed or kubernetes)
        and decide
        and ((managed and kubernetes) or team_facts)
        and not (costly and not team_facts and _priced_thing(found))
    ):
        tools.append(CHOOSE)
    accel = _ACCEL.search(t)
    if (
        costly
        and (
            _priced_thing(found)
            or ex.platforms(t)
            or any(f in found for f in ("hours_per_month", "requests_per_month"))
        )
        and not (accel and "params_billion" in found and not _priced_thing(found))
    ):
        tools.append(COST)
    if accel and "instance_type" not in found:
        tpu_or_gpu = re.search(r"\btpus?\b.*\bgpus?\b|\bgpus?\b.*\btpus?\b", t)
        sizing = "params_billion" in found and _SIZING.search(t)
        chooses_chip = decide and not (costly and COST in tools)
        if tpu_or_gpu or sizing or chooses_chip:
            tools.append(ACCELERATOR)
    return tools


def _priced_thing(found: dict[str, Fact]) -> bool:
    return (
        "instance_type" in found
        or "accelerator" in found
        or ("mode" in found and found["mode"].value == "serverless")
    )


def _user_turns(history: list[dict[str, str]]) -> list[str]:
    return [t["content"] for t in history if t["role"] == "user"]


def plan(question: str, history: list[dict[str, str]] | None = None) -> Plan:
    """The tools to run for `question` in the conversation `history`, with arguments.
    Facts are read from the first `MAX_READ_CHARS` characters of each turn."""
    question = question[:MAX_READ_CHARS]
    earlier = [text[:MAX_READ_CHARS] for text in _user_turns(history or [])]
    earlier_facts = [facts(text) for text in earlier]  # read once, oldest first
    now = facts(question)
    tools = tools_for(question, now)
    follow_up = False
    query = question
    if not tools:
        for previous, previous_facts in zip(
            reversed(earlier), reversed(earlier_facts), strict=True
        ):
            previous_tools = tools_for(previous, previous_facts)
            if previous_tools:
                if _is_follow_up(question, now, previous_tools):
                    tools, follow_up = previous_tools, True
                    _place_on_earlier_cloud(now, earlier_facts)
                    query = f"{previous[:500]} {question}"
                break
    elif earlier and _FOLLOW_UP.match(ex.normalise(question)):
        query = f"{earlier[-1][:500]} {question}"
    calls = [_call(name, now, earlier_facts, follow_up) for name in tools]
    calls = [c for call in calls for c in _scenarios(call, question)]
    clarify = None
    for call in calls:
        clarify = clarify or _clarification(call)
    howto = bool(_HOWTO.match(ex.normalise(question))) and not follow_up
    return Plan(calls=calls, query=query, follow_up=follow_up, howto=howto, clarify=clarify)


def _is_follow_up(question: str, now: dict[str, Fact], previous_tools: list[str]) -> bool:
    from assistant.api import is_follow_up

    t = ex.normalise(question)
    relevant = any(f in TOOL_FIELDS[name] for name in previous_tools for f in now)
    if "cloud" in now and any(n in (COST, ACCELERATOR) for n in previous_tools):
        relevant = True
    if not relevant:
        return False
    sentences = [x.strip() for x in re.split(r"[.!?;:]+\s*|,\s+", t) if x.strip()]
    opens = any(_FOLLOW_UP.match(_INTERJECTION.sub("", x)) for x in sentences)
    return opens or bool(_REFERENCE.search(t)) or is_follow_up(question)


def _call(
    name: str, now: dict[str, Fact], earlier: list[dict[str, Fact]], follow_up: bool
) -> PlannedCall:
    args: dict[str, Any] = {}
    given: dict[str, str] = {}
    layers = [(now, "this question")] + [
        (found, "earlier in the conversation") for found in reversed(earlier)
    ]
    for found, where in layers:
        for fname in TOOL_FIELDS[name]:
            if fname in args or fname not in found:
                continue
            if where != "this question" and not follow_up and fname not in TEAM_FIELDS:
                continue  # a new question keeps the team's facts, not the last workload's
            fact = found[fname]
            args[fname] = fact.value
            given[fname] = f'"{fact.quote}" ({where})'
        usable = where == "this question" or follow_up
        if name == COST and usable and "instance_type" not in args and "accelerator" in found:
            chosen = instance_for(found["accelerator"].value, args, found)
            if chosen:
                args["instance_type"] = chosen
                given["instance_type"] = (
                    f'"{found["accelerator"].quote}" ({where}): the smallest catalog '
                    f"instance with that accelerator"
                )
        if name == ACCELERATOR and usable and "cloud" not in args and "platforms" in found:
            plats = found["platforms"].value
            if all(p in ("sagemaker", "eks") for p in plats):
                args["cloud"], given["cloud"] = "aws", f"{', '.join(plats)} ({where})"
            elif all(p in ("vertex", "gke") for p in plats):
                args["cloud"], given["cloud"] = "gcp", f"{', '.join(plats)} ({where})"
    if name == COST:
        args.pop("cloud", None)
    training = args.get("workload") == "training"
    if name == ACCELERATOR and training and args.get("precision") in ("int8", "int4"):
        args.pop("precision")
        given.pop("precision", None)
    if name == ACCELERATOR and "latency" not in args and args.get("workload") == "training":
        args["latency"] = "batch"
        given["latency"] = "training is a batch workload (inferred from workload = training)"
    return PlannedCall(name=name, args=args, given=given)


# "When would you use TPUs vs GPUs?" states no workload: answer it with the two cases the
# guidance contrasts, each a real run of the selector.
ACCELERATOR_SCENARIOS: tuple[tuple[str, dict[str, Any]], ...] = (
    (
        "Large transformer training in JAX on Google Cloud",
        {"workload": "training", "framework": "jax", "model_type": "transformer",
         "cloud": "gcp", "latency": "batch"},
    ),
    (
        "Real-time inference of a PyTorch model on any cloud",
        {"workload": "inference", "framework": "pytorch", "latency": "realtime"},
    ),
)  # fmt: skip


# "When would you use SageMaker vs self-managed Kubernetes?" states no team: answer it with
# the three outcomes of the build-vs-buy rules, each a real run of the chooser.
INFRASTRUCTURE_SCENARIOS: tuple[tuple[str, dict[str, Any]], ...] = (
    (
        "A small team with an urgent launch: 3 engineers, 4 models, a $500k budget",
        {"team_size": 3, "ml_models": 4, "budget": 500_000, "time_to_market": "urgent"},
    ),
    (
        "A platform at scale: 8 engineers, 25 models, data in the cloud",
        {"team_size": 8, "ml_models": 25},
    ),
    (
        "Several clouds, HIPAA with custom security controls, data kept on-premises",
        {"team_size": 8, "multi_cloud": True, "compliance": "HIPAA",
         "requires_custom_controls": True, "data_stays_in_cloud": False},
    ),
)  # fmt: skip


def _scenarios(call: PlannedCall, question: str) -> list[PlannedCall]:
    if call.args:
        return [call]
    t = ex.normalise(question)
    if call.name == ACCELERATOR and re.search(r"\btpus?\b.*\bgpus?\b|\bgpus?\b.*\btpus?\b", t):
        cases = ACCELERATOR_SCENARIOS
    elif call.name == CHOOSE:
        cases = INFRASTRUCTURE_SCENARIOS
    else:
        return [call]
    return [
        PlannedCall(name=call.name, args=dict(args), given={}, label=label) for label, args in cases
    ]


def instance_for(accelerator: str, args: dict[str, Any], found: dict[str, Fact]) -> str | None:
    """The instance in the price snapshot that carries `accelerator` (whole ones; `a100`
    is either A100), in the region named, else the cloud's default region: on the cloud
    the user or the region named (else AWS or Google Cloud), with the accelerator count
    they named if any, else the fewest; cheapest wins."""
    from assistant.tools.prices import catalog
    from assistant.tools.regions import DEFAULT_REGION, cloud_of

    named = args.get("region")
    cloud = found["cloud"].value if "cloud" in found else cloud_of(named) if named else None
    clouds = (cloud,) if cloud in DEFAULT_REGION else ("aws", "gcp")
    where = {c: named if named and cloud_of(named) == c else DEFAULT_REGION[c] for c in clouds}
    prefix = f"{accelerator}-"  # a100 -> a100-40gb, a100-80gb
    rows = [r for r in catalog().of_services(INSTANCE_SERVICES)
            if r.provider in where and r.region == where[r.provider]
            and r.purchase == "on-demand" and r.unit == "hour" and r.accelerator_count >= 1
            and (r.accelerator == accelerator or r.accelerator.startswith(prefix))]  # fmt: skip
    if not rows:
        return None
    wanted = found["accelerator_count"].value if "accelerator_count" in found else None
    best = min(rows, key=lambda r: (r.accelerator_count != wanted, r.accelerator_count, r.usd))
    return best.sku


INSTANCE_SERVICES = ("ec2", "compute-engine", "azure-vm")


def _clarification(call: PlannedCall) -> str | None:
    if call.name == COST and call.args.get("mode") == "serverless":
        missing = [
            label
            for fname, label in (
                ("requests_per_month", "how many requests a month"),
                ("avg_duration_ms", "how long one request takes (ms)"),
                ("memory_gb", "the endpoint's memory size (1-6 GB)"),
            )
            if fname not in call.args
        ]
        if missing:
            return (
                "Serverless inference is billed by compute time and memory, so the estimate "
                f'needs {", ".join(missing)}. For example: "1M requests a month, 200 ms each, '
                '2 GB memory".'
            )
    return None
