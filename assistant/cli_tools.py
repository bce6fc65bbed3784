"""`mlinfra choose`, `mlinfra cost`, `mlinfra accelerator`: the decision tools from the
command line, each option named as the tool's field; `--json` prints the result as JSON.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from assistant.cli_console import _fail, _validation_message, out


def register(app: typer.Typer) -> None:
    for command in (choose, cost, accelerator):
        app.command()(command)


def choose(
    team_size: Annotated[int | None, typer.Option(help="Engineers (>= 1).")] = None,
    ml_models: Annotated[int | None, typer.Option(help="Models in production (>= 0).")] = None,
    budget: Annotated[float | None, typer.Option(help="ML budget, USD per year.")] = None,
    engineer_cost: Annotated[
        float | None, typer.Option(help="USD per engineer-year, fully loaded.")
    ] = None,
    time_to_market: Annotated[str | None, typer.Option(help="urgent, normal or flexible.")] = None,
    multi_cloud: Annotated[
        bool | None, typer.Option("--multi-cloud/--single-cloud", help="Several clouds?")
    ] = None,
    compliance: Annotated[
        str | None, typer.Option(help="none, HIPAA, PCI, SOC2 or another regime.")
    ] = None,
    requires_custom_controls: Annotated[
        bool | None,
        typer.Option("--custom-controls/--no-custom-controls", help="Custom controls needed?"),
    ] = None,
    data_stays_in_cloud: Annotated[
        bool | None,
        typer.Option(
            "--data-in-cloud/--data-out-of-cloud",
            help="May the provider's managed ML services process the data?",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Managed platform, Kubernetes or hybrid: the build-vs-buy rules, with flips."""
    result = _run_tool("choose_infrastructure", locals())
    if result is None:
        return
    from rich.table import Table

    out.print(
        f"[bold]overall: {result.overall}[/]  (training {result.training}, serving "
        f"{result.serving}, experimentation {result.experimentation})"
    )
    table = Table(title="Why", title_justify="left")
    for col in ("rule", "detail", "source"):
        table.add_column(col)
    for r in result.reasons:
        table.add_row(r.rule, r.detail, f"{r.source} > {r.heading}")
    out.print(table)
    for a in result.assumptions:
        out.print(f"assumed: {a}", highlight=False)
    for f in result.flips:
        out.print(f"flips to {f.overall} if {f.change}", highlight=False)


def cost(
    instance_type: Annotated[
        str | None, typer.Option(help="AWS, GCP or Azure name, with or without ml.")
    ] = None,
    workload: Annotated[str | None, typer.Option(help="inference or training.")] = None,
    instance_count: Annotated[int | None, typer.Option(help="Instances (>= 1).")] = None,
    hours_per_month: Annotated[float | None, typer.Option(help="0-744 hours.")] = None,
    spot: Annotated[bool | None, typer.Option("--spot/--on-demand", help="Spot?")] = None,
    mode: Annotated[
        str | None, typer.Option(help="realtime, serverless, async, batch or multi_model.")
    ] = None,
    models: Annotated[int | None, typer.Option(help="Models served (>= 1).")] = None,
    requests_per_month: Annotated[int | None, typer.Option(help="Serverless.")] = None,
    avg_duration_ms: Annotated[float | None, typer.Option(help="Serverless.")] = None,
    memory_gb: Annotated[float | None, typer.Option(help="Serverless, 1-6 GB.")] = None,
    platforms: Annotated[
        list[str] | None,
        typer.Option(
            "--platform",
            help="sagemaker, eks, vertex, gke, azure-ml, aks, ec2, compute-engine, azure-vm.",
        ),
    ] = None,
    engineer_cost: Annotated[float | None, typer.Option(help="USD per engineer-year.")] = None,
    ops_fraction: Annotated[
        float | None, typer.Option(help="Engineers per self-managed cluster.")
    ] = None,
    region: Annotated[
        str | None, typer.Option(help="The provider's region code (default its own).")
    ] = None,
    purchase: Annotated[
        str | None,
        typer.Option(help="on-demand, spot, savings-plan-1y/3y or committed-1y/3y."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Monthly cost on SageMaker, EKS, Vertex AI, GKE, Azure ML and AKS, with the arithmetic
    shown."""
    result = _run_tool("estimate_cost", locals())
    if result is None:
        return
    from rich.table import Table

    table = Table(title="Monthly cost", title_justify="left", show_lines=True)
    for col in ("platform", "USD/month", "breakdown"):
        table.add_column(col)
    for o in result.options:
        lines = "\n".join(f"{ln.item}: ${ln.usd:,.2f} = {ln.formula}" for ln in o.breakdown)
        table.add_row(o.platform, f"{o.monthly_usd:,.2f}", lines)
    out.print(table)
    out.print(f"cheapest: {result.cheapest}", highlight=False)
    for o in result.options:
        for a in o.assumptions:
            out.print(
                f"price: {a.item} ${a.unit_price:g} {a.unit} ({a.source}, as of {a.as_of})",
                highlight=False,
            )
    for o in result.options:
        if o.commitment is not None:
            c = o.commitment
            out.print(f"{o.platform} with {c.plan}: up to {c.up_to_pct:g}% off the compute, "
                      f"from ${c.from_usd:,.2f} a month ({c.source})", highlight=False)  # fmt: skip
    for b in result.break_even:
        out.print(f"break-even: {b.detail}", highlight=False)
    for n in result.notes + [f"assumed: {a}" for a in result.assumptions]:
        out.print(n, highlight=False)


def accelerator(
    workload: Annotated[str | None, typer.Option(help="training or inference.")] = None,
    framework: Annotated[
        str | None, typer.Option(help="pytorch, jax, tensorflow or other.")
    ] = None,
    model_type: Annotated[
        str | None, typer.Option(help="transformer, cnn, recsys, custom or other.")
    ] = None,
    cloud: Annotated[str | None, typer.Option(help="aws, gcp, azure or any.")] = None,
    latency: Annotated[str | None, typer.Option(help="realtime or batch.")] = None,
    custom_ops: Annotated[
        bool | None, typer.Option("--custom-ops/--no-custom-ops", help="Custom kernels?")
    ] = None,
    params_billion: Annotated[float | None, typer.Option(help="Model size, billions.")] = None,
    precision: Annotated[str | None, typer.Option(help="fp32, bf16, fp16, int8 or int4.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """TPU or GPU, a concrete chip, and how many hold the model."""
    result = _run_tool("select_accelerator", locals())
    if result is None:
        return
    out.print(
        f"[bold]{result.accelerator}: {result.suggested}[/]  (alternatives: "
        f"{', '.join(result.alternatives)})"
    )
    for r in result.reasons:
        out.print(
            f"- {r.rule}: {r.detail} [{r.source} > {r.heading}]", highlight=False, markup=False
        )
    if result.memory:
        out.print(f"memory: {result.memory.formula}", highlight=False)
    if result.price:
        p = result.price
        out.print(
            f"price: {p['chips']} x {result.suggested} at ${p['usd_per_chip_hour']:g}/chip-"
            f"hour on {p['instance_type']} = ${p['usd_per_hour_for_chips']:g}/h "
            f"({p['source']}, as of {p['as_of']})",
            highlight=False,
        )
    for a in result.assumptions:
        out.print(f"assumed: {a}", highlight=False)


def _run_tool(name: str, options: dict[str, Any]) -> Any:
    """Run the tool `name` on a command's options, named as the tool's fields (unset ones
    keep the tool's defaults, which it lists as assumptions); print JSON and return None
    with --json, else the result."""
    from assistant.tools import TOOLS

    options = dict(options)
    as_json = options.pop("as_json", False)
    given = {k: v for k, v in options.items() if v is not None and v != []}
    try:
        result = TOOLS[name][0](given)
    except ValueError as exc:
        raise _fail(_validation_message(exc)) from None
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return None
    return result
