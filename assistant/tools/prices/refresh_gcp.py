"""Google Compute Engine prices: SkyPilot's published catalog, or with an API key the
Cloud Billing Catalog.

Without a key: SkyPilot's `gcp/vms.csv` (regenerated daily from the Cloud Billing
Catalog), converted by `skypilot.gcp_rows` as the shipped snapshot was: machine types
(GPU machines as VM + GPUs), GPUs, Cloud TPU slices, on-demand and spot, outliers and
placeholders left out. The file carries no date: `source_version` is the day it was read.

With a key (`MLINFRA_GCP_API_KEY`): the Compute Engine SKUs (service 6F81-5844-456A),
every page (`nextPageToken`) followed, of which only the GPU SKUs are mapped: one
`gpu-hour` row per GPU, region (each of `serviceRegions`) and purchase (usageType
OnDemand -> on-demand, Preemptible -> spot), the price the last tier's unitPrice (units +
nanos). Not mapped, so their rows carry over from the previous snapshot: machine types
(the catalog prices vCPUs and memory per unit; a machine's price is a composition, and
an a2/a3/g2 machine's row adds its GPUs' old price), Cloud TPU (another service),
commitments (Commit1Yr, Commit3Yr), Virtual Workstation GPUs, DWS and other
parenthesised GPU SKUs, and GPUs SkyPilot has no Compute Engine name for (H200, B200,
RTX 6000, ...). The key is sent in the URL and shown as REDACTED in every message.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from assistant.tools.prices import skypilot
from assistant.tools.prices.row import PriceRow

if TYPE_CHECKING:
    from assistant.tools.prices.refresh import Source

SKYPILOT_CSV = (
    "https://raw.githubusercontent.com/skypilot-org/skypilot-catalog/master/catalogs/v8/gcp/vms.csv"
)
SKYPILOT_COLUMNS = ("InstanceType", "vCPUs", "MemoryGiB", "AcceleratorName", "AcceleratorCount",
                    "Region", "AvailabilityZone", "Price", "SpotPrice")  # fmt: skip
BILLING = "https://cloudbilling.googleapis.com/v1/services/6F81-5844-456A/skus"
GPU_SKU = re.compile(
    r"(?:Nvidia )?(?:Tesla )?(?P<gpu>T4|L4|P4|P100|V100|A100|A100 80GB|H100 80GB"
    r"|H100 80GB Mega|H100 80GB Plus) GPU (?:attached to Spot Preemptible VMs )?running in [^()]+"
)
NAMES = {"A100 80GB": "A100-80GB", "H100 80GB": "H100", "H100 80GB Mega": "H100-MEGA",
         "H100 80GB Plus": "H100-MEGA"}  # fmt: skip
USAGE = {"OnDemand": "on-demand", "Preemptible": "spot"}
MAX_PAGES = 1_000


def gcp_rows(
    source: Source, regions: list[str] | None, fetched: str, api_key: str | None = None
) -> list[PriceRow]:
    if api_key:
        return _billing(source, regions, fetched, api_key)
    return _skypilot(source, regions, fetched)


def _skypilot(source: Source, regions: list[str] | None, fetched: str) -> list[PriceRow]:
    source.note("gcp: SkyPilot's Compute Engine catalog")
    body = source.get(SKYPILOT_CSV)
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise source.error(SKYPILOT_CSV, f"not a UTF-8 CSV file ({exc})") from None
    header = next(csv.reader(io.StringIO(text)), [])
    missing = [c for c in SKYPILOT_COLUMNS if c not in header]
    if missing:
        raise source.error(SKYPILOT_CSV, f"not a SkyPilot catalog: no column {', '.join(missing)}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "vms.csv"
        path.write_text(text, encoding="utf-8")
        try:
            rows = skypilot.gcp_rows(path, fetched, fetched, source.log)
        except (KeyError, ValueError, TypeError, csv.Error) as exc:
            raise source.error(SKYPILOT_CSV, f"not a SkyPilot catalog ({exc!r})") from None
    return [r for r in rows if regions is None or r.region in regions]


def _billing(source: Source, regions: list[str] | None, fetched: str, key: str) -> list[PriceRow]:
    best: dict[tuple[str, str, str], float] = {}
    dates: list[str] = []
    unmapped = 0
    token, tokens = "", set[str]()
    for page in range(1, MAX_PAGES + 1):
        url = f"{BILLING}?key={quote(key, safe='')}" + (
            f"&pageToken={quote(token, safe='')}" if token else ""
        )
        source.note(f"gcp: Cloud Billing Catalog, page {page}")
        doc = source.get_json(url)
        for number, sku in enumerate(source.field(doc, "skus", list, url)):
            found = _gpu(source, url, number, sku)
            if found is None:
                unmapped += _is_gpu(sku)
                continue
            name, purchase, usd, effective, served = found
            dates.append(effective)
            for region in served:
                if regions is None or region in regions:
                    slot = (name, region, purchase)
                    best[slot] = min(usd, best.get(slot, usd))
        token = doc.get("nextPageToken") or ""
        if not isinstance(token, str):
            raise source.error(url, "nextPageToken is not a string")
        if not token:
            break
        if token in tokens:
            raise source.error(url, "nextPageToken repeats a page already read")
        tokens.add(token)
    else:
        raise source.error(BILLING, f"more than {MAX_PAGES} pages; stopped")
    if unmapped:
        source.log.append(f"gcp: {unmapped} GPU SKUs not mapped (commitments, workstation, "
                          "DWS, or no Compute Engine name)")  # fmt: skip
    version = max(dates, default=fetched)
    out = []
    for (name, region, purchase), usd in sorted(best.items()):
        accelerator = skypilot.ACCELERATORS.get(name.lower(), name.lower())
        out.append(PriceRow(
            provider="gcp", service="compute-engine", sku=skypilot.GCP_GPU_SKUS[name],
            region=region, purchase=purchase, unit="gpu-hour", usd=usd, accelerator=accelerator,
            accelerator_count=1, accelerator_memory_gb=skypilot.MEMORY_GB.get(accelerator),
            source=skypilot.SOURCES["gcp-gpu"], source_version=version, fetched=fetched,
        ))  # fmt: skip
    return out


def _is_gpu(sku: Any) -> int:
    return int(isinstance(sku, dict) and (sku.get("category") or {}).get("resourceGroup") == "GPU")


def _gpu(
    source: Source, url: str, number: int, sku: Any
) -> tuple[str, str, float, str, list[str]] | None:
    """A GPU SKU's (GPU name, purchase, USD an hour, effective date, regions), or None."""
    if not isinstance(sku, dict):
        raise source.error(url, f"SKU {number} is not an object")
    description, category = sku.get("description"), sku.get("category")
    if not isinstance(description, str) or not isinstance(category, dict):
        raise source.error(url, f"SKU {number} has no description or category")
    m = GPU_SKU.fullmatch(description.strip())
    purchase = USAGE.get(str(category.get("usageType")))
    if category.get("resourceGroup") != "GPU" or m is None or purchase is None:
        return None
    served = sku.get("serviceRegions")
    try:
        info = sku["pricingInfo"][0]
        expression = info["pricingExpression"]
        price = expression["tieredRates"][-1]["unitPrice"]
        usd = int(price.get("units") or 0) + int(price.get("nanos") or 0) / 1e9
        unit = expression["usageUnit"]
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        what = "pricingInfo[0].pricingExpression with tieredRates[-1].unitPrice, usageUnit"
        raise source.error(url, f"SKU {description!r} has no {what}") from None
    if not isinstance(served, list) or not all(isinstance(r, str) for r in served):
        raise source.error(url, f"SKU {description!r} has no serviceRegions list")
    if unit != "h" or usd <= 0:
        source.log.append(f"gcp {description}: priced {usd:g} per {unit!r}, not per hour; left out")
        return None
    effective = str(info.get("effectiveTime") or "")[:10]
    return NAMES.get(m["gpu"], m["gpu"]), purchase, round(usd, 9), effective, served
