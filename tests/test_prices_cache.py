"""The catalog's cache (`assistant/tools/prices/cache.py`): the rows and answers it gives
are exactly those of parsing the snapshot; a corrupt, stale or unwritable cache is never
believed; an edited snapshot is read again, in this process and in a new one."""

from __future__ import annotations

import csv
import gzip
import marshal
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import REPO
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.tools.prices import cache, cache_dir, catalog
from assistant.tools.prices.row import COLUMNS, PROVIDERS, PURCHASES, SERVICES, UNITS, PriceRow
from assistant.tools.prices.snapshot import Catalog, load, read, write

SHIPPED = REPO / "knowledge" / "data" / "prices.csv.gz"
URL = "https://aws.amazon.com/ec2/pricing/on-demand/"


def exact(rows: tuple[PriceRow, ...]) -> list[tuple[tuple[type, str], ...]]:
    """Each row's fields by type and repr: 1.0 is not True, nor -0.0 0.0, nor None ''."""
    return [tuple((type(v), repr(v)) for v in (getattr(r, c) for c in COLUMNS)) for r in rows]


def answers(book: Catalog) -> dict[str, object]:
    """What a user sees of a catalog: every look-up, for every name, accelerator, service
    and provider it holds."""
    names = book.names()
    return {
        "rows": exact(book.rows),
        "names": names,
        "accelerators": book.accelerators(),
        "regions": [book.regions(p) for p in (None, *PROVIDERS)],
        "find": [exact(tuple(book.find(n))) for n in names],
        "with": [exact(tuple(book.with_accelerator(a))) for a in book.accelerators()],
        "services": [exact(tuple(book.of_service(s))) for s in SERVICES],
        "closest": [book.closest(n[:-1] or n) for n in names[:20]],
    }


def cache_file(snapshot: Path, folder: Path) -> Path:
    return cache.path_for(folder, cache.key(snapshot.read_bytes()))


def test_the_shipped_snapshot_from_its_cache_is_its_parse(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    parsed = Catalog(read(SHIPPED))
    first = load(SHIPPED, folder)  # no cache yet: parsed, and the cache written
    assert cache.load(folder, cache.key(SHIPPED.read_bytes())) is not None
    again = load(SHIPPED, folder)  # from the cache
    assert again.rows is not first.rows and len(again.rows) == len(parsed.rows) > 30_000
    assert answers(again) == answers(parsed) == answers(first)
    assert again.cheapest_for("h100", 16, PROVIDERS) == parsed.cheapest_for("h100", 16, PROVIDERS)


@pytest.fixture(scope="module")
def shipped_parsed() -> Catalog:
    return Catalog(read(SHIPPED))


@pytest.fixture(scope="module")
def shipped_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cache")
    load(SHIPPED, folder)  # writes the cache
    return folder


@settings(max_examples=25, deadline=None)
@given(order=st.randoms(use_true_random=False))
def test_a_cached_catalog_answers_look_ups_in_any_order_as_its_parse(
    order: object, shipped_parsed: Catalog, shipped_cache: Path
) -> None:
    # Rows from the cache are made when a look-up first reads them: whatever is asked
    # first, and in whatever order, the answers are the parse's.
    cached = load(SHIPPED, shipped_cache)
    assert not isinstance(cached.rows, tuple)  # from the cache, not parsed
    names = shipped_parsed.names()
    asked = order.sample(names, 30)  # type: ignore[attr-defined]
    accelerators = order.sample(shipped_parsed.accelerators(), 5)  # type: ignore[attr-defined]
    for name in asked:
        assert exact(tuple(cached.find(name))) == exact(tuple(shipped_parsed.find(name)))
    for acc in accelerators:
        got, want = (
            cached.with_accelerator(acc, region="us-east-1"),
            shipped_parsed.with_accelerator(acc, region="us-east-1"),
        )
        assert exact(tuple(got)) == exact(tuple(want))
    assert cached.rows[-1] == shipped_parsed.rows[-1] and cached.rows[3:6] == list(
        shipped_parsed.rows[3:6]
    )
    assert exact(tuple(cached.rows)) == exact(shipped_parsed.rows)


text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1,
               max_size=12)  # fmt: skip
number = st.one_of(st.sampled_from([0.0, -0.0, 1.0, 8.0, 0.5]),
                   st.floats(min_value=0, max_value=1e6, allow_nan=False))  # fmt: skip


@st.composite
def price_rows(draw: st.DrawFn) -> PriceRow:
    estimate = draw(st.booleans())
    return PriceRow(
        provider=draw(st.sampled_from(PROVIDERS)),
        service=draw(st.sampled_from(SERVICES)),
        sku=draw(st.one_of(text, st.sampled_from(["g5.xlarge", "ml.g5.xlarge", "G5.XLARGE"]))),
        region=draw(st.one_of(text, st.sampled_from(["us-east-1", "all"]))),
        purchase=draw(st.sampled_from(PURCHASES)),
        unit=draw(st.sampled_from(UNITS)),
        usd=draw(st.floats(min_value=1e-6, max_value=1e5)),
        component=draw(st.sampled_from(["", "training", "hosting"])),
        vcpus=draw(st.one_of(st.none(), number)),
        memory_gb=draw(st.one_of(st.none(), number)),
        accelerator=draw(st.sampled_from(["", "h100", "a100-40gb", "a100-80gb", "tpu-v5e"])),
        accelerator_count=draw(number),
        accelerator_memory_gb=draw(st.one_of(st.none(), number)),
        source=URL + draw(st.sampled_from(["", "#1", "?x=1"])),
        source_version=draw(st.sampled_from(["", "2026-05-20", "2026-05-20 or later"])),
        fetched=draw(st.sampled_from(["", "2026-12-01"])),
        estimate=estimate,
        formula=draw(text) if estimate else draw(st.sampled_from(["", "x"])),
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(price_rows(), max_size=40, unique_by=lambda r: r.key),
       st.sampled_from(["prices.csv.gz", "prices.csv"]))  # fmt: skip
def test_any_snapshot_from_its_cache_is_its_parse(rows: list[PriceRow], name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path, folder = Path(tmp) / name, Path(tmp) / "cache"
        write(rows, Path(tmp) / "prices.csv.gz")  # and unpacked, for a plain CSV
        if name == "prices.csv":
            path.write_bytes(gzip.decompress((Path(tmp) / "prices.csv.gz").read_bytes()))
        parsed = Catalog(read(path))
        assert answers(load(path, folder)) == answers(parsed)  # parsed, cache written
        assert cache.load(folder, cache.key(path.read_bytes())) is not None
        assert answers(load(path, folder)) == answers(parsed)  # from the cache


def _row(usd: float, sku: str = "g5.xlarge") -> PriceRow:
    return PriceRow("aws", "ec2", sku, "us-east-1", "on-demand", "hour", usd, source=URL)


def _forged_prices(blob: bytes) -> bytes:
    """The cache with every price doubled and its old checksum: wrong prices."""
    head = len(cache.MAGIC) + 32
    key, columns, index = marshal.loads(blob[head:])
    at = COLUMNS.index("usd")
    columns = (*columns[:at], tuple(v * 2 for v in columns[at]), *columns[at + 1 :])
    return blob[:head] + marshal.dumps((key, columns, index))


def _other_snapshots_cache(tmp: Path) -> bytes:
    """A sound cache, checksum and all, of another snapshot (other prices)."""
    other = tmp / "other" / "prices.csv.gz"
    write([_row(9.0), _row(3.0, "g5.2xlarge")], other)
    load(other, tmp / "other")
    return cache_file(other, tmp / "other").read_bytes()


CORRUPTIONS = {
    "empty": lambda blob, tmp: b"",
    "truncated": lambda blob, tmp: blob[: len(blob) // 2],
    "a byte flipped": lambda blob, tmp: blob[:-7] + bytes([blob[-7] ^ 0x40]) + blob[-6:],
    "not a cache": lambda blob, tmp: b"provider,service\naws,ec2\n",
    "prices changed, checksum not": lambda blob, tmp: _forged_prices(blob),
    "another snapshot's cache": lambda blob, tmp: _other_snapshots_cache(tmp),
}


@pytest.mark.parametrize("corruption", CORRUPTIONS)
def test_a_corrupt_or_stale_cache_is_parsed_past_and_rewritten(
    tmp_path: Path, corruption: str
) -> None:
    path, folder = tmp_path / "prices.csv.gz", tmp_path / "cache"
    write([_row(0.5), _row(1.5, "g5.2xlarge"), _row(2.5, "p5.48xlarge")], path)
    load(path, folder)
    where = cache_file(path, folder)
    where.write_bytes(CORRUPTIONS[corruption](where.read_bytes(), tmp_path))
    assert cache.load(folder, cache.key(path.read_bytes())) is None
    book = load(path, folder)
    assert answers(book) == answers(Catalog(read(path)))
    assert [r.usd for r in book.find("g5.2xlarge")] == [1.5]
    assert cache.load(folder, cache.key(path.read_bytes())) is not None  # sound again


def test_an_unusable_cache_folder_costs_only_the_speed(tmp_path: Path) -> None:
    path = tmp_path / "prices.csv.gz"
    write([_row(0.5), _row(1.5, "g5.2xlarge")], path)
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    assert [r.usd for r in load(path, blocked / "cache").find("g5.2xlarge")] == [1.5]
    folder = tmp_path / "cache"
    cache_file(path, folder).mkdir(parents=True)  # a folder where the cache file goes
    assert [r.usd for r in load(path, folder).find("g5.xlarge")] == [0.5]


def test_an_edited_snapshot_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "mine.csv.gz"
    monkeypatch.setenv("MLINFRA_PRICE_SNAPSHOT", str(path))
    write([_row(0.5)], path)
    assert [r.usd for r in catalog().find("g5.xlarge")] == [0.5]
    assert cache_file(path, cache_dir()).exists()
    write([_row(0.7), _row(1.1, "g5.2xlarge")], path)
    assert [r.usd for r in catalog().find("g5.xlarge")] == [0.7]
    assert [r.usd for r in catalog().find("g5.2xlarge")] == [1.1]


FIND = ("from assistant.tools.prices import catalog; "
        "print(*[r.usd for r in catalog().find('g5.xlarge')])")  # fmt: skip


def _new_process(env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", FIND], capture_output=True, text=True,
                          env={**os.environ, **env}, cwd=REPO, check=True)  # fmt: skip
    return done.stdout.strip()


def test_a_new_process_uses_the_cache_until_the_snapshot_changes(tmp_path: Path) -> None:
    """Edited in place to the same size and given back its old time, the snapshot is still
    read again: the cache is keyed by its bytes."""
    path, data = tmp_path / "mine.csv", tmp_path / "data"
    env = {"MLINFRA_PRICE_SNAPSHOT": str(path), "MLINFRA_DATA_DIR": str(data)}
    with path.open("w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows([COLUMNS, _cells(0.5)])
    assert _new_process(env) == "0.5"
    written = cache_file(path, data / "cache")
    stamp = written.stat().st_mtime_ns
    assert _new_process(env) == "0.5"
    assert written.stat().st_mtime_ns == stamp  # read, not written again
    before = path.stat()
    path.write_text(path.read_text().replace(",0.5,", ",0.7,"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    assert _new_process(env) == "0.7"


def _cells(usd: float) -> list[str]:
    return ["aws", "ec2", "g5.xlarge", "us-east-1", "on-demand", "hour", f"{usd}", "", "4",
            "16", "a10g", "1", "24", URL, "2026-05-20", "2026-12-01", "0", ""]  # fmt: skip


def test_only_the_newest_caches_are_kept(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    assert cache.KEEP == 4
    for n in range(6):
        path = tmp_path / f"p{n}.csv.gz"
        write([_row(1.0 + n)], path)
        load(path, folder)
        os.utime(cache_file(path, folder), ns=(n * 10**9, n * 10**9))
    kept = {p.name for p in folder.glob("prices-*.marshal")}
    assert kept == {cache_file(tmp_path / f"p{n}.csv.gz", folder).name for n in range(2, 6)}


def test_the_knowledge_folder_is_the_settings_one() -> None:
    from assistant.config import DEFAULT_KNOWLEDGE_DIR as configured
    from assistant.tools.prices import DEFAULT_KNOWLEDGE_DIR

    assert configured == DEFAULT_KNOWLEDGE_DIR and (DEFAULT_KNOWLEDGE_DIR / "data").is_dir()
    with gzip.open(DEFAULT_KNOWLEDGE_DIR / "data" / "prices.csv.gz") as fh:
        assert fh.read(8) == b"provider"
