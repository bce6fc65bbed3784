"""The price snapshot: what it holds, hand-checked figures, look-ups as users name things,
the converter from the providers' catalogs, `find_prices`, and bad files refused by line."""

from __future__ import annotations

import csv
import dataclasses
import gzip
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import REPO

from assistant.tools import find_prices
from assistant.tools.prices import Catalog, catalog, snapshot_path
from assistant.tools.prices.row import COLUMNS, PriceRow
from assistant.tools.prices.skypilot import convert
from assistant.tools.prices.snapshot import read, write

SHIPPED = REPO / "knowledge" / "data" / "prices.csv.gz"
PROVIDER_PAGES = ("https://aws.amazon.com/", "https://cloud.google.com/",
                  "https://azure.microsoft.com/")  # fmt: skip
# Repositories the providers publish themselves (AWS's samples and labs, Microsoft's docs)
OWN_REPOSITORIES = {"aws": ("https://github.com/aws-samples/", "https://github.com/awslabs/"),
                    "azure": ("https://github.com/MicrosoftDocs/",), "gcp": ()}  # fmt: skip


@pytest.fixture(scope="module")
def book() -> Catalog:
    return Catalog.open(SHIPPED)


def test_the_shipped_snapshot_covers_every_provider_region_and_option(book: Catalog) -> None:
    assert snapshot_path() == SHIPPED
    regions = {p: len(book.regions(p)) for p in ("aws", "gcp", "azure")}
    assert regions["aws"] >= 20 and regions["gcp"] >= 40 and regions["azure"] >= 50
    services = {(r.provider, r.service, r.purchase) for r in book.rows}
    for provider, service in (("aws", "ec2"), ("gcp", "compute-engine"), ("gcp", "cloud-tpu"),
                              ("azure", "azure-vm")):  # fmt: skip
        assert {(provider, service, "on-demand"), (provider, service, "spot")} <= services
    families = {r.sku.split(".")[0] for r in book.rows if r.provider == "aws"}
    assert {"g4dn", "g5", "g6", "g6e", "p4d", "p5", "inf2", "trn1", "trn1n"} <= families
    assert {"tpu-v5e", "tpu-v5p", "tpu-v6e"} <= set(book.accelerators())


def test_every_row_is_sourced_positive_and_spot_never_dearer(book: Catalog) -> None:
    on_demand = {r.key[:5]: r.usd for r in book.rows if r.purchase == "on-demand"}
    for row in book.rows:
        pages = PROVIDER_PAGES + OWN_REPOSITORIES[row.provider]
        assert row.usd > 0 and row.source.startswith(pages), row
        assert row.source_version and row.fetched, row
        assert row.usd != 700.0, row  # the source's placeholder for a missing price
        if row.purchase == "spot" and row.key[:5] in on_demand:
            assert row.usd <= on_demand[row.key[:5]], row


def test_hand_checked_prices(book: Catalog) -> None:
    def price(name: str, region: str, purchase: str = "on-demand") -> float:
        return book.find(name, region, purchase)[0].usd

    assert price("p5.48xlarge", "us-east-1") == pytest.approx(55.04)  # after the June 2025 cut
    # Compute Engine bills the VM and its GPU apart: 0.73948 + 2.93391. Google's Cloud
    # Billing Catalog, as extracted independently (Cyclenerd's pricing.yml, 2026-02-12), gives
    # 3.673385 for the same machine.
    assert price("a2-highgpu-1g", "us-central1") == pytest.approx(3.67339, abs=1e-5)
    assert price("g2-standard-4", "us-central1") == pytest.approx(0.706832, abs=1e-4)
    # a v5e-8 slice is 8 chips at $1.20 a chip-hour; a v5p-8 counts cores: 4 chips at $4.20
    v5e = book.find("tpu-v5litepod-8", "us-central1", "on-demand")[0]
    assert (v5e.usd, v5e.accelerator_count) == (pytest.approx(9.6), 8)
    v5p = book.find("tpu-v5p-8", "us-central1", "on-demand")[0]
    assert (v5p.accelerator_count, v5p.per_accelerator) == (4, pytest.approx(4.2))


def test_names_are_found_as_users_write_them(book: Catalog) -> None:
    same = [book.find(n, "eu-west-1", "on-demand") for n in ("g5.2xlarge", "G5.2XLARGE",
                                                             "ml.g5.2xlarge")]  # fmt: skip
    assert same[0] and same[0] == same[1] == same[2]
    assert book.find("nc24ads_a100_v4", "westeurope") == book.find(
        "Standard_NC24ads_A100_v4", "westeurope"
    )
    assert book.closest("g5.3xlarge")[0].startswith("g5.")


def test_accelerator_look_ups_are_exact_about_counts_and_cheapest_first(book: Catalog) -> None:
    rows = book.with_accelerator("H100s", count=8, purchase="on-demand")
    assert rows and all(r.accelerator == "h100" and r.accelerator_count == 8 for r in rows)
    assert [r.usd for r in rows] == sorted(r.usd for r in rows)
    assert {r.provider for r in rows} == {"aws", "gcp", "azure"}
    both = {r.accelerator for r in book.with_accelerator("a100")}
    assert both == {"a100-40gb", "a100-80gb"}


def test_find_prices_answers_and_refuses_by_field() -> None:
    result = find_prices(accelerator="h100", count=8, limit=5)
    assert len(result.offers) == 5 and result.matches > 5 and result.regions > 5
    assert [o.usd_per_hour for o in result.offers] == sorted(o.usd_per_hour for o in result.offers)
    assert all(o.usd_per_accelerator_hour == pytest.approx(o.usd_per_hour / 8, rel=1e-3)
               for o in result.offers)  # fmt: skip
    assert any("spot" in n for n in result.notes)
    frankfurt = find_prices(instance_type="ml.g5.2xlarge", region="eu-central-1",
                            purchase="on-demand")  # fmt: skip
    assert [o.region for o in frankfurt.offers] == ["eu-central-1"]
    three = find_prices(accelerator="h100", count=3)
    assert not three.offers and "1, 2, 4, 8" in three.notes[0]
    for bad, field in ((dict(instance_type="g9.huge"), "instance_type"),
                       (dict(accelerator="h100", region="eu-centrl-1"), "eu-central-1"),
                       (dict(accelerator="zz9"), "accelerator"), (dict(), "exactly one"),
                       (dict(instance_type="g5.xlarge", count=2), "count"),
                       (dict(accelerator="h100", purchase="reserved"), "purchase")):  # fmt: skip
        with pytest.raises(ValueError, match=field):
            find_prices(bad)


def _write_catalogs(folder: Path) -> None:
    def table(name: str, header: str, *rows: str) -> None:
        (folder / name).write_text("\n".join([header, *rows]) + "\n")

    table("gcp_vms.csv",
          "InstanceType,vCPUs,MemoryGiB,AcceleratorName,AcceleratorCount,GpuInfo,Region,"
          "AvailabilityZone,Price,SpotPrice",
          "a2-highgpu-1g,12,85,,,,r1,r1-a,1.0,0.5", "a2-highgpu-1g,12,85,,,,r1,r1-b,1.0,0.7",
          "a2-highgpu-1g,12,85,,,,r1,r1-c,1.0,0.9",
          ",,,A100,1,,r1,r1-a,3.0,1.0", ",,,A100,1,,r2,r2-a,3.1,1.1", ",,,A100,1,,r3,r3-a,0.9,0.3",
          ",,,A100,1,,r4,r4-a,2.9,4.0",
          ",,,tpu-v5p-8,1,,r1,r1-a,16.8,6.0", ",,,tpu-v6e-8,1,,r1,r1-a,700.0,1.0",
          "n2-standard-4,4,16,,,,r1,r1-a,0.19,0.05")  # fmt: skip


def test_the_converter_composes_aggregates_and_logs_what_it_leaves_out(tmp_path: Path) -> None:
    _write_catalogs(tmp_path)
    rows, log = convert(tmp_path, "2026-05-20", "2026-12-01")
    by = {(r.sku, r.region, r.purchase): r for r in rows}
    vm = by[("a2-highgpu-1g", "r1", "on-demand")]
    assert vm.usd == pytest.approx(4.0) and vm.accelerator == "a100-40gb"  # VM 1.0 + A100 3.0
    assert "VM 1 + 1 x A100 3" in vm.formula
    assert by[("a2-highgpu-1g", "r1", "spot")].usd == pytest.approx(0.7 + 1.0)  # zone median
    assert by[("tpu-v5p-8", "r1", "on-demand")].accelerator_count == 4  # 8 cores = 4 chips
    assert ("nvidia-tesla-a100", "r3", "on-demand") not in by  # 0.9 against a median of 2.95
    assert ("nvidia-tesla-a100", "r4", "on-demand") not in by  # spot above on-demand
    assert not any(r.sku == "tpu-v6e-8" for r in rows)  # the 700.0 placeholder
    text = "\n".join(log)
    assert "outlier" in text and "spot 4 above on-demand 2.9" in text and "700" in text
    out = tmp_path / "snap.csv.gz"
    assert write(rows, out) == len(rows) and read(out) == tuple(sorted(rows, key=lambda r: r.key))
    assert out.stat().st_mode & 0o044  # readable by all, like any file in the repository


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda cells: cells.__setitem__(6, "-1"), "usd must be a finite number"),
        (lambda cells: cells.__setitem__(6, "abc"), "usd is not a number"),
        (lambda cells: cells.__setitem__(1, "lambda"), "service 'lambda' is not one of"),
        (lambda cells: cells.__setitem__(13, "file:///x"), "source must be a URL"),
        (lambda cells: cells.__setitem__(16, "1"), "estimate must carry its formula"),
        (lambda cells: cells.pop(), "values, the header has"),
    ],
)  # fmt: skip
def test_a_bad_snapshot_is_refused_by_line(tmp_path: Path, change, message: str) -> None:  # type: ignore[no-untyped-def]
    good = ["aws", "ec2", "g5.xlarge", "us-east-1", "on-demand", "hour", "1.006", "", "4",
            "16", "a10g", "1", "24", "https://aws.amazon.com/ec2/pricing/on-demand/",
            "2026-05-20", "2026-12-01", "0", ""]  # fmt: skip
    bad = list(good)
    change(bad)
    path = tmp_path / "bad.csv.gz"
    with gzip.open(path, "wt", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerows([COLUMNS, good, bad])
    with pytest.raises(ValueError, match=rf"line 3: .*{message}"):
        read(path)
    dup = tmp_path / "dup.csv.gz"
    with gzip.open(dup, "wt", newline="") as fh:
        csv.writer(fh).writerows([COLUMNS, good, good])
    with pytest.raises(ValueError, match="line 3: duplicate of line 2"):
        read(dup)


def test_the_snapshot_in_use_moves_with_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = PriceRow("aws", "ec2", "g5.xlarge", "us-east-1", "on-demand", "hour", 0.5,
                   source="https://aws.amazon.com/ec2/pricing/on-demand/")  # fmt: skip
    mine = tmp_path / "mine.csv.gz"
    write([row], mine)
    monkeypatch.setenv("MLINFRA_PRICE_SNAPSHOT", str(mine))
    assert [r.usd for r in catalog().find("g5.xlarge")] == [0.5]
    assert find_prices(instance_type="g5.xlarge").offers[0].usd_per_hour == 0.5
    monkeypatch.setenv("MLINFRA_PRICE_SNAPSHOT", str(tmp_path / "missing.csv.gz"))
    with pytest.raises(ValueError, match="missing.csv.gz"):
        find_prices(instance_type="g5.xlarge")


def test_regional_prices_of_one_instance_stay_within_a_band(book: Catalog) -> None:
    """No region charges more than twice or less than half another's median for the same
    instance: the outliers the providers' catalogs carry were left out at build time."""
    by_sku: dict[tuple[str, str], list[float]] = defaultdict(list)
    for r in book.rows:
        if r.purchase == "on-demand" and r.accelerator:
            by_sku[(r.provider, r.sku)].append(r.usd)
    for key, prices in by_sku.items():
        prices.sort()
        median = prices[len(prices) // 2]
        assert prices[0] >= 0.45 * median and prices[-1] <= 2.2 * median, key


def test_the_prices_find_command_shows_offers_sources_and_clear_errors() -> None:
    from typer.testing import CliRunner

    from assistant.cli import app

    runner = CliRunner()
    shown = runner.invoke(app, ["prices", "find", "h100", "--count", "8", "--limit", "3"])
    assert shown.exit_code == 0, shown.output
    assert "cheapest first" in shown.stdout and "Standard_ND96isr_H100_v5" in shown.stdout
    assert "source: https://" in shown.stdout and "as of 2026-05-20" in shown.stdout
    managed = runner.invoke(app, ["prices", "find", "--instance-type", "ml.g5.2xlarge",
                                  "--region", "eu-west-1", "--json"])  # fmt: skip
    assert managed.exit_code == 0 and "no SageMaker price" in managed.stdout
    wrong = runner.invoke(app, ["prices", "find", "h100", "--region", "eu-centrl-1"])
    assert wrong.exit_code == 1 and "closest known: eu-central-1" in wrong.output


def test_answers_from_an_old_snapshot_carry_its_date() -> None:
    from datetime import date

    from assistant.tools import estimate_cost
    from assistant.tools.prices import staleness

    assert staleness(["2026-05-20 or later"], today=date(2026, 6, 1)) is None
    old = staleness(["2026-05-20", "2026-08-01"], today=date(2026, 12, 1))
    assert old is not None and "2026-05-20, 195 days ago" in old
    assert staleness(["unknown"]) is None
    # the shipped snapshot is of 2026-05-20: more than 90 days before any run from 2026-08-19
    if (date.today() - date(2026, 5, 20)).days > 90:
        assert any("days ago" in n for n in estimate_cost(instance_type="g5.xlarge").notes)
        assert any("days ago" in n for n in find_prices(instance_type="g5.xlarge").notes)


def test_an_imported_file_becomes_the_snapshot_in_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from assistant.cli import app

    monkeypatch.setenv("MLINFRA_DATA_DIR", str(tmp_path / "data"))
    before = find_prices(instance_type="g5.xlarge", region="us-east-1", purchase="on-demand")
    mine = tmp_path / "mine.csv"
    with mine.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerow(["aws", "ec2", "g5.xlarge", "us-east-1", "on-demand", "hour", "0.9",
                         "", "4", "16", "a10g", "1", "24",
                         "https://aws.amazon.com/ec2/pricing/on-demand/", "2026-11-30",
                         "2026-12-01", "0", ""])  # fmt: skip
    runner = CliRunner()
    done = runner.invoke(app, ["prices", "import", str(mine)])
    assert done.exit_code == 0, done.output
    assert "1 prices changed" in done.stdout and "$1.006 -> $0.9" in done.stdout
    assert snapshot_path().parent == tmp_path / "data" / "prices"
    after = find_prices(instance_type="g5.xlarge", region="us-east-1", purchase="on-demand")
    assert before.offers[0].usd_per_hour == 1.006 and after.offers[0].usd_per_hour == 0.9
    assert len(catalog().rows) == len(Catalog.open(SHIPPED).rows)  # the rest carried over
    bad = tmp_path / "bad.csv"
    bad.write_text("provider,usd\naws,1\n")
    refused = runner.invoke(app, ["prices", "import", str(bad)])
    assert refused.exit_code == 1 and "previous snapshot stays in use" in refused.output
    wrong = runner.invoke(app, ["prices", "refresh", "--provider", "oracle"])
    assert wrong.exit_code == 1 and "aws, gcp, azure" in wrong.output


def test_an_instance_and_its_sagemaker_twin_are_never_mixed() -> None:
    ec2 = find_prices(instance_type="p4d.24xlarge", region="us-east-1")
    assert ec2.offers and {o.service for o in ec2.offers} == {"ec2"}
    managed = find_prices(instance_type="ml.p4d.24xlarge", region="us-east-1")
    assert {o.service for o in managed.offers} == {"sagemaker"}
    assert managed.offers[0].usd_per_hour > ec2.offers[-1].usd_per_hour


def test_the_assistants_settings_move_the_prices_it_answers_from(real_bot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from assistant import Assistant, Settings

    question = "What does one g5.xlarge on EC2 cost for a month around the clock in us-east-1?"
    row = PriceRow("aws", "ec2", "g5.xlarge", "us-east-1", "on-demand", "hour", 0.5,
                   accelerator="a10g", accelerator_count=1, vcpus=4, memory_gb=16,
                   source="https://aws.amazon.com/ec2/pricing/on-demand/")  # fmt: skip
    knowledge = tmp_path / "knowledge"
    (knowledge / "data").mkdir(parents=True)
    write([row], knowledge / "data" / "prices.csv.gz")
    for table in ("accelerators.csv", "commitments.csv"):
        (knowledge / "data" / table).write_bytes((SHIPPED.parent / table).read_bytes())

    def asked(**moved: object) -> str:
        base = real_bot.settings.model_dump()
        settings = Settings(**{**base, **moved})
        bot = Assistant(settings, embedder=real_bot.embedder, store=real_bot.store)
        return bot.ask(question).text

    shipped = asked()
    assert "$365" not in shipped
    assert "$365" in asked(knowledge_dir=knowledge)  # 0.5 x 730
    other = tmp_path / "other.csv.gz"
    write([dataclasses.replace(row, usd=0.25)], other)
    assert "$182" in asked(price_snapshot=other)  # 0.25 x 730
    mine = tmp_path / "negotiated.csv"
    header = (REPO / "tests" / "data" / "prices_fixture.csv").read_text().splitlines()[0]
    mine.write_text(
        header + "\naws,ec2,g5.xlarge,us-east-1,1.0,,a10g,1,24,4,16,hour,"
        "https://aws.amazon.com/ec2/pricing/on-demand/,2026-05-20\n"
    )
    assert "$730" in asked(prices=mine)  # the user's own rate, 1.0 x 730
    assert asked() == shipped  # nothing leaks from one assistant to the next
