"""Where `estimate_cost` takes its unit prices from.

- EC2 and Compute Engine instances: the price snapshot (`assistant.tools.prices`, every
  region, on-demand and spot, from the providers' price lists);
- SageMaker, Vertex AI, the cluster fees and SageMaker Serverless: the sourced table
  `knowledge/data/prices.csv` (us-east-1 and us-central1). A SageMaker instance in another
  region, or one the table lacks, is an estimate: the EC2 price of the same instance in
  that region times the SageMaker-to-EC2 ratio measured in us-east-1 (the instance's own,
  else its family's), flagged, with its formula;
- rows of the user's own `MLINFRA_PRICES` file come first, wherever they apply.

A price row here is a plain dict in the table's columns (`instance_type`, `usd_per_hour`,
`spot_usd_per_hour`, `accelerator`, `accelerator_count`, `vcpus`, `source`, `as_of`), plus
`region`, and `estimate` and `formula` for an estimate.
"""

from __future__ import annotations

import re
import statistics

from assistant.tools.catalog import _read_prices, prices
from assistant.tools.prices import catalog as snapshot
from assistant.tools.prices import override_path
from assistant.tools.prices.row import PriceRow

DEFAULT_REGION = {"aws": "us-east-1", "gcp": "us-central1"}
SNAPSHOT_SERVICE = {"ec2": "ec2", "compute_engine": "compute-engine"}
TABLE_REGION = DEFAULT_REGION  # the regions the sourced table's managed rows are for
EQUIVALENT_ACCELERATOR = {"a10g": "l4"}  # no A10G on Google Cloud; L4 is the same class
# The nearest region of the other cloud, for a cross-cloud comparison (same metro or
# country where both have one; https://aws.amazon.com/about-aws/global-infrastructure/
# regions_az/ and https://cloud.google.com/about/locations).
NEAREST = {
    "us-east-1": "us-east4", "us-east-2": "us-east5", "us-west-1": "us-west2",
    "us-west-2": "us-west1", "ca-central-1": "northamerica-northeast1",
    "sa-east-1": "southamerica-east1", "eu-west-1": "europe-west1", "eu-west-2": "europe-west2",
    "eu-west-3": "europe-west9", "eu-central-1": "europe-west3", "eu-central-2": "europe-west6",
    "eu-north-1": "europe-north1", "eu-south-1": "europe-west8", "eu-south-2": "europe-southwest1",
    "ap-northeast-1": "asia-northeast1", "ap-northeast-2": "asia-northeast3",
    "ap-northeast-3": "asia-northeast2", "ap-southeast-1": "asia-southeast1",
    "ap-southeast-2": "australia-southeast1", "ap-southeast-3": "asia-southeast2",
    "ap-south-1": "asia-south1", "ap-south-2": "asia-south2", "ap-east-1": "asia-east2",
    "me-central-1": "me-central1", "il-central-1": "me-west1", "af-south-1": "africa-south1",
}  # fmt: skip
NEAREST |= {gcp: aws for aws, gcp in list(NEAREST.items())}
ARM = re.compile(r"[a-z]+\d+g[a-z]*\.|t2a-")  # Graviton (c7g, m7g, g5g) and Tau T2A: not x86


def _num(row: dict[str, str] | dict[str, object], key: str) -> float | None:
    try:
        value = row.get(key, "")
        return float(value) if value not in ("", None) else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def override_rows() -> tuple[dict[str, str], ...]:
    named = override_path()
    return _read_prices(named, required=True) if named is not None else ()


def table_row(service: str, instance_type: str, region: str | None = None) -> dict[str, str] | None:
    """A row of the sourced table (the user's file first), in `region` if given."""
    for row in prices():
        if (
            row.get("service") == service
            and row.get("instance_type") == instance_type
            and (region is None or row.get("region") == region)
        ):
            return row
    return None


def _as_table_row(on_demand: PriceRow, spot: PriceRow | None) -> dict[str, str]:
    return {
        "provider": on_demand.provider,
        "service": "ec2" if on_demand.service == "ec2" else "compute_engine",
        "instance_type": on_demand.sku,
        "region": on_demand.region,
        "usd_per_hour": repr(on_demand.usd),
        "spot_usd_per_hour": repr(spot.usd) if spot is not None else "",
        "accelerator": on_demand.accelerator or "none",
        "accelerator_count": repr(on_demand.accelerator_count),
        "vcpus": repr(on_demand.vcpus) if on_demand.vcpus is not None else "",
        "memory_gb": repr(on_demand.memory_gb) if on_demand.memory_gb is not None else "",
        "source": on_demand.source,
        "as_of": on_demand.source_version,
        "spot_source": spot.source if spot is not None else "",
    }


def instance_row(service: str, name: str, region: str) -> dict[str, str] | None:
    """An EC2 or Compute Engine instance in `region`: the user's file, else the snapshot,
    else the sourced table."""
    for row in override_rows():
        if (row.get("service"), row.get("instance_type"), row.get("region")) == (
            service, name, region):  # fmt: skip
            return row
    rows = snapshot().find(name, region, service=SNAPSHOT_SERVICE[service])
    on_demand = next((r for r in rows if r.purchase == "on-demand"), None)
    if on_demand is not None:
        spot = next((r for r in rows if r.purchase == "spot"), None)
        return _as_table_row(on_demand, spot)
    return table_row(service, name, region)


def known_provider(name: str) -> str | None:
    """'aws' or 'gcp' for an instance type either source knows (without `ml.`)."""
    for user in override_rows():
        if user.get("instance_type") == name and user.get("service") in SNAPSHOT_SERVICE:
            return str(user["provider"])
    for priced in snapshot().find(name):
        if priced.service in ("ec2", "compute-engine"):
            return priced.provider
    listed = table_row("ec2", name) or table_row("compute_engine", name)
    return str(listed["provider"]) if listed else None


def regions_with(service: str, name: str) -> list[str]:
    """Regions that price `name`, cheapest on-demand first."""
    rows = snapshot().find(name, purchase="on-demand", service=SNAPSHOT_SERVICE[service])
    found = list(dict.fromkeys(r.region for r in rows))
    extra = [r["region"] for r in (*override_rows(), *prices())
             if r.get("service") == service and r.get("instance_type") == name]  # fmt: skip
    return list(dict.fromkeys(found + extra))


def known_regions(provider: str) -> list[str]:
    regions = set(snapshot().regions(provider))
    regions |= {r["region"] for r in (*override_rows(), *prices()) if r.get("provider") == provider}
    return sorted(regions)


def equivalent(
    row: dict[str, str], provider: str, region: str, stated: bool = True
) -> tuple[dict[str, str] | None, str]:
    """The other cloud's instance with the same accelerator and count (CPU: the nearest
    vCPU count and memory, same architecture), in the nearest region to a `stated` one
    (else the other cloud's default region), else the cheapest region that has one; and a
    note when it is not in that region."""
    target = "compute_engine" if provider == "aws" else "ec2"
    other = "gcp" if provider == "aws" else "aws"
    near = NEAREST.get(region, DEFAULT_REGION[other]) if stated else DEFAULT_REGION[other]
    acc = row.get("accelerator", "none") or "none"
    count = _num(row, "accelerator_count") or 0
    user = [r for r in override_rows()
            if r.get("service") == target and r.get("region") in (near, "", None)]  # fmt: skip
    if acc != "none":
        similar = {EQUIVALENT_ACCELERATOR.get(acc, acc)}
        similar |= {k for k, v in EQUIVALENT_ACCELERATOR.items() if v == acc}
        for wanted in ({acc}, similar):
            for r in user:
                if r.get("accelerator") in wanted and (_num(r, "accelerator_count") or 0) == count:
                    return r, ""
            for where in (near, None):
                rows = [r for name in wanted for r in snapshot().with_accelerator(
                            name, count, where, "on-demand")
                        if r.service == SNAPSHOT_SERVICE[target] and r.unit == "hour"
                        and r.accelerator in wanted]  # fmt: skip
                if rows:
                    best = min(rows, key=lambda r: (r.usd, r.region))
                    note = (
                        ""
                        if where
                        else (
                            f"no {int(count)} x {acc} instance on {other.upper()} in {near}: "
                            f"compared with {best.sku} in {best.region}, its cheapest region"
                        )
                    )
                    return instance_row(target, best.sku, best.region), note  # fmt: skip
        return None, ""
    vcpus = _num(row, "vcpus") or 0
    cpus = [r for r in user if (r.get("accelerator") or "none") == "none" and _num(r, "vcpus")]
    if cpus:
        best_user = min(cpus, key=lambda r: (abs((_num(r, "vcpus") or 0) - vcpus),
                                             _num(r, "usd_per_hour") or 0))  # fmt: skip
        return best_user, ""
    memory = _num(row, "memory_gb") or 0
    rows = [r for r in snapshot().of_service(SNAPSHOT_SERVICE[target])
            if r.unit == "hour" and not r.accelerator
            and r.purchase == "on-demand" and r.region == near and r.vcpus
            and not ARM.match(r.sku)]  # fmt: skip
    if not rows:
        return None, ""
    best = min(rows, key=lambda r: (abs((r.vcpus or 0) - vcpus),
                                    abs((r.memory_gb or 0) - memory), r.usd, r.sku))  # fmt: skip
    return instance_row(target, best.sku, best.region), ""


def sagemaker_row(ec2: dict[str, str], component: str = "hosting") -> dict[str, object] | None:
    """SageMaker's price for the `ml.` twin of an EC2 row and the `component` (hosting,
    training, batch-transform): the user's file, else AWS's own figure in the snapshot,
    else the sourced table, for that region; else an estimate from the EC2 price there."""
    name, region = f"ml.{ec2['instance_type']}", ec2.get("region", DEFAULT_REGION["aws"])
    for row in override_rows():
        if (row.get("service"), row.get("instance_type"), row.get("region")) == (
            "sagemaker", name, region):  # fmt: skip
            return dict(row)
    own = _sagemaker_listed(name, region, component)
    if own is not None:
        return own
    listed = table_row("sagemaker", name, region)
    if listed is not None:
        return dict(listed)
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
    wherever AWS lists both (the snapshot's figures first, else the sourced table's in
    us-east-1)."""

    def ratios(instance: str) -> list[tuple[float, str]]:
        out = []
        for sm in snapshot().find(f"ml.{instance}", purchase="on-demand", service="sagemaker"):
            ec2 = instance_row("ec2", instance, sm.region) if sm.component == component else None
            base = _num(ec2, "usd_per_hour") if ec2 else None
            if base:
                out.append((sm.usd / base, sm.region))
        if not out:
            region = TABLE_REGION["aws"]
            sm_row = table_row("sagemaker", f"ml.{instance}", region)
            ec2 = instance_row("ec2", instance, region) if known_provider(instance) else None
            a = _num(sm_row, "usd_per_hour") if sm_row else None
            b = _num(ec2, "usd_per_hour") if ec2 else None
            if a and b:
                out.append((a / b, region))
        return out

    own = ratios(name)
    if own:
        return own[0][0], f"ml.{name} over {name} in {own[0][1]}"
    family = name.split(".")[0]
    twins = {r.sku[3:] for r in snapshot().of_service("sagemaker")
             if r.sku.startswith(f"ml.{family}.")}  # fmt: skip
    twins |= {r["instance_type"][3:] for r in prices()
              if r.get("service") == "sagemaker"
              and r["instance_type"].startswith(f"ml.{family}.")}  # fmt: skip
    found = [x for twin in sorted(twins) for x, _ in ratios(twin)]
    if not found:
        return None, ""
    return statistics.median(
        found
    ), f"the {family} family's SageMaker/EC2 ratio, {len(found)} prices"


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
    for row in override_rows():
        if (row.get("service"), row.get("instance_type"), row.get("region")) == (
            "vertex_ai", name, region):  # fmt: skip
            return dict(row)
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
    parts = name.split("-")
    for prefix in dict.fromkeys(("-".join(parts[:2]) + "-", parts[0] + "-")):
        found = []
        for vx in snapshot().of_service("vertex-ai"):
            if vx.unit != "hour" or vx.component != "prediction" or not vx.sku.startswith(prefix):
                continue
            same = snapshot().find(vx.sku, vx.region, "on-demand", service="compute-engine")
            ce = [r for r in same if r.unit == "hour"]
            if ce:
                found.append(vx.usd / ce[0].usd)
        if found:
            what = prefix.rstrip("-")
            return statistics.median(found), (
                f"the {what} machines' Vertex AI/Compute Engine ratio, {len(found)} prices"
            )
    return None, ""
