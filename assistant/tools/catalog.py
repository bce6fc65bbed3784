"""The tools' tables: accelerator specs and cloud prices, as sourced and dated data in
`knowledge/data/`. `MLINFRA_PRICES` may name a CSV of the same shape whose rows override
the shipped ones (negotiated rates)."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.config import DEFAULT_KNOWLEDGE_DIR

DATA = DEFAULT_KNOWLEDGE_DIR / "data"


@dataclass(frozen=True)
class AcceleratorSpec:
    name: str
    vendor: str
    memory_gb: float
    clouds: tuple[str, ...]
    positioned_for: str
    source: str
    as_of: str


@lru_cache(maxsize=1)
def accelerators() -> dict[str, AcceleratorSpec]:
    with (DATA / "accelerators.csv").open(newline="") as fh:
        return {
            row["accelerator"]: AcceleratorSpec(
                name=row["accelerator"],
                vendor=row["vendor"],
                memory_gb=float(row["memory_gb"]),
                clouds=tuple(row["clouds"].split(";")),
                positioned_for=row["positioned_for"],
                source=row["source"],
                as_of=row["as_of"],
            )
            for row in csv.DictReader(fh)
        }


def _read_prices(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="") as fh:
        return [dict(row) for row in csv.DictReader(fh)]


def prices() -> list[dict[str, str]]:
    """Price rows: the shipped catalog, with rows of `MLINFRA_PRICES` overriding the entries
    of the same provider, service, instance type and region."""
    rows = _read_prices(DATA / "prices.csv")
    override = os.environ.get("MLINFRA_PRICES")
    if override:
        key = ("provider", "service", "instance_type", "region")
        mine = _read_prices(Path(override))
        replaced = {tuple(r.get(k, "") for k in key) for r in mine}
        rows = [r for r in rows if tuple(r.get(k, "") for k in key) not in replaced] + mine
    return rows
