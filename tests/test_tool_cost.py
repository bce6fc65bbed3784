"""`estimate_cost`: arithmetic, TCO lines, break-even and invariants, on a fixed price table
(tests/data/prices_fixture.csv, given through MLINFRA_PRICES as a user's own file would be)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.tools import estimate_cost
from assistant.tools.prices import catalog

FIXTURE = Path(__file__).parent / "data" / "prices_fixture.csv"


@pytest.fixture(autouse=True)
def fixed_prices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLINFRA_PRICES", str(FIXTURE))


def _by(result):  # type: ignore[no-untyped-def]
    return {o.platform: o for o in result.options}


def test_one_gpu_instance_all_month_by_hand() -> None:
    r = estimate_cost(instance_type="g5.xlarge", hours_per_month=730)
    opts = _by(r)
    assert set(opts) == {"sagemaker", "eks", "vertex", "gke"}
    assert opts["sagemaker"].monthly_usd == round(1.408 * 730, 2)  # 1027.84
    eks = opts["eks"]
    assert [line.usd for line in eks.breakdown] == [
        round(1.006 * 730, 2),  # 734.38 compute
        round(0.10 * 730, 2),  # 73.00 cluster fee
        round(0.25 * 180_000 / 12, 2),  # 3750.00 engineer time
    ]
    assert eks.bill_usd == round(734.38 + 73.0, 2)
    assert opts["gke"].instance_type == "g2-standard-4"  # A10G maps to L4 on GCP
    # One instance does not pay for a platform team: a managed option is cheapest.
    assert r.cheapest == "vertex" and opts["vertex"].monthly_usd == round(0.81 * 730, 2)
    be = {b.self_managed: b for b in r.break_even}
    # (73 + 3750) / (1027.84 - 734.38) = 13.03 -> EKS is cheaper from 14 instances
    assert be["eks"].instances == 14
    at_13 = _by(estimate_cost(instance_type="g5.xlarge", instance_count=13))
    at_14 = _by(estimate_cost(instance_type="g5.xlarge", instance_count=14))
    assert at_13["eks"].monthly_usd > at_13["sagemaker"].monthly_usd
    assert at_14["eks"].monthly_usd < at_14["sagemaker"].monthly_usd


def test_every_option_shows_unit_price_source_and_date() -> None:
    for option in estimate_cost(instance_type="ml.g5.xlarge").options:
        assert option.assumptions
        for a in option.assumptions:
            assert a.unit_price > 0 and a.source.startswith("https://") and a.as_of


def test_spot_is_not_used_for_realtime_inference() -> None:
    r = estimate_cost(instance_type="g5.xlarge", spot=True)
    assert _by(r)["eks"].breakdown[0].usd == round(1.006 * 730, 2)
    assert any("not real-time inference" in n for n in r.notes)
    t = estimate_cost(instance_type="g5.xlarge", spot=True, workload="training")
    assert _by(t)["eks"].breakdown[0].usd == round(0.40 * 730, 2)


def test_serverless_is_priced_per_gb_second() -> None:
    r = estimate_cost(
        mode="serverless", requests_per_month=1_000_000, avg_duration_ms=200, memory_gb=2
    )
    (option,) = r.options
    assert option.platform == "sagemaker"
    assert option.monthly_usd == round(1_000_000 * 0.2 * 2 * 0.00002, 2)  # 8.00
    with pytest.raises(ValueError, match="requests_per_month"):
        estimate_cost(mode="serverless")


def test_realtime_endpoints_per_model_vs_multi_model_sharing() -> None:
    each = _by(estimate_cost(instance_type="m5.xlarge", models=20))["sagemaker"]
    shared = _by(estimate_cost(instance_type="m5.xlarge", models=20, mode="multi_model"))
    assert each.monthly_usd == pytest.approx(20 * shared["sagemaker"].monthly_usd, abs=0.05)


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"hours_per_month": 800}, "hours_per_month"),
        ({"instance_count": 0}, "instance_count"),
        ({"instance_count": -3}, "instance_count"),
        ({"mode": "streaming"}, "mode"),
        ({"platforms": ["azure"]}, "platforms"),
        ({"instance_typo": "g5.xlarge"}, "instance_typo"),
    ],
)
def test_bad_input_names_the_field(bad: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=field):
        estimate_cost(bad)


def test_unknown_instance_type_lists_the_closest_names() -> None:
    with pytest.raises(ValueError, match=r"instance_type: unknown 'g5\.xlarg'.*g5\.xlarge"):
        estimate_cost(instance_type="g5.xlarg")


workloads = st.fixed_dictionaries(
    {
        "instance_type": st.sampled_from(
            ["g5.xlarge", "ml.g5.xlarge", "m5.xlarge", "g2-standard-4", "n2-standard-4"]
        ),
        "instance_count": st.integers(1, 50),
        "hours_per_month": st.floats(0, 744, allow_nan=False),
        "workload": st.sampled_from(["inference", "training"]),
        "mode": st.sampled_from(["realtime", "async", "batch", "multi_model"]),
        "models": st.integers(1, 30),
    }
)


@settings(max_examples=200, deadline=None)
@given(workloads, st.floats(0, 744, allow_nan=False), st.integers(0, 20))
def test_more_hours_or_instances_never_cost_less(
    case: dict,
    more_hours: float,  # type: ignore[type-arg]
    more_instances: int,
) -> None:
    base = _by(estimate_cost(case))
    bigger = {
        **case,
        "hours_per_month": min(744.0, case["hours_per_month"] + more_hours),
        "instance_count": case["instance_count"] + more_instances,
    }
    for platform, option in _by(estimate_cost(bigger)).items():
        assert option.monthly_usd >= base[platform].monthly_usd - 1e-6


@settings(max_examples=200, deadline=None)
@given(workloads)
def test_spot_never_costs_more_than_on_demand(case: dict) -> None:  # type: ignore[type-arg]
    on_demand = _by(estimate_cost({**case, "spot": False}))
    spot = _by(estimate_cost({**case, "spot": True}))
    assert set(spot) == set(on_demand)
    for platform, option in spot.items():
        assert option.monthly_usd <= on_demand[platform].monthly_usd + 1e-6


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda rows: [rows[0].replace(",source,as_of", ",as_of")] + rows[1:], "missing columns"),
        (lambda rows: rows[:2] + [rows[2].replace("1.408", "-1.408")] + rows[3:], "row 3"),
        (lambda rows: rows + [rows[1]], "duplicate of row 2"),
        (
            lambda rows: (
                rows[:2] + [rows[2].replace("https://example.test/sagemaker", "")] + rows[3:]
            ),
            "row 3: source",
        ),
        (lambda rows: rows[:1] + [rows[1].replace("0.40", "2.0")] + rows[2:], "row 2: spot"),
    ],
)
def test_a_bad_price_file_is_rejected_with_the_row(
    edit,
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    bad = tmp_path / "my-prices.csv"
    bad.write_text("\n".join(edit(FIXTURE.read_text().strip().split("\n"))) + "\n")
    monkeypatch.setenv("MLINFRA_PRICES", str(bad))
    with pytest.raises(ValueError, match=message):
        estimate_cost(instance_type="g5.xlarge")


def test_sagemaker_vs_eks_for_one_g5_all_month_on_the_shipped_catalog(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MLINFRA_PRICES")
    ec2 = catalog().find("g5.xlarge", "us-east-1", "on-demand", "ec2")[0].usd
    # AWS's own figure for real-time hosting, from the snapshot (not a blog's)
    (sm,) = [r.usd for r in catalog().find("ml.g5.xlarge", "us-east-1", "on-demand", "sagemaker")
             if r.component == "hosting"]  # fmt: skip
    assert sm == 1.4084
    fee = catalog().find("cluster-standard-support", "all", "on-demand", "eks")[0].usd
    r = estimate_cost(instance_type="ml.g5.xlarge", hours_per_month=730)
    opts = _by(r)
    assert opts["sagemaker"].monthly_usd == round(sm * 730, 2)
    assert opts["eks"].bill_usd == round(ec2 * 730, 2) + round(fee * 730, 2)
    assert opts["eks"].monthly_usd == pytest.approx(opts["eks"].bill_usd + 3750, abs=0.01)
    # Vertex AI's own price for the L4 twin in Google's default region (prediction table)
    (vertex,) = opts["vertex"].assumptions
    assert (vertex.unit_price, vertex.region, vertex.estimate) == (0.8129, "us-central1", False)
    assert vertex.source == "https://cloud.google.com/vertex-ai/pricing"


def test_vertex_ai_without_a_google_price_is_a_flagged_estimate_with_its_formula() -> None:
    # No Vertex AI price for g2-standard-8 in europe-west1: Compute Engine's there times the
    # g2-standard machines' Vertex/Compute Engine ratio where Google publishes both
    r = estimate_cost(instance_type="g2-standard-8", region="europe-west1", platforms=["vertex"])
    (vertex,) = r.options[0].assumptions
    ce = catalog().find("g2-standard-8", "europe-west1", "on-demand", "compute-engine")[0].usd
    expected = f"Compute Engine g2-standard-8 in europe-west1 ${ce:g}/h x 1.1"
    assert vertex.estimate and vertex.formula.startswith(expected)
    assert 1.05 * ce < vertex.unit_price < 1.3 * ce
    assert any(n.startswith("the Vertex AI price is an estimate") for n in r.notes)
    # training without Google's training figure: the prediction price, flagged as such
    t = estimate_cost(instance_type="a2-highgpu-1g", workload="training", platforms=["vertex"])
    (train,) = t.options[0].assumptions
    assert train.estimate and train.unit_price == 4.2245 and "prediction price" in train.formula


def test_a_region_prices_the_instance_there_and_sagemaker_as_a_flagged_estimate() -> None:
    r = estimate_cost(instance_type="ml.g5.2xlarge", region="eu-west-1", hours_per_month=730)
    opts = _by(r)
    eks = opts["eks"].assumptions[0]
    assert (eks.region, eks.unit_price, eks.estimate) == ("eu-west-1", 1.35296, False)
    sm = opts["sagemaker"].assumptions[0]
    # EC2 g5.2xlarge in eu-west-1 x ml.g5.2xlarge's SageMaker/EC2 ratio in us-east-1, where
    # AWS lists both (hosting 1.515 / EC2 1.212 = 1.25): 1.35296 x 1.25 = 1.6912
    assert sm.estimate and sm.unit_price == pytest.approx(1.35296 * 1.515 / 1.212, abs=1e-4)
    assert "eu-west-1" in sm.formula and "1.35296" in sm.formula
    assert any("estimate, not a list price" in n for n in r.notes)
    assert opts["gke"].assumptions[0].region == "europe-west1"  # the nearest Google region
    assert not any(a.startswith("region = ") for a in r.assumptions)
    default = estimate_cost(instance_type="g5.xlarge")
    assert "region = 'us-east-1' (default for AWS; pass region to change it)" in default.assumptions


def test_managed_spot_training_is_estimated_from_the_ec2_spot_discount() -> None:
    r = estimate_cost(instance_type="ml.g5.xlarge", workload="training", spot=True,
                      hours_per_month=72, platforms=["sagemaker"])  # fmt: skip
    price = _by(r)["sagemaker"].assumptions[0]
    # SageMaker 1.408 x (EC2 spot 0.40 / on-demand 1.006)
    assert price.estimate and price.unit_price == pytest.approx(1.408 * 0.40 / 1.006, abs=1e-4)
    assert _by(r)["sagemaker"].monthly_usd == pytest.approx(price.unit_price * 72, abs=0.01)
    assert any("managed spot training is an estimate" in n for n in r.notes)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"instance_type": "g5.xlarge", "region": "eu-centrl-1"}, "closest known: eu-central-1"),
        (
            {"instance_type": "Standard_NC24ads_A100_v4", "region": "eu-west-1"},
            "region: unknown 'eu-west-1' for AZURE",
        ),
        ({"instance_type": "p5e.48xlarge"}, "no on-demand list price"),
        ({"instance_type": "n2-standard-4", "region": "us-east-1"}, "region: unknown"),
    ],
)
def test_regions_and_clouds_it_cannot_price_are_named(args: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=message):
        estimate_cost(args)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["us-east-1", "eu-west-1", "eu-central-1", "ap-northeast-1", "sa-east-1"]),
       st.sampled_from(["g5.xlarge", "g6.xlarge", "g4dn.xlarge", "p4d.24xlarge",
                        "m5.xlarge"]))  # fmt: skip
def test_any_region_prices_from_its_own_row(region: str, instance: str) -> None:
    from assistant.tools.prices import catalog

    rows = catalog().find(instance, region, "on-demand")
    if not rows:
        return
    r = estimate_cost(instance_type=instance, region=region, platforms=["eks"])
    line = _by(r)["eks"].breakdown[0]
    assert line.usd == pytest.approx(rows[0].usd * 730, abs=0.01)


def test_a_spot_price_cites_the_spot_price_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLINFRA_PRICES")
    r = estimate_cost(instance_type="g5.xlarge", workload="training", spot=True,
                      platforms=["eks"])  # fmt: skip
    price = _by(r)["eks"].assumptions[0]
    assert (
        price.item == "g5.xlarge spot"
        and price.source == "https://aws.amazon.com/ec2/spot/pricing/"
    )


def test_an_azure_vm_is_priced_on_azure_ml_and_aks_from_the_snapshot() -> None:
    vm = catalog().find("Standard_NC24ads_A100_v4", "westeurope", "on-demand", "azure-vm")[0]
    r = estimate_cost(instance_type="NC24ads_A100_v4", region="westeurope", hours_per_month=730)
    opts = _by(r)
    assert set(opts) == {"azure-ml", "aks"}
    # Azure ML bills the VM's price (no surcharge), and says so with Microsoft's source
    assert opts["azure-ml"].monthly_usd == round(vm.usd * 730, 2)
    assert any("no surcharge" in n and "MicrosoftDocs" in n for n in r.notes)
    # AKS: the same VM, the Standard tier's $0.10 a cluster-hour, and engineer time
    fee = opts["aks"].breakdown[1]
    assert (fee.item, fee.usd) == ("cluster fee", 73.0)
    assert opts["aks"].bill_usd == round(vm.usd * 730, 2) + 73.0
    assert "region = 'eastus' (default for AZURE" in " ".join(
        estimate_cost(instance_type="Standard_NC24ads_A100_v4").assumptions
    )


def test_azure_is_compared_when_asked_with_the_same_gpu_in_the_nearest_region() -> None:
    # Frankfurt on AWS -> Germany West Central on Azure; the A10G's class on Azure is the A10
    r = estimate_cost(instance_type="ml.g5.2xlarge", region="eu-central-1",
                      platforms=["sagemaker", "azure-ml"])  # fmt: skip
    azure = _by(r)["azure-ml"]
    (price,) = azure.assumptions
    assert price.region == "germanywestcentral"
    row = catalog().find(azure.instance_type, "germanywestcentral", "on-demand", "azure-vm")[0]
    assert (row.accelerator, row.accelerator_count) == ("a10", 1)


def test_a_commitment_applies_the_providers_documented_ceiling_and_says_where_none_is() -> None:
    r = estimate_cost(instance_type="ml.g5.2xlarge", purchase="committed-3y")
    opts = _by(r)
    # EKS nodes: AWS's page gives up to 72% off for Standard Reserved Instances; the total
    # stays at on-demand prices and the best case comes beside it
    eks = opts["eks"]
    assert eks.commitment is not None and eks.commitment.up_to_pct == 72
    assert eks.commitment.source == "https://aws.amazon.com/ec2/reserved-instances/"
    compute = eks.breakdown[0].usd
    assert eks.commitment.from_usd == pytest.approx(eks.monthly_usd - 0.72 * compute, abs=0.01)
    assert opts["gke"].commitment is not None and opts["gke"].commitment.up_to_pct == 57
    # no published SageMaker or Vertex AI rate reached the snapshot: said, not invented
    assert opts["sagemaker"].commitment is None and opts["vertex"].commitment is None
    assert any("no published rate or discount" in n and "sagemaker, vertex" in n
               for n in r.notes)  # fmt: skip
    azure = estimate_cost(instance_type="Standard_NC24ads_A100_v4", purchase="savings-plan-1y")
    deal = _by(azure)["azure-ml"].commitment
    assert deal is not None and deal.up_to_pct == 65 and "one year saves less" in deal.plan
    with pytest.raises(ValueError, match="purchase"):
        estimate_cost(instance_type="g5.xlarge", purchase="committed-1y", spot=True)
    assert estimate_cost(instance_type="g5.xlarge", purchase="spot").inputs["spot"] is True


def test_the_age_notice_names_the_oldest_price_used_whatever_its_source() -> None:
    # SageMaker's AWS-authored figures are older than the EC2 list: the notice says so
    r = estimate_cost(instance_type="ml.p4d.24xlarge", workload="training", hours_per_month=72)
    dated = sorted(a.as_of[:10] for o in r.options for a in o.assumptions if a.as_of[:4].isdigit())
    (notice,) = [n for n in r.notes if n.startswith("prices as of")]
    assert notice.startswith(f"prices as of {dated[0]},")


def test_spot_on_a_batch_job_says_the_managed_platforms_price_it_on_demand() -> None:
    r = estimate_cost(instance_type="ml.g5.xlarge", mode="batch", spot=True)
    kinds = {o.platform: o.breakdown[0].item for o in r.options}
    assert kinds["eks"].endswith("(spot)") and kinds["sagemaker"].endswith("(on-demand)")
    assert any(n.startswith("SageMaker has spot capacity (managed spot) for training jobs only")
               for n in r.notes)  # fmt: skip


def test_a_real_region_the_snapshot_does_not_price_is_said_so_with_the_same_place_elsewhere() -> (
    None
):
    with pytest.raises(ValueError, match="no AWS prices in sa-east-1.*southamerica-east1"):
        estimate_cost(instance_type="g5.xlarge", region="sa-east-1")


def test_a_bare_instance_is_its_own_bill_with_no_fee_and_no_engineer_time() -> None:
    r = estimate_cost(instance_type="g2-standard-8", region="us-central1",
                      platforms=["compute-engine", "gke"])  # fmt: skip
    opts = _by(r)
    vm = catalog().find("g2-standard-8", "us-central1", "on-demand", "compute-engine")[0].usd
    assert [line.item for line in opts["compute-engine"].breakdown] == [
        "g2-standard-8 compute (on-demand)"]  # fmt: skip
    assert opts["compute-engine"].monthly_usd == round(vm * 730, 2)
    assert opts["gke"].monthly_usd > opts["compute-engine"].monthly_usd + 3000  # fee + people
    # spot on a bare VM applies to any workload spot is allowed for (batch here)
    spot = _by(estimate_cost(instance_type="g5.xlarge", platforms=["ec2"], spot=True,
                             mode="batch"))  # fmt: skip
    assert spot["ec2"].breakdown[0].item.endswith("(spot)")


def test_a_cloud_tpu_slice_is_priced_from_its_own_price_list_row() -> None:
    from assistant.agent.planner import plan
    from assistant.tools.prices import catalog

    (call,) = plan("What would a v5e-8 slice cost in europe-west4 for a 36-hour run?").calls
    assert call.args["instance_type"] == "tpu-v5litepod-8"
    assert call.args["platforms"] == ["compute-engine", "gke"]
    result = estimate_cost(call.args)
    row = next(r for r in catalog().find("tpu-v5litepod-8", "europe-west4")
               if r.purchase == "on-demand")  # fmt: skip
    vm = next(o for o in result.options if o.platform == "compute-engine")
    assert vm.bill_usd == pytest.approx(row.usd * 36, abs=0.01)
    assert {a.source for a in vm.assumptions} == {row.source}
