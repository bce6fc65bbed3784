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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assistant.agent import extract as ex
from assistant.agent.cues import TPU_OR_GPU, priced_thing
from assistant.agent.extract import Fact
from assistant.agent.facts import facts, place_on_earlier_cloud
from assistant.agent.qtypes import QuestionType, by_rules
from assistant.agent.registry import REGISTRY
from assistant.agent.scenarios import (
    ACCELERATOR,
    CHOOSE,
    COST,
    PlannedCall,
    clarification,
    instance_for,
    scenarios,
)

__all__ = ["ACCELERATOR", "CHOOSE", "COST", "Plan", "PlannedCall", "facts", "plan",
           "question_type", "tools_for"]  # fmt: skip


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
# A turn asking whether what it adds changes the earlier answer
_CHANGES = re.compile(
    r"\b(?:does|would|will|do|could|did) (?:that|this|it) (?:change|affect|alter|shift)\b|"
    r"\bchanges? (?:the|your|that|my) (?:answer|pick|recommendation|verdict|choice|advice)\b"
)
_FOLLOW_UP = re.compile(
    r"^[^a-z0-9]*(and|but|also|or|so|what about|how about|what if|then|now|instead|with|without|"
    r"suppose|say|if)\b"
)

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
class Plan:
    calls: list[PlannedCall]
    query: str  # what retrieval searches for
    follow_up: bool = False
    leans: bool = False  # the turn leans on the one before: `query` joins the two
    howto: bool = False  # a how-to question: the guidance leads, the numbers support it
    clarify: str | None = None
    qtype: str | None = None  # price, comparison, sizing, build_vs_buy, howto, concept, ...
    qtype_how: str = ""  # the rule's id or the classifier's probability


def tools_for(text: str, found: dict[str, Fact]) -> list[str]:
    """The tools a question asks for, from its wording and the facts it states: each
    registered tool's `applies`, in the registry's order."""
    t = ex.normalise(text)
    chosen: list[str] = []
    for name, tool in REGISTRY.items():
        if tool.applies is not None and tool.applies(t, found, chosen):
            chosen.append(name)
    return chosen


def _user_turns(history: list[dict[str, str]]) -> list[str]:
    return [t["content"] for t in history if t["role"] == "user"]


Classify = Callable[[str], QuestionType]


def question_type(text: str, classify: Classify | None = None) -> QuestionType | None:
    """The type rules read from `text`, else `classify(text)` (the exemplar classifier),
    else None."""
    return by_rules(ex.normalise(text)) or (classify(text) if classify else None)


def plan(
    question: str, history: list[dict[str, str]] | None = None, classify: Classify | None = None
) -> Plan:
    """The tools to run for `question` in the conversation `history`, with arguments.
    Facts are read from the first `MAX_READ_CHARS` characters of each turn. `classify`
    types what no type rule decides; a follow-up takes the type of the turn it follows."""
    question = question[:MAX_READ_CHARS]
    earlier = [text[:MAX_READ_CHARS] for text in _user_turns(history or [])]
    earlier_facts = [facts(text) for text in earlier]  # read once, oldest first
    now = facts(question)
    tools = tools_for(question, now)
    follow_up = False
    query = question
    followed = None
    for previous, previous_facts in zip(reversed(earlier), reversed(earlier_facts), strict=True):
        previous_tools = tools_for(previous, previous_facts)
        if previous_tools:
            # a turn that runs no tool, or runs the earlier one without naming what it
            # prices or sizes ("say we took a 1-year commitment instead?"), follows it
            if (not tools or _unsubjected(tools, previous_tools, now)) and _is_follow_up(
                question, now, previous_tools
            ):
                tools, follow_up, followed = previous_tools, True, previous
                place_on_earlier_cloud(now, earlier_facts)
                query = f"{previous[:500]} {question}"
            break
    leans = bool(earlier) and not follow_up and leans_on(question)
    if leans:
        query = f"{earlier[-1][:500]} {question}"
    kind = question_type(followed if followed is not None else question, classify)
    tools = _by_type(tools, kind, now, ex.normalise(question))
    calls = [_call(name, now, earlier_facts, follow_up) for name in tools]
    calls = [c for call in calls for c in scenarios(call, question)]
    clarify = None
    for call in calls:
        clarify = clarify or clarification(call)
    howto = bool(_HOWTO.match(ex.normalise(question))) and not follow_up
    return Plan(calls=calls, query=query, follow_up=follow_up, leans=leans, howto=howto,
                clarify=clarify,
                qtype=kind.type if kind else None,
                qtype_how=(kind.how + (" (of the turn it follows)" if followed else ""))
                if kind else "")  # fmt: skip


# How sure the exemplar classifier must be before its type adds a tool
SURE = 0.5
_TEAM_OR_CONSTRAINT = ("team_size", "ml_models", "budget", "compliance", "multi_cloud",
                       "data_stays_in_cloud", "requires_custom_controls")  # fmt: skip


def _by_type(tools: list[str], kind: QuestionType | None, found: dict[str, Fact],
             t: str) -> list[str]:  # fmt: skip
    """What the question's type changes in the tools its cues chose:
    - a price question gets the price, not a build-vs-buy verdict; a price or comparison
      question about a priced thing is priced even without a cost word;
    - a sizing question runs the selector whenever a model size, chip or instance is named;
    - a build-vs-buy question runs the chooser once it states a fact about the team;
    - a concept or how-to question runs the selector only to contrast TPUs with GPUs or
      for a model size it names (the guidance answers it, not a chip pick)."""
    if kind is None:
        return tools
    out = list(tools)
    if kind.type == "price" and COST in out:
        out = [x for x in out if x != CHOOSE]
    if kind.p < SURE:  # an unsure type changes nothing more: it never adds a tool
        return out
    if kind.type in ("price", "comparison") and not out and priced_thing(found):
        out = [COST]
    sized = any(f in found for f in ("params_billion", "accelerator", "instance_type"))
    if kind.type == "sizing" and ACCELERATOR not in out and sized:
        out.append(ACCELERATOR)
    if (
        kind.type == "build_vs_buy"
        and CHOOSE not in out
        and any(f in found for f in _TEAM_OR_CONSTRAINT)
    ):
        out.insert(0, CHOOSE)
    contrast = TPU_OR_GPU.search(t) or "params_billion" in found
    if kind.type in ("concept", "howto") and ACCELERATOR in out and not contrast:
        out.remove(ACCELERATOR)
    return out


def leans_on(question: str) -> bool:
    """Whether a turn points back at the conversation rather than standing alone: one of
    its sentences opens as a follow-up ("so if we pick australiaeast ...", "ok, and on
    spot?"), a word points back ("same", "instead", "it"), it asks whether its news changes
    the answer ("does that change the pick?"), or it is a short turn leaning on a pronoun."""
    from assistant.questions import is_follow_up

    t = ex.normalise(question)
    sentences = [x.strip() for x in re.split(r"[.!?;:]+\s*|,\s+", t) if x.strip()]
    opens = any(_FOLLOW_UP.match(_INTERJECTION.sub("", x)) for x in sentences)
    return (opens or bool(_REFERENCE.search(t)) or bool(_CHANGES.search(t))
            or is_follow_up(question))  # fmt: skip


# What a turn must name to stand alone for a tool: the thing priced, the model sized
_SUBJECT = {COST: ("instance_type", "accelerator", "requests_per_month"),
            ACCELERATOR: ("params_billion", "accelerator", "instance_type")}  # fmt: skip


def _unsubjected(tools: list[str], previous_tools: list[str], now: dict[str, Fact]) -> bool:
    """Whether the turn's tools all ran before and it names none of their subjects."""
    return set(tools) <= set(previous_tools) and all(
        t in _SUBJECT and not any(f in now for f in _SUBJECT[t]) for t in tools
    )


def _is_follow_up(question: str, now: dict[str, Fact], previous_tools: list[str]) -> bool:
    relevant = any(f in REGISTRY[name].slots for name in previous_tools for f in now)
    if "cloud" in now and any(n in (COST, ACCELERATOR) for n in previous_tools):
        relevant = True
    return relevant and leans_on(question)


def _call(
    name: str, now: dict[str, Fact], earlier: list[dict[str, Fact]], follow_up: bool
) -> PlannedCall:
    args: dict[str, Any] = {}
    given: dict[str, str] = {}
    layers = [(now, "this question")] + [
        (found, "earlier in the conversation") for found in reversed(earlier)
    ]
    for found, where in layers:
        for fname in REGISTRY[name].slots:
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
        usable_layers = [f for f, where in layers if where == "this question" or follow_up]
        # the turn that gave the hours says whether they are a one-off job's
        timed = next((f for f in usable_layers if "hours_per_month" in f), {})
        job = timed.get("one_off")
        if args.get("spot") is True and "workload" not in args and "mode" not in args:
            # spot asked with no serving stated ("spot VMs?", "ten spot instances for 40
            # hours"): work that tolerates a reclaim, priced as batch, not refused as serving
            args["mode"] = "batch"
            given["mode"] = ("spot asked with no workload stated: priced as batch work (say "
                             "real-time to price an endpoint)")  # fmt: skip
        bill = next((f["compute_only"] for f in usable_layers if "compute_only" in f), None)
        if job is not None and "hours_per_month" in args and "engineer_cost" not in args:
            args["ops_fraction"] = 0.0
            given["ops_fraction"] = (f'"{job.quote}": a one-off job, so no engineer time to run '
                                     "a cluster (say so to count it)")  # fmt: skip
        elif bill is not None and "engineer_cost" not in args:
            args["ops_fraction"] = 0.0
            given["ops_fraction"] = (f'"{bill.quote}": the machines\' bill was asked, so no '
                                     "engineer time (say so to count it)")  # fmt: skip
    training = args.get("workload") == "training"
    if name == ACCELERATOR and training and args.get("precision") in ("int8", "int4"):
        args.pop("precision")
        given.pop("precision", None)
    if name == ACCELERATOR and "latency" not in args and args.get("workload") == "training":
        args["latency"] = "batch"
        given["latency"] = "training is a batch workload (inferred from workload = training)"
    return PlannedCall(name=name, args=args, given=given)
