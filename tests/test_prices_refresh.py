"""Refreshing the price snapshot from the providers' price APIs, and importing a downloaded
file: recorded responses (tests/data/prices/) stand in for the network, nothing else is
faked. What a user sees: the rows of the new dated snapshot, what it carried over, the
diff, and a clear error, with nothing written, whenever a page fails."""

from __future__ import annotations

import contextlib
import copy
import csv
import gzip
import http.server
import json
import threading
import time
import urllib.error
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from assistant.tools.prices.refresh import diff, http_fetch, import_file, refresh
from assistant.tools.prices.row import COLUMNS, PriceRow, cells_of
from assistant.tools.prices.snapshot import read, write

DATA = Path(__file__).parent / "data" / "prices"
DAY = date(2026, 12, 2)
AWS = "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws"
EC2_INDEX = f"{AWS}/AmazonEC2/current/region_index.json"
EC2_US = f"{AWS}/AmazonEC2/20261128194207/us-east-1/index.json"
EC2_EU = f"{AWS}/AmazonEC2/20261128194207/eu-west-1/index.json"
SM_INDEX = f"{AWS}/AmazonSageMaker/current/region_index.json"
SM_US = f"{AWS}/AmazonSageMaker/20261120211033/us-east-1/index.json"
AZURE_1 = ("https://prices.azure.com/api/retail/prices?$filter=serviceName%20eq%20%27Virtual"
           "%20Machines%27%20and%20priceType%20eq%20%27Consumption%27")  # fmt: skip
AZURE_2 = AZURE_1.replace(".com/", ".com:443/") + "&$skip=1000"  # as the API links it
AZURE_EAST = AZURE_1 + "%20and%20armRegionName%20eq%20%27eastus%27"
GCP_1 = "https://cloudbilling.googleapis.com/v1/services/6F81-5844-456A/skus?key=test-key"
GCP_2 = GCP_1 + "&pageToken=ChxzZXJ2aWNlcy82RjgxLTU4NDQtNDU2QS9za3VzEgRiYmJi"
SKYPILOT = ("https://raw.githubusercontent.com/skypilot-org/skypilot-catalog/master/catalogs/"
            "v8/gcp/vms.csv")  # fmt: skip
RECORDED = {EC2_INDEX: "aws_ec2_region_index.json", EC2_US: "aws_ec2_us-east-1.json",
            EC2_EU: "aws_ec2_eu-west-1.json", SM_INDEX: "aws_sagemaker_region_index.json",
            SM_US: "aws_sagemaker_us-east-1.json", AZURE_1: "azure_page1.json",
            AZURE_2: "azure_page2.json", GCP_1: "gcp_billing_page1.json",
            GCP_2: "gcp_billing_page2.json", SKYPILOT: "skypilot_gcp_vms.csv"}  # fmt: skip
EC2_PAGE = "https://aws.amazon.com/ec2/pricing/on-demand/"


class Network:
    """The recorded responses by URL; a response may be an exception to raise. Every
    request is kept, in order; an unrecorded URL fails the test."""

    def __init__(self) -> None:
        self.responses: dict[str, Any] = {url: (DATA / name).read_bytes()
                                          for url, name in RECORDED.items()}  # fmt: skip
        self.requests: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.requests.append(url)
        assert url in self.responses, f"unexpected request {url}"
        answer = self.responses[url]
        if isinstance(answer, BaseException):
            raise answer
        return bytes(answer)

    def page(self, url: str) -> dict[str, Any]:
        return dict(json.loads(self.responses[url]))

    def set(self, url: str, doc: Any) -> None:
        self.responses[url] = (
            doc if isinstance(doc, bytes | BaseException) else json.dumps(doc).encode()
        )


def row(provider: str, service: str, sku: str, region: str, usd: float, **kw: Any) -> PriceRow:
    kw.setdefault("purchase", "on-demand")
    kw.setdefault("unit", "hour")
    pages = {"aws": EC2_PAGE, "gcp": "https://cloud.google.com/compute/all-pricing",
             "azure": "https://azure.microsoft.com/pricing/details/virtual-machines/"}  # fmt: skip
    kw.setdefault("source", pages[provider])
    return PriceRow(provider, service, sku, region, usd=usd, source_version="2026-05-20",
                    fetched="2026-11-01", **kw)  # fmt: skip


PREVIOUS = [
    row("aws", "ec2", "g5.xlarge", "us-east-1", 1.2, vcpus=4, memory_gb=16, accelerator="a10g",
        accelerator_count=1, accelerator_memory_gb=24),
    row("aws", "ec2", "g5.xlarge", "us-east-1", 0.45, purchase="spot", accelerator="a10g",
        accelerator_count=1, source="https://aws.amazon.com/ec2/spot/pricing/"),
    row("aws", "ec2", "g4dn.xlarge", "us-east-1", 0.526, accelerator="t4", accelerator_count=1),
    row("aws", "ec2", "p5.48xlarge", "us-east-1", 98.32, accelerator="h100", accelerator_count=8,
        accelerator_memory_gb=80),
    row("aws", "ec2", "p5.48xlarge", "us-east-1", 60.0, purchase="spot", accelerator="h100",
        accelerator_count=8, source="https://aws.amazon.com/ec2/spot/pricing/"),
    row("gcp", "compute-engine", "n2-standard-4", "us-central1", 0.194236, vcpus=4, memory_gb=16),
    row("gcp", "compute-engine", "nvidia-tesla-t4", "us-central1", 0.30, unit="gpu-hour",
        accelerator="t4", accelerator_count=1, accelerator_memory_gb=16,
        source="https://cloud.google.com/compute/gpus-pricing"),
    row("azure", "azure-vm", "Standard_NC24ads_A100_v4", "eastus", 3.5, vcpus=24, memory_gb=220,
        accelerator="a100-80gb", accelerator_count=1, accelerator_memory_gb=80),
]  # fmt: skip


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """The snapshot folder, holding the previous snapshot."""
    folder = tmp_path / "snapshots"
    write(PREVIOUS, folder / "prices-2026-11-01.csv.gz")
    return folder


def prices(rows: Any, provider: str, purchase: str = "on-demand") -> dict[tuple[str, str], float]:
    return {(r.sku, r.region): r.usd for r in rows
            if r.provider == provider and r.purchase == purchase}  # fmt: skip


def test_aws_reads_every_region_keeps_linux_shared_and_carries_the_rest_over(out: Path) -> None:
    net, notes = Network(), list[str]()
    result = refresh("aws", None, out, fetch=net, progress=notes.append, today=DAY)
    assert net.requests == [EC2_INDEX, EC2_EU, EC2_US]
    assert result.path == out / "prices-2026-12-02.csv.gz"
    rows = read(result.path)
    # no Windows g5.2xlarge, dedicated g4dn.xlarge, SQL Server m5.2xlarge, reserved (0.634),
    # t3 (a family not covered), EBS storage
    assert prices(rows, "aws") == {("g5.xlarge", "us-east-1"): 1.006,
                                   ("p5.48xlarge", "us-east-1"): 55.04,
                                   ("g5.xlarge", "eu-west-1"): 1.123,
                                   ("m5.xlarge", "eu-west-1"): 0.214}  # fmt: skip
    g5 = next(r for r in rows if r.sku == "g5.xlarge" and r.region == "eu-west-1")
    assert (g5.source, g5.source_version, g5.fetched) == (EC2_PAGE, "2026-11-28", "2026-12-02")
    # vCPUs, memory and GPU count from the price list; the accelerator from the old row
    assert (g5.vcpus, g5.memory_gb, g5.accelerator_count, g5.accelerator) == (4, 16, 1, "a10g")
    assert g5.accelerator_memory_gb == 24
    # the bulk files have no spot prices: the old spot rows stay, with their own date, but
    # not one now dearer than on-demand (p5 spot 60 after a cut to 55.04)
    assert prices(rows, "aws", "spot") == {("g5.xlarge", "us-east-1"): 0.45}
    assert "aws p5.48xlarge us-east-1: spot 60 above on-demand 55.04, left out" in result.log
    assert {r.provider for r in rows if r.source_version == "2026-05-20"} == {"aws", "gcp", "azure"}
    assert result.rows == {"aws": 4} and result.kept == {"aws": 1, "azure": 1, "gcp": 2}
    assert result.total == len(rows) == 8
    removed = [(r.sku, r.purchase) for r in result.diff["removed"]]
    assert removed == [("g4dn.xlarge", "on-demand"), ("p5.48xlarge", "spot")]
    added = {(r.sku, r.region) for r in result.diff["added"]}
    assert added == {("g5.xlarge", "eu-west-1"), ("m5.xlarge", "eu-west-1")}
    moved = [(m["row"].sku, m["old"], m["new"], round(m["change"], 3))
             for m in result.diff["moved"]]  # fmt: skip
    assert moved == [("p5.48xlarge", 98.32, 55.04, -0.44), ("g5.xlarge", 1.2, 1.006, -0.162)]
    assert "aws: AmazonEC2 eu-west-1 (1/2)" in notes
    assert read(out / "prices-2026-11-01.csv.gz") == tuple(sorted(PREVIOUS, key=lambda r: r.key))


def test_a_region_filter_reads_only_that_region_and_replaces_only_its_rows(out: Path) -> None:
    net = Network()
    result = refresh("aws", ["eu-west-1"], out, fetch=net, today=DAY)
    assert net.requests == [EC2_INDEX, EC2_EU]
    on_demand = prices(read(result.path), "aws")
    assert on_demand[("g5.xlarge", "eu-west-1")] == 1.123
    assert on_demand[("g5.xlarge", "us-east-1")] == 1.2  # us-east-1 untouched
    assert on_demand[("g4dn.xlarge", "us-east-1")] == 0.526
    assert result.diff["removed"] == [] and result.diff["moved"] == []
    unknown = r"aws: .*region_index.json: no AmazonEC2 price list for mars-1 \(it lists eu-west-1"
    with pytest.raises(ValueError, match=unknown):
        refresh("aws", ["mars-1"], out, fetch=Network(), today=DAY)


def test_sagemaker_rows_by_component_when_asked(out: Path) -> None:
    net = Network()
    result = refresh("aws", ["us-east-1"], out, fetch=net, sagemaker=True, today=DAY)
    assert net.requests == [EC2_INDEX, EC2_US, SM_INDEX, SM_US]
    managed = {r.component: r for r in read(result.path) if r.service == "sagemaker"}
    assert {c: r.usd for c, r in managed.items()} == {"hosting": 1.408, "training": 1.4084,
                                                      "batch-transform": 1.408}  # fmt: skip
    hosting = managed["hosting"]
    assert hosting.sku == "ml.g5.xlarge" and hosting.unit == "hour"  # storage GB-Mo left out
    assert hosting.source == "https://aws.amazon.com/sagemaker/pricing/"
    assert (hosting.source_version, hosting.accelerator, hosting.vcpus) == ("2026-11-20", "a10g", 4)
    assert result.rows == {"aws": 5}


def test_azure_follows_next_page_links_with_spot_and_without_windows(out: Path) -> None:
    net = Network()
    result = refresh("azure", None, out, fetch=net, today=DAY)
    assert net.requests == [AZURE_1, AZURE_2]
    rows = read(result.path)
    a100 = "Standard_NC24ads_A100_v4"
    assert prices(rows, "azure") == {
        (a100, "eastus"): 3.673,
        ("Standard_D4s_v5", "westeurope"): 0.23,
    }
    assert prices(rows, "azure", "spot") == {(a100, "eastus"): 1.2612,
                                             ("Standard_D4s_v5", "westeurope"): 0.0395}  # fmt: skip
    # the Windows-only NC48ads, Low Priority 0.7346 and the A-series left out
    assert {r.sku for r in rows if r.provider == "azure"} == {a100, "Standard_D4s_v5"}
    assert all(r.usd != 0.7346 for r in rows)
    assert {r.source_version for r in rows if r.provider == "azure"} == {"2026-11-01"}
    spot = next(r for r in rows if r.sku == a100 and r.purchase == "spot")
    assert (spot.accelerator, spot.vcpus, spot.accelerator_memory_gb) == ("a100-80gb", 24, 80)
    assert result.diff["moved"][0]["row"].sku == a100 and result.diff["changed"] == 1


def test_azure_asks_for_the_region_and_keeps_only_it(out: Path) -> None:
    net = Network()
    first = net.page(AZURE_1)
    first["NextPageLink"] = AZURE_EAST + "&$skip=1000"
    net.set(AZURE_EAST, first)
    net.set(AZURE_EAST + "&$skip=1000", net.page(AZURE_2) | {"NextPageLink": None})
    rows = read(refresh("azure", ["eastus"], out, fetch=net, today=DAY).path)
    assert net.requests == [AZURE_EAST, AZURE_EAST + "&$skip=1000"]
    assert {r.region for r in rows if r.provider == "azure"} == {"eastus"}


def test_gcp_with_a_key_maps_gpu_skus_over_every_page(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLINFRA_GCP_API_KEY", "test-key")
    net = Network()
    result = refresh("gcp", ["us-central1", "us-east1"], out, fetch=net, today=DAY)
    assert net.requests == [GCP_1, GCP_2]
    rows = read(result.path)
    gpus = {(r.sku, r.region, r.purchase): r.usd for r in rows if r.unit == "gpu-hour"}
    assert gpus == {("nvidia-tesla-t4", "us-central1", "on-demand"): 0.35,
                    ("nvidia-tesla-t4", "us-central1", "spot"): 0.14,
                    ("nvidia-tesla-t4", "us-east1", "on-demand"): 0.35,
                    ("nvidia-tesla-t4", "us-east1", "spot"): 0.14,
                    ("nvidia-l4", "us-central1", "on-demand"): 0.56004}  # fmt: skip
    t4 = next(r for r in rows if r.sku == "nvidia-tesla-t4")
    assert (t4.accelerator, t4.accelerator_memory_gb, t4.source_version) == ("t4", 16, "2026-12-01")
    assert t4.source == "https://cloud.google.com/compute/gpus-pricing"
    # machine types are not mapped from the catalog: the old row stays
    assert prices(rows, "gcp")[("n2-standard-4", "us-central1")] == 0.194236
    assert result.diff["moved"][0]["change"] == pytest.approx(0.35 / 0.30 - 1)


def test_gcp_without_a_key_converts_skypilots_catalog(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MLINFRA_GCP_API_KEY", raising=False)
    net = Network()
    rows = read(refresh("gcp", None, out, fetch=net, today=DAY).path)
    assert net.requests == [SKYPILOT]
    assert prices(rows, "gcp")[("n2-standard-4", "us-central1")] == 0.194236
    assert prices(rows, "gcp", "spot")[("n2-standard-4", "us-central1")] == pytest.approx(0.048)
    assert prices(rows, "gcp")[("nvidia-tesla-t4", "europe-west4")] == 0.41
    assert {r.source_version for r in rows if r.provider == "gcp"} == {"2026-12-02"}


def _only_windows(net: Network) -> dict[str, Any]:
    page = net.page(EC2_US)
    page["products"] = {k: v for k, v in page["products"].items()
                        if v["attributes"].get("operatingSystem") == "Windows"}  # fmt: skip
    return page


def _no_price(net: Network) -> dict[str, Any]:
    page = copy.deepcopy(net.page(AZURE_2))
    del page["Items"][0]["retailPrice"]
    return page


def _http(url: str, code: int, reason: str) -> urllib.error.HTTPError:
    return urllib.error.HTTPError(url, code, reason, None, None)  # type: ignore[arg-type]


NO_ANSWER = "timed out, no answer"
FAILURES = [
    ("aws", EC2_US, lambda n: _http(EC2_US, 503, "Service Unavailable"), "HTTP 503"),
    ("aws", EC2_EU, lambda n: TimeoutError("The read operation timed out"), NO_ANSWER),
    ("aws", EC2_INDEX, lambda n: urllib.error.URLError(TimeoutError("timed out")), NO_ANSWER),
    ("aws", EC2_EU, lambda n: b'{"products": {"8HCDKV7ZM7Q8SUZE": {', "not JSON"),
    ("aws", EC2_US, lambda n: {"formatVersion": "v1.0", "products": {}}, "no 'terms' dict"),
    ("aws", EC2_US, _only_windows, "no prices left after filtering in us-east-1"),
    ("azure", AZURE_2, lambda n: _http(AZURE_2, 429, "Too Many Requests"), "HTTP 429"),
    ("azure", AZURE_2, lambda n: TimeoutError("timed out"), NO_ANSWER),  # socket.timeout's class
    ("azure", AZURE_2, lambda n: b"<html><body>Service Unavailable</body></html>", "not JSON"),
    ("azure", AZURE_2, lambda n: {"BillingCurrency": "USD", "NextPageLink": None}, "no 'Items'"),
    ("azure", AZURE_2, _no_price, "item 0 has no retailPrice"),
    ("gcp", GCP_2, lambda n: _http(GCP_2, 403, "Forbidden"), "HTTP 403"),
    ("gcp", GCP_1, lambda n: {"nextPageToken": ""}, "no 'skus' list"),
    ("gcp", SKYPILOT, lambda n: b"InstanceType,Price\nn2-standard-4,0.19\n", "no column vCPUs"),
]  # fmt: skip


@pytest.mark.parametrize(("provider", "url", "answer", "reason"), FAILURES)
def test_every_failure_names_provider_and_url_and_writes_nothing(
    out: Path,
    monkeypatch: pytest.MonkeyPatch,
    provider: str,
    url: str,
    answer: Callable[[Network], Any],
    reason: str,
) -> None:
    key = "test-key" if url != SKYPILOT else ""
    monkeypatch.setenv("MLINFRA_GCP_API_KEY", key)
    regions = ["us-east-1"] if "filtering" in reason else None
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    net = Network()
    net.set(url, answer(net))
    with pytest.raises(ValueError) as caught:
        refresh(provider, regions, out, fetch=net, today=DAY)
    message = str(caught.value)
    assert message.startswith(f"{provider}: ") and reason in message, message
    assert url.replace("key=test-key", "key=REDACTED") in message and "test-key" not in message
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no new file, no .tmp


def test_the_diff_names_added_removed_and_the_ten_largest_moves() -> None:
    old = [row("aws", "ec2", f"m5.{n}xlarge", "us-east-1", 1.0) for n in range(1, 14)]
    new = [row("aws", "ec2", f"m5.{n}xlarge", "us-east-1", 1.0 + n / 100) for n in range(1, 13)]
    new += [row("aws", "ec2", "m5.1xlarge", "us-east-1", 0.5, purchase="spot")]
    new[0] = row("aws", "ec2", "m5.1xlarge", "us-east-1", 1.0)  # unchanged
    result = diff(old, new)
    assert [r.sku for r in result["added"]] == ["m5.1xlarge"]  # its spot row
    assert [r.sku for r in result["removed"]] == ["m5.13xlarge"]
    assert result["changed"] == 11
    assert [m["row"].sku for m in result["moved"]] == [f"m5.{n}xlarge" for n in range(12, 2, -1)]
    assert result["moved"][0]["change"] == pytest.approx(0.12)


def test_import_takes_our_snapshot_gzip_or_plain(tmp_path: Path) -> None:
    mine = [row("azure", "azure-vm", "Standard_NC24ads_A100_v4", "eastus", 3.673)]
    write(mine, tmp_path / "mine.csv.gz")
    with (tmp_path / "mine.csv").open("w", newline="") as fh:
        csv.writer(fh).writerows([COLUMNS, cells_of(mine[0])])
    for name in ("mine.csv.gz", "mine.csv"):
        rows = import_file(tmp_path / name, PREVIOUS)
        assert prices(rows, "azure") == {("Standard_NC24ads_A100_v4", "eastus"): 3.673}
        assert len(rows) == len(PREVIOUS)  # the others carry over


def test_import_takes_skypilot_catalogs_by_their_header() -> None:
    aws = import_file(DATA / "aws_ec2_ml_by_region.csv", PREVIOUS, version="2026-11-30")
    assert prices(aws, "aws") == {("g5.xlarge", "us-east-1"): 1.006,
                                  ("p5.48xlarge", "us-east-1"): 55.04}  # fmt: skip
    assert prices(aws, "aws", "spot") == {("g5.xlarge", "us-east-1"): 0.4524}
    assert {r.source_version for r in aws if r.provider == "aws"} == {"2026-11-30"}
    gcp = import_file(DATA / "skypilot_gcp_vms.csv", PREVIOUS)
    assert prices(gcp, "gcp")[("nvidia-tesla-t4", "us-central1")] == 0.35
    azure = import_file(DATA / "skypilot_azure_vms.csv", PREVIOUS)
    assert prices(azure, "azure", "spot")[("Standard_D4s_v5", "westeurope")] == 0.0395


@pytest.mark.parametrize(
    ("name", "lines", "message"),
    [
        ("aws_ec2_ml_by_region.csv", ["g5.2xlarge,us-east-1,8,32,A10G,1,abc,,,0"],
         r"line 4: OnDemandUSDPerHour must be a number >= 0 \('abc'\)"),
        ("skypilot_gcp_vms.csv", ["n2-standard-8,,,8.0,32.0,,0.39,0.09,,"],
         "line 8: Region and InstanceType"),
        ("skypilot_gcp_vms.csv", ["n2-standard-8,,,8.0,32.0"], "line 8: 5 values, the header"),
        ("skypilot_azure_vms.csv", ["Standard_D8s_v5,,,8,32,,-0.46,,eastus,V2"],
         "line 4: Price must be a number >= 0"),
    ],
)  # fmt: skip
def test_a_bad_file_is_refused_with_its_line(
    tmp_path: Path, name: str, lines: list[str], message: str
) -> None:
    path = tmp_path / name
    path.write_text((DATA / name).read_text() + "\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=message):
        import_file(path, PREVIOUS)


def test_a_bad_snapshot_or_an_unknown_file_is_refused_with_its_line(tmp_path: Path) -> None:
    good = cells_of(PREVIOUS[0])
    bad = list(good)
    bad[COLUMNS.index("usd")] = "1,2"
    path = tmp_path / "prices.csv.gz"
    with gzip.open(path, "wt", newline="") as fh:
        csv.writer(fh).writerows([COLUMNS, good, bad])
    with pytest.raises(ValueError, match=r"prices.csv.gz, line 3: usd is not a number"):
        import_file(path, PREVIOUS)
    other = tmp_path / "vms.csv"
    other.write_text("InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,"
                     "Price,SpotPrice,Region,AvailabilityZone\n"
                     "g5.xlarge,A10G,1,4,16,,1.006,0.45,us-east-1,us-east-1a\n")  # fmt: skip
    with pytest.raises(ValueError, match="line 2: g5.xlarge is an AWS instance type"):
        import_file(other, PREVIOUS)
    (tmp_path / "notes.csv").write_text("name,price\nfoo,1\n")
    with pytest.raises(ValueError, match="line 1: neither a price snapshot"):
        import_file(tmp_path / "notes.csv", PREVIOUS)


@pytest.fixture
def local_server() -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on 127.0.0.1: `/ok` answers, `/slow` takes 2 s; the User-Agents."""
    agents: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            agents.append(self.headers.get("User-Agent", ""))
            if self.path == "/slow":
                time.sleep(2)
            with contextlib.suppress(OSError):  # the client that gave up has gone
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

        def log_message(self, *args: Any) -> None:
            """Keep the server's request log out of the test output."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", agents
    finally:
        server.shutdown()
        server.server_close()


def test_http_fetch_sends_a_user_agent_and_gives_up_at_its_timeout(
    local_server: tuple[str, list[str]],
) -> None:
    base, agents = local_server
    assert http_fetch(f"{base}/ok") == b'{"ok": true}'
    assert agents[0].startswith("mlinfra-price-refresh/")
    started = time.monotonic()
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        http_fetch(f"{base}/slow", timeout=0.3)
    assert time.monotonic() - started < 1.5
