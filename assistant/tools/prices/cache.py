"""A pre-built form of a price snapshot, so that a new process has the catalog in tens of
milliseconds rather than the half second that parsing and checking the CSV takes.

The snapshot stays the source of truth. The cache (`DATA_DIR/cache/prices-*.marshal`,
never committed) holds the rows column by column, as the checked parse of that snapshot
gave them, and the catalog's indexes as row numbers. Its key is the SHA-256 of the
snapshot's bytes with their size, the format, the Python version and the source of the
code that parses them; the payload carries its own SHA-256. A cache that is missing, of
another key, truncated or corrupt is not used: the snapshot is parsed again and the cache
rewritten (atomically; a data dir that cannot be written only costs the speed).
"""

from __future__ import annotations

import gc
import hashlib
import marshal
import os
import sys
from array import array
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from operator import attrgetter
from pathlib import Path
from typing import Any, overload

from assistant.tools.prices.row import COLUMNS, PriceRow

FORMAT = 1
MAGIC = b"mlinfra price cache\n"
KEEP = 4  # caches kept per folder, the newest written (one per snapshot in use)
# The code whose output the cache holds: a change to any of them is a new key.
CODE = ("row.py", "snapshot.py", "cache.py")
# The catalog's indexes as row numbers (by name, accelerator, service) and its regions
Index = tuple[Mapping[str, Sequence[int]], Mapping[str, Sequence[int]],
              Mapping[str, Sequence[int]], Mapping[str | None, Sequence[str]]]  # fmt: skip


@contextmanager
def no_collection() -> Iterator[None]:
    """No garbage collection pass inside: building tens of thousands of objects, none of
    them garbage, would otherwise set off several, each walking all of them."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def key(source: bytes) -> str:
    """The cache key of a snapshot's bytes (hex), for this code and this Python."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for name in CODE:
        digest.update((here / name).read_bytes())
    numbers = f"{sys.byteorder}{array('I').itemsize}"
    meta = f"{FORMAT}|{sys.version_info[:3]}|{numbers}|{','.join(COLUMNS)}|{len(source)}|"
    digest.update(meta.encode())
    digest.update(hashlib.sha256(source).digest())
    return digest.hexdigest()


def path_for(folder: Path, cache_key: str) -> Path:
    return Path(folder) / f"prices-{cache_key[:24]}.marshal"


def load(folder: Path, cache_key: str) -> tuple[LazyRows, Index] | None:
    """The rows and index numbers cached for `cache_key`, or None when there is no sound
    cache of that key (missing, unreadable, truncated, corrupt, another key)."""
    try:
        blob = path_for(folder, cache_key).read_bytes()
    except OSError:
        return None
    head = len(MAGIC) + 32
    payload = memoryview(blob)[head:]
    if not blob.startswith(MAGIC) or hashlib.sha256(payload).digest() != blob[len(MAGIC) : head]:
        return None
    try:
        stored_key, columns, (by_name, by_accelerator, by_service, regions) = marshal.loads(payload)
        if stored_key != cache_key:
            return None
        numbers = (_unpack(by_name), _unpack(by_accelerator), _unpack(by_service))
        return LazyRows(columns), (*numbers, regions)
    except (ValueError, TypeError, EOFError, IndexError, AttributeError):
        return None


def store(folder: Path, cache_key: str, rows: Sequence[PriceRow], index: Index) -> None:
    """Write the cache of `cache_key` atomically and keep the `KEEP` newest; a failure
    (a read-only or full disk) leaves no file and is not an error."""
    import tempfile

    folder = Path(folder)
    columns = tuple(_shared(tuple(map(attrgetter(name), rows))) for name in COLUMNS)
    by_name, by_accelerator, by_service, regions = index
    numbers = (_pack(by_name), _pack(by_accelerator), _pack(by_service))
    try:
        named = {provider: list(names) for provider, names in regions.items()}
        payload = marshal.dumps((cache_key, columns, (*numbers, named)))
        folder.mkdir(parents=True, exist_ok=True)
        target = path_for(folder, cache_key)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=target.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(MAGIC + hashlib.sha256(payload).digest() + payload)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _prune(folder)
    except (OSError, ValueError):
        return


def _shared(column: tuple[Any, ...]) -> tuple[Any, ...]:
    """The column with one object per distinct value, which marshal writes and loads
    once: strings, and floats but zeros (0.0 equals -0.0); any other column as it is."""
    kinds = set(map(type, column))
    shared: dict[Any, Any] = {}
    if kinds == {str}:
        return tuple(map(shared.setdefault, column, column))
    if kinds <= {float, type(None)}:
        return tuple(v if v == 0 else shared.setdefault(v, v) for v in column)
    return column


def _pack(index: Mapping[str, Sequence[int]]) -> dict[str, bytes]:
    return {k: array("I", v).tobytes() for k, v in index.items()}


def _unpack(index: dict[str, bytes]) -> dict[str, Sequence[int]]:
    unpacked: dict[str, Sequence[int]] = {}
    for k, v in index.items():
        numbers = array("I")
        numbers.frombytes(v)
        unpacked[k] = numbers
    return unpacked


def _prune(folder: Path) -> None:
    def written(path: Path) -> int:
        try:
            return path.stat().st_mtime_ns
        except OSError:
            return 0

    caches = sorted(folder.glob("prices-*.marshal"), key=written, reverse=True)
    for old in caches[KEEP:]:
        old.unlink(missing_ok=True)


class LazyRows(Sequence[PriceRow]):
    """The rows of a catalog's columns (in `COLUMNS` order), each made when first read and
    kept: a question reads a few hundred of the 40,000, and making them all was most of a
    catalog's load. Each row's slots are set one by one from the values the checked parse
    gave, so `__init__` (and its per-field calls) is skipped."""

    def __init__(self, columns: Sequence[Sequence[Any]]) -> None:
        if len(columns) != len(COLUMNS):
            raise ValueError(f"{len(columns)} columns, expected {len(COLUMNS)}")
        count = len(columns[0])
        if any(len(column) != count for column in columns):
            raise ValueError("columns of different lengths")
        self._slots = [(getattr(PriceRow, name).__set__, column)
                       for name, column in zip(COLUMNS, columns, strict=True)]  # fmt: skip
        self._made: list[PriceRow | None] = [None] * count

    def __len__(self) -> int:
        return len(self._made)

    @overload
    def __getitem__(self, at: int) -> PriceRow: ...
    @overload
    def __getitem__(self, at: slice) -> list[PriceRow]: ...
    def __getitem__(self, at: int | slice) -> PriceRow | list[PriceRow]:
        if isinstance(at, slice):
            return [self[i] for i in range(*at.indices(len(self)))]
        row = self._made[at]
        if row is None:
            row = object.__new__(PriceRow)
            for put, column in self._slots:
                put(row, column[at])
            self._made[at] = row
        return row

    def __iter__(self) -> Iterator[PriceRow]:
        return map(self.__getitem__, range(len(self)))
