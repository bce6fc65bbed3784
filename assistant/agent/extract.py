"""Facts in a question, read by rules: counts, money, time, instance types, clouds,
frameworks, model types, compliance regimes, data residency.

Each fact keeps the words it was read from (`Fact.quote`), so an answer can say where every
argument came from. Nothing here guesses: a value is extracted only when the wording names
it; everything else is left to the tool's documented defaults.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from assistant.agent import (
    constraints,
    counts,
    durations,
    money,
    names,
    sizes,
    team,
    workloads,
)
from assistant.agent.durations import HOURS_IN_MONTH
from assistant.agent.utterance import Utterance

_NUM = r"(\d+(?:[.,]\d+)*)\s*(k|m|mm|million|thousand|bn|billion)?\b"


QUOTE_CHARS = 80
# Characters that make markdown or HTML of a quote (a tag, an image, a link, code, emphasis).
_MARKUP = re.compile(r"<[^<>]{0,200}>|(?:https?://|www\.)\S*|[<>\[\](){}`*_|\\#~!\"]+")


def clean_quote(words: str) -> str:
    """The user's words as the answer quotes them: markup characters dropped (a quote must
    not carry a `<script>` tag or a `![remote image](...)` into the rendered answer),
    whitespace collapsed, at most `QUOTE_CHARS` characters."""
    text = " ".join(_MARKUP.sub(" ", words).split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 3].rstrip() + "..."


@dataclass(frozen=True)
class Fact:
    """One argument read from the user's words (`quote`, cleaned by `clean_quote`)."""

    field: str
    value: Any
    quote: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "quote", clean_quote(self.quote))


@lru_cache(maxsize=512)
def _readings(family: Callable[[str], Mapping[str, tuple[Any, str]]],
              text: str) -> Mapping[str, tuple[Any, str]]:  # fmt: skip
    """A family's readings of a (normalised) text, computed once however many of its slots
    the readers below ask for."""
    return family(text)


def _fact(family: Callable[[str], Mapping[str, tuple[Any, str]]], text: str,
          slot: str) -> Fact | None:  # fmt: skip
    """The fact `family` reads for `slot` in `text`, quoting the words it was read from."""
    found = _readings(family, text).get(slot)
    return Fact(slot, found[0], found[1]) if found else None


_duration = lru_cache(maxsize=512)(durations.hours_per_month)  # read by two slots


def _number(text: str, suffix: str | None = None) -> float:
    value = float(text.replace(",", ""))
    scale = {
        "k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "million": 1e6, "bn": 1e9,
        "billion": 1e9,
    }.get((suffix or "").lower(), 1)  # fmt: skip
    return value * scale


def normalise(text: str) -> str:
    """Lower case, number words as digits ("three engineers" -> "3 engineers"), with the
    instructions to the assistant removed: the text of `Utterance.of(text)`, computed once
    per text however many readers ask."""
    return Utterance.of(text).text


# -- team and models -----------------------------------------------------------------------


def team_size(text: str) -> Fact | None:
    return _fact(team.team, text, "team_size")


def ml_models(text: str) -> Fact | None:
    return _fact(team.team, text, "ml_models")


# -- money -------------------------------------------------------------------------------


def budget(text: str) -> Fact | None:
    return _fact(money.money, text, "budget")


def engineer_cost(text: str) -> Fact | None:
    return _fact(money.money, text, "engineer_cost")


# -- time --------------------------------------------------------------------------------


def time_to_market(text: str) -> Fact | None:
    return _fact(team.team, text, "time_to_market")


def hours_per_month(text: str) -> Fact | None:
    """Hours each instance runs in the month asked about: the duration rules
    (`assistant.agent.durations`), the longest phrase that states one, a rate over the
    stretch of time stated with it."""
    found = _duration(text)
    return Fact("hours_per_month", found[0], found[1]) if found else None


def months(text: str) -> Fact | None:
    """Months a period longer than one spans ("for a full quarter" is 3): the figure asked
    for is that many months of the hours read."""
    found = _duration(text)
    return Fact("months", found[3], found[1]) if found and found[3] != 1 else None


_ENGINEER_TIME = re.compile(
    r"\b(engineer(?:s|ing)? (?:time|hours|cost)|ops (?:time|cost|effort)|people cost|salar\w*|"
    r"headcount|tco|total cost of ownership)\b"
)


# A question that asks for the machines' bill alone ("monthly compute bill for those
# nodes", "the nodes alone", "what's that node going to cost?")
_COMPUTE_ONLY = re.compile(
    r"\b(?:compute (?:bill|cost|spend)s?|(?:nodes?|instances?|vms?|machines?) (?:alone|only)|"
    r"just the (?:nodes?|instances?|vms?|compute)|(?:bill|cost)s? (?:for|of) (?:the|those|these|"
    r"that|this|our) (?:\d+ )?(?:[\w.-]+ )?(?:nodes?|instances?|vms?|node pool)|(?:that|this|the) "
    r"nodes?(?:'s)? (?:(?:is|are) )?(?:going to )?cost|node costs?|cloud bill)\b"
)


def compute_only(text: str) -> Fact | None:
    """The question asks for the machines' bill, not the time to run them: no engineer time
    (unless it names engineer time too)."""
    m = _COMPUTE_ONLY.search(text)
    if m is None or _ENGINEER_TIME.search(text):
        return None
    return Fact("compute_only", True, m.group(0))


def one_off(text: str) -> Fact | None:
    """A job of a set length shorter than a month ("a 48-hour job", "for 2 weeks"), and
    no word asking for engineer time: it is priced without the time to run a cluster."""
    found = _duration(text)
    if found is None or found[2] not in durations.ONE_OFF or found[0] >= HOURS_IN_MONTH:
        return None
    if _ENGINEER_TIME.search(text):
        return None
    return Fact("one_off", True, found[1])


# -- infrastructure ----------------------------------------------------------------------

# Instance names of the three clouds (the patterns live in `counts`, which reads counts
# before them); Azure's: "Standard_NC24ads_A100_v4", "ND96isr_H100_v5", "D8s_v5"
AWS_INSTANCE = re.compile(rf"\b({counts.AWS})\b")
GCP_INSTANCE = re.compile(rf"\b({counts.GCP})\b")
AZURE_INSTANCE = re.compile(rf"\b({counts.AZURE})\b")
ACCELERATOR_WORDS = counts.ACCELERATOR_WORDS


def instance_type(text: str) -> Fact | None:
    return _fact(names.names, text, "instance_type")


def place(text: str) -> Fact | None:
    """A place named in words ("in Frankfurt", "West Europe"), the last one named, its name
    as the value; the planner turns it into the region of the cloud being priced."""
    return _fact(names.names, text, "place")


def region(text: str) -> Fact | None:
    """A region code as its provider writes it: "eu-central-1", "europe-west4", "westeurope"."""
    return _fact(names.names, text, "region")


def accelerator_word(text: str) -> Fact | None:
    """A GPU model named without an instance type ("an A10G", "8 H100s")."""
    return _fact(names.names, text, "accelerator")


def accelerator_count(text: str) -> Fact | None:
    """How many of a named GPU ("8 H100s", "4x A100"; `assistant.agent.counts`)."""
    return _fact(counts.counts, text, "accelerator_count")


def instance_count(text: str) -> Fact | None:
    """How many instances ("ten g6.xlarge", "6x Standard_NC16as_T4_v3", "3 nodes")."""
    return _fact(counts.counts, text, "instance_count")


def spot(text: str) -> Fact | None:
    return _fact(workloads.workloads, text, "spot")


def purchase(text: str) -> Fact | None:
    """A commitment: a savings plan, or reserved instances, reservations or committed use
    (`committed`), for one year unless three are named; none where the text rules one
    out ("no reservations or savings plans")."""
    fact = _fact(workloads.workloads, text, "purchase")
    return None if fact is None or fact.value == "none" else fact


def mode(text: str) -> Fact | None:
    return _fact(workloads.workloads, text, "mode")


def requests_per_month(text: str) -> Fact | None:
    return _fact(workloads.workloads, text, "requests_per_month")


def avg_duration_ms(text: str) -> Fact | None:
    return _fact(workloads.workloads, text, "avg_duration_ms")


def memory_gb(text: str) -> Fact | None:
    return _fact(workloads.workloads, text, "memory_gb")


def workload(text: str) -> Fact | None:
    return _fact(workloads.workloads, text, "workload")


CLOUD_WORDS = {
    "aws": "aws", "amazon": "aws", "sagemaker": "aws", "eks": "aws", "ec2": "aws",
    "gcp": "gcp", "google cloud": "gcp", "google": "gcp", "vertex": "gcp", "gke": "gcp",
    "compute engine": "gcp", "azure": "azure", "azureml": "azure",
}  # fmt: skip
PLATFORM_WORDS = {
    "sagemaker": "sagemaker", "eks": "eks", "vertex": "vertex", "gke": "gke",
    "azure ml": "azure-ml", "azureml": "azure-ml", "azure machine learning": "azure-ml",
    "aks": "aks", "ec2": "ec2", "compute engine": "compute-engine", "gce": "compute-engine",
}  # fmt: skip
# The bare instance's bill asked for: "the VM", "plain EC2", "node cost", "instance price"
VM_WORDS = re.compile(
    r"\b(?:plain|bare|raw|just the|only the)\s+(?:ec2|vms?|instances?|nodes?|virtual machines?)"
    r"\b|\b(?:vm|node|instance|machine)s?\s+(?:cost|bill|price|pricing)\b|\bthe vms?\b|"
    r"\bvirtual machines?\b"
)


def clouds(text: str) -> list[str]:
    """Clouds named in the text, in order of first mention."""
    found = []
    for m in re.finditer(r"\b(" + "|".join(map(re.escape, CLOUD_WORDS)) + r")\b", text):
        cloud = CLOUD_WORDS[m.group(1)]
        if cloud not in found:
            found.append(cloud)
    return found


def platforms(text: str) -> list[str]:
    found = []
    words = sorted(PLATFORM_WORDS, key=len, reverse=True)
    for m in re.finditer(r"\b(" + "|".join(map(re.escape, words)) + r")\b", text):
        if PLATFORM_WORDS[m.group(1)] not in found:
            found.append(PLATFORM_WORDS[m.group(1)])
    return found


def multi_cloud(text: str) -> Fact | None:
    return _fact(constraints.constraints, text, "multi_cloud")


def compliance(text: str) -> Fact | None:
    """Every regime named, data residency included ("HIPAA, data residency (EU)")."""
    return _fact(constraints.constraints, text, "compliance")


def custom_controls(text: str) -> Fact | None:
    return _fact(constraints.constraints, text, "requires_custom_controls")


def data_stays_in_cloud(text: str) -> Fact | None:
    return _fact(constraints.constraints, text, "data_stays_in_cloud")


# -- accelerators ------------------------------------------------------------------------


def framework(text: str) -> Fact | None:
    return _fact(workloads.workloads, text, "framework")


def model_type(text: str) -> Fact | None:
    return _fact(workloads.workloads, text, "model_type")


def custom_ops(text: str) -> Fact | None:
    return _fact(workloads.workloads, text, "custom_ops")


def latency(text: str) -> Fact | None:
    return _fact(workloads.workloads, text, "latency")


def params_billion(text: str) -> Fact | None:
    """A model's size in billions of parameters, stated or from the model's name."""
    return _fact(sizes.sizes, text, "params_billion")


def precision(text: str) -> Fact | None:
    return _fact(sizes.sizes, text, "precision")
