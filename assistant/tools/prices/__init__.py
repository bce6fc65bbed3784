"""The price catalog: typed rows from the providers' own price lists, one shipped
snapshot (`knowledge/data/prices.csv.gz`, see `knowledge/data/PRICES.md`), look-ups by
name, accelerator and region.

    from assistant.tools.prices import catalog
    catalog().find("ml.g5.2xlarge", region="eu-west-1")
    catalog().with_accelerator("h100", count=8, purchase="spot")
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from assistant.tools.prices.row import PURCHASES, SERVICES, PriceRow
from assistant.tools.prices.snapshot import Catalog

__all__ = [
    "PURCHASES", "SERVICES", "Catalog", "PriceFiles", "PriceRow", "cache_dir", "catalog",
    "data_folder", "files", "override_path", "refreshed_dir", "snapshot_path", "staleness",
    "using",
]  # fmt: skip

STALE_DAYS = 90

# The repository's knowledge folder: `assistant.config.DEFAULT_KNOWLEDGE_DIR` (a test holds
# them equal), not imported from there because pydantic-settings costs ~100 ms to import.
DEFAULT_KNOWLEDGE_DIR = Path(__file__).resolve().parents[3] / "knowledge"

SNAPSHOT = "prices.csv.gz"


@dataclass(frozen=True)
class PriceFiles:
    """Where the tools find their prices: the knowledge folder (its `data/` holds the
    shipped snapshot), the data dir (its `prices/` holds refreshed snapshots), a snapshot
    named outright (`MLINFRA_PRICE_SNAPSHOT`) and the user's own rates (`MLINFRA_PRICES`)."""

    knowledge_dir: Path
    data_dir: Path
    snapshot: Path | None = None
    override: Path | None = None


_ACTIVE: ContextVar[PriceFiles | None] = ContextVar("mlinfra_price_files", default=None)


def files() -> PriceFiles:
    """The files in use: those of the `Settings` an `Assistant` is running with (`using`),
    else the environment's."""
    active = _ACTIVE.get()
    if active is not None:
        return active
    snapshot, override = (os.environ.get(f"MLINFRA_{k}") for k in ("PRICE_SNAPSHOT", "PRICES"))
    return PriceFiles(
        knowledge_dir=Path(os.environ.get("MLINFRA_KNOWLEDGE_DIR") or DEFAULT_KNOWLEDGE_DIR),
        data_dir=Path(os.environ.get("MLINFRA_DATA_DIR") or ".mlinfra"),
        snapshot=Path(snapshot) if snapshot else None,
        override=Path(override) if override else None,
    )


@contextmanager
def using(settings: Any) -> Iterator[PriceFiles]:
    """Run the tools inside with the price files of `settings` (an `assistant.config.Settings`):
    `Assistant(knowledge_dir=..., prices=..., price_snapshot=...)` moves them."""
    token = _ACTIVE.set(
        PriceFiles(
            knowledge_dir=Path(settings.knowledge_dir),
            data_dir=Path(settings.data_dir),
            snapshot=settings.price_snapshot,
            override=settings.prices,
        )
    )
    try:
        yield _ACTIVE.get()  # type: ignore[misc]
    finally:
        _ACTIVE.reset(token)


def data_folder() -> Path:
    """The folder of the tools' tables: `data/` in the knowledge folder in use when it has
    one (a folder of guidance alone uses the shipped tables)."""
    folder = files().knowledge_dir / "data"
    return folder if (folder / SNAPSHOT).exists() else DEFAULT_KNOWLEDGE_DIR / "data"


def override_path() -> Path | None:
    """The user's own price file (`MLINFRA_PRICES`), if one is set."""
    return files().override


def refreshed_dir() -> Path:
    """Where `mlinfra prices refresh` and `import` write dated snapshots: `prices/` in the
    data dir (`MLINFRA_DATA_DIR`, default `.mlinfra`)."""
    return files().data_dir / "prices"


def newest_dated(folder: Path) -> Path | None:
    """The newest `prices-YYYY-MM-DD.csv.gz` a refresh or import wrote in `folder`."""
    dated = sorted(Path(folder).glob("prices-[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9].csv.gz"))
    return dated[-1] if dated else None


def snapshot_path() -> Path:
    """The snapshot in use: `MLINFRA_PRICE_SNAPSHOT` if set; else the newest snapshot a
    refresh or import wrote (`refreshed_dir()`); else the shipped one in the knowledge
    folder's `data/` (`MLINFRA_KNOWLEDGE_DIR`, or the repository's)."""
    named = files().snapshot
    if named is not None:
        return named
    newest = newest_dated(refreshed_dir())
    if newest is not None:
        return newest
    return data_folder() / SNAPSHOT


def cache_dir() -> Path:
    """Where the catalog keeps the pre-built form of the snapshots it reads (`cache.py`):
    `cache/` in the data dir, never committed."""
    return files().data_dir / "cache"


def catalog() -> Catalog:
    """The catalog of the snapshot in use, loaded on first use and again when it changes,
    from its pre-built form in `cache_dir()` when that is sound."""
    return Catalog.open(snapshot_path(), cache_dir())


def staleness(dates: list[str], today: date | None = None) -> str | None:
    """A notice when the oldest of the price dates used (`YYYY-MM-DD`, maybe followed by
    words) is more than `STALE_DAYS` old."""
    parsed = []
    for text in dates:
        try:
            parsed.append(date.fromisoformat(str(text)[:10]))
        except ValueError:
            continue
    if not parsed:
        return None
    oldest, now = min(parsed), today or date.today()
    age = (now - oldest).days
    if age <= STALE_DAYS:
        return None
    return (f"prices as of {oldest.isoformat()}, {age} days ago: list prices change, so check "
            "the provider's page, or refresh the snapshot")  # fmt: skip
