"""The price catalog: typed rows from the providers' own price lists, one shipped
snapshot (`knowledge/data/prices.csv.gz`, see `knowledge/data/PRICES.md`), look-ups by
name, accelerator and region.

    from assistant.tools.prices import catalog
    catalog().find("ml.g5.2xlarge", region="eu-west-1")
    catalog().with_accelerator("h100", count=8, purchase="spot")
"""

from __future__ import annotations

import os
from pathlib import Path

from assistant.config import DEFAULT_KNOWLEDGE_DIR
from assistant.tools.prices.row import PURCHASES, SERVICES, PriceRow
from assistant.tools.prices.snapshot import Catalog

__all__ = ["PURCHASES", "SERVICES", "Catalog", "PriceRow", "catalog", "snapshot_path"]

SNAPSHOT = "prices.csv.gz"


def snapshot_path(knowledge_dir: Path | None = None) -> Path:
    """The snapshot in use: `MLINFRA_PRICE_SNAPSHOT` if set, else the one in the knowledge
    folder's `data/` (`MLINFRA_KNOWLEDGE_DIR`, or the repository's)."""
    named = os.environ.get("MLINFRA_PRICE_SNAPSHOT")
    if named:
        return Path(named)
    folder = knowledge_dir or Path(os.environ.get("MLINFRA_KNOWLEDGE_DIR") or DEFAULT_KNOWLEDGE_DIR)
    return Path(folder) / "data" / SNAPSHOT


def catalog(knowledge_dir: Path | None = None) -> Catalog:
    """The catalog of the snapshot in use, loaded on first use and again when it changes."""
    return Catalog.open(snapshot_path(knowledge_dir))
