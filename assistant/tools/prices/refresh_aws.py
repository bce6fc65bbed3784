"""AWS prices from the Price List bulk API: the offer's `region_index.json`, then each
region's offer file.

- EC2 (`AmazonEC2`): one on-demand row per instance type and region, for Linux, shared
  tenancy, no pre-installed software, capacity status Used, the on-demand market (not
  Capacity Blocks), in the region itself (Local and Wavelength Zones left out);
- SageMaker (`AmazonSageMaker`, when asked): one row per `ml.` instance, component
  (`hosting`, `training`, `batch-transform`, ...) and region;
- the families the shipped snapshot covers: the accelerated ones (g, gr, p, inf, trn,
  dl) and the CPU families below;
- the bulk files list no spot prices, and an offer file is large (us-east-1's EC2 file
  is several hundred MB of JSON, parsed in memory).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from assistant.tools.prices.row import PriceRow
from assistant.tools.prices.skypilot import SOURCES

if TYPE_CHECKING:
    from assistant.tools.prices.refresh import Source

INDEX = "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/{offer}/current/region_index.json"
EC2, SAGEMAKER = "AmazonEC2", "AmazonSageMaker"
SAGEMAKER_SOURCE = "https://aws.amazon.com/sagemaker/pricing/"
ACCELERATED = re.compile(r"(g|gr|p|inf|trn|dl)\d[a-z0-9]*(-[a-z0-9]+)?")
CPU_FAMILIES = frozenset("c5 c6i c7g c7i m5 m6i m7g m7i r5 r6i".split())
HOURS = ("hrs", "hr", "hours", "hour")


def kept(instance: str) -> bool:
    """Whether an instance type (`g5.xlarge`, `ml.g5.xlarge`) is in a covered family."""
    family = instance.removeprefix("ml.").split(".")[0]
    return family in CPU_FAMILIES or ACCELERATED.fullmatch(family) is not None


def aws_rows(
    source: Source, regions: list[str] | None, fetched: str, sagemaker: bool = False
) -> list[PriceRow]:
    rows = _offer(source, EC2, regions, fetched)
    if sagemaker:
        rows += _offer(source, SAGEMAKER, regions, fetched)
    return rows


def _offer(source: Source, offer: str, regions: list[str] | None, fetched: str) -> list[PriceRow]:
    index_url = INDEX.format(offer=offer)
    listed = source.field(source.get_json(index_url), "regions", dict, index_url)
    wanted = list(regions) if regions else sorted(listed)
    missing = [r for r in wanted if r not in listed]
    if missing:
        known = ", ".join(sorted(listed)) or "no region"
        raise source.error(index_url, f"no {offer} price list for {', '.join(missing)} "
                                      f"(it lists {known})")  # fmt: skip
    rows: list[PriceRow] = []
    for number, region in enumerate(wanted, start=1):
        entry = listed[region]
        path = entry.get("currentVersionUrl") if isinstance(entry, dict) else None
        if not isinstance(path, str) or not path:
            raise source.error(index_url, f"region {region} has no currentVersionUrl")
        source.note(f"aws: {offer} {region} ({number}/{len(wanted)})")
        rows += _region(source, urljoin(index_url, path), offer, region, fetched)
    return rows


def _region(source: Source, url: str, offer: str, region: str, fetched: str) -> list[PriceRow]:
    doc = source.get_json(url)
    products = source.field(doc, "products", dict, url)
    terms = source.field(source.field(doc, "terms", dict, url), "OnDemand", dict, url)
    version = str(doc.get("publicationDate", ""))[:10]
    if not re.fullmatch(r"\d{4}-\d\d-\d\d", version):
        raise source.error(url, "no publicationDate (YYYY-MM-DD...) in the offer file")
    make = _ec2 if offer == EC2 else _sagemaker
    out = []
    for sku, product in products.items():
        attributes = product.get("attributes") if isinstance(product, dict) else None
        if not isinstance(attributes, dict):
            raise source.error(url, f"product {sku} has no attributes")
        fields = make(attributes, region)
        if fields is None:
            continue
        usd = _hourly(source, url, sku, terms.get(sku))
        if usd is None:
            source.log.append(f"aws {fields['sku']} {region}: no hourly on-demand price")
            continue
        out.append(PriceRow(provider="aws", region=region, purchase="on-demand", unit="hour",
                            usd=usd, source_version=version, fetched=fetched,
                            **fields))  # fmt: skip
    return out


def _hourly(source: Source, url: str, sku: str, terms: Any) -> float | None:
    """The lowest positive hourly price of a product's on-demand terms."""
    if terms is None:
        return None
    if not isinstance(terms, dict):
        raise source.error(url, f"terms.OnDemand.{sku} is not an object")
    prices = []
    for term in terms.values():
        dimensions = term.get("priceDimensions") if isinstance(term, dict) else None
        if not isinstance(dimensions, dict):
            raise source.error(url, f"the on-demand term of {sku} has no priceDimensions")
        for dimension in dimensions.values():
            try:
                unit, usd = str(dimension["unit"]), float(dimension["pricePerUnit"]["USD"])
            except (TypeError, KeyError, ValueError):
                raise source.error(
                    url, f"a price of {sku} has no unit or pricePerUnit.USD"
                ) from None
            if unit.lower() in HOURS and 0 < usd < float("inf"):
                prices.append(usd)
    return min(prices) if prices else None


def _number(text: Any) -> float | None:
    """`"16 GiB"` -> 16.0, `"1,952 GiB"` -> 1952.0, `"NA"` -> None."""
    m = re.match(r"\s*([\d,]*\.?\d+)", str(text or ""))
    value = float(m.group(1).replace(",", "")) if m else None
    return value if value else None


def _ec2(attributes: dict[str, Any], region: str) -> dict[str, Any] | None:
    wanted = {"operatingSystem": "Linux", "tenancy": "Shared", "preInstalledSw": "NA",
              "capacitystatus": "Used"}  # fmt: skip
    if any(attributes.get(k) != v for k, v in wanted.items()):
        return None
    if attributes.get("marketoption", "OnDemand") != "OnDemand":
        return None
    name = attributes.get("instanceType")
    if (
        attributes.get("regionCode", region) != region
        or not isinstance(name, str)
        or not kept(name)
    ):
        return None
    return dict(service="ec2", sku=name, source=SOURCES["aws"],
                vcpus=_number(attributes.get("vcpu")), memory_gb=_number(attributes.get("memory")),
                accelerator_count=_number(attributes.get("gpu")) or 0.0)  # fmt: skip


def _sagemaker(attributes: dict[str, Any], region: str) -> dict[str, Any] | None:
    name, component = attributes.get("instanceName"), attributes.get("component")
    if not isinstance(name, str) or not name.startswith("ml.") or not kept(name):
        return None
    if not isinstance(component, str) or not component.strip():
        return None
    if attributes.get("regionCode", region) != region:
        return None
    return dict(service="sagemaker", sku=name, component="-".join(component.lower().split()),
                source=SAGEMAKER_SOURCE, vcpus=_number(attributes.get("vCpu")),
                memory_gb=_number(attributes.get("memory")),
                accelerator_count=_number(attributes.get("gpu")) or 0.0)  # fmt: skip
