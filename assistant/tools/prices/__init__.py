"""The price catalog: typed rows from the providers' own price lists, one shipped
snapshot (`knowledge/data/prices.csv.gz`, see `knowledge/data/PRICES.md`), look-ups by
name, accelerator and region.

    from assistant.tools.prices import catalog
    catalog().find("ml.g5.2xlarge", region="eu-west-1")
    catalog().with_accelerator("h100", count=8, purchase="spot")
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from assistant.config import DEFAULT_KNOWLEDGE_DIR
from assistant.tools.prices.row import PURCHASES, SERVICES, PriceRow
from assistant.tools.prices.snapshot import Catalog

__all__ = [
    "PURCHASES", "SERVICES", "Catalog", "PriceRow", "catalog", "refreshed_dir", "snapshot_path",
    "staleness",
]  # fmt: skip

STALE_DAYS = 90

SNAPSHOT = "prices.csv.gz"


def refreshed_dir() -> Path:
    """Where `mlinfra prices refresh` and `import` write dated snapshots: `prices/` in the
    data dir (`MLINFRA_DATA_DIR`, default `.mlinfra`)."""
    return Path(os.environ.get("MLINFRA_DATA_DIR") or ".mlinfra") / "prices"


def newest_dated(folder: Path) -> Path | None:
    """The newest `prices-YYYY-MM-DD.csv.gz` a refresh or import wrote in `folder`."""
    dated = sorted(Path(folder).glob("prices-[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9].csv.gz"))
    return dated[-1] if dated else None


def snapshot_path(knowledge_dir: Path | None = None) -> Path:
    """The snapshot in use: `MLINFRA_PRICE_SNAPSHOT` if set; else the newest snapshot a
    refresh or import wrote (`refreshed_dir()`); else the shipped one in the knowledge
    folder's `data/` (`MLINFRA_KNOWLEDGE_DIR`, or the repository's)."""
    named = os.environ.get("MLINFRA_PRICE_SNAPSHOT")
    if named:
        return Path(named)
    newest = newest_dated(refreshed_dir())
    if newest is not None:
        return newest
    folder = knowledge_dir or Path(os.environ.get("MLINFRA_KNOWLEDGE_DIR") or DEFAULT_KNOWLEDGE_DIR)
    return Path(folder) / "data" / SNAPSHOT


def catalog(knowledge_dir: Path | None = None) -> Catalog:
    """The catalog of the snapshot in use, loaded on first use and again when it changes."""
    return Catalog.open(snapshot_path(knowledge_dir))


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
