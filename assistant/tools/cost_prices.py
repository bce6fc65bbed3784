"""Where `estimate_cost` takes its unit prices from.

- EC2, Compute Engine and Azure VM instances: the price snapshot (`assistant.tools.prices`,
  every region, on-demand and spot, from the providers' price lists);
- the managed platforms (SageMaker, Vertex AI, Azure ML): `cost_managed`;
- rows of the user's own `MLINFRA_PRICES` file come first, wherever they apply.

A price row here is a plain dict in the user file's columns (`instance_type`, `usd_per_hour`,
`spot_usd_per_hour`, `accelerator`, `accelerator_count`, `vcpus`, `source`, `as_of`), plus
`region`, and `estimate` and `formula` for an estimate.
"""

from __future__ import annotations

import re

from assistant.tools.catalog import prices as override_rows  # the user's own rates
from assistant.tools.prices import catalog as snapshot
from assistant.tools.prices.row import PriceRow
from assistant.tools.regions import DEFAULT_REGION, nearest

SNAPSHOT_SERVICE = {"ec2": "ec2", "compute_engine": "compute-engine", "azure_vm": "azure-vm"}
TABLE_SERVICE = {v: k for k, v in SNAPSHOT_SERVICE.items()}  # the snapshot's name -> ours
TABLE_SERVICE["cloud-tpu"] = "compute_engine"  # a TPU slice runs as a TPU VM on Compute Engine


def snapshot_service(service: str, name: str) -> str:
    """The snapshot's service for an instance of ours: a Cloud TPU slice ("tpu-v5litepod-8")
    is priced from Cloud TPU's rows."""
    if service == "compute_engine" and name.lower().startswith("tpu-"):
        return "cloud-tpu"
    return SNAPSHOT_SERVICE[service]


SERVICE_OF = {"aws": "ec2", "gcp": "compute_engine", "azure": "azure_vm"}  # instances
# Where a cloud lacks an accelerator, the same class it has (A10G is AWS's; Google has L4,
# Azure the A10)
EQUIVALENT_ACCELERATOR = {"a10g": {"gcp": "l4", "azure": "a10"}, "l4": {"aws": "a10g"},
                          "a10": {"aws": "a10g", "gcp": "l4"}}  # fmt: skip
# Graviton (c7g, m7g, g5g), Tau T2A and Azure's Arm sizes (D4ps_v5): not x86
ARM = re.compile(r"[a-z]+\d+g[a-z]*\.|t2a-|standard_[a-z]+\d+[a-z]*p[a-z]*_", re.I)


def _num(row: dict[str, str] | dict[str, object], key: str) -> float | None:
    try:
        value = row.get(key, "")
        return float(value) if value not in ("", None) else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def table_row(service: str, instance_type: str, region: str | None = None) -> dict[str, str] | None:
    """A row of the user's own price file, in `region` if given."""
    for row in override_rows():
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
        "service": TABLE_SERVICE[on_demand.service],
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
    """An EC2, Compute Engine or Azure VM instance in `region`: the user's file, else the
    snapshot."""
    mine = table_row(service, name, region)
    if mine is not None:
        return mine
    rows = snapshot().find(name, region, service=snapshot_service(service, name))
    on_demand = next((r for r in rows if r.purchase == "on-demand"), None)
    if on_demand is None:
        return None
    spot = next((r for r in rows if r.purchase == "spot"), None)
    return _as_table_row(on_demand, spot)


def known_provider(name: str) -> str | None:
    """'aws', 'gcp' or 'azure' for an instance type a source knows (without `ml.`)."""
    for user in override_rows():
        if user.get("instance_type") == name and user.get("service") in SNAPSHOT_SERVICE:
            return str(user["provider"])
    for priced in snapshot().find(name):
        if priced.service in SNAPSHOT_SERVICE.values() or priced.service == "cloud-tpu":
            return priced.provider
    return None


def regions_with(service: str, name: str) -> list[str]:
    """Regions that price `name`, cheapest on-demand first."""
    rows = snapshot().find(name, purchase="on-demand", service=snapshot_service(service, name))
    found = list(dict.fromkeys(r.region for r in rows))
    extra = [r["region"] for r in override_rows()
             if r.get("service") == service and r.get("instance_type") == name]  # fmt: skip
    return list(dict.fromkeys(found + extra))


def known_regions(provider: str) -> list[str]:
    regions = set(snapshot().regions(provider))
    regions |= {r["region"] for r in override_rows() if r.get("provider") == provider}
    return sorted(regions)


def equivalent(
    row: dict[str, str], provider: str, region: str, stated: bool = True, other: str | None = None
) -> tuple[dict[str, str] | None, str]:
    """The `other` cloud's instance (default: AWS for Google Cloud, else Google Cloud) with
    the same accelerator and count (CPU: the nearest vCPU count and memory, same
    architecture), in the nearest region to a `stated` one (else that cloud's default
    region), else the cheapest region that has one; and a note when it is not in that
    region."""
    other = other or ("gcp" if provider != "gcp" else "aws")
    target = SERVICE_OF[other]
    near = (nearest(region, other) or DEFAULT_REGION[other]) if stated else DEFAULT_REGION[other]
    acc = row.get("accelerator", "none") or "none"
    count = _num(row, "accelerator_count") or 0
    user = [r for r in override_rows()
            if r.get("service") == target and r.get("region") in (near, "", None)]  # fmt: skip
    if acc != "none":
        similar = {acc, EQUIVALENT_ACCELERATOR.get(acc, {}).get(other, acc)}
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
