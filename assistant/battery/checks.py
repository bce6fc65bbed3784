"""The checks of one case on one reply, and the causes of its misses."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from assistant.battery.reading import folded, lead_of, mentions, usd_amounts

BASELINE_CHECKS = ("decline", "lead", "has", "must_not", "usd")
NUMBER_TOLERANCE = 0.10  # a numeric argument within 10% of the case's value matches

# The battery's argument vocabulary -> where our tools keep it: (field, kind). Kinds:
# number, text, bool, instance, platforms, compliance, spot (a purchase option read as
# the tool's spot flag), provider (read from the platforms priced), accelerator (the
# priced instance's accelerator, from the catalog).
ARGS: dict[str, tuple[str, str]] = {
    "hours": ("hours_per_month", "number"),
    "instance_type": ("instance_type", "instance"),
    "instance_count": ("instance_count", "number"),
    "region": ("region", "text"),
    "purchase": ("spot", "spot"),
    "provider": ("platforms", "provider"),
    "platforms": ("platforms", "platforms"),
    "accelerator": ("accelerator", "accelerator"),
    "accelerator_count": ("accelerator_count", "accelerator"),
    "compliance": ("compliance", "compliance"),
}
PROVIDER_PLATFORMS = {
    "aws": {"sagemaker", "eks", "ec2"},
    "gcp": {"vertex", "gke", "compute-engine"},
    "azure": {"azure-ml", "aks", "azure-vm"},
}


@dataclass
class Check:
    kind: str
    ok: bool
    detail: str = ""
    items: list[str] = field(default_factory=list)  # the entries or arguments that missed


@dataclass
class CaseResult:
    id: str
    category: str
    conversation: bool
    checks: list[Check]
    causes: list[str] = field(default_factory=list)
    near_domain: bool = False
    file: str = ""

    @property
    def score(self) -> float:
        return sum(c.ok for c in self.checks) / len(self.checks) if self.checks else 1.0

    @property
    def misses(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


@dataclass
class Reply:
    """What the checks read of an answer: its text, whether it declined, the tools run."""

    text: str
    abstained: bool = False
    tool_calls: list[Any] = field(default_factory=list)


def _call_values(call: Any) -> dict[str, Any]:
    args = dict(getattr(call, "args", {}) or {})
    inputs = (getattr(call, "result", {}) or {}).get("inputs") or {}
    return {**args, **{k: v for k, v in inputs.items() if v is not None}}


def _priced_accelerators(call: Any) -> list[tuple[str, int]]:
    """The accelerator of each instance the call priced, from the price snapshot, and how
    many the call buys in all (per instance x instances)."""
    from assistant.tools.prices import catalog

    count = int(_call_values(call).get("instance_count") or 1)
    out = []
    for option in (getattr(call, "result", {}) or {}).get("options", []):
        rows = catalog().find(str(option.get("instance_type", "")))
        row = next((r for r in rows if r.accelerator), None)
        if row is not None:
            out.append((row.accelerator.lower(), int(row.accelerator_count) * count))
    return out


def _instance(name: Any) -> str:
    return str(name).lower().removeprefix("ml.").strip()


def arg_matches(call: Any, name: str, wanted: Any) -> bool:
    """Whether the tool call holds the battery argument `name` with the value `wanted`."""
    values = _call_values(call)
    key, kind = ARGS.get(name, (name, "text"))
    if kind == "accelerator":
        if key in values:
            return _same(values[key], wanted)
        priced = _priced_accelerators(call)
        if name == "accelerator":
            return any(folded(str(wanted)) in folded(acc) for acc, _ in priced)
        return any(_same(count, wanted) for _, count in priced)
    if kind == "spot":
        if "purchase" in values:
            return _same(values["purchase"], wanted)
        if wanted in ("spot", "on-demand"):
            return bool(values.get("spot", False)) == (wanted == "spot")
        return False
    if kind == "provider":
        if "provider" in values:
            return _same(values["provider"], wanted)
        platforms = set(values.get("platforms") or [])
        return bool(platforms) and platforms <= PROVIDER_PLATFORMS.get(str(wanted), set())
    if key not in values:
        return False
    got = values[key]
    if name == "hours" and isinstance(got, (int, float)):
        got = got * float(values.get("months") or 1)  # a quarter: 730 h a month x 3 months
    if kind == "instance":
        return _instance(got) == _instance(wanted)
    if kind == "platforms":
        return {str(p).lower() for p in wanted} <= {str(p).lower() for p in got or []}
    if kind == "compliance":  # each regime named, in any spelling ("PCI" in "PCI-DSS")
        have = folded(str(got)).replace(" ", "")
        regimes = wanted if isinstance(wanted, list) else [wanted]
        return all(folded(str(r)).replace(" ", "") in have for r in regimes)
    return _same(got, wanted)


def _same(got: Any, wanted: Any) -> bool:
    if isinstance(wanted, bool) or isinstance(got, bool):
        return got is wanted or got == wanted
    if isinstance(wanted, int | float) and isinstance(got, int | float):
        return abs(got - wanted) <= max(0.5, NUMBER_TOLERANCE * abs(wanted))
    if isinstance(wanted, list):
        return isinstance(got, list) and {str(w).lower() for w in wanted} <= {
            str(g).lower() for g in got
        }
    return folded(str(got)) == folded(str(wanted))


def check(expect: dict[str, Any], reply: Reply, kinds: Iterable[str] | None = None) -> list[Check]:
    """Each of the case's checks on `reply`; `kinds` limits them (the baseline's)."""
    allowed = set(kinds) if kinds is not None else None
    wanted = [k for k in ("decline", "lead", "has", "must_not", "tool", "args", "usd")
              if (k == "decline" or expect.get(k) is not None)
              and (allowed is None or k in allowed)]  # fmt: skip
    text, lead = reply.text, lead_of(reply.text)
    names = [getattr(c, "name", "") for c in reply.tool_calls]
    out = []
    for kind in wanted:
        items: list[str] = []
        if kind == "decline":
            ok = reply.abstained == expect["decline"]
            detail = "declined" if reply.abstained else "answered"
        elif kind in ("lead", "has", "must_not"):
            where = lead if kind == "lead" else text
            found = [e for e in expect[kind] if mentions(where, e)]
            if kind == "must_not":
                ok, detail, items = not found, f"says {found}" if found else "", found
            else:
                items = [e for e in expect[kind] if e not in found]
                ok, detail = not items, f"lacks {items}" if items else ""
            if kind == "lead" and not ok:
                detail += f"; lead: {lead[:160]!r}"
        elif kind == "tool":
            tool = expect["tool"]
            ok = not names if tool == "none" else tool in names
            detail = f"ran {names or 'no tool'}"
        elif kind == "args":
            calls = [c for c in reply.tool_calls if getattr(c, "name", "") == expect.get("tool")]
            calls = calls or list(reply.tool_calls)
            items = wrong = [k for k, v in expect["args"].items()
                             if not any(arg_matches(c, k, v) for c in calls)]  # fmt: skip
            ok = bool(calls) and not wrong
            got = _call_values(calls[0]) if calls else {}
            detail = (f"wrong or missing {wrong}; ran with "
                      f"{ {k: v for k, v in got.items() if v is not None} }") if calls else \
                "no tool ran"  # fmt: skip
        else:  # usd
            low, high = expect["usd"]
            amounts = usd_amounts(lead)
            ok = any(low <= a <= high for a in amounts)
            detail = f"lead amounts {amounts} not in [{low}, {high}]" if amounts else \
                "no dollar amount in the lead"  # fmt: skip
        out.append(Check(kind, ok, "" if ok else detail, [] if ok else items))
    return out


# ---------------------------------------------------------------------------- causes


def causes(case: dict[str, Any], result: CaseResult, reply: Reply) -> list[str]:
    """Why the case missed, in words a planner or composer change can target."""
    out: list[str] = []
    failed = "could not run" in reply.text
    for miss in result.misses:
        if miss.kind == "decline":
            out.append("out-of-scope question answered, not declined" if case["expect"]["decline"]
                       else "in-domain question declined")  # fmt: skip
        elif miss.kind == "tool" and case["expect"]["tool"] == "none":
            out.append("a tool ran on a question it does not apply to")
        elif miss.kind == "tool":
            unknown = failed and "unknown" in reply.text
            out.append("instance or item not in the price table" if unknown
                       else "a tool refused an input" if failed
                       else "wrong tool ran" if reply.tool_calls
                       else "tool not run: the question's type or facts were not read")  # fmt: skip
        elif miss.kind == "args" and reply.tool_calls:
            out += [ARG_CAUSE.get(w, "another argument misread") for w in miss.items]
        elif miss.kind == "usd":
            out.append("figure outside the reference range" if "amounts" in miss.detail
                       else "no figure in the lead")  # fmt: skip
        elif miss.kind in ("lead", "has"):
            out += [_entry_cause(case, entry, miss.kind) for entry in miss.items]
        elif miss.kind in KIND_CAUSE:
            out.append(KIND_CAUSE[miss.kind])
    return list(dict.fromkeys(out))


def _entry_cause(case: dict[str, Any], entry: str, kind: str) -> str:
    """A missing lead or has entry that names the case's region or instance is that slot
    unread; anything else is the answer leading with, or omitting, something else."""
    args = case["expect"].get("args") or {}
    alternatives = {folded(a) for a in entry.split("|")}
    if args.get("region") and folded(str(args["region"])) in alternatives:
        return ARG_CAUSE["region"]
    named = {folded(_instance(args[k])) for k in ("instance_type", "accelerator") if args.get(k)}
    if named & alternatives:
        return ARG_CAUSE["instance_type"]
    return KIND_CAUSE[kind]


ARG_CAUSE = {
    "region": "region ignored or misread",
    "hours": "duration misread",
    "purchase": "purchase option (spot, savings plan, committed use) not read",
    "provider": "cloud or platform not read",
    "platforms": "cloud or platform not read",
    "instance_type": "instance or accelerator misread",
    "accelerator": "instance or accelerator misread",
    "accelerator_count": "instance or accelerator misread",
    "params_billion": "model size or precision misread",
    "precision": "model size or precision misread",
} | {
    k: "workload details (training or inference, serving mode, traffic, framework) misread"
    for k in ("workload", "mode", "requests_per_month", "avg_duration_ms", "memory_gb", "models",
              "framework", "model_type", "latency", "custom_ops", "cloud")
} | {
    k: "a stated fact about the team or constraints not read"
    for k in ("team_size", "ml_models", "budget", "engineer_cost", "time_to_market",
              "multi_cloud", "compliance", "requires_custom_controls", "data_stays_in_cloud")
}  # fmt: skip
KIND_CAUSE = {
    "lead": "the answer leads with something else",
    "has": "the answer omits what was asked",
    "must_not": "the answer says what it must not (wrong region, cloud, verdict or fact)",
}
