"""Tool results as answer text: the decision or the number first, then the reasons (each
cited to the knowledge section that states its rule), the arithmetic with unit prices and
their as-of dates, and what the tool assumed.

`cite(source, heading)` turns a knowledge section into its `[n]` marker (or "" when the
section is not in the index), so the caller decides how citations are numbered.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Cite = Callable[[str, str], str]

STAGE = {"managed": "a managed platform (SageMaker or Vertex AI)", "kubernetes": "Kubernetes"}
OVERALL = {
    "managed": "a managed platform throughout",
    "kubernetes": "self-managed Kubernetes throughout",
    "hybrid": "hybrid",
}
PLATFORM = {"sagemaker": "SageMaker", "eks": "EKS", "vertex": "Vertex AI", "gke": "GKE",
            "azure-ml": "Azure ML", "aks": "AKS", "ec2": "EC2", "compute-engine": "Compute Engine",
            "azure-vm": "Azure VM"}  # fmt: skip
_DEFAULT = re.compile(r"^(\w+) = (.*) \(default; pass \w+ to change it\)$")


def money(x: float) -> str:
    return f"${x:,.2f}"


def assumption_lines(assumptions: list[str]) -> list[str]:
    """The tool's defaults in the words a chat user can act on."""
    out = []
    for line in assumptions:
        m = _DEFAULT.match(line)
        out.append(f"{m.group(1)} = {m.group(2)} (default)" if m else line)
    return out


def assumed_line(assumed: list[str]) -> str:
    """The defaults the tools took, on one line: the full list is in `Answer.details`."""
    shown = [line.removesuffix(" (default)") for line in assumed]
    return f"*Assumed: {'; '.join(shown)}. Say otherwise to change any of these.*"


def infrastructure(result: dict[str, Any], cite: Cite) -> list[str]:
    stages = ", ".join(
        f"{stage} on {STAGE[result[stage]]}" for stage in ("training", "serving", "experimentation")
    )
    first = next((r["detail"] for r in result["reasons"]), "")
    because = f", because {first[0].lower()}{first[1:].rstrip('.')}" if first else ""
    lines = [
        f"**Decision: {OVERALL[result['overall']]}**: {stages}{because}. "
        "(Computed by `choose_infrastructure` from the build-vs-buy rules.)",
        "",
        "Why:",
    ]
    for reason in result["reasons"]:
        marker = cite(reason["source"], reason["heading"])
        lines.append(f"- {reason['rule']}: {reason['detail']} {marker}".rstrip())
    if result.get("flips"):
        lines += ["", "What would change it (each checked by re-running the rules):"]
        for flip in result["flips"]:
            lines.append(f"- {flip['change']} makes it {OVERALL[flip['overall']]}")
    return lines


def cost(result: dict[str, Any], cite: Cite) -> list[str]:
    options = result["options"]
    inputs = result["inputs"]
    if not options:
        return ["**No estimate**: the catalog has no price for this workload."] + [
            f"- {n}" for n in result["notes"]
        ]
    by_cost = sorted(options, key=lambda o: o["monthly_usd"])
    best = asked_option(result) or by_cost[0]
    region = next((a.get("region") for a in best["assumptions"] if a.get("region")), "")
    what = (
        f"{inputs['requests_per_month']:,} serverless requests"
        if inputs["mode"] == "serverless"
        else f"{inputs['instance_count']} x {best['instance_type']}"
        + (f" in {region}" if region else "")
        + f", {inputs['hours_per_month']:g} h a month, {inputs['workload']}"
    )
    rest = [o for o in by_cost if o is not best]
    others = "; ".join(f"{PLATFORM.get(o['platform'], o['platform'])} {money(_total(result, o))}"
                       + (f" ({o['instance_type']})" if o["instance_type"] != best["instance_type"]
                          else "")
                       for o in rest)  # fmt: skip
    name = PLATFORM.get(best["platform"], best["platform"])
    cheapest = best is by_cost[0] or best["monthly_usd"] <= by_cost[0]["monthly_usd"]
    deal = best.get("commitment")
    committed = (f" With {deal['plan']}: up to {deal['up_to_pct']:g}% off the compute, so from "
                 f"{money(deal['from_usd'])} a month at best (the provider's documented "
                 f"ceiling, {deal['source']}).") if deal else ""  # fmt: skip
    if not deal and str(inputs.get("purchase") or "").startswith(("savings", "committed")):
        committed = (f" No {_plan_words(str(inputs['purchase']))} rate or discount for {name} "
                     "is in the snapshot, so that is the on-demand figure.")  # fmt: skip
    lines = [
        _cost_lead(result, best, by_cost, name, what, cheapest)
        + committed
        + (
            f" Compared: {others}."
            if others and not cheapest
            else f" Then {others}."
            if others
            else ""
        )
        + " (Computed by `estimate_cost` from the price catalog.)",
        "",
        "| platform | instance | total a month | cloud bill | arithmetic |",
        "|---|---|---:|---:|---|",
    ]
    for o in options:
        arithmetic = "; ".join(f"{line['item']}: {line['formula']} = {money(line['usd'])}"
                               for line in o["breakdown"])  # fmt: skip
        lines.append(
            f"| {PLATFORM.get(o['platform'], o['platform'])} | {o['instance_type']} | "
            f"{money(o['monthly_usd'])} | {money(o['bill_usd'])} | {arithmetic} |"
        )
    if result.get("break_even"):
        lines.append("")
        for be in result["break_even"]:
            lines.append(f"- Break-even, {be['self_managed']} vs {be['managed']}: {be['detail']}.")
    prices: dict[str, str] = {}
    for o in options:
        for a in o["assumptions"]:
            where = f" in {a['region']}" if a.get("region") else ""
            origin = (f"an estimate, not a list price: {a['formula']}; from {a['source']}, "
                      if a.get("estimate") else f"source: {a['source']}, ")  # fmt: skip
            prices.setdefault(
                a["item"] + where,
                f"- {a['item']}{where}: ${a['unit_price']:g} {a['unit'].replace('USD', '')} "
                f"({origin}as of {a['as_of']})",
            )
    if prices:
        lines += ["", "Unit prices used:"] + list(prices.values())
    return lines


def _period(result: dict[str, Any]) -> str:
    """'a month', or 'for the job' when the question priced a one-off run (no engineer
    time to run it, so the planner set ops_fraction to 0)."""
    inputs = result["inputs"]
    months = _months(inputs)
    if months != 1:
        whole = months.is_integer()
        return ("for the year" if months == 12 else f"for the {months:g} months" if whole
                else f"for the {months * inputs['hours_per_month']:,.0f} hours")  # fmt: skip
    given = not any(a.startswith("ops_fraction = ") for a in result["assumptions"])
    one_off = given and inputs.get("ops_fraction") == 0 and inputs["hours_per_month"] < 730
    return f"for the {inputs['hours_per_month']:g} hours" if one_off else "a month"


def _total(result: dict[str, Any], option: dict[str, Any]) -> float:
    """An option's figure for the period asked: its month times the months."""
    return float(option["monthly_usd"]) * _months(result["inputs"])


def _months(inputs: dict[str, Any]) -> float:
    """The months the question asked about (1 unless it named a longer period)."""
    return float(inputs.get("months") or 1)


def _cost_lead(
    result: dict[str, Any],
    best: dict[str, Any],
    by_cost: list[dict[str, Any]],
    name: str,
    what: str,
    cheapest: bool,
) -> str:
    """The first sentence: the figure asked for, with its unit and period and how it was
    reached; where no instance was named, the cheapest option and its margin."""
    period = _period(result)
    inputs = result["inputs"]
    unit = next((a for a in best["assumptions"] if a.get("unit") == "USD/hour"), None)
    if inputs["mode"] != "serverless" and unit and len(best["breakdown"]) == 1:
        region = f" in {unit['region']}" if unit.get("region") else ""
        what = (
            f"{inputs['instance_count']} x {best['instance_type']}{region} at "
            f"${unit['unit_price']:g} an hour{' on spot' if 'spot' in unit['item'] else ''} "
            f"x {inputs['hours_per_month']:g} hours"
            f"{' each' if inputs['instance_count'] > 1 else ''}"
            f"{months_said(inputs)}, {inputs['workload']}"
        )
    if asked_option(result) is best or len(by_cost) == 1:
        return f"**About {money(_total(result, best))} {period}** on {name}: {what}."
    runner = next((o for o in by_cost if o is not best), None)
    margin = ""
    if runner is not None and cheapest and runner["monthly_usd"] > 0:
        gap = _total(result, runner) - _total(result, best)
        margin = (
            f", {money(gap)} ({gap / _total(result, runner):.0%}) less than "
            f"{PLATFORM.get(runner['platform'], runner['platform'])}"
        )
    label = "Cheapest" if cheapest else name
    return (
        f"**{label}: {name if cheapest else ''}{' at ' if cheapest else ''}"
        f"{money(_total(result, best))} {period}**{margin}: {what}."
    )


def _plan_words(purchase: str) -> str:
    """'savings-plan-3y' -> '3-year savings plan'; 'committed-1y' -> '1-year commitment'."""
    kind, _, term = purchase.rpartition("-")
    plan = "savings plan" if kind == "savings-plan" else "commitment"
    return f"{term.removesuffix('y')}-year {plan}"


def months_said(inputs: dict[str, Any]) -> str:
    """' a month x 3 months' where the question's period is longer than a month."""
    months = _months(inputs)
    return f" a month x {months:g} months" if months != 1 else ""


def asked_option(result: dict[str, Any]) -> dict[str, Any] | None:
    """The option on the instance the question named (`ml.g5.xlarge` is SageMaker's; a bare
    `g5.xlarge` EKS's, else SageMaker's twin), the cheapest of several (for a commitment,
    of those it applies to); None when the instance was the tool's default or is not among
    the options."""
    options = result["options"]
    named = str(result["inputs"].get("instance_type") or "").lower()
    if not named or any(a.startswith("instance_type = ") for a in result["assumptions"]):
        return None
    exact = [o for o in options if o["instance_type"].lower() == named]
    base = named.removeprefix("ml.")
    twins = exact or [o for o in options if o["instance_type"].lower().removeprefix("ml.") == base]
    committed = str(result["inputs"].get("purchase") or "").startswith(("savings", "committed"))
    # a question about a commitment is answered by an option it applies to
    return min(twins, key=lambda o: (committed and not o.get("commitment"), o["monthly_usd"]),
               default=None)  # fmt: skip


def accelerator(result: dict[str, Any], cite: Cite) -> list[str]:
    alternatives = ", ".join(result["alternatives"]) or "none"
    memory = result.get("memory")
    if memory:
        chips = memory["chips_needed"]
        lead = (f"**Suggested: {chips} x {result['suggested']}** ({memory['chip_memory_gb']:g} "
                f"GB each): about {memory['total_gb']:,.0f} GB needed to "
                f"{'train' if result['inputs']['workload'] == 'training' else 'serve'} it in "
                f"{memory['precision']}")  # fmt: skip
    else:
        lead = f"**Suggested: {result['suggested']}** (a {result['accelerator'].upper()})"
    lines = [
        f"{lead}. Alternatives: {alternatives}. (Computed by `select_accelerator`.)",
        "",
        "Why:",
    ]
    for reason in result["reasons"]:
        marker = cite(reason["source"], reason["heading"])
        lines.append(f"- {reason['rule']}: {reason['detail']} {marker}".rstrip())
    if memory:
        lines += ["", f"Memory: {memory['formula']}."]
    price = result.get("price")
    if price:
        lines += [""] if not memory else []
        lines.append(
            f"Price: {price['instances']} x {price['instance_type']} "
            f"({price['chips_per_instance']} x {result['suggested']} each"
            + (f"; {price['chips_needed']} needed" if price["chips"] != price["chips_needed"]
               else "")
            + f") in {price['region']} at ${price['usd_per_hour_for_chips']:g} an hour on "
            f"demand, ${price['usd_per_chip_hour']:g} per chip-hour "
            f"(source: {price['source']}, as of {price['as_of']})."
        )  # fmt: skip
    return lines


def offers(result: dict[str, Any], cite: Cite) -> list[str]:
    found = result["offers"]
    if not found:
        return ["**No offer** in the price snapshot for this."] + [
            f"- {n}" for n in result["notes"]
        ]
    best = found[0]
    each = (f", ${best['usd_per_accelerator_hour']:g} per accelerator-hour"
            if best.get("usd_per_accelerator_hour") else "")  # fmt: skip
    lines = [
        f"**Cheapest: {best['instance_type']} in {best['region']} ({best['provider'].upper()}, "
        f"{best['purchase']}) at ${best['usd_per_hour']:g} an hour**{each}; "
        f"{result['matches']} offers in {result['regions']} regions. (Computed by "
        "`find_prices` from the price snapshot.)",
        "",
        "| cloud | instance | region | purchase | USD an hour | per accelerator | as of |",
        "|---|---|---|---|---:|---:|---|",
    ]  # fmt: skip
    for o in found:
        per = f"${o['usd_per_accelerator_hour']:g}" if o.get("usd_per_accelerator_hour") else ""
        lines.append(f"| {o['provider']} | {o['instance_type']} | {o['region']} | "
                     f"{o['purchase']} | ${o['usd_per_hour']:g} | {per} | "
                     f"{o['as_of']} |")  # fmt: skip
    sources = sorted({o["source"] for o in found})
    lines += ["", "Sources: " + ", ".join(sources)]
    return lines
