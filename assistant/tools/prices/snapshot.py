"""The price snapshot: every row in one gzip-compressed CSV, read once per file version,
with look-ups by name, accelerator and region.

A gzip CSV rather than SQLite: the standard library reads it, it is about a tenth of the
plain size in the repository, a diff of two snapshots is a diff of two text files once
unpacked, and the whole file loads in well under a second, after which every look-up is a
dictionary access.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from assistant.tools.prices import cache
from assistant.tools.prices.row import COLUMNS, PriceRow, cells_of, row_from_list

# gzip, tempfile and difflib are imported where used: a catalog that comes from its cache
# (`cache.py`) needs none of them, and a new process loads it in tens of milliseconds.


def normalise(name: str) -> str:
    """An instance or SKU name as looked up: any case, with or without `ml.` or
    `Standard_`, spaces as hyphens."""
    text = "-".join(str(name).strip().lower().split())
    for prefix in ("ml.", "standard_"):
        text = text.removeprefix(prefix)
    return text


# What people call an accelerator -> our id (knowledge/data/accelerators.csv)
ACCELERATOR_ALIASES = {
    "a100-80": "a100-80gb", "a100-40": "a100-40gb", "v5e": "tpu-v5e", "v5p": "tpu-v5p",
    "v6e": "tpu-v6e", "v4": "tpu-v4", "trillium": "tpu-v6e", "inf2": "inferentia2",
    "trn1": "trainium", "trn2": "trainium2",
}  # fmt: skip


def accelerator_id(name: str) -> str:
    """An accelerator as asked for ('H100', 'nvidia a100 80gb', 'v5e') -> our id prefix."""
    text = "-".join(str(name).strip().lower().replace("nvidia", "").split())
    if re.fullmatch(r"[a-z]+\d+s", text) and text != "l40s":  # "H100s"
        text = text[:-1]
    text = re.sub(r"-?(\d+)-?gb$", r"-\1gb", text) if re.search(r"\d-?\d+-?gb$", text) else text
    return ACCELERATOR_ALIASES.get(text, text)


def write(rows: Iterable[PriceRow], path: Path) -> int:
    """Write the snapshot atomically (a temporary file renamed over it); the row count."""
    import gzip
    import tempfile

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ordered = sorted(rows, key=lambda r: r.key)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
            text = io.TextIOWrapper(gz, encoding="utf-8", newline="")
            writer = csv.writer(text, lineterminator="\n")
            writer.writerow(COLUMNS)
            writer.writerows(cells_of(r) for r in ordered)
            text.flush()
            text.detach()
        os.chmod(tmp, 0o644)  # a shipped file, readable by all, as git would check it out
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(ordered)


def read(path: Path) -> tuple[PriceRow, ...]:
    """Every row of a snapshot, checked; a bad file or row is a `ValueError` naming the
    file and line."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError as exc:
        raise ValueError(f"price snapshot {path}: {exc.strerror or exc}") from None
    return _read(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _read(path: Path, mtime_ns: int, size: int) -> tuple[PriceRow, ...]:
    return _parse(path, _bytes(path))


def _bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ValueError(f"{path}: not a readable price snapshot ({exc})") from None


def _parse(path: Path, data: bytes) -> tuple[PriceRow, ...]:
    """The rows of a snapshot's bytes, checked; a bad file or row is a `ValueError`
    naming the file and line."""
    import gzip

    raw = io.BytesIO(data)
    binary = gzip.GzipFile(fileobj=raw, mode="rb") if path.suffix == ".gz" else raw
    try:
        with (
            cache.no_collection(),
            io.TextIOWrapper(binary, encoding="utf-8-sig", newline="") as fh,
        ):
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                raise ValueError(f"{path}: empty file; expected a header: {','.join(COLUMNS)}")
            missing = [c for c in COLUMNS if c not in header]
            if missing:
                raise ValueError(f"{path}, line 1: missing columns {', '.join(missing)}")
            order = [header.index(c) for c in COLUMNS]
            in_order = order == list(range(len(COLUMNS))) and len(header) == len(COLUMNS)
            rows = []
            seen: dict[tuple[str, ...], int] = {}
            for number, cells in enumerate(reader, start=2):
                where = f"{path}, line {number}"
                if len(cells) != len(header):
                    raise ValueError(f"{where}: {len(cells)} values, the header has "
                                     f"{len(header)} columns")  # fmt: skip
                row = row_from_list(cells if in_order else [cells[i] for i in order], where)
                if row.key in seen:
                    raise ValueError(f"{where}: duplicate of line {seen[row.key]}")
                seen[row.key] = number
                rows.append(row)
    except (OSError, EOFError, UnicodeDecodeError, csv.Error) as exc:
        raise ValueError(f"{path}: not a readable price snapshot ({exc})") from None
    return tuple(rows)


def _index(rows: Sequence[PriceRow]) -> cache.Index:
    """The catalog's indexes as row numbers: by name (normalised), accelerator and
    service, and the regions priced per provider (None: all providers)."""
    by_name: dict[str, list[int]] = {}
    by_accelerator: dict[str, list[int]] = {}
    by_service: dict[str, list[int]] = {}
    regions: dict[str | None, set[str]] = defaultdict(set)
    for number, row in enumerate(rows):
        by_name.setdefault(normalise(row.sku), []).append(number)
        by_service.setdefault(row.service, []).append(number)
        if row.accelerator:
            by_accelerator.setdefault(row.accelerator, []).append(number)
        if row.region != "all":  # a fee that is the same everywhere is no region
            regions[row.provider].add(row.region)
            regions[None].add(row.region)
    return by_name, by_accelerator, by_service, {p: sorted(n) for p, n in regions.items()}


class Catalog:
    """Look-ups over a snapshot's rows."""

    def __init__(self, rows: Iterable[PriceRow]) -> None:
        self.rows: Sequence[PriceRow] = tuple(rows)
        self._use(_index(self.rows))

    @classmethod
    def indexed(cls, rows: Sequence[PriceRow], index: cache.Index) -> Catalog:
        """A catalog of `rows` with its indexes given as row numbers (`_index(rows)`); an
        index naming a row that is not there is a `ValueError`."""
        book = cls.__new__(cls)
        book.rows = rows
        book._use(index)
        return book

    def _use(self, index: cache.Index) -> None:
        by_name, by_accelerator, by_service, regions = index
        count = len(self.rows)
        for numbers in (*by_name.values(), *by_accelerator.values(), *by_service.values()):
            if numbers and (max(numbers) >= count or min(numbers) < 0):
                raise ValueError("an index names a row the catalog does not have")
        # Row numbers, not rows: a look-up makes only the rows it returns (`LazyRows`).
        self._by_name = dict(by_name)
        self._by_accelerator = dict(by_accelerator)
        self._by_service = dict(by_service)
        self._regions = {provider: list(names) for provider, names in regions.items()}

    def _at(self, numbers: Iterable[int]) -> list[PriceRow]:
        return list(map(self.rows.__getitem__, numbers))

    @classmethod
    def open(cls, path: Path, cache_dir: Path | None = None) -> Catalog:
        """The catalog of the snapshot at `path`, once per version of the file; with
        `cache_dir`, from its pre-built form there when sound (`cache.py`)."""
        path = Path(path)
        version = (path, *_version(path))
        book = _OPENED.get(version)
        if book is None:
            book = load(path, cache_dir)
            _OPENED[version] = book
            while len(_OPENED) > 4:  # the versions opened last
                del _OPENED[next(iter(_OPENED))]
        return book

    def find(
        self,
        name: str,
        region: str | None = None,
        purchase: str | None = None,
        service: str | None = None,
    ) -> list[PriceRow]:
        """Rows for an instance type or SKU (any case, with or without `ml.`), cheapest
        first; `region`, `purchase` and `service` narrow them."""
        rows = self._at(self._by_name.get(normalise(name), ()))
        return _cheapest(_where(rows, region, purchase, service))

    def with_accelerator(
        self,
        accelerator: str,
        count: float | None = None,
        region: str | None = None,
        purchase: str | None = None,
        provider: str | None = None,
    ) -> list[PriceRow]:
        """Rows of instances with that accelerator (`a100` takes both memory sizes; `v5e`
        is a TPU v5e slice) and, with `count`, exactly that many of it; cheapest first."""
        wanted = accelerator_id(accelerator)
        matching = [numbers for acc, numbers in self._by_accelerator.items()
                    if acc == wanted or acc.startswith(wanted + "-")]  # fmt: skip
        rows = self._at(i for numbers in matching for i in numbers)
        if count is not None:
            rows = [r for r in rows if r.accelerator_count == count]
        rows = [r for r in rows if provider is None or r.provider == provider]
        return _cheapest(_where(rows, region, purchase, None))

    def cheapest_for(
        self,
        accelerator: str,
        chips: int,
        providers: Iterable[str],
        regions: dict[str, str] | None = None,
    ) -> tuple[PriceRow, int] | None:
        """The cheapest way to buy at least `chips` of an accelerator on demand: (the
        instance or TPU slice, how many of it), whole instances only. `regions` names one
        region per provider; without it, every region is open."""
        wanted = set(providers)
        best: tuple[float, int, PriceRow] | None = None
        for row in self.with_accelerator(accelerator, purchase="on-demand"):
            if row.provider not in wanted or row.unit != "hour" or not row.accelerator_count:
                continue
            if row.accelerator != accelerator_id(accelerator):
                continue  # 'a100' asked as a100-40gb stays that memory size
            if regions is not None and regions.get(row.provider) != row.region:
                continue
            count = math.ceil(chips / row.accelerator_count)
            key = (row.usd * count, count, row)
            if best is None or key[:2] < best[:2]:
                best = key
        return (best[2], best[1]) if best else None

    def regions(self, provider: str | None = None) -> list[str]:
        """The regions priced (a fee that is the same everywhere is in region `all`)."""
        return list(self._regions.get(provider, []))

    def of_service(self, service: str) -> list[PriceRow]:
        """Every row of one service (`ec2`, `compute-engine`, `sagemaker`, `eks`, ...)."""
        return self._at(self._by_service.get(service, ()))

    def of_services(self, services: Iterable[str]) -> list[PriceRow]:
        """Every row of these services, service by service."""
        return self._at(i for service in services for i in self._by_service.get(service, ()))

    def names(self) -> list[str]:
        return sorted({r.sku for r in self.rows})

    def accelerators(self) -> list[str]:
        return sorted(self._by_accelerator)

    def closest(self, name: str, n: int = 4) -> list[str]:
        """Known names nearest to `name`, for an error message."""
        import difflib

        keys = difflib.get_close_matches(normalise(name), list(self._by_name), n=n, cutoff=0.5)
        return [self.rows[self._by_name[k][0]].sku for k in keys]

    def closest_regions(self, region: str, provider: str | None = None, n: int = 4) -> list[str]:
        import difflib

        return difflib.get_close_matches(region.lower(), self.regions(provider), n=n, cutoff=0.4)


def _where(
    rows: Iterable[PriceRow], region: str | None, purchase: str | None, service: str | None
) -> list[PriceRow]:
    return [r for r in rows
            if (region is None or r.region == region)
            and (purchase is None or r.purchase == purchase)
            and (service is None or r.service == service)]  # fmt: skip


def _cheapest(rows: list[PriceRow]) -> list[PriceRow]:
    return sorted(rows, key=lambda r: (r.usd, r.provider, r.region, r.sku))


def _version(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError as exc:
        raise ValueError(f"price snapshot {path}: {exc.strerror or exc}") from None
    return stat.st_mtime_ns, stat.st_size


# The catalogs opened in this process, by (path, mtime_ns, size): whatever cache folder
# they came through, one version of a file has one set of rows.
_OPENED: dict[tuple[Path, int, int], Catalog] = {}


def load(path: Path, cache_dir: Path | None = None) -> Catalog:
    """The catalog of the file as it is now (not remembered: `Catalog.open` is), from its
    pre-built form in `cache_dir` when that is sound, else parsed (and the cache written)."""
    path = Path(path)
    if cache_dir is None:
        return Catalog(read(path))
    cache_dir = Path(cache_dir)
    data = _bytes(path)  # hashed and, on a miss, parsed: one read, one version
    try:
        cache_key = cache.key(data)
    except OSError:  # the parsing code's source is not there to key on: no cache
        return Catalog(_parse(path, data))
    with cache.no_collection():
        hit = cache.load(cache_dir, cache_key)
        try:
            if hit is not None:
                return Catalog.indexed(*hit)
        except (IndexError, TypeError, ValueError):
            pass  # an index that does not fit the rows: parse the source
    rows = _parse(path, data)
    index = _index(rows)
    cache.store(cache_dir, cache_key, rows, index)
    return Catalog.indexed(rows, index)
