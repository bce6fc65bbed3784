"""Azure VM prices from the Retail Prices API, every page (`NextPageLink`) followed.

- pay-as-you-go Linux prices an hour (`priceType eq 'Consumption'`; items whose
  productName says Windows left out), on-demand and spot (skuName "... Spot"); Low
  Priority (the old Batch spot) left out;
- the sizes the shipped snapshot covers: the NC, ND and NV GPU series and the current D,
  E and F CPU sizes (`skypilot.AZURE_CPU`);
- the API gives no vCPUs, memory or GPUs: a refresh takes them from the previous row of
  the same size; `source_version` is the newest item's effectiveStartDate.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from assistant.tools.prices.row import PriceRow
from assistant.tools.prices.skypilot import AZURE_CPU, SOURCES

if TYPE_CHECKING:
    from assistant.tools.prices.refresh import Source

API = "https://prices.azure.com/api/retail/prices"
FILTER = "serviceName eq 'Virtual Machines' and priceType eq 'Consumption'"
GPU_SERIES = re.compile(r"Standard_N[CDV]\w+")
MAX_PAGES = 10_000
ITEM_FIELDS: dict[str, type | tuple[type, ...]] = {
    "armSkuName": str, "armRegionName": str, "retailPrice": (int, float), "unitOfMeasure": str,
    "productName": str, "skuName": str,
}  # fmt: skip


def first_page(region: str | None = None) -> str:
    text = FILTER + (f" and armRegionName eq '{region}'" if region else "")
    return f"{API}?$filter={quote(text)}"


def kept(name: str) -> bool:
    return bool(GPU_SERIES.fullmatch(name) or AZURE_CPU.fullmatch(name))


def azure_rows(source: Source, regions: list[str] | None, fetched: str) -> list[PriceRow]:
    found: list[dict[str, Any]] = []
    for region in regions or [""]:
        found += _pages(source, first_page(region), region)
    version = max((f["since"] for f in found if f["since"]), default=fetched)
    return [PriceRow(provider="azure", service="azure-vm", sku=f["sku"], region=f["region"],
                     purchase=f["purchase"], unit="hour", usd=f["usd"], source=SOURCES["azure"],
                     source_version=version, fetched=fetched)
            for f in found]  # fmt: skip


def _pages(source: Source, url: str, region: str) -> list[dict[str, Any]]:
    found = []
    seen: set[str] = set()
    link: str | None = url
    while link:
        if link in seen:
            raise source.error(link, "NextPageLink leads back to a page already read")
        if len(seen) >= MAX_PAGES:
            raise source.error(link, f"more than {MAX_PAGES} pages; stopped")
        seen.add(link)
        source.note(f"azure: {region or 'all regions'}, page {len(seen)}")
        doc = source.get_json(link)
        items = source.field(doc, "Items", list, link)
        if "NextPageLink" not in doc or not isinstance(doc["NextPageLink"], str | None):
            raise source.error(link, "no 'NextPageLink' (a link or null) in the page")
        for number, item in enumerate(items):
            made = _item(source, link, number, item, region)
            if made is not None:
                found.append(made)
        link = doc["NextPageLink"]
    return found


def _item(source: Source, url: str, number: int, item: Any, region: str) -> dict[str, Any] | None:
    if not isinstance(item, dict):
        raise source.error(url, f"item {number} is not an object")
    for name, kind in ITEM_FIELDS.items():
        if not isinstance(item.get(name), kind) or isinstance(item.get(name), bool):
            raise source.error(url, f"item {number} has no {name}")
    sku, product, sku_name = item["armSkuName"], item["productName"], item["skuName"]
    if "Windows" in product or "Low Priority" in sku_name or item["unitOfMeasure"] != "1 Hour":
        return None
    if not kept(sku) or item["retailPrice"] <= 0:
        return None
    if region and item["armRegionName"] != region:
        return None
    return {"sku": sku, "region": item["armRegionName"], "usd": float(item["retailPrice"]),
            "purchase": "spot" if "Spot" in sku_name else "on-demand",
            "since": str(item.get("effectiveStartDate") or "")[:10]}  # fmt: skip
