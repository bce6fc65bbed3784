"""The calls a plan makes beyond the user's facts: the example scenarios a question with
no facts is answered by, the catalog instance that carries a named accelerator, and the
clarifying question asked where no default is sensible."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.agent import extract as ex
from assistant.agent.cues import TPU_OR_GPU
from assistant.agent.extract import Fact

CHOOSE = "choose_infrastructure"
COST = "estimate_cost"
ACCELERATOR = "select_accelerator"


@dataclass
class PlannedCall:
    name: str
    args: dict[str, Any]
    given: dict[str, str] = field(default_factory=dict)  # field -> where it was read
    label: str = ""  # a named scenario, when the question gives no facts to decide on


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


def scenarios(call: PlannedCall, question: str) -> list[PlannedCall]:
    if call.args:
        return [call]
    t = ex.normalise(question)
    if call.name == ACCELERATOR and TPU_OR_GPU.search(t):
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


def clarification(call: PlannedCall) -> str | None:
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
