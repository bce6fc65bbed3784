"""Price rows from catalogs in SkyPilot's format: the CSVs SkyPilot's fetchers build from
the AWS Price List, the Google Cloud Billing Catalog and the Azure Retail Prices API.

What the conversion does, and why:
- one row per instance type, region and purchase option (on-demand, spot); where the
  source has a row per zone, the on-demand price is the zones' lowest and the spot price
  their median (spot prices move hourly: one day's figure, and the row says so);
- Compute Engine prices a GPU machine as its VM (CPU and memory) plus its GPUs: an
  accelerator-optimized machine's row is the two added, with the sum as its formula; a
  GPU that attaches to N1 is a row of its own (`gpu-hour`);
- a Cloud TPU row is a slice (`tpu-v5litepod-8`), with its chip count (v5p and v4 names
  count TensorCores, two per chip);
- dropped, each with its reason in the build log: zero or placeholder prices (700.0),
  spot above on-demand, and outliers (a per-accelerator price below 0.6x or above 1.8x
  the median of the same SKU across regions, where at least three regions price it).
"""

from __future__ import annotations

import ast
import csv
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from assistant.tools.prices.row import PriceRow

PLACEHOLDER_USD = 700.0
OUTLIER_LOW, OUTLIER_HIGH = 0.6, 1.8

SOURCES = {
    "aws": "https://aws.amazon.com/ec2/pricing/on-demand/",
    "aws-spot": "https://aws.amazon.com/ec2/spot/pricing/",
    "gcp": "https://cloud.google.com/compute/all-pricing",
    "gcp-gpu": "https://cloud.google.com/compute/gpus-pricing",
    "gcp-tpu": "https://cloud.google.com/tpu/pricing",
    "azure": "https://azure.microsoft.com/pricing/details/virtual-machines/linux/",
}

# The providers' accelerator names -> our ids (knowledge/data/accelerators.csv).
ACCELERATORS = {
    "a10g": "a10g", "l4": "l4", "t4": "t4", "t4g": "t4g", "l40s": "l40s", "h100": "h100",
    "h100-mega": "h100", "h200": "h200", "b200": "b200", "b300": "b300", "a100": "a100-40gb",
    "a100-80gb": "a100-80gb", "v100": "v100", "v100-32gb": "v100-32gb", "p4": "p4",
    "p100": "p100", "a10": "a10", "m60": "m60", "mi25": "mi25", "mi300x": "mi300x",
    "inferentia": "inferentia", "inferentia2": "inferentia2", "trainium": "trainium",
    "trainium2": "trainium2", "radeon pro v520": "v520", "gaudi hl-205": "gaudi",
}  # fmt: skip
# Compute Engine: the GPU SKU names Google uses (`gcloud compute accelerator-types list`).
GCP_GPU_SKUS = {
    "T4": "nvidia-tesla-t4", "L4": "nvidia-l4", "A100": "nvidia-tesla-a100",
    "A100-80GB": "nvidia-a100-80gb", "H100": "nvidia-h100-80gb",
    "H100-MEGA": "nvidia-h100-mega-80gb", "V100": "nvidia-tesla-v100", "P4": "nvidia-tesla-p4",
    "P100": "nvidia-tesla-p100",
}  # fmt: skip
# Accelerator-optimized machine types and the GPUs they come with
# (https://cloud.google.com/compute/docs/accelerator-optimized-machines).
G2_GPUS = {"4": 1, "8": 1, "12": 1, "16": 1, "24": 2, "32": 1, "48": 4, "96": 8}
TPU_CHIPS_PER_UNIT = {"v5litepod": 1.0, "v6e": 1.0, "v5p": 0.5, "v4": 0.5, "v3": 0.5, "v2": 0.5}
MEMORY_GB = {"h100": 80, "h200": 141, "a100-80gb": 80, "a100-40gb": 40, "l4": 24, "t4": 16,
             "v100": 16, "p4": 8, "p100": 16}  # fmt: skip


def gcp_gpus(machine: str) -> tuple[str, int] | None:
    """The GPU name and count a Compute Engine machine type comes with, if any."""
    m = re.fullmatch(r"(a2|a3)-(highgpu|megagpu|ultragpu|edgegpu)-(\d+)g(?:-nolssd)?", machine)
    if m:
        family, kind, count = m.group(1), m.group(2), int(m.group(3))
        name = {("a2", "highgpu"): "A100", ("a2", "megagpu"): "A100",
                ("a2", "ultragpu"): "A100-80GB", ("a3", "highgpu"): "H100",
                ("a3", "edgegpu"): "H100", ("a3", "megagpu"): "H100-MEGA",
                ("a3", "ultragpu"): "H200"}[(family, kind)]  # fmt: skip
        return name, count
    m = re.fullmatch(r"g2-standard-(\d+)", machine)
    if m and m.group(1) in G2_GPUS:
        return "L4", G2_GPUS[m.group(1)]
    m = re.fullmatch(r"a4-highgpu-(\d+)g", machine)
    return ("B200", int(m.group(1))) if m else None


def _float(text: str | None) -> float | None:
    try:
        value = float(text) if text not in (None, "") else None
    except ValueError:
        return None
    return value if value is not None and value > 0 else None


def _gpu_memory(info: str) -> float | None:
    """Memory per GPU in GB from SkyPilot's GpuInfo cell (a Python dict literal)."""
    try:
        data = ast.literal_eval(info) if info and info.startswith("{") else None
    except (ValueError, SyntaxError):
        return None
    gpus = (data or {}).get("Gpus") or []
    mib = (gpus[0].get("MemoryInfo") or {}).get("SizeInMiB") if gpus else None
    return round(mib / 1024, 1) if mib else None


def _accelerator(name: str) -> str:
    return ACCELERATORS.get(name.strip().lower(), name.strip().lower()) if name else ""


# ---------------------------------------------------------------------------- AWS


def aws_rows(by_region: Path, per_zone: Path | None, version: str, fetched: str,
             log: list[str]) -> list[PriceRow]:  # fmt: skip
    """EC2 from `aws_ec2_ml_by_region.csv` (memory per GPU from the per-zone file)."""
    memory: dict[str, float | None] = {}
    if per_zone is not None and per_zone.exists():
        with per_zone.open(newline="") as fh:
            for r in csv.DictReader(fh):
                memory.setdefault(r["InstanceType"], _gpu_memory(r.get("GpuInfo", "")))
    out = []
    with by_region.open(newline="") as fh:
        for r in csv.DictReader(fh):
            common: dict[str, Any] = dict(
                provider="aws", service="ec2", sku=r["InstanceType"], region=r["Region"],
                unit="hour", vcpus=_float(r["vCPUs"]), memory_gb=_float(r["MemoryGiB"]),
                accelerator=_accelerator(r["AcceleratorName"]),
                accelerator_count=_float(r["AcceleratorCount"]) or 0.0,
                accelerator_memory_gb=memory.get(r["InstanceType"]),
                source_version=version, fetched=fetched,
            )  # fmt: skip
            on_demand = _float(r["OnDemandUSDPerHour"])
            if on_demand is None:
                log.append(f"aws {r['InstanceType']} {r['Region']}: no on-demand price")
            else:
                out.append(PriceRow(purchase="on-demand", usd=on_demand, source=SOURCES["aws"],
                                    **common))  # fmt: skip
            spot = _float(r["SpotMedianUSDPerHour"])
            if spot is not None and (on_demand is None or spot <= on_demand):
                out.append(PriceRow(
                    purchase="spot", usd=spot, source=SOURCES["aws-spot"],
                    formula=f"median across {r['Zones']} zones of one day's spot prices "
                            f"(lowest {r['SpotMinUSDPerHour']})",
                    **common))  # fmt: skip
            elif spot is not None:
                log.append(f"aws {r['InstanceType']} {r['Region']}: spot above on-demand")
    return out


# ---------------------------------------------------------------------------- GCP


def gcp_rows(path: Path, version: str, fetched: str, log: list[str]) -> list[PriceRow]:
    """Compute Engine machine types (GPU machines priced VM + GPUs), GPUs, Cloud TPU."""
    zones: dict[tuple[str, str, str], list[tuple[float, float | None]]] = defaultdict(list)
    spec: dict[tuple[str, str], tuple[float | None, float | None]] = {}
    with path.open(newline="") as fh:
        for r in csv.DictReader(fh):
            price = _float(r["Price"])
            if price is None or price == PLACEHOLDER_USD:
                log.append(
                    f"gcp {r['InstanceType'] or r['AcceleratorName']} {r['Region']} "
                    f"{r['AvailabilityZone']}: placeholder or missing price {r['Price']!r}"
                )
                continue  # fmt: skip
            if r["InstanceType"]:
                key = ("vm", r["InstanceType"], r["Region"])
                spec[("vm", r["InstanceType"])] = (_float(r["vCPUs"]), _float(r["MemoryGiB"]))
            else:
                count = r["AcceleratorCount"] or "1"
                key = ("acc", f"{r['AcceleratorName']}:{count}", r["Region"])
            zones[key].append((price, _float(r["SpotPrice"])))
    regional: dict[tuple[str, str, str], tuple[float, float | None]] = {}
    for key, seen in zones.items():
        on_demand = min(p for p, _ in seen)
        spots = [s for _, s in seen if s is not None]
        spot = statistics.median(spots) if spots else None
        if spot is not None and spot > on_demand:
            log.append(
                f"gcp {key[1]} {key[2]}: spot {spot:g} above on-demand {on_demand:g}, left out"
            )
            continue  # fmt: skip
        regional[key] = (on_demand, spot)
    regional = _drop_outliers(regional, log)
    out: list[PriceRow] = []
    stamp: dict[str, Any] = dict(source_version=version, fetched=fetched)
    for (kind, name, region), (on_demand, spot) in sorted(regional.items()):
        options = [("on-demand", on_demand), ("spot", spot)]
        if kind == "vm":
            vcpus, memory = spec[("vm", name)]
            gpus = gcp_gpus(name)
            extra, formula = 0.0, ""
            acc: tuple[str, int, float | None] = ("", 0, None)
            gpu: tuple[float, float | None] = (0.0, None)
            if gpus is not None:
                found = regional.get(("acc", f"{gpus[0]}:{gpus[1]}", region))
                if found is None:
                    log.append(f"gcp {name} {region}: no {gpus[1]} x {gpus[0]} price, left out")
                    continue
                gpu = found
                acc_id = _accelerator(gpus[0])
                acc = (acc_id, gpus[1], MEMORY_GB.get(acc_id))
            for purchase, usd in options:
                if usd is None:
                    continue
                if gpus is not None:
                    part = gpu[0] if purchase == "on-demand" else gpu[1]
                    if part is None:
                        continue
                    extra = part
                    formula = f"VM {usd:g} + {gpus[1]} x {gpus[0]} {part:g}"
                out.append(PriceRow(
                    provider="gcp", service="compute-engine", sku=name, region=region,
                    purchase=purchase, unit="hour", usd=round(usd + extra, 6), vcpus=vcpus,
                    memory_gb=memory, accelerator=acc[0], accelerator_count=acc[1],
                    accelerator_memory_gb=acc[2], source=SOURCES["gcp"], formula=formula, **stamp,
                ))  # fmt: skip
            continue
        accelerator, count = name.split(":")
        if accelerator.startswith("tpu-"):
            m = re.fullmatch(r"tpu-(v\d+\w*?)-(\d+)", accelerator)
            if not m:
                log.append(f"gcp {accelerator}: unrecognised TPU name, left out")
                continue
            generation, units = m.group(1), int(m.group(2))
            chips = units * TPU_CHIPS_PER_UNIT.get(generation, 1.0)
            acc_id = "tpu-v5e" if generation == "v5litepod" else f"tpu-{generation}"
            for purchase, usd in options:
                if usd is not None:
                    out.append(PriceRow(
                        provider="gcp", service="cloud-tpu", sku=accelerator, region=region,
                        purchase=purchase, unit="hour", usd=usd, accelerator=acc_id,
                        accelerator_count=chips, source=SOURCES["gcp-tpu"], **stamp,
                    ))  # fmt: skip
        elif count == "1" and accelerator in GCP_GPU_SKUS:
            acc_id = _accelerator(accelerator)
            for purchase, usd in options:
                if usd is not None:
                    out.append(PriceRow(
                        provider="gcp", service="compute-engine", sku=GCP_GPU_SKUS[accelerator],
                        region=region, purchase=purchase, unit="gpu-hour", usd=usd,
                        accelerator=acc_id, accelerator_count=1,
                        accelerator_memory_gb=MEMORY_GB.get(acc_id), source=SOURCES["gcp-gpu"],
                        **stamp,
                    ))  # fmt: skip
    return out


def _per_unit(name: str) -> tuple[str, float]:
    """An accelerator row's key (`H100-MEGA:8`, `tpu-v5litepod-8:1`) -> (our accelerator
    id, how many GPUs or TPU chips its price is for)."""
    accelerator, count = name.split(":")
    m = re.fullmatch(r"tpu-(v\d+\w*?)-(\d+)", accelerator)
    if m:
        generation = m.group(1)
        acc_id = "tpu-v5e" if generation == "v5litepod" else f"tpu-{generation}"
        return acc_id, int(m.group(2)) * TPU_CHIPS_PER_UNIT.get(generation, 1.0)
    return _accelerator(accelerator), float(count or 1)


def _drop_outliers(
    regional: dict[tuple[str, str, str], tuple[float, float | None]], log: list[str]
) -> dict[tuple[str, str, str], tuple[float, float | None]]:
    """Leave out accelerator prices far from the median price per GPU or chip of the same
    accelerator (all its SKUs and counts) across regions."""
    by_accelerator: dict[str, list[float]] = defaultdict(list)
    spot_by_accelerator: dict[str, list[float]] = defaultdict(list)
    for (kind, name, _), (usd, spot) in regional.items():
        if kind == "acc":
            acc_id, units = _per_unit(name)
            by_accelerator[acc_id].append(usd / units)
            if spot is not None:
                spot_by_accelerator[acc_id].append(spot / units)
    kept: dict[tuple[str, str, str], tuple[float, float | None]] = {}
    for key, (usd, spot) in regional.items():
        if key[0] == "acc":
            acc_id, units = _per_unit(key[1])
            if _outlier(usd / units, by_accelerator[acc_id]):
                log.append(
                    f"gcp {key[1]} {key[2]}: {usd / units:g} per unit is an outlier "
                    f"against the {acc_id} median {statistics.median(by_accelerator[acc_id]):g}"
                    f" over {len(by_accelerator[acc_id])} prices, left out"
                )
                continue  # fmt: skip
            if spot is not None and _outlier(spot / units, spot_by_accelerator[acc_id]):
                log.append(
                    f"gcp {key[1]} {key[2]}: spot {spot / units:g} per unit is an outlier "
                    f"against the {acc_id} spot median "
                    f"{statistics.median(spot_by_accelerator[acc_id]):g}, spot left out"
                )
                spot = None  # fmt: skip
        kept[key] = (usd, spot)
    return kept


def _outlier(value: float, prices: list[float]) -> bool:
    if len(prices) < 3:
        return False
    median = statistics.median(prices)
    return not OUTLIER_LOW * median <= value <= OUTLIER_HIGH * median


# ---------------------------------------------------------------------------- Azure

AZURE_CPU = re.compile(r"Standard_(?:D\d+a?s_v[56]|E\d+a?s_v[56]|F\d+s_v2)")


def azure_rows(path: Path, version: str, fetched: str, log: list[str]) -> list[PriceRow]:
    """Azure VMs: the NC, ND and NV GPU series and common D, E and F CPU sizes."""
    out = []
    with path.open(newline="") as fh:
        for r in csv.DictReader(fh):
            name = r["InstanceType"]
            gpu = bool(r["AcceleratorName"]) and re.match(r"Standard_N[CDV]", name)
            if not gpu and not AZURE_CPU.fullmatch(name):
                continue
            on_demand, spot = _float(r["Price"]), _float(r["SpotPrice"])
            if on_demand is None:
                log.append(f"azure {name} {r['Region']}: no pay-as-you-go price")
                continue
            acc_id = _accelerator(r["AcceleratorName"]) if gpu else ""
            common: dict[str, Any] = dict(
                provider="azure", service="azure-vm", sku=name, region=r["Region"], unit="hour",
                vcpus=_float(r["vCPUs"]), memory_gb=_float(r["MemoryGiB"]), accelerator=acc_id,
                accelerator_count=_float(r["AcceleratorCount"]) or 0.0 if gpu else 0.0,
                accelerator_memory_gb=MEMORY_GB.get(acc_id), source=SOURCES["azure"],
                source_version=version, fetched=fetched,
            )  # fmt: skip
            out.append(PriceRow(purchase="on-demand", usd=on_demand, **common))
            if spot is not None and spot <= on_demand:
                out.append(PriceRow(purchase="spot", usd=spot, **common))
    return out


def convert(
    folder: Path, version: str, fetched: str, aws_version: str | None = None
) -> tuple[list[PriceRow], list[str]]:
    """Every row from the SkyPilot-format catalogs in `folder` that are there, and the log
    of what was left out and why; `aws_version` dates the AWS file where it differs."""
    folder = Path(folder)
    log: list[str] = []
    rows: list[PriceRow] = []
    if (folder / "aws_ec2_ml_by_region.csv").exists():
        rows += aws_rows(folder / "aws_ec2_ml_by_region.csv", folder / "aws_ec2_ml.csv",
                         aws_version or version, fetched, log)  # fmt: skip
    if (folder / "gcp_vms.csv").exists():
        rows += gcp_rows(folder / "gcp_vms.csv", version, fetched, log)
    if (folder / "azure_vms.csv").exists():
        rows += azure_rows(folder / "azure_vms.csv", version, fetched, log)
    return dedupe(rows, log), log


def dedupe(rows: Iterable[PriceRow], log: list[str]) -> list[PriceRow]:
    seen: dict[tuple[str, ...], PriceRow] = {}
    for row in rows:
        if row.key in seen:
            log.append(f"{row.provider} {row.sku} {row.region} {row.purchase}: twice, first kept")
            continue
        seen[row.key] = row
    return list(seen.values())
