"""Build the shipped snapshot from SkyPilot-format catalogs:

    python -m assistant.tools.prices.build FOLDER --version 2026-05-20 \
        [--aws-version "2026-05-20 or later"] [--sagemaker knowledge/data/sources/sagemaker.csv]
        [--extra knowledge/data/sources/fees.csv] [-o OUT] [--log LOG]

FOLDER holds any of `aws_ec2_ml_by_region.csv` (+ `aws_ec2_ml.csv`), `gcp_vms.csv`,
`azure_vms.csv`. Prints the rows per provider and service, and writes what was left out,
and why, to LOG.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from assistant.tools.prices import snapshot, snapshot_path
from assistant.tools.prices.sagemaker import sagemaker_rows
from assistant.tools.prices.skypilot import convert


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--version", required=True, help="the sources' date, YYYY-MM-DD")
    parser.add_argument("--aws-version", default=None, help="the AWS file's date, if other")
    parser.add_argument(
        "--sagemaker",
        type=Path,
        default=None,
        help="AWS-authored SageMaker prices (knowledge/data/sources/sagemaker.csv)",
    )
    parser.add_argument(
        "--extra",
        type=Path,
        action="append",
        default=[],
        help="rows in the snapshot's own columns (e.g. sources/fees.csv)",
    )
    parser.add_argument("-o", "--out", type=Path, default=None)
    parser.add_argument("--log", type=Path, default=None)
    args = parser.parse_args(argv)
    fetched = time.strftime("%Y-%m-%d")
    rows, log = convert(args.folder, args.version, fetched, args.aws_version)
    if args.sagemaker:
        rows += sagemaker_rows(args.sagemaker, rows, fetched, log)
    for extra in args.extra:
        rows += snapshot.read(extra)
    if not rows:
        print(f"no SkyPilot-format catalog in {args.folder}", file=sys.stderr)
        return 1
    out = args.out or snapshot_path()
    snapshot.write(rows, out)
    counts = Counter((r.provider, r.service, r.purchase) for r in rows)
    for (provider, service, purchase), n in sorted(counts.items()):
        print(f"{provider:6} {service:15} {purchase:10} {n:6} rows")
    print(f"{len(rows)} rows -> {out} ({out.stat().st_size / 1e6:.2f} MB); {len(log)} left out")
    if args.log:
        args.log.write_text("\n".join(log) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
