"""`select_accelerator`: the TPU/GPU rules, chip sizing and its invariants."""

from __future__ import annotations

import math

import pytest
from conftest import KNOWLEDGE
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.tools.accelerator import AcceleratorRequest, select_accelerator
from assistant.tools.catalog import accelerators


@pytest.mark.parametrize(
    ("case", "family"),
    [
        (
            {
                "workload": "training",
                "framework": "jax",
                "model_type": "transformer",
                "cloud": "gcp",
            },
            "tpu",
        ),
        (
            {
                "workload": "training",
                "framework": "tensorflow",
                "model_type": "transformer",
                "cloud": "any",
            },
            "tpu",
        ),
        ({"workload": "inference", "latency": "batch", "framework": "jax", "cloud": "gcp"}, "tpu"),
        (
            {"workload": "inference", "latency": "realtime", "framework": "jax", "cloud": "gcp"},
            "gpu",
        ),
        ({"workload": "training", "framework": "pytorch", "cloud": "gcp"}, "gpu"),
        ({"workload": "training", "framework": "jax", "cloud": "gcp", "custom_ops": True}, "gpu"),
        ({"workload": "training", "framework": "jax", "cloud": "aws"}, "gpu"),
        ({"workload": "training", "framework": "jax", "cloud": "azure"}, "gpu"),
    ],
)
def test_tpu_or_gpu(case: dict, family: str) -> None:  # type: ignore[type-arg]
    r = select_accelerator(case)
    assert r.accelerator == family
    assert r.suggested.startswith("tpu") == (family == "tpu")


def test_inference_memory_and_chip_count_by_hand() -> None:
    # 70B at fp16: 140 GB of weights + 20% = 168 GB; an H200 holds 141 x 0.9 = 126.9 GB.
    r = select_accelerator(workload="inference", params_billion=70, cloud="aws")
    assert r.memory is not None
    assert r.memory.weights_gb == 140 and r.memory.total_gb == 168
    assert (r.suggested, r.memory.chips_needed) == ("h200", 2)


def test_training_memory_counts_gradients_and_optimizer_state() -> None:
    # 7B with Adam in mixed precision: 16 bytes per parameter = 112 GB, + 20% = 134.4 GB.
    r = select_accelerator(workload="training", params_billion=7, cloud="aws")
    assert r.memory is not None
    assert (r.memory.weights_gb, r.memory.gradients_gb, r.memory.optimizer_gb) == (14, 14, 84)
    assert r.memory.total_gb == pytest.approx(134.4)
    assert r.memory.chips_needed == math.ceil(134.4 / (r.memory.chip_memory_gb * 0.9))


def test_a_small_model_gets_a_small_chip() -> None:
    r = select_accelerator(workload="inference", params_billion=1, cloud="gcp")
    assert (r.suggested, r.memory.chips_needed if r.memory else None) == ("t4", 1)
    assert "l4" in r.alternatives


def test_aws_alternatives_include_amazon_chips_and_never_a_tpu() -> None:
    r = select_accelerator(workload="inference", cloud="aws")
    assert r.suggested == "a10g" and "inferentia2" in r.alternatives
    assert not any(a.startswith("tpu") for a in r.alternatives)


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"workload": "serving"}, "workload"),
        ({"cloud": "oracle"}, "cloud"),
        ({"params_billion": -1}, "params_billion"),
        ({"precision": "fp8"}, "precision"),
        ({"workload": "training", "precision": "int4"}, "precision"),
        ({"gpu": "h100"}, "gpu"),
    ],
)
def test_bad_input_names_the_field(bad: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=field):
        select_accelerator(bad)


def test_every_accelerator_spec_has_a_source_and_date() -> None:
    for spec in accelerators().values():
        assert spec.source.startswith("https://") and len(spec.as_of) == 10
        assert spec.memory_gb > 0


requests = st.builds(
    AcceleratorRequest,
    workload=st.sampled_from(["training", "inference"]),
    framework=st.sampled_from(["pytorch", "jax", "tensorflow", "other"]),
    model_type=st.sampled_from(["transformer", "cnn", "recsys", "custom", "other"]),
    cloud=st.sampled_from(["aws", "gcp", "azure", "any"]),
    latency=st.sampled_from(["realtime", "batch"]),
    custom_ops=st.booleans(),
    params_billion=st.one_of(st.none(), st.floats(0.01, 2000, allow_nan=False)),
    precision=st.one_of(st.none(), st.sampled_from(["fp32", "bf16", "fp16"])),
)


@settings(max_examples=300, deadline=None)
@given(requests)
def test_invariants(req: AcceleratorRequest) -> None:
    r = select_accelerator(req)
    specs = accelerators()
    if req.cloud in ("aws", "azure"):  # TPUs exist only on Google Cloud
        assert r.accelerator == "gpu"
        assert not r.suggested.startswith("tpu")
        assert not any(a.startswith("tpu") for a in r.alternatives)
    assert r.suggested in specs and req.cloud in (*specs[r.suggested].clouds, "any")
    assert r.reasons
    for reason in r.reasons:
        assert f"## {reason.heading}\n" in (KNOWLEDGE / reason.source).read_text() or (
            f"### {reason.heading}\n" in (KNOWLEDGE / reason.source).read_text()
        ), reason
    if r.memory is not None:  # the suggested chips really hold the estimate
        assert r.memory.chips_needed * specs[r.suggested].memory_gb * 0.9 >= r.memory.total_gb


def test_the_price_is_for_what_can_be_bought_whole_instances_or_tpu_slices() -> None:
    # 70B in bf16 needs 2 H200s; AWS sells H200 only eight to an instance
    r = select_accelerator(params_billion=70, precision="bf16", cloud="aws")
    assert r.memory is not None and r.memory.chips_needed == 2
    price = r.price
    assert price is not None and price["instance_type"] == "p5en.48xlarge"
    assert (price["instances"], price["chips"], price["chips_needed"]) == (1, 8, 2)
    assert price["usd_per_hour_for_chips"] == pytest.approx(price["usd_per_instance_hour"])
    # a TPU v5p slice comes in fixed shapes: two chips are bought as a v5p-8 (4 chips)
    tpu = select_accelerator(params_billion=8, workload="training", framework="jax", cloud="gcp")
    assert tpu.price is not None and tpu.price["instance_type"].startswith("tpu-v5p-")
    assert tpu.price["chips"] >= tpu.price["chips_needed"] and tpu.price["region"] == "us-central1"
    with pytest.raises(ValueError, match="region: unknown 'mars-1'"):
        select_accelerator(params_billion=7, region="mars-1")


@settings(max_examples=60, deadline=None)
@given(st.floats(0.1, 1000), st.sampled_from(["aws", "gcp", "azure", "any"]),
       st.sampled_from(["inference", "training"]))  # fmt: skip
def test_priced_chips_always_cover_the_chips_needed(size: float, cloud: str, workload: str) -> None:
    r = select_accelerator(params_billion=size, cloud=cloud, workload=workload)
    if r.price is not None:
        p = r.price
        assert p["chips"] >= p["chips_needed"] and p["chips"] % p["chips_per_instance"] == 0
        total = p["instances"] * p["usd_per_instance_hour"]
        assert p["usd_per_hour_for_chips"] == pytest.approx(total, abs=1e-4)
