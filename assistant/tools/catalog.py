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


PRICE_COLUMNS = (
    "provider",
    "service",
    "instance_type",
    "region",
    "usd_per_hour",
    "spot_usd_per_hour",
    "accelerator",
    "accelerator_count",
    "accelerator_memory_gb",
    "vcpus",
    "memory_gb",
    "unit",
    "source",
    "as_of",
)
_KEY = ("provider", "service", "instance_type", "region")


def _read_prices(path: Path, required: bool = False) -> tuple[dict[str, str], ...]:
    """Rows of a price file, checked: every column present, prices numbers >= 0, spot no
    dearer than on-demand, a source and a date on every row, no row twice. A bad file is a
    ValueError naming the file and the row (the header is row 1). Read once per version of
    the file: a tool looks prices up many times per call."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        if required:
            raise ValueError(f"MLINFRA_PRICES: no such file {path}") from None
        return ()
    return _parse_prices(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _parse_prices(path: Path, mtime_ns: int, size: int) -> tuple[dict[str, str], ...]:
    with path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in PRICE_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing columns {', '.join(missing)}")
        rows: list[dict[str, str]] = []
        seen: dict[tuple[str, ...], int] = {}
        for number, row in enumerate(reader, start=2):
            where = f"{path}, row {number}"
            try:
                price = float(row["usd_per_hour"])
            except (TypeError, ValueError):
                raise ValueError(f"{where}: usd_per_hour is not a number") from None
            if price < 0:
                raise ValueError(f"{where}: usd_per_hour is negative ({price})")
            if row.get("spot_usd_per_hour"):
                try:
                    spot = float(row["spot_usd_per_hour"])
                except ValueError:
                    raise ValueError(f"{where}: spot_usd_per_hour is not a number") from None
                if spot < 0 or spot > price:
                    raise ValueError(f"{where}: spot_usd_per_hour must be 0..usd_per_hour")
            if not (row.get("source") or "").startswith(("http://", "https://")):
                raise ValueError(f"{where}: source must be a URL")
            if not row.get("as_of"):
                raise ValueError(f"{where}: as_of is empty")
            key = tuple(row[k] for k in _KEY)
            if key in seen:
                raise ValueError(f"{where}: duplicate of row {seen[key]} ({', '.join(key)})")
            seen[key] = number
            rows.append(dict(row))
        return tuple(rows)


def prices() -> list[dict[str, str]]:
    """Price rows: the shipped catalog, with rows of `MLINFRA_PRICES` overriding the entries
    of the same provider, service, instance type and region."""
    rows = list(_read_prices(DATA / "prices.csv"))
    override = os.environ.get("MLINFRA_PRICES")
    if override:
        mine = _read_prices(Path(override), required=True)
        replaced = {tuple(r.get(k, "") for k in _KEY) for r in mine}
        rows = [r for r in rows if tuple(r.get(k, "") for k in _KEY) not in replaced]
        rows.extend(mine)
    return rows
