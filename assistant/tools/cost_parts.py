"""Parts of `estimate_cost`: SageMaker Serverless by the GB-second, commitments at their
documented discount ceilings, and the break-even between a self-managed cluster and the
managed platform."""

from __future__ import annotations

import csv
import math
from functools import lru_cache
from pathlib import Path

from assistant.tools.catalog import prices  # the user's own rows
from assistant.tools.cost_models import (
    BreakEven,
    Commitment,
    CostOption,
    CostRequest,
    Line,
    _assumption,
)
from assistant.tools.cost_prices import _num
from assistant.tools.prices import data_folder


def serverless(
    req: CostRequest, wanted: list[str], options: list[CostOption], notes: list[str]
) -> None:
    if "sagemaker" not in wanted:
        notes.append("serverless mode is priced for SageMaker only.")
        return
    missing = [
        n for n in ("requests_per_month", "avg_duration_ms", "memory_gb") if getattr(req, n) is None
    ]
    if missing:
        raise ValueError(f"{', '.join(missing)}: required when mode is 'serverless'")
    row = next(
        (
            r
            for r in prices()
            if r.get("service") == "sagemaker_serverless" and r.get("unit") == "gb-second"
        ),
        None,
    )
    if row is None:
        notes.append("no sourced SageMaker Serverless price in the catalog.")
        return
    price = _num(row, "usd_per_hour") or 0.0  # per GB-second for this row's unit
    assert req.requests_per_month is not None and req.avg_duration_ms is not None
    assert req.memory_gb is not None
    gb_seconds = req.requests_per_month * req.avg_duration_ms / 1000 * req.memory_gb
    usd = gb_seconds * price
    options.append(
        CostOption(
            platform="sagemaker",
            monthly_usd=round(usd, 2),
            bill_usd=round(usd, 2),
            instance_type="serverless",
            breakdown=[
                Line(
                    item="serverless compute",
                    usd=round(usd, 2),
                    formula=f"{req.requests_per_month:,} requests x "
                    f"{req.avg_duration_ms / 1000:g} s x {req.memory_gb:g} GB x "
                    f"${price:g}/GB-s",
                )
            ],
            assumptions=[_assumption("SageMaker Serverless", row, price, "USD/GB-second")],
        )
    )
    notes.append("serverless data-processing charges are not included.")


def break_even(options: list[CostOption], req: CostRequest) -> list[BreakEven]:
    by = {o.platform: o for o in options}
    out = []
    per_instance = max(1, req.instance_count * (req.models if req.mode == "realtime" else 1))
    for mine, theirs in (("eks", "sagemaker"), ("gke", "vertex")):
        if mine not in by or theirs not in by:
            continue
        compute_mine = by[mine].breakdown[0].usd / per_instance
        fixed = sum(line.usd for line in by[mine].breakdown[1:])
        compute_theirs = by[theirs].breakdown[0].usd / per_instance
        saving = compute_theirs - compute_mine
        if saving <= 0:
            out.append(
                BreakEven(
                    self_managed=mine,
                    managed=theirs,
                    instances=None,
                    detail=f"{theirs} costs no more per instance than {mine}: "
                    "self-managed never breaks even on price.",
                )
            )
            continue
        n = math.floor(fixed / saving) + 1
        out.append(
            BreakEven(
                self_managed=mine,
                managed=theirs,
                instances=n,
                detail=f"${fixed:,.2f} fixed a month (cluster fee and engineer "
                f"time) / ${saving:,.2f} saved per instance a month -> "
                f"{mine} is cheaper from {n} instances",
            )
        )
    return out


PLAN_WORDS = {
    "savings-plan": "a savings plan",
    "committed": "a commitment (reserved or committed use)",
}


def commitments() -> tuple[dict[str, str], ...]:
    """The documented commitment discounts (`knowledge/data/commitments.csv`): provider,
    purchase (savings-plan or committed), plan, max_discount_pct, platforms, source, as_of,
    quote. Read once per knowledge folder."""
    return _commitments(data_folder() / "commitments.csv")


@lru_cache(maxsize=4)
def _commitments(path: Path) -> tuple[dict[str, str], ...]:
    with path.open(newline="", encoding="utf-8") as fh:
        return tuple(csv.DictReader(fh))


def apply_commitment(purchase: str, options: list[CostOption], notes: list[str]) -> None:
    """Attach to each option the provider's documented ceiling for `purchase`
    (savings-plan-1y, committed-3y, ...) on its compute line; say which platforms have
    none. The totals stay at on-demand prices: the ceiling is a best case."""
    kind, term = purchase.rsplit("-", 1)
    without, offers = [], commitments()
    for option in options:
        row = next((r for r in offers if r["purchase"] == kind
                    and option.platform in r["platforms"].split(";")), None)  # fmt: skip
        if row is None:
            without.append(option.platform)
            continue
        pct = float(row["max_discount_pct"])
        compute = option.breakdown[0].usd
        option.commitment = Commitment(
            plan=f"{row['plan']}, {term[:-1]}-year"
            + (" (the ceiling is the longest term's; one year saves less)" if term == "1y" else ""),
            up_to_pct=pct,
            from_usd=round(option.monthly_usd - compute * pct / 100, 2), source=row["source"],
            as_of=row["as_of"], quote=row["quote"],
        )  # fmt: skip
    if without:
        notes.append(f"no published rate or discount for {PLAN_WORDS[kind]} on "
                     f"{', '.join(without)} in the snapshot: priced on demand.")  # fmt: skip
    if len(without) < len(options):
        notes.append(f"{PLAN_WORDS[kind].capitalize()}: the provider's documented ceiling "
                     "(\"up to N%\") on the compute, so a best case; the rate for your instance "
                     "and term is on the provider's pricing page.")  # fmt: skip
