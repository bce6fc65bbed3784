"""`estimate_cost`: monthly cost of a training or inference workload on SageMaker, EKS,
Vertex AI, GKE, Azure ML and AKS, from the price snapshot (knowledge/data/prices.csv.gz,
see knowledge/data/PRICES.md) and the user's own rates.

Every line of the result shows its arithmetic (unit price x quantity), with the unit
price's source and as-of date, so a reader can redo it by hand. Self-managed platforms
(EKS, GKE) carry two more lines than their instances: the cluster fee and the engineers'
time to run the cluster (a fraction of an engineer per cluster), so the options compare
total cost of ownership, not only the bill.

Cross-cloud equivalents are matched by accelerator and count (A10G has no GCP twin and maps
to L4); CPU instances map to the GCP type with the nearest vCPU count.
"""

from __future__ import annotations

import difflib
from typing import Any

from assistant.tools.cost_managed import (
    AZURE_ML_NOTE,
    azure_ml_row,
    sagemaker_row,
    spot_factor,
    vertex_row,
)
from assistant.tools.cost_models import (
    CLOUD_OF,
    CLUSTER_HOURS,
    DEFAULT_PLATFORMS,
    DEFAULTS,
    VM_PLATFORMS,
    CostEstimate,
    CostOption,
    CostRequest,
    Line,
    PriceAssumption,
    _assumption,
)
from assistant.tools.cost_parts import apply_commitment, break_even, serverless
from assistant.tools.cost_prices import (
    DEFAULT_REGION,
    SERVICE_OF,
    _num,
    equivalent,
    instance_row,
    known_provider,
    known_regions,
    override_rows,
    regions_with,
)
from assistant.tools.inputs import validated
from assistant.tools.prices import catalog as snapshot
from assistant.tools.prices import staleness
from assistant.tools.regions import REGION_CODES, nearest

COMMITMENTS = ("savings-plan-1y", "savings-plan-3y", "committed-1y", "committed-3y")
MANAGED_NAME = {"sagemaker": "SageMaker", "vertex": "Vertex AI", "azure-ml": "Azure ML"}
CLOUD_NAME = {"aws": "AWS", "gcp": "Google Cloud", "azure": "Azure"}


def _resolve(instance_type: str, region: str | None) -> tuple[str, dict[str, str], str]:
    """(provider, the instance's price row, region) for an AWS or GCP instance name, with
    or without `ml.`, in `region` or the provider's default one."""
    name = instance_type.strip()
    base = name[3:] if name.lower().startswith("ml.") else name
    provider = known_provider(base)
    if provider is None:
        close = snapshot().closest(base)
        hint = f"; closest known: {', '.join(close)}" if close else ""
        raise ValueError(f"instance_type: unknown {instance_type!r}{hint}")
    where = region.strip().lower() if region else DEFAULT_REGION[provider]
    known = known_regions(provider)
    if where not in known:
        if where in REGION_CODES[provider]:  # a real region the price lists did not cover
            near = [r for c in ("aws", "gcp", "azure") if (r := nearest(where, c)) and r != where]
            raise ValueError(f"region: the snapshot has no {provider.upper()} prices in {where}"
                             f"; the same place on other clouds: {', '.join(near)}; or run "
                             "`mlinfra prices refresh`")  # fmt: skip
        close = difflib.get_close_matches(where, known, n=4, cutoff=0.4)
        raise ValueError(f"region: unknown {region!r} for {provider.upper()}"
                         + (f"; closest known: {', '.join(close)}" if close else ""))  # fmt: skip
    service = SERVICE_OF[provider]
    row = instance_row(service, base, where)
    if row is None:
        others = regions_with(service, base)[:6]
        if not others:
            raise ValueError(f"instance_type: no on-demand list price for {base} in any "
                             "region of the price list")  # fmt: skip
        raise ValueError(f"region: no price for {base} in {where}; regions that price it, "
                         f"cheapest first: {', '.join(others)}")  # fmt: skip
    return provider, row, where


def _price(row: dict[str, Any], spot: bool) -> tuple[float, str, bool]:
    on_demand = _num(row, "usd_per_hour") or 0.0
    spot_price = _num(row, "spot_usd_per_hour")
    if spot and spot_price is not None and spot_price <= on_demand:
        return spot_price, "spot", True
    return on_demand, "on-demand", False


def _fee_row(service: str) -> dict[str, str] | None:
    """The cluster fee: the standard (cheapest) tier when several are listed (EKS extended
    support applies only to clusters left on an old Kubernetes version); the user's file,
    else the snapshot's provider-published fee."""
    user = [row for row in override_rows() if row.get("service") == service]
    if user:
        return min(user, key=lambda r: _num(r, "usd_per_hour") or 0.0)
    fees = [r for r in snapshot().of_service(service) if r.unit == "cluster-hour"]
    if not fees:
        return None
    fee = min(fees, key=lambda r: r.usd)
    return {"instance_type": fee.sku, "usd_per_hour": repr(fee.usd),
            "source": fee.source, "as_of": fee.source_version, "region": ""}  # fmt: skip


def _region_note(row: dict[str, Any], provider: str) -> str:
    return f"{row['instance_type']} in {row.get('region') or DEFAULT_REGION[provider]}"


def estimate_cost(
    request: CostRequest | dict[str, Any] | None = None, **fields: Any
) -> CostEstimate:
    """Estimate the monthly cost of a training or inference workload on SageMaker, EKS,
    Vertex AI and GKE, with each line's unit price, source and as-of date, the engineer
    time self-managed clusters need, and the break-even instance count."""
    req, assumptions = validated(CostRequest, request, fields, DEFAULTS)
    notes: list[str] = []
    provider, base, region = _resolve(req.instance_type, req.region)
    named = f"region = {region!r} (default for {provider.upper()}; pass region to change it)"
    assumptions = [named if a.startswith("region = ") else a for a in assumptions]
    wanted: list[str] = list(req.platforms) if req.platforms else list(DEFAULT_PLATFORMS[provider])
    rows: dict[str, dict[str, str] | None] = {provider: base}
    for cloud in dict.fromkeys(CLOUD_OF[p] for p in wanted):
        if cloud not in rows:
            rows[cloud], moved = equivalent(base, provider, region, req.region is not None, cloud)
            if moved:
                notes.append(moved)
    aws_row, gcp_row, azure_row = (rows.get(c) for c in ("aws", "gcp", "azure"))
    spot_allowed = req.spot and (req.workload == "training" or req.mode == "batch")
    if spot_allowed:
        notes.append("spot capacity can be reclaimed at short notice: checkpoint long jobs, and "
                     "keep real-time serving on on-demand capacity.")  # fmt: skip
    if req.spot and not spot_allowed:
        notes.append(
            "spot is for training and batch work, not real-time inference: capacity "
            "can be reclaimed at short notice; priced on-demand instead."
        )
    instances = req.instance_count * (req.models if req.mode == "realtime" else 1)
    if req.mode == "realtime" and req.models > 1:
        notes.append(
            f"real-time mode: one endpoint per model ({req.models} models x "
            f"{req.instance_count} instances); multi_model mode shares instances."
        )
    options: list[CostOption] = []

    def compute_line(
        row: dict[str, Any], label: str, spot_ok: bool, opt: list[PriceAssumption]
    ) -> tuple[Line, float]:
        price, kind, used_spot = _price(row, spot_ok)
        if spot_ok and not used_spot:
            notes.append(f"no sourced spot price for {row['instance_type']}: on-demand used.")
        usd = price * instances * req.hours_per_month
        how = str(row.get("spot_formula", "")) if used_spot else ""
        if used_spot and row.get("spot_source"):  # a spot price cites the spot price list
            row = dict(row, source=row["spot_source"])
        opt.append(_assumption(f"{row['instance_type']} {kind}", row, price, "USD/hour", how))
        return Line(
            item=f"{label} ({kind})",
            usd=round(usd, 2),
            formula=f"${price:g}/h x {instances} x {req.hours_per_month:g} h",
        ), price

    def self_managed(platform: str, row: dict[str, str], fee_service: str) -> None:
        opt: list[PriceAssumption] = []
        lines = []
        line, _ = compute_line(row, f"{row['instance_type']} compute", spot_allowed, opt)
        lines.append(line)
        fee = _fee_row(fee_service)
        if fee is not None:
            fee_price = _num(fee, "usd_per_hour") or 0.0
            opt.append(_assumption(f"{fee_service} cluster fee", fee, fee_price, "USD/hour"))
            lines.append(
                Line(
                    item="cluster fee",
                    usd=round(fee_price * CLUSTER_HOURS, 2),
                    formula=f"${fee_price:g}/h x {CLUSTER_HOURS} h",
                )
            )
        else:
            notes.append(f"no sourced {fee_service} cluster fee in the catalog: left out.")
        bill = sum(x.usd for x in lines)
        ops = req.ops_fraction * req.engineer_cost / 12
        lines.append(
            Line(
                item="operations (engineer time)",
                usd=round(ops, 2),
                formula=f"{req.ops_fraction:g} engineer x ${req.engineer_cost:,.0f} / 12 months",
            )
        )
        options.append(
            CostOption(
                platform=platform,
                monthly_usd=round(bill + ops, 2),
                bill_usd=round(bill, 2),
                instance_type=row["instance_type"],
                breakdown=lines,
                assumptions=opt,
            )
        )

    def managed(
        platform: str, row: dict[str, Any], spot_ok: bool = True, any_workload: bool = False
    ) -> None:
        """One priced compute line: a managed platform's (spot for training only) or a bare
        VM's (`any_workload`: spot wherever spot is allowed)."""
        opt: list[PriceAssumption] = []
        spot = spot_ok and spot_allowed and (any_workload or req.workload == "training")
        if spot_allowed and req.workload != "training" and not any_workload:
            notes.append("SageMaker has spot capacity (managed spot) for training jobs only, not "
                         "for batch transform or endpoints: priced on-demand there."
                         if platform == "sagemaker" else
                         f"{MANAGED_NAME[platform]} spot prices for batch work are not in the "
                         "snapshot: priced on-demand there.")  # fmt: skip
        line, _ = compute_line(row, f"{row['instance_type']} compute", spot, opt)
        options.append(
            CostOption(
                platform=platform,
                monthly_usd=line.usd,
                bill_usd=line.usd,
                instance_type=row["instance_type"],
                breakdown=[line],
                assumptions=opt,
            )
        )

    if req.mode == "serverless":
        serverless(req, wanted, options, notes)
    else:
        if aws_row is not None and "sagemaker" in wanted:
            component = ("training" if req.workload == "training"
                         else "batch-transform" if req.mode == "batch" else "hosting")  # fmt: skip
            sm = sagemaker_row(aws_row, component)
            if sm is None:
                notes.append(
                    f"no sourced SageMaker price for ml.{aws_row['instance_type']} "
                    "(EC2 prices are not SageMaker prices): sagemaker left out."
                )
            else:
                if sm.get("estimate"):
                    notes.append(f"the SageMaker price is an estimate, not a list price: "
                                 f"{sm['formula']}.")  # fmt: skip
                factor = spot_factor(aws_row)
                if spot_allowed and req.workload == "training" and factor is not None:
                    spot_usd = round(float(str(sm["usd_per_hour"])) * factor, 4)
                    how = (f"SageMaker on-demand ${float(str(sm['usd_per_hour'])):g}/h x "
                           f"{factor:.3f}, EC2's spot discount for "
                           f"{_region_note(aws_row, 'aws')} = ${spot_usd:g}/h")  # fmt: skip
                    sm = dict(sm, spot_usd_per_hour=spot_usd, spot_formula=how)
                    notes.append(f"SageMaker managed spot training is an estimate: {how}.")
                managed("sagemaker", sm)
        if aws_row is not None and "eks" in wanted:
            self_managed("eks", aws_row, "eks")
        if gcp_row is not None and "vertex" in wanted:
            vx = vertex_row(gcp_row, "training" if req.workload == "training" else "prediction")
            if vx is not None:
                if vx.get("estimate"):
                    notes.append(f"the Vertex AI price is an estimate, not a list price: "
                                 f"{vx['formula']}.")  # fmt: skip
                managed("vertex", vx)
            else:
                notes.append(f"no sourced Vertex AI price for {_region_note(gcp_row, 'gcp')}: "
                             "vertex left out.")  # fmt: skip
        if gcp_row is not None and "gke" in wanted:
            self_managed("gke", gcp_row, "gke")
        if azure_row is not None and "azure-ml" in wanted:
            managed("azure-ml", azure_ml_row(azure_row), spot_ok=False)
            notes.append(AZURE_ML_NOTE + (": priced on-demand." if spot_allowed else "."))
        if azure_row is not None and "aks" in wanted:
            self_managed("aks", azure_row, "aks")
        for platform, cloud in VM_PLATFORMS.items():
            vm = rows.get(cloud)
            if vm is not None and platform in wanted:
                managed(platform, vm, spot_ok=spot_allowed, any_workload=True)
        missing = [c for c, r in rows.items() if r is None]
        if missing:
            clouds = " or ".join(CLOUD_NAME[c] for c in missing)
            notes.append(f"no equivalent of {base['instance_type']} on {clouds} in the catalog.")
    if req.mode == "serverless" or req.mode == "async":
        notes.append(
            "serverless endpoints have cold starts and no GPUs; async endpoints "
            "queue requests and can scale to zero."
        )
    if req.purchase in COMMITMENTS:
        apply_commitment(req.purchase, options, notes)
    if req.months != 1:
        notes.append(f"each figure is a month's; {req.months:g} months cost {req.months:g} times "
                     "as much at these prices.")  # fmt: skip
    # every price used counts: an old SageMaker figure or fee ages the answer too
    stale = staleness([a.as_of for o in options for a in o.assumptions])
    if stale:
        notes.append(stale)
    cheapest = min(options, key=lambda o: o.monthly_usd).platform if options else None
    return CostEstimate(
        options=options,
        cheapest=cheapest,
        notes=list(dict.fromkeys(notes)),
        break_even=break_even(options, req),
        assumptions=assumptions,
        inputs=req.model_dump(),
    )
