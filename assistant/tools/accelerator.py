"""`select_accelerator`: TPU or GPU, a concrete chip, and how many fit the model.

Rules from the guidance (knowledge/tpu-vs-gpu.md): TPUs win for large transformer
training, JAX/TensorFlow code and large batch jobs; GPUs win for real-time inference,
PyTorch-first teams and custom architectures or kernels. TPUs exist only on Google Cloud,
so `cloud` aws or azure never gets one.

Memory (knowledge/accelerator-memory.md): inference needs the weights at the serving
precision plus about 20% for activations and KV cache; mixed-precision training with Adam
needs about 16 bytes per parameter (weights, gradients, fp32 master weights and two
optimizer moments) plus about 20% for activations. A chip is counted at 90% of its memory.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.tools.catalog import accelerators
from assistant.tools.infrastructure import Reason
from assistant.tools.inputs import validated
from assistant.tools.prices import catalog as snapshot

GUIDE = "tpu-vs-gpu.md"
H_TPU = "When TPUs fit"
H_GPU = "When GPUs fit"
H_COST = "Cost efficiency: the 3x figure"
H_CHOOSING = "Choosing"
H_PORTABILITY = "Software and portability"
MEMORY_GUIDE = "accelerator-memory.md"
H_INFERENCE_MEMORY = "Bytes per parameter for inference"
H_TRAINING_MEMORY = "Training memory: about 16 bytes per parameter"
BYTES_PER_PARAM = {"fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "int8": 1.0, "int4": 0.5}
TRAINING_BYTES_PER_PARAM = 16.0  # bf16 weights + grads, fp32 master + Adam m and v
OVERHEAD = 0.20  # activations, KV cache, framework buffers (a rough, stated rule)
USABLE = 0.90  # share of a chip's memory a model can count on

DEFAULTS: dict[str, Any] = {
    "workload": "inference",
    "framework": "pytorch",
    "model_type": "transformer",
    "cloud": "any",
    "latency": "realtime",
    "custom_ops": False,
    "region": None,  # each provider's default region, named in the assumptions
}


class AcceleratorRequest(BaseModel):
    """The workload to place. Missing fields take `DEFAULTS`, listed as assumptions."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    workload: Literal["training", "inference"] = DEFAULTS["workload"]
    framework: Literal["pytorch", "jax", "tensorflow", "other"] = DEFAULTS["framework"]
    model_type: Literal["transformer", "cnn", "recsys", "custom", "other"] = DEFAULTS["model_type"]
    cloud: Literal["aws", "gcp", "azure", "any"] = DEFAULTS["cloud"]
    latency: Literal["realtime", "batch"] = DEFAULTS["latency"]
    custom_ops: bool = DEFAULTS["custom_ops"]
    params_billion: float | None = Field(None, gt=0, le=10_000)
    precision: Literal["fp32", "bf16", "fp16", "int8", "int4"] | None = None
    region: str | None = Field(
        DEFAULTS["region"], min_length=1, max_length=40,
        description="where to price the chips (default: us-east-1, us-central1, eastus)",
    )  # fmt: skip

    @model_validator(mode="after")
    def _training_precision(self) -> AcceleratorRequest:
        if self.workload == "training" and self.precision in ("int8", "int4"):
            raise ValueError(
                "precision: training takes fp32, bf16 or fp16 (int8/int4 are for inference)"
            )
        return self


class MemoryEstimate(BaseModel):
    precision: str
    weights_gb: float
    gradients_gb: float
    optimizer_gb: float
    overhead_gb: float
    total_gb: float
    chip: str
    chip_memory_gb: float
    chips_needed: int
    formula: str


class AcceleratorRecommendation(BaseModel):
    accelerator: Literal["tpu", "gpu"]
    suggested: str
    alternatives: list[str]
    reasons: list[Reason]
    memory: MemoryEstimate | None
    price: dict[str, Any] | None = Field(
        None,
        description="what the chips cost an hour on demand, bought as whole instances or TPU "
        "slices, with the instance, region and source",
    )
    assumptions: list[str]
    inputs: dict[str, Any]


def _why(rule: str, detail: str, heading: str, source: str = GUIDE) -> Reason:
    return Reason(rule=rule, detail=detail, source=source, heading=heading)


def _family(req: AcceleratorRequest) -> tuple[Literal["tpu", "gpu"], list[Reason]]:
    if req.cloud in ("aws", "azure"):
        return "gpu", [
            _why(f"cloud = {req.cloud}", "TPUs are only available on Google Cloud.", H_PORTABILITY)
        ]
    if req.custom_ops or req.model_type == "custom":
        return "gpu", [
            _why(
                "custom operations",
                "custom architectures and kernels often rely on CUDA with no TPU equivalent.",
                H_GPU,
            )
        ]
    if req.workload == "inference" and req.latency == "realtime":
        return "gpu", [
            _why(
                "real-time inference",
                "small batches at low latency and the "
                "widest choice of serving runtimes favour GPUs.",
                H_GPU,
            )
        ]
    if req.framework == "pytorch":
        return "gpu", [
            _why(
                "framework = pytorch",
                "PyTorch runs natively on NVIDIA GPUs; on TPUs it needs PyTorch/XLA.",
                H_GPU,
            )
        ]
    reasons = []
    if req.workload == "training" and req.model_type == "transformer":
        reasons.append(
            _why("transformer training", "large, regular matrix multiplications suit TPUs.", H_TPU)
        )
    if req.framework in ("jax", "tensorflow"):
        reasons.append(
            _why(
                f"framework = {req.framework}",
                "JAX and TensorFlow run natively on TPUs through XLA.",
                H_TPU,
            )
        )
    if req.workload == "inference" and req.latency == "batch":
        reasons.append(
            _why("batch inference", "large batches keep the TPU's matrix units busy.", H_TPU)
        )
    if reasons:
        reasons.append(
            _why(
                "cost",
                "the guidance's figure: TPU v4 pods can be about 3x more "
                "cost-efficient for training at scale (workload-dependent).",
                H_COST,
            )
        )
        return "tpu", reasons
    return "gpu", [
        _why(
            "no TPU signal",
            "GPUs are the default: available on every cloud, with the widest software support.",
            H_CHOOSING,
        )
    ]


def _needed_gb(req: AcceleratorRequest) -> tuple[float, float, float, float, str, str]:
    assert req.params_billion is not None
    p = req.params_billion
    if req.workload == "training":
        precision = req.precision or "bf16"
        weights = p * BYTES_PER_PARAM[precision]
        grads = p * BYTES_PER_PARAM[precision]
        optimizer = p * TRAINING_BYTES_PER_PARAM - weights - grads
        formula = (
            f"{p:g}B params x 16 bytes (weights, gradients, fp32 master, Adam m and v)"
            f" x (1 + {OVERHEAD:.0%} activations)"
        )
    else:
        precision = req.precision or "fp16"
        weights = p * BYTES_PER_PARAM[precision]
        grads = optimizer = 0.0
        formula = (
            f"{p:g}B params x {BYTES_PER_PARAM[precision]:g} bytes ({precision}) x "
            f"(1 + {OVERHEAD:.0%} activations and KV cache)"
        )
    overhead = (weights + grads + optimizer) * OVERHEAD
    return weights, grads, optimizer, overhead, precision, formula


def _ladder(family: str, req: AcceleratorRequest) -> list[str]:
    """Chips in the order to try: the first that fits on one chip wins."""
    if family == "tpu":
        if req.workload == "training":
            return ["tpu-v6e", "tpu-v5p"]
        return ["tpu-v5e", "tpu-v6e"]
    mid = "a10g" if req.cloud == "aws" else "l4"
    if req.workload == "inference":
        return ["t4", mid, "a100-80gb", "h100", "h200"]
    return [mid, "a100-80gb", "h100", "h200"]


def _default_chip(family: str, req: AcceleratorRequest) -> str:
    if family == "tpu":
        return "tpu-v6e" if req.workload == "training" else "tpu-v5e"
    if req.workload == "inference":
        return "a10g" if req.cloud == "aws" else "l4"
    return "h100"


def _alternatives(family: str, chip: str, req: AcceleratorRequest) -> list[str]:
    pool = _ladder(family, req)
    alts = [c for c in pool if c != chip]
    if family == "gpu" and req.cloud in ("aws", "any") and not req.custom_ops:
        alts.append("inferentia2" if req.workload == "inference" else "trainium")
    if family == "gpu" and req.cloud in ("gcp", "any") and not req.custom_ops:
        alts.append("tpu-v5e" if req.workload == "inference" else "tpu-v6e")
    return alts


DEFAULT_REGIONS = {"aws": "us-east-1", "gcp": "us-central1", "azure": "eastus"}


def _price(chip: str, count: int, cloud: str, region: str | None) -> dict[str, Any] | None:
    """What buying `count` chips costs on demand: whole instances or TPU slices of the
    snapshot (AWS sells an H100 only eight to an instance; a TPU slice has fixed shapes),
    in `region` or each provider's default region, else the cheapest region."""
    providers = ["aws", "gcp", "azure"] if cloud == "any" else [cloud]
    book = snapshot()
    if region is not None:
        owner = [p for p in providers if region in book.regions(p)]
        if not owner:
            near = book.closest_regions(region, None if cloud == "any" else cloud)
            where = f" for {cloud.upper()}" if cloud != "any" else ""
            raise ValueError(f"region: unknown {region!r}{where}; closest known: {', '.join(near)}")
        found = book.cheapest_for(chip, count, owner, {p: region for p in owner})
    else:
        found = book.cheapest_for(chip, count, providers, DEFAULT_REGIONS) or book.cheapest_for(
            chip, count, providers
        )
    if found is None:
        return None
    row, instances = found
    chips = int(instances * row.accelerator_count)
    return {
        "instance_type": row.sku,
        "provider": row.provider,
        "region": row.region,
        "instances": instances,
        "chips_per_instance": int(row.accelerator_count),
        "chips": chips,
        "chips_needed": count,
        "usd_per_instance_hour": row.usd,
        "usd_per_chip_hour": round(row.usd / row.accelerator_count, 4),
        "usd_per_hour_for_chips": round(row.usd * instances, 4),
        "source": row.source,
        "as_of": row.source_version,
    }


def select_accelerator(
    request: AcceleratorRequest | dict[str, Any] | None = None, **fields: Any
) -> AcceleratorRecommendation:
    """Choose TPU or GPU for a training or inference workload, name a concrete chip and
    alternatives, and, when the model size is given, estimate its memory and the smallest
    number of chips that hold it, with their hourly price."""
    req, assumptions = validated(AcceleratorRequest, request, fields, DEFAULTS)
    family, reasons = _family(req)
    specs = accelerators()
    memory = None
    chip = _default_chip(family, req)
    count = 1
    if req.params_billion is not None:
        weights, grads, optimizer, overhead, precision, formula = _needed_gb(req)
        total = weights + grads + optimizer + overhead
        ladder = _ladder(family, req)
        fits = [c for c in ladder if total <= specs[c].memory_gb * USABLE]
        chip = fits[0] if fits else ladder[-1]
        count = max(1, math.ceil(total / (specs[chip].memory_gb * USABLE)))
        memory = MemoryEstimate(
            precision=precision,
            weights_gb=round(weights, 2),
            gradients_gb=round(grads, 2),
            optimizer_gb=round(optimizer, 2),
            overhead_gb=round(overhead, 2),
            total_gb=round(total, 2),
            chip=chip,
            chip_memory_gb=specs[chip].memory_gb,
            chips_needed=count,
            formula=f"{formula} = {total:,.1f} GB; chips = ceil({total:,.1f} / "
            f"({specs[chip].memory_gb:g} GB x {USABLE:.0%})) = {count}",
        )
        reasons.append(
            _why(
                "memory",
                f"about {total:,.1f} GB needed; {count} x {chip} "
                f"({specs[chip].memory_gb:g} GB each) holds it.",
                H_TRAINING_MEMORY if req.workload == "training" else H_INFERENCE_MEMORY,
                source=MEMORY_GUIDE,
            )
        )
    else:
        assumptions.append(
            "params_billion not given: no memory estimate; pass it to size the chip count"
        )
    assumptions = [
        "region = each provider's default (us-east-1, us-central1, eastus), else the cheapest "
        "region that sells it; pass region to change it" if a.startswith("region = ") else a
        for a in assumptions
    ]  # fmt: skip
    price = _price(chip, count, req.cloud, req.region.strip().lower() if req.region else None)
    if price is None:
        where = f" in {req.region}" if req.region else ""
        assumptions.append(f"no {chip} instance for sale{where} in the price snapshot: "
                           "price left out")  # fmt: skip
    return AcceleratorRecommendation(
        accelerator=family,
        suggested=chip,
        alternatives=_alternatives(family, chip, req),
        reasons=reasons,
        memory=memory,
        price=price,
        assumptions=assumptions,
        inputs=req.model_dump(),
    )
