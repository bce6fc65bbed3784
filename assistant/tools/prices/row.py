"""One price: a typed row of the catalog, and the snapshot file's columns.

A row is what one provider charges for one thing (an instance type, a GPU, a TPU slice,
a cluster fee, a GB of egress) in one region under one purchase option, with where the
figure came from and when. An estimate (a figure we derived, not one a provider lists)
carries `estimate=True` and its `formula`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

PROVIDERS = ("aws", "gcp", "azure")
SERVICES = (
    "ec2", "sagemaker", "compute-engine", "vertex-ai", "cloud-tpu", "azure-vm", "azure-ml",
    "eks", "gke", "aks", "egress",
)  # fmt: skip
PURCHASES = (
    "on-demand", "spot", "savings-plan-1y", "savings-plan-3y", "committed-1y", "committed-3y",
)  # fmt: skip
UNITS = ("hour", "gpu-hour", "cluster-hour", "gb")


@dataclass(frozen=True, slots=True)
class PriceRow:
    provider: str
    service: str
    sku: str  # the provider's instance type or SKU name, as the provider spells it
    region: str
    purchase: str
    unit: str
    usd: float
    component: str = ""  # training, hosting, batch-transform, ... where priced apart
    vcpus: float | None = None
    memory_gb: float | None = None
    accelerator: str = ""  # canonical id (accelerators.csv), "" for none
    accelerator_count: float = 0  # per instance (GPUs; TPU chips in a slice)
    accelerator_memory_gb: float | None = None  # each
    source: str = ""  # URL of the provider's price list or page
    source_version: str = ""  # the source's version or publication date
    fetched: str = ""  # YYYY-MM-DD the figure was read
    estimate: bool = False
    formula: str = ""  # how an estimate was derived

    @property
    def key(self) -> tuple[str, str, str, str, str, str]:
        return (self.provider, self.service, self.sku.lower(), self.component, self.region,
                self.purchase)  # fmt: skip

    @property
    def per_accelerator(self) -> float | None:
        """USD an hour for each accelerator of the instance, where it has any."""
        return self.usd / self.accelerator_count if self.accelerator_count else None


COLUMNS = tuple(f.name for f in fields(PriceRow))
_FLOATS = ("usd", "vcpus", "memory_gb", "accelerator_count", "accelerator_memory_gb")
_OPTIONAL = ("vcpus", "memory_gb", "accelerator_memory_gb")
_FLOAT_AT = tuple(COLUMNS.index(c) for c in _FLOATS)
_OPTIONAL_AT = frozenset(COLUMNS.index(c) for c in _OPTIONAL)
_ESTIMATE_AT = COLUMNS.index("estimate")
_ALLOWED = {"provider": frozenset(PROVIDERS), "service": frozenset(SERVICES),
            "purchase": frozenset(PURCHASES), "unit": frozenset(UNITS)}  # fmt: skip


def row_from_cells(cells: dict[str, str], where: str) -> PriceRow:
    """A row from a snapshot file's cells; a bad cell is a `ValueError` naming `where`
    (file and line) and the column."""
    missing = [name for name in COLUMNS if name not in cells]
    if missing:
        raise ValueError(f"{where}: missing column {missing[0]}")
    return row_from_list([cells[name] for name in COLUMNS], where)


def row_from_list(cells: list[str], where: str) -> PriceRow:
    """A row from its cells in `COLUMNS` order (the fast path of a snapshot's load)."""
    values: list[object] = list(cells)
    for i in _FLOAT_AT:
        raw = cells[i]
        if raw == "" and i in _OPTIONAL_AT:
            values[i] = None
            continue
        try:
            number = float(raw or 0)
        except ValueError:
            raise ValueError(f"{where}: {COLUMNS[i]} is not a number ({raw!r})") from None
        if not (0 <= number < math.inf):
            raise ValueError(f"{where}: {COLUMNS[i]} must be a finite number >= 0 ({raw!r})")
        values[i] = number
    flag = cells[_ESTIMATE_AT]
    if flag not in ("0", "1"):
        raise ValueError(f"{where}: estimate must be 0 or 1 ({flag!r})")
    values[_ESTIMATE_AT] = flag == "1"
    row = PriceRow(*values)  # type: ignore[arg-type]
    check(row, where)
    return row


def check(row: PriceRow, where: str) -> None:
    """Refuse a row no price list would give, naming the field and its allowed values."""
    for name, allowed in _ALLOWED.items():
        if getattr(row, name) not in allowed:
            raise ValueError(
                f"{where}: {name} {getattr(row, name)!r} is not one of {sorted(allowed)}"
            )
    if not row.sku or not row.region:
        raise ValueError(f"{where}: sku and region must not be empty")
    if row.usd <= 0:
        raise ValueError(f"{where}: usd must be above 0 ({row.usd:g})")
    if not row.source.startswith(("http://", "https://")):
        raise ValueError(f"{where}: source must be a URL")
    if row.estimate and not row.formula:
        raise ValueError(f"{where}: an estimate must carry its formula")


def cells_of(row: PriceRow) -> list[str]:
    out = []
    for name in COLUMNS:
        value = getattr(row, name)
        if value is None:
            out.append("")
        elif isinstance(value, bool):
            out.append("1" if value else "0")
        elif isinstance(value, float):
            out.append(f"{value:.6g}" if name != "usd" else f"{value:.8g}")
        else:
            out.append(str(value))
    return out
