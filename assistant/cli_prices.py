"""`mlinfra prices`: the price snapshot from the command line.

mlinfra prices find h100 --count 8                 # every cloud and region, cheapest first
mlinfra prices find --instance-type ml.g5.2xlarge --region eu-west-1
mlinfra prices refresh --provider azure --region westeurope   # from the provider's price API
mlinfra prices import aws_ec2_ml_by_region.csv                 # a file you downloaded
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from assistant.cli_console import _fail, _validation_message, err, out

prices_app = typer.Typer(help="Look prices up in the snapshot.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(prices_app, name="prices")


@prices_app.callback()
def _settings(ctx: typer.Context) -> None:
    """Look prices up in the snapshot."""
    from assistant.cli_console import _assistant
    from assistant.tools.prices import using

    ctx.with_resource(using(_assistant().settings))  # MLINFRA_* from the environment or .env


@prices_app.command("find")
def find(
    accelerator: Annotated[
        str | None, typer.Argument(help="An accelerator: h100, a100-80gb, l4, v5e, ...")
    ] = None,
    count: Annotated[int | None, typer.Option(help="Accelerators per instance.")] = None,
    instance_type: Annotated[
        str | None, typer.Option("--instance-type", help="Instead of an accelerator.")
    ] = None,
    provider: Annotated[str | None, typer.Option(help="aws, gcp or azure.")] = None,
    region: Annotated[str | None, typer.Option(help="A provider's region code.")] = None,
    purchase: Annotated[str | None, typer.Option(help="on-demand or spot (default both).")] = None,
    limit: Annotated[int, typer.Option(help="Offers to show.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
) -> None:
    """Where an accelerator or instance type can be had, and for how much: every cloud and
    region in the snapshot, on-demand and spot, cheapest first, with sources and dates."""
    from rich.table import Table

    from assistant.tools import find_prices

    given = {"accelerator": accelerator, "count": count, "instance_type": instance_type,
             "provider": provider, "region": region, "purchase": purchase,
             "limit": limit}  # fmt: skip
    try:
        result = find_prices({k: v for k, v in given.items() if v is not None})
    except ValueError as exc:
        raise _fail(_validation_message(exc)) from None
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return
    table = Table(title=f"{result.matches} offers in {result.regions} regions, cheapest first",
                  title_justify="left")  # fmt: skip
    for column in ("cloud", "instance", "region", "purchase", "USD/h", "each/h"):
        table.add_column(column, justify="right" if "/h" in column else "left",
                         no_wrap=column == "instance")  # fmt: skip
    for o in result.offers:
        each = f"{o.usd_per_accelerator_hour:,.4g}" if o.usd_per_accelerator_hour else ""
        table.add_row(o.provider, o.instance_type, o.region, o.purchase,
                      f"{o.usd_per_hour:,.4f}", each)  # fmt: skip
    out.print(table)
    for note in result.notes:
        out.print(f"note: {note}", highlight=False)
    for source, as_of in sorted({(o.source, o.as_of) for o in result.offers}):
        out.print(f"source: {source} (as of {as_of})", highlight=False, soft_wrap=True)


@prices_app.command("refresh")
def refresh(
    provider: Annotated[str | None, typer.Option(help="aws, gcp or azure (default all).")] = None,
    region: Annotated[
        list[str] | None, typer.Option(help="A region of that provider (repeatable).")
    ] = None,
    sagemaker: Annotated[bool, typer.Option(help="AWS: SageMaker's prices too.")] = False,
) -> None:
    """Download prices from the providers' public price APIs into a new dated snapshot
    (in the data dir's prices/), used from then on; print what changed."""
    from rich.status import Status

    from assistant.tools.prices import refreshed_dir
    from assistant.tools.prices.refresh import refresh as run

    with Status("refreshing prices", console=err) as status:
        try:
            result = run(provider, region, refreshed_dir(), progress=status.update,
                         sagemaker=sagemaker)  # fmt: skip
        except ValueError as exc:
            raise _fail(f"{exc}; the previous snapshot stays in use") from None
    fetched = ", ".join(f"{p} {n:,}" for p, n in result.rows.items())
    out.print(f"{result.path}: {result.total:,} rows ({fetched} fetched)", highlight=False)
    _print_diff(result.diff)


@prices_app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="Our snapshot format, or a SkyPilot catalog.")],
    version: Annotated[
        str | None, typer.Option(help="The file's date, YYYY-MM-DD (default: its mtime).")
    ] = None,
) -> None:
    """Merge a price file you downloaded into a new dated snapshot, used from then on."""
    import time

    from assistant.tools.prices import catalog, refreshed_dir, snapshot
    from assistant.tools.prices.refresh import diff, import_file

    previous = catalog().rows
    try:
        rows = import_file(path, previous, version=version)
    except ValueError as exc:
        raise _fail(f"{exc}; the previous snapshot stays in use") from None
    target = refreshed_dir() / f"prices-{time.strftime('%Y-%m-%d')}.csv.gz"
    snapshot.write(rows, target)
    out.print(f"{target}: {len(rows):,} rows", highlight=False)
    _print_diff(diff(previous, rows))


def _print_diff(change: dict[str, Any]) -> None:
    out.print(f"added {len(change['added']):,} rows, removed {len(change['removed']):,}, "
              f"{change['changed']:,} prices changed", highlight=False)  # fmt: skip
    for move in change["moved"]:
        row = move["row"]
        out.print(f"  {row.provider} {row.sku} {row.region} {row.purchase}: "
                  f"${move['old']:g} -> ${move['new']:g} ({move['change']:+.0%})",
                  highlight=False)  # fmt: skip
