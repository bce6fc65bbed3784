"""Every argument a question states, by field: the slot readers of `extract` run once
over the normalised text, then what depends on several of them (the platforms a wording
restricts the comparison to, a place priced on the cloud of the question)."""

from __future__ import annotations

import re

from assistant.agent import extract as ex
from assistant.agent.extract import Fact
from assistant.agent.utterance import Utterance
from assistant.tools.cost_models import CLOUD_OF, VM_PLATFORMS
from assistant.tools.regions import cloud_of, place_region


def facts(text: str) -> dict[str, Fact]:
    """Every argument the text states, by field, each quoting the user's own words."""
    u = Utterance.of(text)
    t = u.text
    found: dict[str, Fact] = {}
    readers = (
        ex.team_size, ex.ml_models, ex.budget, ex.engineer_cost, ex.time_to_market,
        ex.multi_cloud, ex.compliance, ex.custom_controls,
        ex.data_stays_in_cloud, ex.workload, ex.instance_type, ex.instance_count,
        ex.hours_per_month, ex.spot, ex.mode, ex.requests_per_month, ex.avg_duration_ms,
        ex.memory_gb, ex.framework, ex.model_type, ex.latency, ex.custom_ops,
        ex.params_billion, ex.precision, ex.accelerator_word, ex.accelerator_count, ex.region,
        ex.purchase, ex.one_off, ex.months, ex.compute_only,
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
        cloud = cloud_of_question(found)
        vm = next(p for p, c in VM_PLATFORMS.items() if c == cloud)
        named = found["platforms"].value if "platforms" in found else []
        if vm not in named and set(named) <= set(VM_PLATFORMS):  # no managed platform named
            found["platforms"] = Fact("platforms", [*named, vm], vm)
    if "platforms" not in found and not named_clouds:
        implied = _implied_platforms(found)
        if implied is not None:
            found["platforms"] = Fact("platforms", implied[0], implied[1])
    if "region" not in found:
        spot = ex.place(t)
        if spot is not None:
            found["place"] = spot
            code = place_region(spot.value, cloud_of_question(found))
            if code:
                found["region"] = Fact("region", code, spot.quote)
    return {name: Fact(f.field, f.value, u.raw_of(f.quote)) for name, f in found.items()}


# The platforms of each cloud a question implies without naming it: the bare VM, the
# managed platform, the Kubernetes service
OF_CLOUD = {"aws": ["ec2", "sagemaker", "eks"], "gcp": ["compute-engine", "vertex", "gke"],
            "azure": ["azure-vm", "azure-ml", "aks"]}  # fmt: skip


def _implied_platforms(found: dict[str, Fact]) -> tuple[list[str], str] | None:
    """The platforms a question implies when it names no cloud or platform: a SageMaker
    instance name (`ml.`) implies SageMaker; another instance name its cloud's VM, managed
    platform and Kubernetes; a region code its cloud's managed platform and Kubernetes."""
    if "instance_type" in found:
        name = str(found["instance_type"].value)
        if name.startswith("ml."):
            return ["sagemaker"], name
        if name.startswith("tpu-"):  # a TPU VM, or a GKE node pool of them
            return ["compute-engine", "gke"], name
        return OF_CLOUD[cloud_of_question(found)], name
    if "region" in found:
        cloud = cloud_of(str(found["region"].value))
        if cloud in OF_CLOUD:
            return OF_CLOUD[cloud][1:], str(found["region"].value)
    return None


def place_on_earlier_cloud(now: dict[str, Fact], earlier: list[dict[str, Fact]]) -> None:
    """A follow-up naming only a place ("and in Sweden Central?") prices it on the cloud
    of the instance asked about earlier, not on the default one."""
    if "place" not in now or "instance_type" in now or "cloud" in now:
        return
    before = next((f for f in reversed(earlier) if "instance_type" in f), None)
    if before is None:
        return
    code = place_region(now["place"].value, cloud_of_question(before))
    if code:
        now["region"] = Fact("region", code, now["place"].quote)


def cloud_of_question(found: dict[str, Fact]) -> str:
    """The cloud a place is priced on: the instance's, else the cloud or platform named,
    else AWS (the tools' default instance is AWS's)."""
    if "instance_type" in found:
        name = str(found["instance_type"].value)
        if name.startswith("tpu-"):
            return "gcp"
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
