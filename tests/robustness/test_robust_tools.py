"""Robustness of the three decision tools over their whole input space, hostile inputs
included, and of the user's price file (`MLINFRA_PRICES`).

For every input a tool either returns a result that passes its own invariants, or raises a
`ValueError` (pydantic's `ValidationError` is one) that names an offending field. Anything
else (another exception type, a message naming no field, a result a user would see as wrong:
an infinite total, "$-0.0", a flip that does not flip, a TPU on AWS, JSON that does not
serialise) is a defect.

A bad price file is a `ValueError` naming the file and, where a row is at fault, its row."""

from __future__ import annotations

import csv
import json
import math
import os
import re
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
import numpy as np
import pytest
from conftest import KNOWLEDGE
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from assistant.tools import (
    AcceleratorRecommendation,
    AcceleratorRequest,
    CostEstimate,
    CostRequest,
    InfrastructureContext,
    InfrastructureDecision,
    choose_infrastructure,
    estimate_cost,
    select_accelerator,
)
from assistant.tools.accelerator import BYTES_PER_PARAM, OVERHEAD, USABLE
from assistant.tools.accelerator import DEFAULTS as ACCELERATOR_DEFAULTS
from assistant.tools.catalog import accelerators
from assistant.tools.cost import DEFAULTS as COST_DEFAULTS
from assistant.tools.cost_models import PLATFORMS
from assistant.tools.infrastructure import DEFAULTS as INFRASTRUCTURE_DEFAULTS
from assistant.tools.prices import catalog as snapshot_catalog

FIXTURE = Path(__file__).parent.parent / "data" / "prices_fixture.csv"
CATALOGS = {"shipped": None, "fixture": FIXTURE}  # None: no MLINFRA_PRICES
EXAMPLES = 400  # random inputs per tool and catalog
EDGE_EXAMPLES = 4  # valid contexts per odd value of each field


@contextmanager
def _catalog(name: str) -> Iterator[None]:
    """The price catalog for one example (hypothesis runs many examples per test, so no
    function-scoped monkeypatch)."""
    before = os.environ.pop("MLINFRA_PRICES", None)
    if CATALOGS[name] is not None:
        os.environ["MLINFRA_PRICES"] = str(CATALOGS[name])
    try:
        yield
    finally:
        os.environ.pop("MLINFRA_PRICES", None)
        if before is not None:
            os.environ["MLINFRA_PRICES"] = before


# --- inputs: real field names and junk, valid-ish values and everything else --------------


def _instance_names() -> list[str]:
    """The fixture's instances and a spread of the snapshot's (every 40th name of each
    instance service, Azure's and SageMaker's included)."""
    names: set[str] = set()
    with FIXTURE.open(newline="") as fh:
        for row in csv.DictReader(fh):
            if row["service"] in ("ec2", "compute_engine", "sagemaker", "vertex_ai"):
                names.add(row["instance_type"])
    for service in ("ec2", "compute-engine", "azure-vm", "sagemaker", "vertex-ai"):
        names |= set(sorted({r.sku for r in snapshot_catalog().of_service(service)})[::40])
    return sorted(names)


KNOWN_STRINGS: dict[str, list[str]] = {
    "instance_type": _instance_names(),
    "compliance": ["none", "HIPAA", "hipaa", "pci-dss", "SOC 2", "GDPR", "FedRAMP", "", " "],
    "region": [
        "us-east-1",
        "eu-west-1",
        "EU-WEST-1",
        "ap-northeast-1",
        "us-central1",
        "europe-west4",
        "westeurope",
        "mars-north-1",
    ],  # fmt: skip
}
ODD_STRINGS = ["", " ", "\x00", "\x1b[31mred", "\u202e", "\ud800", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "x" * 10_000]
ODD_STRINGS += ["nan", "inf", "-0", "1e309", "730", "true", "None", "[]", " g5.xlarge "]
ODD_STRINGS += ["G5.XLARGE", "g5.xlarg", "ml.", "ml.g2-standard-4", "tpu-v5e", "cluster"]
ODD_FLOATS = [math.nan, math.inf, -math.inf, -0.0, 1e308, -1e308, 5e-324, 1e-300]
ODD_INTS = [-1, 0, 2**31, 2**63, -(2**63), 10**30, 10**400]
ODD_OBJECTS = [
    Decimal("NaN"),
    Decimal("1e400"),
    Decimal("-0"),
    Fraction(1, 3),
    complex(1, 1),
    np.float64("nan"),
    np.float64("inf"),
    np.int64(5),
    (1, 2),
    {"sagemaker"},
    object(),
]
HOSTILE_VALUES = st.one_of(
    st.integers(),
    st.sampled_from(ODD_INTS),
    st.floats(),
    st.sampled_from(ODD_FLOATS),
    st.text(max_size=30),
    st.sampled_from(ODD_STRINGS),
    st.none(),
    st.booleans(),
    st.binary(max_size=8),
    st.lists(st.one_of(st.integers(), st.text(max_size=5), st.none()), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.sampled_from(ODD_OBJECTS),
)
JUNK_KEYS = st.one_of(
    st.sampled_from(
        ["", " ", "team_sise", "instance_typo", "gpu", "Workload", "workload ", "__class__"]
        + ["model_config", "\x00", "é", "request", "context"]
    ),
    st.text(max_size=12),
)


def _bounds(metadata: list[Any]) -> tuple[float, float]:
    """(low, high) of a numeric pydantic field, open ends made finite for sampling."""
    low: float = -1000
    high: float | None = None
    for m in metadata:
        if isinstance(m, annotated_types.Ge):
            low = m.ge  # type: ignore[assignment]
        elif isinstance(m, annotated_types.Gt):
            low = m.gt  # type: ignore[assignment]
        elif isinstance(m, annotated_types.Le):
            high = m.le  # type: ignore[assignment]
        elif isinstance(m, annotated_types.Lt):
            high = m.lt  # type: ignore[assignment]
    return low, high if high is not None else low + 10_000_000


def _open_low(metadata: list[Any]) -> bool:
    return any(isinstance(m, annotated_types.Gt) for m in metadata)


def _valid(annotation: Any, metadata: list[Any], name: str) -> st.SearchStrategy[Any]:
    """Values the field's type and bounds allow (a few fail rules across fields)."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return st.one_of(
            *[
                st.none() if arg is type(None) else _valid(arg, metadata, name)
                for arg in get_args(annotation)
            ]
        )
    if origin is Literal:
        return st.sampled_from(get_args(annotation))
    if origin is list:
        (item,) = get_args(annotation)
        return st.lists(_valid(item, [], name), min_size=1, max_size=4)
    if annotation is bool:
        return st.booleans()
    low, high = _bounds(metadata)
    if annotation is int:
        return st.integers(math.ceil(low), math.floor(high))
    if annotation is float:
        return st.floats(low, high, exclude_min=_open_low(metadata))
    if annotation is str:
        return st.sampled_from(KNOWN_STRINGS[name])
    raise AssertionError(f"no strategy for {name}: {annotation!r}")  # a new field type


def _odd(annotation: Any, metadata: list[Any]) -> list[Any]:
    """The values at and past a field's edges, and the specials of its kind."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        (kind,) = [arg for arg in get_args(annotation) if arg is not type(None)]
        return _odd(kind, metadata)
    if origin is Literal:
        words = [str(a) for a in get_args(annotation)]
        return [w.upper() for w in words] + [f" {w}" for w in words] + [words[0] + "\x00", ""]
    if origin is list:
        (item,) = get_args(annotation)
        one = get_args(item)[0]
        return [[], [one, one], [one, "azure"], one, (one,), {one: 1}, [None]]
    if annotation is bool:
        return ["yes", "no", "true", "off", 1, 0, 2, "maybe", -0.0, 1.5, None]
    if annotation in (int, float):
        low, high = _bounds(metadata)
        edges: list[Any] = [low, high, low - 1, high + 1]
        if annotation is float:
            edges += [math.nextafter(low, -math.inf), math.nextafter(high, math.inf)]
            edges += [str(low), f"{high:e}"]
        else:
            edges += [low + 0.5, float(high), str(int(high))]
        return edges + ODD_INTS + ODD_FLOATS + [True, "", None, "12 GB"]
    return ODD_STRINGS


def valid_inputs(model: type[BaseModel]) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts over some of the model's fields, each with a value its type and bounds allow."""
    return st.fixed_dictionaries(
        {},
        optional={
            name: _valid(info.annotation, list(info.metadata), name)
            for name, info in model.model_fields.items()
        },
    )


def inputs(model: type[BaseModel]) -> st.SearchStrategy[dict[Any, Any]]:
    """Dicts over the model's own fields with values each field allows; then, three times
    in four, one or two fields set at or past their edges (nan, inf, -0.0, 1e308, huge and
    negative ints, control characters...) and/or a few keys, real or junk, set to anything."""
    fields = model.model_fields
    valid = valid_inputs(model)
    odd_field = st.one_of(
        *[
            st.fixed_dictionaries(
                {name: st.sampled_from(_odd(info.annotation, list(info.metadata)))}
            )
            for name, info in fields.items()
        ]
    )
    odd = st.lists(odd_field, min_size=1, max_size=2)
    hostile = st.dictionaries(
        st.one_of(st.sampled_from(sorted(fields)), JUNK_KEYS),
        HOSTILE_VALUES,
        min_size=1,
        max_size=3,
    )
    changes = st.one_of(
        st.just([]),
        odd,
        hostile.map(lambda d: [d]),
        st.tuples(odd, hostile).map(lambda t: [*t[0], t[1]]),
    )

    def merge(parts: tuple[dict[Any, Any], list[dict[Any, Any]]]) -> dict[Any, Any]:
        out = dict(parts[0])
        for change in parts[1]:
            out.update(change)
        return out

    return st.tuples(valid, changes).map(merge)


def _call(fn: Callable[..., BaseModel], case: dict[Any, Any], as_keywords: bool) -> BaseModel:
    positional = "context" if fn is choose_infrastructure else "request"
    if as_keywords and positional not in case:
        return fn(**case)
    return fn(case)


# --- checks shared by the three tools -----------------------------------------------------


def _names_the_field(exc: ValueError, case: dict[Any, Any], model: type[BaseModel]) -> None:
    """A rejection names the offending field: a validation error is located at a key the
    caller gave; the tool's own errors start with the field(s) at fault."""
    message = str(exc)
    if isinstance(exc, ValidationError):
        for error in exc.errors():
            if error["loc"]:
                key = error["loc"][0]
                assert key in case, f"error at {key!r}, which the input does not have: {error}"
                assert str(key) in message
            else:  # a rule across fields: its message names one the caller gave
                assert any(isinstance(k, str) and k and k in error["msg"] for k in case), error
        return
    head = re.match(r"([a-z_]+(?:, [a-z_]+)*): ", message)
    assert head, f"{type(exc).__name__} names no field: {message[:300]!r}"
    assert set(head.group(1).split(", ")) <= set(model.model_fields), message[:300]


def _user_visible(result: BaseModel) -> None:
    """What a caller receives serialises as strict JSON, with no infinite, NaN or negative
    zero number anywhere (a user would see "Infinity", "NaN" or "$-0.0")."""
    data = result.model_dump()
    json.dumps(data, allow_nan=False)
    json.loads(result.model_dump_json())

    def walk(value: Any) -> None:
        if isinstance(value, float):
            assert math.isfinite(value), value
            assert math.copysign(1.0, value) > 0 or value < 0, "negative zero"
        elif isinstance(value, str):  # no terminal escapes, no text JSON cannot encode
            assert value.isprintable(), repr(value[:100])
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(data)


_SECTIONS: dict[str, str] = {}


def _cites_a_real_section(reasons: list[Any]) -> None:
    assert reasons, "every result says why"
    for reason in reasons:
        if reason.source not in _SECTIONS:
            _SECTIONS[reason.source] = (KNOWLEDGE / reason.source).read_text()
        text = _SECTIONS[reason.source]
        assert f"## {reason.heading}\n" in text or f"### {reason.heading}\n" in text, reason


def _assumed_exactly_the_defaults(
    result: Any, case: dict[Any, Any], defaults: dict[str, Any]
) -> None:
    assumed = {line.split(" = ")[0] for line in result.assumptions if " = " in line}
    assert assumed == set(defaults) - set(case), (assumed, sorted(case))


# --- estimate_cost ------------------------------------------------------------------------


def _check_cost(result: CostEstimate, case: dict[Any, Any]) -> None:
    assert isinstance(result, CostEstimate), type(result)
    _user_visible(result)
    _assumed_exactly_the_defaults(result, case, COST_DEFAULTS)
    req = CostRequest.model_validate(result.inputs)  # what it echoes is a valid request
    wanted = set(req.platforms or PLATFORMS)
    by = {o.platform: o for o in result.options}
    assert len(by) == len(result.options), "a platform priced twice"
    assert set(by) <= wanted, (set(by), wanted)
    if req.mode == "serverless":
        assert set(by) <= {"sagemaker"}
    instances = req.instance_count * (req.models if req.mode == "realtime" else 1)
    for o in result.options:
        amounts = [o.monthly_usd, o.bill_usd, *(line.usd for line in o.breakdown)]
        assert all(math.isfinite(a) and a >= 0 for a in amounts), (o.platform, amounts)
        # the total is the sum of its lines, within the cents each line was rounded to
        parts = sum(line.usd for line in o.breakdown)
        assert o.monthly_usd == pytest.approx(parts, rel=1e-12, abs=0.005 * len(o.breakdown))
        assert o.bill_usd <= o.monthly_usd + 1e-9
        if o.platform in ("eks", "gke", "aks"):
            ops = o.breakdown[-1]
            assert ops.item.startswith("operations")
            assert ops.usd == round(req.ops_fraction * req.engineer_cost / 12, 2)
            assert o.monthly_usd == pytest.approx(o.bill_usd + ops.usd, rel=1e-12, abs=0.011)
        else:
            assert o.monthly_usd == o.bill_usd
        assert o.assumptions, "every option shows its unit prices"
        for a in o.assumptions:
            assert math.isfinite(a.unit_price) and a.unit_price >= 0
            assert a.source.startswith(("http://", "https://")) and a.as_of
        unit = o.assumptions[0].unit_price
        if req.mode == "serverless":
            assert req.requests_per_month is not None and req.avg_duration_ms is not None
            assert req.memory_gb is not None
            expected = req.requests_per_month * req.avg_duration_ms / 1000 * req.memory_gb * unit
        else:  # unit price x instances x hours, as its formula says
            expected = unit * instances * req.hours_per_month
        assert o.breakdown[0].usd == pytest.approx(round(expected, 2), rel=1e-9, abs=0.011)
    if result.options:  # the cheapest really has the lowest total
        assert result.cheapest in by
        assert by[result.cheapest].monthly_usd == min(o.monthly_usd for o in result.options)
    else:
        assert result.cheapest is None
    for b in result.break_even:
        assert b.self_managed in by and b.managed in by
        assert b.instances is None or b.instances >= 1
    assert len(result.notes) == len(set(result.notes))

    # spot never costs more than on-demand, platform by platform
    flags = {**result.inputs, "spot": False, "purchase": None}
    on_demand = {o.platform: o for o in estimate_cost(flags).options}
    spot = {o.platform: o for o in estimate_cost({**flags, "spot": True}).options}
    assert set(spot) == set(on_demand)
    for platform, option in spot.items():
        assert option.monthly_usd <= on_demand[platform].monthly_usd + 1e-9, platform
    # the echoed inputs reproduce the estimate
    again = estimate_cost(result.inputs)
    assert again.options == result.options and again.cheapest == result.cheapest


# --- select_accelerator -------------------------------------------------------------------

PROVIDERS = {"aws": {"aws"}, "gcp": {"gcp"}, "azure": {"azure"}, "any": {"aws", "gcp", "azure"}}


def _check_accelerator(result: AcceleratorRecommendation, case: dict[Any, Any]) -> None:
    assert isinstance(result, AcceleratorRecommendation), type(result)
    _user_visible(result)
    _assumed_exactly_the_defaults(result, case, ACCELERATOR_DEFAULTS)
    req = AcceleratorRequest.model_validate(result.inputs)
    specs = accelerators()
    assert result.accelerator in ("tpu", "gpu")
    assert result.suggested in specs
    assert result.suggested.startswith("tpu") == (result.accelerator == "tpu")
    chips = [result.suggested, *result.alternatives]
    assert len(chips) == len(set(chips)), chips
    for chip in chips:  # every chip named can be had on the cloud asked for
        assert chip in specs, chip
        assert req.cloud == "any" or req.cloud in specs[chip].clouds, (chip, req.cloud)
        if req.cloud in ("aws", "azure"):
            assert not chip.startswith("tpu"), (chip, req.cloud)
    if req.custom_ops or req.model_type == "custom":
        assert result.accelerator == "gpu"
    _cites_a_real_section(result.reasons)
    count = 1
    if req.params_billion is None:
        assert result.memory is None
    else:
        m = result.memory
        assert m is not None and m.chip == result.suggested
        default = "bf16" if req.workload == "training" else "fp16"
        assert m.precision == (req.precision or default)
        assert not (req.workload == "training" and m.precision in ("int8", "int4"))
        per_param = 16.0 if req.workload == "training" else BYTES_PER_PARAM[m.precision]
        needed = req.params_billion * per_param * (1 + OVERHEAD)
        assert m.total_gb == round(needed, 2)
        parts = m.weights_gb + m.gradients_gb + m.optimizer_gb + m.overhead_gb
        assert m.total_gb == pytest.approx(parts, rel=1e-9, abs=0.021)
        usable = specs[m.chip].memory_gb * USABLE
        assert m.chip_memory_gb == specs[m.chip].memory_gb
        # the suggested chips hold the model, and one chip fewer would not
        assert m.chips_needed >= 1 and m.chips_needed * usable >= needed * (1 - 1e-12)
        assert m.chips_needed == 1 or (m.chips_needed - 1) * usable < needed
        count = m.chips_needed
    providers = PROVIDERS[req.cloud]
    region = req.region.strip().lower() if req.region else None
    if result.price is None:  # left out only when the snapshot sells no such chip there
        assert not [
            r
            for r in snapshot_catalog().rows
            if r.accelerator == result.suggested and r.provider in providers
            and r.purchase == "on-demand" and r.unit == "hour" and r.accelerator_count
            and (region is None or r.region == region)
        ], (result.suggested, req.cloud, region)  # fmt: skip
    else:
        p = result.price  # whole instances or slices, enough for the chips and no more
        assert p["provider"] in providers and p["chips_needed"] == count
        assert p["chips"] >= count and p["chips"] % p["chips_per_instance"] == 0
        assert p["chips"] - p["chips_per_instance"] < count
        assert region is None or p["region"] == region
        assert math.isfinite(p["usd_per_hour_for_chips"]) and p["usd_per_hour_for_chips"] >= 0
        assert p["usd_per_hour_for_chips"] == pytest.approx(
            p["usd_per_instance_hour"] * p["instances"], rel=1e-9, abs=1e-4
        )
        assert p["source"].startswith(("http://", "https://")) and p["as_of"]
    again = select_accelerator(result.inputs)  # the echoed inputs reproduce it
    assert (again.accelerator, again.suggested, again.alternatives) == (
        result.accelerator,
        result.suggested,
        result.alternatives,
    )
    assert (again.memory, again.price) == (result.memory, result.price)


# --- choose_infrastructure ----------------------------------------------------------------


def _check_infrastructure(result: InfrastructureDecision, case: dict[Any, Any]) -> None:
    assert isinstance(result, InfrastructureDecision), type(result)
    _user_visible(result)
    _assumed_exactly_the_defaults(result, case, INFRASTRUCTURE_DEFAULTS)
    ctx = InfrastructureContext.model_validate(result.inputs)
    stages = {result.training, result.serving, result.experimentation}
    assert result.overall in ("managed", "kubernetes", "hybrid")
    assert result.overall == (next(iter(stages)) if len(stages) == 1 else "hybrid")
    # the rules as the guidance states them, on the normalised inputs
    use_managed = (
        ctx.team_size < 5
        and ctx.ml_models < 10
        and ctx.budget > 2 * ctx.engineer_cost
        and ctx.time_to_market == "urgent"
    )
    use_kubernetes = (
        ctx.team_size >= 5
        or ctx.ml_models >= 10
        or ctx.multi_cloud
        or (ctx.compliance != "none" and ctx.requires_custom_controls)
    )
    assert (result.use_managed, result.use_kubernetes) == (use_managed, use_kubernetes)
    assert result.training == result.experimentation
    if not ctx.data_stays_in_cloud:
        assert stages == {"kubernetes"}
    else:
        assert result.training == "managed"
        assert result.serving == ("kubernetes" if use_kubernetes else "managed")
    _cites_a_real_section(result.reasons)
    for flip in result.flips:  # every flip really flips, re-run through the tool itself
        assert flip.field in InfrastructureContext.model_fields and flip.field in flip.change
        changed = choose_infrastructure({**result.inputs, flip.field: flip.value})
        assert changed.overall == flip.overall != result.overall, flip
    again = choose_infrastructure(result.inputs)  # the echoed inputs reproduce it
    assert again.model_dump(exclude={"assumptions"}) == result.model_dump(exclude={"assumptions"})


# --- the fuzzing ------------------------------------------------------------------------

TOOLS: dict[str, tuple[Callable[..., Any], type[BaseModel], Callable[[Any, dict[Any, Any]], None]]]
TOOLS = {
    "estimate_cost": (estimate_cost, CostRequest, _check_cost),
    "select_accelerator": (select_accelerator, AcceleratorRequest, _check_accelerator),
    "choose_infrastructure": (choose_infrastructure, InfrastructureContext, _check_infrastructure),
}
PRICED = ("estimate_cost", "select_accelerator")  # these read the catalog: fuzz on both
INPUTS = {tool: inputs(model) for tool, (_, model, _) in TOOLS.items()}
VALID_INPUTS = {tool: valid_inputs(model) for tool, (_, model, _) in TOOLS.items()}


def _exercise(tool: str, case: dict[Any, Any], catalog: str, as_keywords: bool) -> None:
    """Either a result that passes the tool's invariants or a ValueError naming a field."""
    fn, model, check = TOOLS[tool]
    with _catalog(catalog):
        try:
            result = _call(fn, case, as_keywords)
        except ValueError as exc:
            _names_the_field(exc, case, model)
            return
        check(result, case)


@pytest.mark.parametrize(
    ("tool", "catalog"),
    [(t, c) for t in TOOLS for c in (sorted(CATALOGS) if t in PRICED else ["shipped"])],
)
@settings(max_examples=EXAMPLES, deadline=None)
@given(data=st.data(), as_keywords=st.booleans())
def test_the_whole_input_space(
    tool: str, catalog: str, data: st.DataObject, as_keywords: bool
) -> None:
    case = data.draw(INPUTS[tool], label="input")
    _exercise(tool, case, catalog, as_keywords)


EDGES = [
    (tool, field, i)
    for tool, (_, model, _) in TOOLS.items()
    for field, info in model.model_fields.items()
    for i in range(len(_odd(info.annotation, list(info.metadata))))
]


@pytest.mark.parametrize(("tool", "field", "index"), EDGES)
@settings(max_examples=EDGE_EXAMPLES, deadline=None)
@given(data=st.data(), as_keywords=st.booleans())
def test_every_field_at_and_past_its_edges(
    tool: str, field: str, index: int, data: st.DataObject, as_keywords: bool
) -> None:
    """Every odd value of every field, each against a few otherwise valid inputs: the
    random search above would meet a given pair only by luck."""
    model = TOOLS[tool][1]
    info = model.model_fields[field]
    value = _odd(info.annotation, list(info.metadata))[index]
    case = {**data.draw(VALID_INPUTS[tool], label="the rest"), field: value}
    catalog = data.draw(st.sampled_from(sorted(CATALOGS) if tool in PRICED else ["shipped"]))
    _exercise(tool, case, catalog, as_keywords)


# --- the hostile values every numeric field must turn away, checked one by one -------------


def _numeric_fields(model: type[BaseModel], kind: type) -> list[str]:
    return [
        name
        for name, info in model.model_fields.items()
        if info.annotation is kind or kind in get_args(info.annotation)
    ]


@pytest.mark.parametrize(
    ("tool", "field", "value"),
    [
        (tool, field, value)
        for tool, (_, model, _) in TOOLS.items()
        for field in _numeric_fields(model, float)
        for value in (math.nan, math.inf, -math.inf, np.float64("nan"), Decimal("Infinity"))
    ],
    ids=str,
)
def test_a_number_that_is_not_finite_is_rejected_naming_the_field(
    tool: str, field: str, value: object
) -> None:
    fn = TOOLS[tool][0]
    with pytest.raises(ValueError, match=f"(?s)^.*\\b{field}\\b.*finite number"):
        fn({field: value})


@pytest.mark.parametrize(
    ("tool", "field"),
    [
        (tool, field)
        for tool, (_, model, _) in TOOLS.items()
        for field in _numeric_fields(model, int) + _numeric_fields(model, float)
    ],
)
def test_a_number_too_large_to_print_is_rejected_naming_the_field(tool: str, field: str) -> None:
    # 5000 digits: Python refuses to turn such an int into text, so a tool that accepted
    # it would fail while writing its answer, with a message naming no field
    fn = TOOLS[tool][0]
    with pytest.raises(ValidationError) as caught:
        fn({field: 10**5000})
    assert [e["loc"] for e in caught.value.errors()] == [(field,)]


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ({"engineer_cost": 1e308, "ops_fraction": 10}, "engineer_cost"),  # was OverflowError
        (
            {
                "mode": "serverless",
                "requests_per_month": 10**400,
                "avg_duration_ms": 1,
                "memory_gb": 1,
            },
            "requests_per_month",
        ),  # was OverflowError on the fixture catalog, a total of $inf on a bigger one
    ],
)
def test_cost_totals_that_would_overflow_are_rejected_naming_the_field(
    case: dict[str, Any], field: str
) -> None:
    with _catalog("fixture"), pytest.raises(ValueError, match=field):
        estimate_cost(case)


def test_negative_zero_is_read_as_zero_not_shown_as_minus_zero() -> None:
    with _catalog("fixture"):
        r = estimate_cost(instance_type="g5.xlarge", hours_per_month=-0.0, ops_fraction=-0.0)
    eks = {o.platform: o for o in r.options}["eks"]
    assert [line.usd for line in eks.breakdown] == [0.0, 73.0, 0.0]
    _user_visible(r)  # no -0.0 anywhere
    assert not [line.formula for line in eks.breakdown if "-0 " in line.formula]
    _user_visible(choose_infrastructure(budget=-0.0))


@pytest.mark.parametrize(
    "regime", ["\x1b[31mHIPAA", "a\ud800b", "PCI\x00", "\u202eSOC2", "X" * 101]
)
def test_a_compliance_regime_that_cannot_be_shown_is_rejected(regime: str) -> None:
    # the regime is echoed in the reasons: no terminal escapes, nothing JSON cannot encode
    with pytest.raises(ValueError, match="compliance"):
        choose_infrastructure(compliance=regime, requires_custom_controls=True)
    assert choose_infrastructure(compliance="X" * 100, requires_custom_controls=True).use_kubernetes


# --- a user's price file ------------------------------------------------------------------

LINES = FIXTURE.read_text().strip().split("\n")  # header, then rows 2, 3, ...
HEADER = LINES[0].split(",")


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def _drop_column(column: str) -> str:
    i = HEADER.index(column)
    return "\n".join(",".join(c for j, c in enumerate(x.split(",")) if j != i) for x in LINES)


def _set(row: int, column: str, value: str, lines: list[str] = LINES) -> str:
    """The fixture with one cell changed (row numbers as in the file: the header is 1)."""
    out = list(lines)
    cells = out[row - 1].split(",")
    cells[HEADER.index(column)] = value
    out[row - 1] = ",".join(cells)
    return "\n".join(out) + "\n"


def _rejected(path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The message a user gets, asking for a price, with MLINFRA_PRICES at `path`."""
    monkeypatch.setenv("MLINFRA_PRICES", str(path))
    with pytest.raises(ValueError) as caught:
        estimate_cost(instance_type="g5.xlarge")
    assert type(caught.value) is ValueError, repr(caught.value)  # not a decoder's error
    message = str(caught.value)
    assert str(path) in message, message  # which file
    return message


def test_a_good_price_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the control for the rejections below: the same file, unedited, with a spreadsheet's
    # byte-order mark and Windows line ends, is read
    text = "\ufeff" + "\r\n".join(LINES) + "\r\n"
    path = _write(tmp_path, "good.csv", text.encode("utf-8"))
    monkeypatch.setenv("MLINFRA_PRICES", str(path))
    eks = {o.platform: o for o in estimate_cost(instance_type="g5.xlarge").options}["eks"]
    assert eks.breakdown[0].usd == round(1.006 * 730, 2)
    assert eks.assumptions[0].source == "https://example.test/ec2"


@pytest.mark.parametrize("column", ["usd_per_hour", "source", "as_of", "region", "vcpus"])
def test_a_missing_column_is_named(
    column: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = _rejected(_write(tmp_path, f"no-{column}.csv", _drop_column(column)), monkeypatch)
    assert re.search(rf"row 1: missing columns {column}$", message), message


@pytest.mark.parametrize(
    ("row", "column", "value", "expected"),
    [
        (3, "usd_per_hour", "-1.408", "row 3: usd_per_hour is negative"),
        (3, "usd_per_hour", "abc", "row 3: usd_per_hour is not a number"),
        (3, "usd_per_hour", "", "row 3: usd_per_hour is not a number"),
        (4, "usd_per_hour", "nan", "row 4: usd_per_hour is not a number"),
        (4, "usd_per_hour", "inf", "row 4: usd_per_hour is not a number"),
        (2, "spot_usd_per_hour", "2.0", "row 2: spot_usd_per_hour (2) is above usd_per_hour"),
        (2, "spot_usd_per_hour", "-0.4", "row 2: spot_usd_per_hour is negative"),
        (2, "spot_usd_per_hour", "NaN", "row 2: spot_usd_per_hour is not a number"),
        (2, "spot_usd_per_hour", "cheap", "row 2: spot_usd_per_hour is not a number"),
        (5, "vcpus", "four", "row 5: vcpus is not a number"),
        (5, "accelerator_count", "-1", "row 5: accelerator_count is negative"),
        (3, "source", "", "row 3: source must be a URL"),
        (3, "source", "example.test/prices", "row 3: source must be a URL"),
        (6, "as_of", "", "row 6: as_of is empty"),
        (6, "as_of", "  ", "row 6: as_of is empty"),
    ],
)
def test_a_bad_cell_is_rejected_with_its_row(
    row: int,
    column: str,
    value: str,
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = _write(tmp_path, f"bad-{row}-{column}-{len(value)}.csv", _set(row, column, value))
    assert expected in _rejected(path, monkeypatch)


def test_a_duplicate_row_names_both_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "\n".join([*LINES, LINES[2].replace("1.408", "1.5")]) + "\n"  # row 3 again, repriced
    last = len(LINES) + 1
    message = _rejected(_write(tmp_path, "dup.csv", text), monkeypatch)
    assert f"row {last}: duplicate of row 3 (aws, sagemaker, ml.g5.xlarge, us-east-1)" in message


def test_row_numbers_are_the_lines_of_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a blank line is a row in an editor and a spreadsheet: the fault is reported where
    # the user will look for it
    lines = [LINES[0], LINES[1], "", *LINES[2:]]
    path = _write(tmp_path, "blank.csv", _set(4, "usd_per_hour", "-1", lines))
    assert "row 4: usd_per_hour is negative" in _rejected(path, monkeypatch)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda cells: cells[:-1], "row 3: 13 values, the header has 14 columns"),
        (lambda cells: [*cells, "extra"], "row 3: 15 values, the header has 14 columns"),
        # an unquoted thousands separator shifts every cell after it
        (lambda cells: [*cells[:4], "1", "408", *cells[5:]], "row 3: 15 values"),
    ],
)
def test_a_row_with_too_few_or_too_many_cells_is_rejected(
    edit: Callable[[list[str]], list[str]],
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lines = list(LINES)
    lines[2] = ",".join(edit(lines[2].split(",")))
    path = _write(tmp_path, f"cells-{len(lines[2])}.csv", "\n".join(lines) + "\n")
    assert expected in _rejected(path, monkeypatch)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not a UTF-8 CSV file"),
        (bytes(range(256)), "not a UTF-8 CSV file"),
        (b"provider,service\x00,instance_type\n", "row 1: missing columns service,"),
        (
            (LINES[0] + "\n" + LINES[1] + '\n"' + "x" * 200_000 + "\n").encode(),
            "row 3: not a CSV file (field larger than field limit",  # an unclosed quote
        ),
        (b"", "empty file; expected a header row: provider,service,"),
        (b"\n\n", "row 1: blank; expected a header row"),
        (b"just some text\n", "row 1: missing columns provider, service"),
    ],
    ids=["png", "all-bytes", "nul", "unclosed-quote", "empty", "blank-lines", "prose"],
)
def test_a_file_that_is_not_a_price_csv_is_rejected(
    content: bytes, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, f"not-csv-{len(content)}-{content[:2].hex()}.csv", content)
    assert expected in _rejected(path, monkeypatch)


def test_a_price_file_that_does_not_exist_or_is_a_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "no-such-prices.csv"
    assert "no such file" in _rejected(missing, monkeypatch)
    folder = tmp_path / "prices-folder.csv"
    folder.mkdir()
    assert "cannot read" in _rejected(folder, monkeypatch)
