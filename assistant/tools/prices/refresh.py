"""Refresh the price snapshot from the providers' public price APIs, or import a file a
user downloaded:

    refresh("aws", ["us-east-1"], Path("snapshots")).diff["moved"][:3]

AWS: the Price List bulk API (`refresh_aws.py`): EC2 on-demand, SageMaker with
`sagemaker=True`; no spot prices there, so AWS spot rows carry over. Azure: the Retail
Prices API (`refresh_azure.py`), on-demand and spot. Google: SkyPilot's published Compute
Engine catalog, or with `MLINFRA_GCP_API_KEY` the Cloud Billing Catalog's GPU SKUs
(`refresh_gcp.py`).

What a refresh replaces: the previous snapshot's rows of the kinds it fetched (provider,
service, unit, purchase), in the regions it read (all, unless `regions` is given). Every
other row carries over with its own dates. Hardware the price lists do not give (an
Azure VM's GPUs, an EC2 instance's accelerator) is taken from the previous row of the
same instance type. A spot row dearer than its on-demand row is left out and logged.

Every failure is a `ValueError` naming the provider and the URL (HTTP status, timeout,
malformed page, nothing left after filtering); all downloads finish before the one,
atomic, write, so a failed refresh leaves no file and the previous snapshot untouched.
"""

from __future__ import annotations

import csv
import gzip
import http.client
import io
import json
import os
import re
import tempfile
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from assistant.tools.prices import (
    newest_dated,
    refresh_aws,
    refresh_azure,
    refresh_gcp,
    skypilot,
    snapshot,
)
from assistant.tools.prices import snapshot_path as in_use_path
from assistant.tools.prices.row import COLUMNS, PROVIDERS, PriceRow, check

TIMEOUT = 30.0
USER_AGENT = "mlinfra-price-refresh/0.1 (+python-urllib)"
Fetch = Callable[[str], bytes]
HARDWARE = ("vcpus", "memory_gb", "accelerator", "accelerator_count", "accelerator_memory_gb")


def http_fetch(url: str, timeout: float = TIMEOUT) -> bytes:
    """The body of a GET, or the `urllib` error (`HTTPError`, `URLError`, `TimeoutError`)."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return bytes(response.read())


def _redact(url: str) -> str:
    return re.sub(r"([?&]key=)[^&]+", r"\1REDACTED", url)


@dataclass
class Source:
    """One provider's reads: every failure a `ValueError` naming the provider and URL."""

    provider: str
    fetch: Fetch
    progress: Callable[[str], None] | None = None
    log: list[str] = field(default_factory=list)
    last_url: str = ""

    def error(self, url: str, what: str) -> ValueError:
        return ValueError(f"{self.provider}: {_redact(url)}: {what}")

    def note(self, message: str) -> None:
        if self.progress is not None:
            self.progress(message)

    def get(self, url: str) -> bytes:
        self.last_url = url
        try:
            return self.fetch(url)
        except urllib.error.HTTPError as exc:
            raise self.error(url, f"HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError):
                raise self.error(url, "timed out, no answer") from None
            raise self.error(url, f"could not connect ({reason})") from None
        except (OSError, http.client.HTTPException) as exc:
            raise self.error(url, f"could not read ({exc!r})") from None

    def get_json(self, url: str) -> dict[str, Any]:
        body = self.get(url)
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise self.error(url, f"not JSON ({exc})") from None
        if not isinstance(doc, dict):
            raise self.error(url, "not a JSON object")
        return doc

    def field(self, doc: dict[str, Any], name: str, kind: type, url: str) -> Any:
        value = doc.get(name)
        if not isinstance(value, kind):
            raise self.error(url, f"no {name!r} {kind.__name__} in the page")
        return value


@dataclass(frozen=True)
class RefreshResult:
    path: Path  # the snapshot written
    rows: dict[str, int]  # rows fetched, per provider refreshed
    kept: dict[str, int]  # rows carried over from the previous snapshot, per provider
    total: int  # rows in the new snapshot
    diff: dict[str, Any]  # `diff(previous rows, new rows)`
    log: list[str]  # what was left out, and why


def refresh(
    provider: str | None,
    regions: list[str] | None,
    out_dir: Path,
    fetch: Fetch = http_fetch,
    progress: Callable[[str], None] | None = None,
    *,
    previous: Path | None = None,
    sagemaker: bool = False,
    gcp_api_key: str | None = None,
    today: date | None = None,
) -> RefreshResult:
    """Fetch `provider`'s prices (all three for None) in `regions` (all for None), merge
    them into the previous snapshot (`previous`, else the newest `prices-*.csv.gz` in
    `out_dir`, else the snapshot in use) and write `out_dir/prices-YYYY-MM-DD.csv.gz`."""
    if provider is not None and provider not in PROVIDERS:
        raise ValueError(f"provider {provider!r} is not one of {', '.join(PROVIDERS)}")
    wanted = sorted({r.strip() for r in regions or [] if r.strip()}) or None
    if wanted and provider is None:
        raise ValueError("regions are each provider's own names: name the provider too")
    names = [provider] if provider else list(PROVIDERS)
    day = (today or date.today()).isoformat()
    out_dir = Path(out_dir)
    old_path = previous if previous is not None else _latest(out_dir)
    old = list(snapshot.read(old_path)) if old_path is not None else []
    key = gcp_api_key if gcp_api_key is not None else os.environ.get("MLINFRA_GCP_API_KEY")
    fresh: list[PriceRow] = []
    counts: dict[str, int] = {}
    log: list[str] = []
    for name in names:
        source = Source(name, fetch, progress)
        if name == "aws":
            rows = refresh_aws.aws_rows(source, wanted, day, sagemaker=sagemaker)
        elif name == "azure":
            rows = refresh_azure.azure_rows(source, wanted, day)
        else:
            rows = refresh_gcp.gcp_rows(source, wanted, day, api_key=key or None)
        rows = lowest(rows, source.log)
        if not rows:
            where = f" in {', '.join(wanted)}" if wanted else ""
            raise source.error(source.last_url, f"no prices left after filtering{where}")
        for row in rows:
            check(row, f"{name}: {row.sku} {row.region}")
        counts[name] = len(rows)
        log += source.log
        fresh += rows
    merged = merge(old, enrich(fresh, old), wanted, log)
    path = out_dir / f"prices-{day}.csv.gz"
    snapshot.write(merged, path)
    new = snapshot.read(path)
    fetched = {r.key for r in fresh}
    kept = Counter(r.provider for r in merged if r.key not in fetched)
    return RefreshResult(path, counts, dict(sorted(kept.items())), len(new), diff(old, new), log)


def _latest(out_dir: Path) -> Path | None:
    in_use = in_use_path()
    return newest_dated(out_dir) or (in_use if in_use.exists() else None)


def lowest(rows: Iterable[PriceRow], log: list[str]) -> list[PriceRow]:
    """One row per key: the lowest price where a list gives the same thing twice."""
    best: dict[tuple[str, ...], PriceRow] = {}
    for row in rows:
        had = best.get(row.key)
        if had is not None:
            log.append(f"{row.provider} {row.sku} {row.region} {row.purchase}: listed twice "
                       f"({had.usd:g}, {row.usd:g}), the lower kept")  # fmt: skip
            if had.usd <= row.usd:
                continue
        best[row.key] = row
    return list(best.values())


def _kind(row: PriceRow) -> tuple[str, str, str, str]:
    return row.provider, row.service, row.unit, row.purchase


def merge(
    previous: Iterable[PriceRow],
    fresh: Iterable[PriceRow],
    regions: list[str] | None = None,
    log: list[str] | None = None,
) -> list[PriceRow]:
    """`fresh` in place of `previous`'s rows of the same kinds (provider, service, unit,
    purchase) in `regions` (all for None); then spot rows above on-demand left out."""
    fresh = list(fresh)
    kinds = {_kind(r) for r in fresh}
    rows = {r.key: r for r in previous
            if _kind(r) not in kinds or (regions and r.region not in regions)}  # fmt: skip
    rows.update((r.key, r) for r in fresh)
    out = []
    for row in rows.values():
        base = rows.get(row.key[:5] + ("on-demand",)) if row.purchase == "spot" else None
        if base is not None and row.usd > base.usd:
            if log is not None:
                log.append(f"{row.provider} {row.sku} {row.region}: spot {row.usd:g} above "
                           f"on-demand {base.usd:g}, left out")  # fmt: skip
            continue
        out.append(row)
    return out


def enrich(rows: Iterable[PriceRow], known: Iterable[PriceRow]) -> list[PriceRow]:
    """Fill the hardware a price list leaves out from a known row of the same instance
    (`ml.g5.xlarge` takes `g5.xlarge`'s), or an AWS family's accelerator (`g6e`)."""
    rows = list(rows)
    by_name: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
    by_family: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
    for row in [*rows, *known]:
        name = snapshot.normalise(row.sku)
        slots = [by_name[(row.provider, name)]]
        if row.provider == "aws" and row.accelerator:
            slots.append(by_family[(row.provider, name.split(".")[0])])
        for slot in slots:
            for column in HARDWARE:
                value = getattr(row, column)
                if value not in (None, "", 0) and column not in slot:
                    slot[column] = value
    out = []
    for row in rows:
        name = snapshot.normalise(row.sku)
        have = dict(by_name.get((row.provider, name), {}))
        if row.provider == "aws" and (row.accelerator_count or have.get("accelerator_count")):
            family = by_family.get((row.provider, name.split(".")[0]), {})
            for column in ("accelerator", "accelerator_memory_gb"):
                have.setdefault(column, family.get(column))
        fill = {c: v for c, v in have.items()
                if v not in (None, "", 0) and getattr(row, c) in (None, "", 0)}  # fmt: skip
        out.append(replace(row, **fill) if fill else row)
    return out


def diff(
    old_rows: Iterable[PriceRow], new_rows: Iterable[PriceRow], top: int = 10
) -> dict[str, Any]:
    """What changed between two snapshots: `added` and `removed` rows (by key), the
    number of `changed` prices, and the `top` largest relative moves on common keys,
    `moved`: dicts of the new row, `old` and `new` USD and `change` (0.1 = 10% dearer)."""
    old = {r.key: r for r in old_rows}
    new = {r.key: r for r in new_rows}
    moves = [(new[k].usd / old[k].usd - 1, k) for k in old.keys() & new.keys()
             if f"{new[k].usd:.8g}" != f"{old[k].usd:.8g}"]  # fmt: skip
    moves.sort(key=lambda m: (-abs(m[0]), m[1]))
    return {
        "added": [new[k] for k in sorted(new.keys() - old.keys())],
        "removed": [old[k] for k in sorted(old.keys() - new.keys())],
        "changed": len(moves),
        "moved": [
            {"row": new[k], "old": old[k].usd, "new": new[k].usd, "change": change}
            for change, k in moves[:top]
        ],  # fmt: skip
    }


# ---------------------------------------------------------------------------- import

SKYPILOT_FORMATS = {  # the columns each format needs; numbers must parse where given
    "aws": ("InstanceType", "Region", "vCPUs", "MemoryGiB", "AcceleratorName",
            "AcceleratorCount", "OnDemandUSDPerHour", "SpotMedianUSDPerHour",
            "SpotMinUSDPerHour", "Zones"),
    "gcp": ("InstanceType", "vCPUs", "MemoryGiB", "AcceleratorName", "AcceleratorCount",
            "Region", "AvailabilityZone", "Price", "SpotPrice"),
    "azure": ("InstanceType", "vCPUs", "MemoryGiB", "AcceleratorName", "AcceleratorCount",
              "Region", "Price", "SpotPrice"),
}  # fmt: skip
NUMBERS = ("vCPUs", "MemoryGiB", "AcceleratorCount", "OnDemandUSDPerHour",
           "SpotMedianUSDPerHour", "SpotMinUSDPerHour", "Price", "SpotPrice")  # fmt: skip


def import_file(
    path: Path, previous_rows: Iterable[PriceRow], *, version: str | None = None,
    today: date | None = None,
) -> list[PriceRow]:  # fmt: skip
    """The rows of a downloaded file merged into `previous_rows`: a file in our snapshot
    format (gzip or plain CSV with `COLUMNS`) replaces the rows it names, one by one; a
    SkyPilot-format catalog, a provider's whole list, replaces as a refresh does
    (`aws_ec2_ml_by_region.csv`, GCP or Azure `vms.csv`), told apart by the header; a bad
    file is a `ValueError` naming the file and line. `version` dates a SkyPilot file
    (default: its modification date)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        text = (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode("utf-8-sig")
        lines = list(csv.reader(io.StringIO(text)))
    except (OSError, EOFError, UnicodeDecodeError, csv.Error) as exc:
        raise ValueError(f"{path}: not a readable CSV file ({exc})") from None
    header = lines[0] if lines else []
    ours = {"provider", "usd"} <= set(header)  # a missing column is named by `read`
    if ours:
        if (raw[:2] == b"\x1f\x8b") != (path.suffix == ".gz"):
            raise ValueError(f"{path}: a gzip-compressed snapshot is named .gz, a plain one not")
        rows = list(snapshot.read(path))
    else:
        rows = _skypilot_file(path, header, lines, text, version, today)
    if not rows:
        raise ValueError(f"{path}: no price rows")
    if ours:  # the user's own rows (a negotiated rate, say): each replaces its own key only
        kept = {r.key: r for r in previous_rows} | {r.key: r for r in rows}
        return sorted(merge([], kept.values()), key=lambda r: r.key)
    return sorted(merge(previous_rows, rows), key=lambda r: r.key)


def _skypilot_file(path: Path, header: list[str], lines: list[list[str]], text: str,
                   version: str | None, today: date | None) -> list[PriceRow]:  # fmt: skip
    kind = next((k for k, cols in SKYPILOT_FORMATS.items() if set(cols) <= set(header)), None)
    if kind is None:
        formats = "; ".join(", ".join(c) for c in SKYPILOT_FORMATS.values())
        raise ValueError(f"{path}, line 1: neither a price snapshot ({', '.join(COLUMNS)}) "
                         f"nor a SkyPilot catalog ({formats})")  # fmt: skip
    at = {name: header.index(name) for name in header}
    for number, cells in enumerate(lines[1:], start=2):
        where = f"{path}, line {number}"
        if not cells:
            continue  # a blank line
        if len(cells) != len(header):
            raise ValueError(f"{where}: {len(cells)} values, the header has {len(header)} columns")
        if not cells[at["Region"]] or not (
            cells[at["InstanceType"]] or cells[at["AcceleratorName"]]
        ):
            raise ValueError(f"{where}: Region and InstanceType (or AcceleratorName) must be given")
        if kind == "gcp" and "." in cells[at["InstanceType"]]:
            raise ValueError(f"{where}: {cells[at['InstanceType']]} is an AWS instance type; "
                             "for AWS, import aws_ec2_ml_by_region.csv")  # fmt: skip
        for name in (n for n in NUMBERS if n in at):
            if not re.fullmatch(r"(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|", cells[at[name]].strip()):
                raise ValueError(f"{where}: {name} must be a number >= 0 ({cells[at[name]]!r})")
    day = (today or date.today()).isoformat()
    stamp = version or date.fromtimestamp(path.stat().st_mtime).isoformat()
    log: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "catalog.csv"
        plain.write_text(text, encoding="utf-8")
        if kind == "aws":
            rows = skypilot.aws_rows(plain, None, stamp, day, log)
        elif kind == "gcp":
            rows = skypilot.gcp_rows(plain, stamp, day, log)
        else:
            rows = skypilot.azure_rows(plain, stamp, day, log)
    rows = lowest(rows, log)
    for row in rows:
        check(row, f"{path}: {row.sku} {row.region}")
    return rows
