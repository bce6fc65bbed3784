"""`mlinfra prices`: the price snapshot from the command line.

mlinfra prices find h100 --count 8                 # every cloud and region, cheapest first
mlinfra prices find --instance-type ml.g5.2xlarge --region eu-west-1
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from assistant.cli_console import _fail, out

prices_app = typer.Typer(help="Look prices up in the snapshot.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(prices_app, name="prices")


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

    from assistant.cli import _validation_message
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
