"""Decide: the decision tools as forms, with the cost comparison and break-even as
charts and tables, downloadable as CSV and as a decision record."""

from __future__ import annotations

import csv
import io
from typing import Any

import streamlit as st
from ui_common import assistant, safe_answer_markdown, show_sources

from assistant.models import Answer

BREAK_EVEN_MAX = 40  # instances shown on the break-even chart, at least


def _errors(exc: ValueError) -> dict[str, str]:
    """Field -> message from a tool's ValueError (pydantic or our own 'field: message')."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        out = {}
        for e in errors():
            field = ".".join(str(p) for p in e.get("loc", ())) or "input"
            message = str(e.get("msg", "invalid value")).removeprefix("Value error, ")
            named, _, rest = message.partition(": ")
            if field == "input" and rest and named.isidentifier():
                field, message = named, rest  # a rule across fields names its field
            out[field] = message
        return out
    text = str(exc)
    field, _, message = text.partition(": ")
    return {field.strip(): message} if message and " " not in field.strip() else {"input": text}


def _run(name: str, args: dict[str, Any], slots: dict[str, Any]) -> Answer | None:
    try:
        return assistant().run_tool(name, args)
    except ValueError as exc:
        for field, message in _errors(exc).items():
            target = slots.get(field) or slots["input"]
            target.error(f"{field}: {message}")
        return None


def _result(answer: Answer, key: str) -> None:
    st.markdown(safe_answer_markdown(answer.text))
    if answer.citations:
        show_sources(answer)
    st.download_button(
        "Download decision record",
        data=answer.to_markdown(),
        file_name=f"{key}-decision-record.md",
        mime="text/markdown",
        key=f"{key}-record",
    )


def _choose() -> None:
    with st.form("choose"):
        slots: dict[str, Any] = {}
        c1, c2 = st.columns(2)
        team = c1.number_input("Engineers on the team", min_value=1, max_value=10_000, value=3)
        slots["team_size"] = c1.empty()
        models = c2.number_input("Models in production", min_value=0, max_value=100_000, value=1)
        slots["ml_models"] = c2.empty()
        budget = c1.number_input("ML budget, USD a year", min_value=0, value=250_000, step=10_000)
        slots["budget"] = c1.empty()
        engineer = c2.number_input(
            "Cost of an engineer, USD a year", min_value=1, value=180_000, step=10_000
        )
        slots["engineer_cost"] = c2.empty()
        ttm = c1.selectbox("Time to market", ["urgent", "normal", "flexible"], index=1)
        compliance = c2.text_input("Compliance regime (none, HIPAA, PCI, SOC2, ...)", "none")
        slots["compliance"] = c2.empty()
        multi = st.checkbox("Several clouds")
        custom = st.checkbox("Needs custom security or network controls")
        data_ok = st.checkbox("Data may be processed by managed cloud ML services", value=True)
        slots["input"] = st.empty()
        submitted = st.form_submit_button("Decide")
    if submitted:
        args = {
            "team_size": int(team), "ml_models": int(models), "budget": float(budget),
            "engineer_cost": float(engineer), "time_to_market": ttm, "multi_cloud": multi,
            "compliance": compliance, "requires_custom_controls": custom,
            "data_stays_in_cloud": data_ok,
        }  # fmt: skip
        st.session_state.decide_choose = _run("choose_infrastructure", args, slots)
    if st.session_state.get("decide_choose"):
        _result(st.session_state.decide_choose, "choose")


def _cost_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for option in result["options"]:
        for line in option["breakdown"]:
            item = line["item"]
            part = (
                "cluster fee" if item == "cluster fee"
                else "operations" if item.startswith("operations")
                else "compute"
            )  # fmt: skip
            rows.append(
                {
                    "platform": option["platform"],
                    "component": part,
                    "usd_per_month": line["usd"],
                    "arithmetic": line["formula"],
                }
            )
    return rows


def _break_even_rows(args: dict[str, Any], result: dict[str, Any]) -> list[dict[str, Any]]:
    from assistant.tools import estimate_cost

    known = [b["instances"] for b in result.get("break_even", []) if b.get("instances")]
    top = max([BREAK_EVEN_MAX, *(2 * n for n in known)])
    step = max(1, top // 40)
    rows = []
    for n in range(1, top + 1, step):
        estimate = estimate_cost({**args, "instance_count": n})
        for option in estimate.options:
            rows.append(
                {"instances": n, "platform": option.platform, "usd_per_month": option.monthly_usd}
            )
    return rows


def _csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def _cost() -> None:
    import altair as alt

    with st.form("cost"):
        slots: dict[str, Any] = {}
        c1, c2 = st.columns(2)
        workload = c1.selectbox("Workload", ["inference", "training"])
        instance = c2.text_input("Instance type (AWS or GCP, with or without ml.)", "g5.xlarge")
        slots["instance_type"] = c2.empty()
        count = c1.number_input("Instances", min_value=1, max_value=10_000, value=1)
        hours = c2.number_input("Hours a month", min_value=0.0, max_value=744.0, value=730.0)
        mode = c1.selectbox("Inference mode", ["realtime", "async", "batch", "multi_model"])
        models = c2.number_input("Models", min_value=1, max_value=100_000, value=1)
        spot = c1.checkbox("Spot / preemptible (training and batch only)")
        engineer = c2.number_input(
            "Cost of an engineer, USD a year", min_value=1, value=180_000, step=10_000
        )
        slots["input"] = st.empty()
        submitted = st.form_submit_button("Estimate")
    if submitted:
        args = {
            "workload": workload, "instance_type": instance.strip(),
            "instance_count": int(count), "hours_per_month": float(hours), "mode": mode,
            "models": int(models), "spot": spot, "engineer_cost": float(engineer),
        }  # fmt: skip
        st.session_state.decide_cost = (args, _run("estimate_cost", args, slots))
    if not st.session_state.get("decide_cost") or st.session_state.decide_cost[1] is None:
        return
    args, answer = st.session_state.decide_cost
    result = answer.tool_calls[0].result
    rows = _cost_rows(result)
    if rows:
        st.subheader("Monthly cost by platform")
        st.altair_chart(
            alt.Chart(alt.Data(values=rows))
            .mark_bar()
            .encode(
                x=alt.X("platform:N", title="platform"),
                y=alt.Y("sum(usd_per_month):Q", title="USD a month"),
                color=alt.Color("component:N", title="component"),
                tooltip=["platform:N", "component:N", "usd_per_month:Q", "arithmetic:N"],
            ),
            width="stretch",
        )
        st.dataframe(rows, width="stretch", hide_index=True)
        st.download_button(
            "Download costs as CSV", _csv(rows), "costs.csv", "text/csv", key="cost-csv"
        )
        curve = _break_even_rows(args, result)
        st.subheader("Break-even: monthly cost as the instance count grows")
        st.altair_chart(
            alt.Chart(alt.Data(values=curve))
            .mark_line(point=True)
            .encode(
                x=alt.X("instances:Q", title="instances"),
                y=alt.Y("usd_per_month:Q", title="USD a month (with engineer time)"),
                color=alt.Color("platform:N"),
                tooltip=["instances:Q", "platform:N", "usd_per_month:Q"],
            ),
            width="stretch",
        )
        st.download_button(
            "Download break-even as CSV", _csv(curve), "break-even.csv", "text/csv",
            key="break-even-csv",
        )  # fmt: skip
    _result(answer, "cost")


def _accelerator() -> None:
    with st.form("accelerator"):
        slots: dict[str, Any] = {}
        c1, c2 = st.columns(2)
        workload = c1.selectbox("Workload", ["training", "inference"])
        framework = c2.selectbox("Framework", ["pytorch", "jax", "tensorflow", "other"])
        model_type = c1.selectbox("Model type", ["transformer", "cnn", "recsys", "custom", "other"])
        cloud = c2.selectbox("Cloud", ["any", "aws", "gcp", "azure"])
        latency = c1.selectbox("Latency", ["realtime", "batch"])
        custom_ops = c2.checkbox("Custom operations or kernels")
        params = c1.number_input(
            "Parameters, billions (0 = not given)", min_value=0.0, max_value=10_000.0, value=0.0
        )
        precision = c2.selectbox("Precision", ["(default)", "fp32", "bf16", "fp16", "int8", "int4"])
        slots["precision"] = c2.empty()
        slots["input"] = st.empty()
        submitted = st.form_submit_button("Suggest")
    if submitted:
        args: dict[str, Any] = {
            "workload": workload, "framework": framework, "model_type": model_type,
            "cloud": cloud, "latency": latency, "custom_ops": custom_ops,
        }  # fmt: skip
        if params > 0:
            args["params_billion"] = float(params)
        if precision != "(default)":
            args["precision"] = precision
        st.session_state.decide_accelerator = _run("select_accelerator", args, slots)
    if st.session_state.get("decide_accelerator"):
        _result(st.session_state.decide_accelerator, "accelerator")


def _prices() -> None:
    with st.form("prices"):
        slots: dict[str, Any] = {}
        c1, c2 = st.columns(2)
        accelerator = c1.text_input("Accelerator (h100, a100-80gb, l4, v5e ...)", "h100")
        count = c2.number_input("Per instance (0 = any count)", min_value=0, max_value=1024,
                                value=8)  # fmt: skip
        instance = c1.text_input("Or an instance type (instead of the accelerator)", "")
        provider = c2.selectbox("Cloud", ["any", "aws", "gcp", "azure"])
        region = c1.text_input("Region (empty = every region)", "")
        purchase = c2.selectbox("Purchase", ["on-demand and spot", "on-demand", "spot"])
        for field in ("accelerator", "count", "instance_type", "region"):
            slots[field] = st.empty()
        slots["input"] = st.empty()
        submitted = st.form_submit_button("Find")
    if submitted:
        args: dict[str, Any] = {"limit": 50}
        if instance.strip():
            args["instance_type"] = instance.strip()
        else:
            args["accelerator"] = accelerator.strip()
            if count:
                args["count"] = int(count)
        if provider != "any":
            args["provider"] = provider
        if region.strip():
            args["region"] = region.strip()
        if purchase != "on-demand and spot":
            args["purchase"] = purchase
        st.session_state.decide_prices = _run("find_prices", args, slots)
    answer = st.session_state.get("decide_prices")
    if answer:
        rows = answer.tool_calls[0].result["offers"] if answer.tool_calls else []
        if rows:
            table = [{k: o[k] for k in ("provider", "instance_type", "region", "purchase",
                                        "usd_per_hour", "usd_per_accelerator_hour", "as_of")}
                     for o in rows]  # fmt: skip
            st.download_button("Download offers as CSV", _csv(table), "offers.csv", "text/csv",
                               key="offers-csv")  # fmt: skip
        _result(answer, "prices")


def render() -> None:
    st.title("Decide")
    st.caption(
        "The deterministic tools behind the chat's decisions and numbers: every rule cited, "
        "every price with its source and as-of date."
    )
    # A radio, not tabs: the choice lives on the server, so a rerun never resets it.
    tools = {"Managed or Kubernetes": _choose, "Cost comparison": _cost, "TPU or GPU": _accelerator,
             "Where to buy": _prices}  # fmt: skip
    choice = st.radio("Tool", list(tools), horizontal=True, key="decide_tool")
    tools[choice]()
