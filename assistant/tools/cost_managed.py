"""The managed platforms' prices for `estimate_cost`: SageMaker and Vertex AI from the
providers' figures in the snapshot where published, else flagged estimates with their
formula; Azure ML at the VM's price (Microsoft adds no surcharge).

A price row here is a plain dict, as in `cost_prices`.
"""

from __future__ import annotations

import statistics

from assistant.tools.cost_prices import (
    DEFAULT_REGION,
    _num,
    instance_row,
    table_row,
)
from assistant.tools.prices import catalog as snapshot
from assistant.tools.prices.row import PriceRow


def sagemaker_row(ec2: dict[str, str], component: str = "hosting") -> dict[str, object] | None:
    """SageMaker's price for the `ml.` twin of an EC2 row and the `component` (hosting,
    training, batch-transform): the user's file, else AWS's own figure in the snapshot,
    for that region; else an estimate from the EC2 price there."""
    name, region = f"ml.{ec2['instance_type']}", ec2.get("region", DEFAULT_REGION["aws"])
    mine = table_row("sagemaker", name, region)
    if mine is not None:
        return dict(mine)
    own = _sagemaker_listed(name, region, component)
    if own is not None:
        return own
    ec2_price = _num(ec2, "usd_per_hour")
    ratio, basis = _sagemaker_ratio(ec2["instance_type"], component)
    if ec2_price is None or ratio is None:
        return None
    usd = round(ec2_price * ratio, 4)
    return {
        "instance_type": name,
        "region": region,
        "usd_per_hour": usd,
        "spot_usd_per_hour": "",
        "source": ec2["source"],
        "as_of": ec2["as_of"],
        "estimate": True,
        "formula": f"EC2 {ec2['instance_type']} in {region} ${ec2_price:g}/h x {ratio:.3f} "
                   f"({basis}) = ${usd:g}/h",
    }  # fmt: skip


def _sagemaker_listed(name: str, region: str, component: str) -> dict[str, object] | None:
    rows = [r for r in snapshot().find(name, region, "on-demand", service="sagemaker")
            if r.component == component]  # fmt: skip
    if not rows:
        return None
    row = rows[0]
    return {"instance_type": row.sku, "region": row.region, "usd_per_hour": row.usd,
            "spot_usd_per_hour": "", "source": row.source, "as_of": row.source_version}  # fmt: skip


def _sagemaker_ratio(name: str, component: str = "hosting") -> tuple[float | None, str]:
    """SageMaker's price over EC2's for this instance, else the median over its family,
    wherever AWS lists both in the snapshot: for this component, else for any (AWS prices
    most instances alike for hosting and training)."""

    def ratios(instance: str, part: str | None) -> list[tuple[float, str]]:
        out = []
        for sm in snapshot().find(f"ml.{instance}", purchase="on-demand", service="sagemaker"):
            if part is not None and sm.component != part:
                continue
            ec2 = instance_row("ec2", instance, sm.region)
            base = _num(ec2, "usd_per_hour") if ec2 else None
            if base:
                out.append((sm.usd / base, sm.region))
        return out

    family = name.split(".")[0]
    twins = sorted({r.sku[3:] for r in snapshot().of_service("sagemaker")
                    if r.sku.startswith(f"ml.{family}.")})  # fmt: skip
    for part in (component, None):
        what = f"{component} prices" if part else "prices of any component"
        own = ratios(name, part)
        if own:
            return own[0][0], f"ml.{name} over {name} in {own[0][1]}, {what}"
        found = [x for twin in twins for x, _ in ratios(twin, part)]
        if found:
            return statistics.median(found), (
                f"the {family} family's SageMaker/EC2 ratio, {len(found)} {what}"
            )
    return None, ""


def spot_factor(ec2: dict[str, str]) -> float | None:
    """EC2's spot price over its on-demand price for this instance and region."""
    on_demand, spot = _num(ec2, "usd_per_hour"), _num(ec2, "spot_usd_per_hour")
    return spot / on_demand if on_demand and spot is not None and spot <= on_demand else None


def vertex_row(gce: dict[str, str], component: str) -> dict[str, object] | None:
    """Vertex AI's price for the Compute Engine machine of `gce` and the `component`
    (training, prediction): the user's file, else Google's figure in the snapshot for that
    region; for training without one, the machine's prediction price (Google's two tables
    agree where both are published), flagged; else an estimate from the Compute Engine
    price times the family's Vertex-to-Compute-Engine ratio, flagged, with its formula."""
    name, region = gce["instance_type"], gce.get("region", DEFAULT_REGION["gcp"])
    mine = table_row("vertex_ai", name, region)
    if mine is not None:
        return dict(mine)
    listed = _vertex_listed(name, region)
    if component in listed:
        return _as_plain(listed[component])
    if component == "training" and "prediction" in listed:
        served = listed["prediction"]
        return dict(_as_plain(served), estimate=True,
                    formula=f"Vertex AI's prediction price for {name} in {region}, "
                            f"${served.usd:g}/h: Google's training table for it is not in the "
                            "snapshot (the two tables agree where both are: n1-standard-4 in "
                            "us-central1, $0.21849885 and $0.2186)")  # fmt: skip
    ce_price = _num(gce, "usd_per_hour")
    ratio, basis = _vertex_ratio(name)
    if ce_price is None or ratio is None:
        return None
    usd = round(ce_price * ratio, 4)
    return {"instance_type": name, "region": region, "usd_per_hour": usd,
            "spot_usd_per_hour": "", "source": gce["source"], "as_of": gce["as_of"],
            "estimate": True,
            "formula": f"Compute Engine {name} in {region} ${ce_price:g}/h x {ratio:.3f} "
                       f"({basis}) = ${usd:g}/h"}  # fmt: skip


def _vertex_listed(name: str, region: str) -> dict[str, PriceRow]:
    rows = snapshot().find(name, region, "on-demand", service="vertex-ai")
    return {r.component: r for r in rows if r.unit == "hour"}


def _as_plain(row: PriceRow) -> dict[str, object]:
    return {"instance_type": row.sku, "region": row.region, "usd_per_hour": row.usd,
            "spot_usd_per_hour": "", "source": row.source, "as_of": row.source_version}  # fmt: skip


def _vertex_ratio(name: str) -> tuple[float | None, str]:
    """Vertex AI's prediction price over Compute Engine's for machines of this family
    (n1-standard, g2-standard, a2-highgpu, ...), else of its series (n1, c3, ...): the
    median over every machine and region where Google publishes both."""
    book, parts = snapshot(), name.split("-")
    for prefix in dict.fromkeys(("-".join(parts[:2]) + "-", parts[0] + "-")):
        found = []
        for vx in book.of_service("vertex-ai"):
            if vx.unit != "hour" or vx.component != "prediction" or not vx.sku.startswith(prefix):
                continue
            same = book.find(vx.sku, vx.region, "on-demand", service="compute-engine")
            ce = [r for r in same if r.unit == "hour"]
            if ce:
                found.append(vx.usd / ce[0].usd)
        if found:
            what = prefix.rstrip("-")
            return statistics.median(found), (
                f"the {what} machines' Vertex AI/Compute Engine ratio, {len(found)} prices"
            )
    return None, ""


# Microsoft: "Azure Machine Learning does not add any surcharge on top of the cost of the
# virtual machines backing your compute cluster."
AZURE_ML_SOURCE = ("https://github.com/MicrosoftDocs/architecture-center/blob/"
                   "b630c4da02ae2e7d078b8ecd2548b0cfbb61a527/docs/reference-architectures/ai/"
                   "mlops-python-content.md")  # fmt: skip


def azure_ml_row(vm: dict[str, str]) -> dict[str, object]:
    """Azure ML compute: the VM's own price (Microsoft adds no surcharge for Azure ML);
    its low-priority VMs are not priced here, so no spot."""
    return dict(vm, spot_usd_per_hour="")


AZURE_ML_NOTE = (f"Azure ML is priced at its VM's list price: Microsoft adds no surcharge "
                 f"for Azure ML compute ({AZURE_ML_SOURCE}); its low-priority VMs are not "
                 "in the snapshot")  # fmt: skip
