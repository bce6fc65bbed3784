"""SageMaker rows from AWS-authored files (`knowledge/data/sources/sagemaker.csv`): no
public copy of the AWS Price List's AmazonSageMaker offer files reached this project, so
these are the figures AWS's own repositories publish (a saved Price List API response, an
AWS bill's rate lines, test values checked against the pricing page, a benchmarking tool's
price table), each with its file at a fixed commit. `mlinfra prices refresh --sagemaker`
replaces them from the Price List itself.

Columns: instance_type, component (hosting, training, batch-transform, processing,
notebook), region, usd_per_hour, source (URL), source_date, notes. The file lists the most
authoritative source first; a later row with the same instance, component and region is
left out.
"""

from __future__ import annotations

import csv
from pathlib import Path

from assistant.tools.prices.row import PriceRow, check


def sagemaker_rows(path: Path, ec2: list[PriceRow], fetched: str, log: list[str]) -> list[PriceRow]:
    """The file's rows, with the hardware of each instance's EC2 twin."""
    twins = {(r.sku, r.region): r for r in ec2 if r.service == "ec2"}
    by_name = {r.sku: r for r in ec2 if r.service == "ec2"}
    out: dict[tuple[str, ...], PriceRow] = {}
    with Path(path).open(newline="") as fh:
        for number, cells in enumerate(csv.DictReader(fh), start=2):
            where = f"{path}, line {number}"
            name = cells["instance_type"]
            base = name.removeprefix("ml.")
            twin = twins.get((base, cells["region"])) or by_name.get(base)
            try:
                usd = float(cells["usd_per_hour"])
            except ValueError:
                raise ValueError(f"{where}: usd_per_hour is not a number") from None
            row = PriceRow(
                provider="aws", service="sagemaker", sku=name, region=cells["region"],
                purchase="on-demand", unit="hour", usd=usd, component=cells["component"],
                vcpus=twin.vcpus if twin else None, memory_gb=twin.memory_gb if twin else None,
                accelerator=twin.accelerator if twin else "",
                accelerator_count=twin.accelerator_count if twin else 0,
                accelerator_memory_gb=twin.accelerator_memory_gb if twin else None,
                source=cells["source"], source_version=cells["source_date"][:10],
                fetched=fetched, formula=cells.get("notes", ""),
            )  # fmt: skip
            check(row, where)
            if row.key in out:
                log.append(f"sagemaker {name} {row.component} {row.region}: also in a later "
                           f"source ({usd:g}), the first kept ({out[row.key].usd:g})")  # fmt: skip
                continue
            out[row.key] = row
    return list(out.values())
