"""The tools' tables: accelerator specs as sourced and dated data in `knowledge/data/`,
and the user's own prices: `MLINFRA_PRICES` may name a CSV in `PRICE_COLUMNS` whose rows
override the snapshot's (negotiated rates), checked row by row."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.tools.prices import DEFAULT_KNOWLEDGE_DIR, data_folder, override_path

DATA = DEFAULT_KNOWLEDGE_DIR / "data"  # the shipped tables


@dataclass(frozen=True)
class AcceleratorSpec:
    name: str
    vendor: str
    memory_gb: float
    clouds: tuple[str, ...]
    positioned_for: str
    source: str
    as_of: str


def accelerators() -> dict[str, AcceleratorSpec]:
    """The accelerator specs of the knowledge folder in use."""
    return _accelerators(data_folder() / "accelerators.csv")


@lru_cache(maxsize=4)
def _accelerators(path: Path) -> dict[str, AcceleratorSpec]:
    with path.open(newline="") as fh:
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
    """Rows of a price file, checked: every column present on every row, prices finite
    numbers >= 0, spot no dearer than on-demand, a source and a date on every row, no row
    twice. A bad file is a ValueError naming the file and the row (the header is row 1,
    and a row's number is its line in the file). Read once per version of the file: a tool
    looks prices up many times per call."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        if required:
            raise ValueError(f"MLINFRA_PRICES: no such file {path}") from None
        return ()
    except OSError as exc:  # no permission on a folder on the way
        raise ValueError(f"{path}: cannot read the price file ({exc.strerror})") from None
    try:
        return _parse_prices(path, stat.st_mtime_ns, stat.st_size)
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{path}: not a UTF-8 CSV file (undecodable byte at offset {exc.start})"
        ) from None
    except OSError as exc:  # a directory, no permission
        raise ValueError(f"{path}: cannot read the price file ({exc.strerror})") from None


_NUMBERS = ("accelerator_count", "accelerator_memory_gb", "vcpus", "memory_gb")


def _number(row: dict[str, str], column: str, where: str) -> float:
    try:
        value = float(row[column])
    except (TypeError, ValueError):
        raise ValueError(f"{where}: {column} is not a number ({row[column]!r})") from None
    if not math.isfinite(value):
        raise ValueError(f"{where}: {column} is not a number ({row[column]!r})")
    if value < 0:
        raise ValueError(f"{where}: {column} is negative ({value:g})")
    return value


@lru_cache(maxsize=8)
def _parse_prices(path: Path, mtime_ns: int, size: int) -> tuple[dict[str, str], ...]:
    with path.open(newline="", encoding="utf-8-sig") as fh:  # a spreadsheet's BOM is fine
        reader = csv.DictReader(fh)
        try:
            header = reader.fieldnames
            if not header:  # None: no line at all; []: a blank first line
                problem = "empty file" if header is None else "row 1: blank"
                raise ValueError(
                    f"{path}: {problem}; expected a header row: {','.join(PRICE_COLUMNS)}"
                )
            missing = [c for c in PRICE_COLUMNS if c not in header]
            if missing:
                raise ValueError(f"{path}: row 1: missing columns {', '.join(missing)}")
            rows: list[dict[str, str]] = []
            seen: dict[tuple[str, ...], int] = {}
            for row in reader:
                number = reader.line_num  # blank lines count, as in an editor
                where = f"{path}, row {number}"
                extra = row.get(None)  # values past the header
                if extra is not None or None in row.values():  # a short row: None values
                    given = sum(v is not None for k, v in row.items() if k is not None)
                    raise ValueError(
                        f"{where}: {given + len(extra or [])} values, "
                        f"the header has {len(header)} columns"
                    )
                price = _number(row, "usd_per_hour", where)
                if row["spot_usd_per_hour"]:
                    spot = _number(row, "spot_usd_per_hour", where)
                    if spot > price:
                        raise ValueError(
                            f"{where}: spot_usd_per_hour ({spot:g}) is above "
                            f"usd_per_hour ({price:g}); must be 0..usd_per_hour"
                        )
                for column in _NUMBERS:
                    if row[column]:
                        _number(row, column, where)
                if not row["source"].startswith(("http://", "https://")):
                    raise ValueError(f"{where}: source must be a URL")
                if not row["as_of"].strip():
                    raise ValueError(f"{where}: as_of is empty")
                key = tuple(row[k] for k in _KEY)
                if key in seen:
                    raise ValueError(f"{where}: duplicate of row {seen[key]} ({', '.join(key)})")
                seen[key] = number
                rows.append(dict(row))
        except csv.Error as exc:  # e.g. an unclosed quote running on past the field limit
            line = reader.reader.line_num  # where the CSV reader gave up
            raise ValueError(f"{path}, row {line}: not a CSV file ({exc})") from None
        return tuple(rows)


def prices() -> tuple[dict[str, str], ...]:
    """The user's own price rows (`MLINFRA_PRICES`, negotiated rates), validated and read
    once per version of the file; empty when none is set. The shipped prices are the
    snapshot (`assistant.tools.prices`)."""
    override = override_path()
    return _read_prices(override, required=True) if override is not None else ()
