"""The guidance never quotes an hourly price that contradicts the price catalog: every USD
hourly figure a knowledge document gives next to an instance the catalog prices is within
5% of the catalog's price for it, unless the text marks the figure as historical."""

from __future__ import annotations

import re

from conftest import KNOWLEDGE

from assistant.tools.catalog import prices
from assistant.tools.prices import catalog

INSTANCE = re.compile(
    r"\b((?:ml\.)?[a-z]{1,4}\d[a-z0-9-]*\.(?:\d*x?large|metal)"
    r"|[a-z]\d[a-z]?-(?:standard|highgpu|ultragpu|megagpu|highmem|highcpu|edgegpu)-\d+g?"
    r"|Standard_[A-Za-z0-9_]+)\b"
)
AMOUNT = re.compile(r"\$\s?(\d[\d,]*(?:\.\d+)?)|(\d[\d,]*(?:\.\d+)?)\s?USD")
HOURLY = re.compile(r"\b(per hour|an hour|a hour|hourly)\b|/h\b", re.I)
HISTORICAL = re.compile(r"\b(before|until|prior to|used to|previously|formerly|was|were)\b")
REGION = re.compile(r"\b([a-z]{2,12}-[a-z]+-?\d)\b")
TOLERANCE = 0.05


def catalog_prices(name: str, region: str | None) -> list[float]:
    """Every on-demand price the catalog gives `name` (in `region` when one is named)."""
    managed = name.lower().startswith("ml.")  # a SageMaker price, never EC2's
    found = [r.usd for r in catalog().find(name, region, "on-demand")
             if (r.service == "sagemaker") == managed]  # fmt: skip
    found += [float(r["usd_per_hour"]) for r in prices()
              if r["instance_type"].lower() == name.lower()
              and (region is None or r["region"] == region)]  # fmt: skip
    return found


def quoted_prices() -> list[tuple[str, str, float, str]]:
    """(file, instance, USD an hour, sentence) for each hourly figure next to an instance."""
    out = []
    for path in sorted(KNOWLEDGE.glob("*.md")):
        for paragraph in re.split(r"\n\s*\n", path.read_text()):
            flat = " ".join(paragraph.split())
            for sentence in re.split(r"(?<=[.;])\s+(?=[A-Z(])", flat):
                if not HOURLY.search(sentence):
                    continue
                for clause in re.split(r",\s+(?:while|and|but)\s+|;\s+", sentence):
                    names = [m for m in INSTANCE.finditer(clause)
                             if catalog_prices(m.group(1), None)]  # fmt: skip
                    for amount in AMOUNT.finditer(clause):
                        if (
                            not names
                            or not HOURLY.match(clause, amount.end() + 1)
                            and not HOURLY.search(clause[amount.end() : amount.end() + 20])
                        ):
                            continue  # a monthly or yearly figure  # fmt: skip
                        nearest = min(names, key=lambda m: abs(m.start() - amount.start()))
                        value = float((amount.group(1) or amount.group(2)).replace(",", ""))
                        out.append((path.name, nearest.group(1), value, clause))
    return out


def test_the_check_finds_the_hourly_figures_the_guidance_quotes() -> None:
    found = {(name, value) for _, name, value, _ in quoted_prices()}
    assert ("trn1.32xlarge", 21.50) in found and ("ml.g5.xlarge", 1.4084) in found


def test_no_quoted_hourly_price_contradicts_the_catalog() -> None:
    wrong = []
    for file, name, value, clause in quoted_prices():
        if HISTORICAL.search(clause):
            continue
        region = next(iter(REGION.findall(clause)), None)
        known = catalog_prices(name, region) or catalog_prices(name, None)
        if not any(abs(value - price) <= TOLERANCE * price for price in known):
            wrong.append(f"{file}: {name} at ${value:g}/h, catalog {sorted(set(known))[:4]}: "
                         f"{clause[:120]}")  # fmt: skip
    assert not wrong, "\n".join(wrong)
