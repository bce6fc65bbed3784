"""Deterministic decision tools: typed inputs, transparent rules, sourced prices, no
language model.

    from assistant.tools import choose_infrastructure, estimate_cost, select_accelerator
    from assistant.tools import find_prices
    choose_infrastructure({"team_size": 3, "ml_models": 4, "time_to_market": "urgent"})
    estimate_cost({"instance_type": "g5.xlarge", "hours_per_month": 730})
    select_accelerator({"workload": "training", "framework": "jax", "cloud": "gcp"})
    find_prices({"accelerator": "h100", "count": 8, "purchase": "spot"})

Each takes its pydantic model, a plain dict or keywords; a bad field is a `ValueError`
naming it; the result is a pydantic model whose `model_dump()` is the tool call's result.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what the lazy names are, for type checkers
    from pydantic import BaseModel

    from assistant.tools.accelerator import (
        AcceleratorRecommendation,
        AcceleratorRequest,
        select_accelerator,
    )
    from assistant.tools.cost import CostEstimate, CostRequest, estimate_cost
    from assistant.tools.find import PriceList, PriceQuery, find_prices
    from assistant.tools.infrastructure import (
        InfrastructureContext,
        InfrastructureDecision,
        choose_infrastructure,
    )

    TOOLS: dict[str, tuple[Any, type[BaseModel]]]

# Loaded on first use (PEP 562), so importing a submodule such as `assistant.tools.prices`
# does not import pydantic and every tool: name -> the module that defines it.
_HOMES = {
    "AcceleratorRecommendation": "accelerator",
    "AcceleratorRequest": "accelerator",
    "select_accelerator": "accelerator",
    "CostEstimate": "cost",
    "CostRequest": "cost",
    "estimate_cost": "cost",
    "PriceList": "find",
    "PriceQuery": "find",
    "find_prices": "find",
    "InfrastructureContext": "infrastructure",
    "InfrastructureDecision": "infrastructure",
    "choose_infrastructure": "infrastructure",
}
# tool name -> (function, input model)
_TOOLS = {
    "choose_infrastructure": ("choose_infrastructure", "InfrastructureContext"),
    "estimate_cost": ("estimate_cost", "CostRequest"),
    "select_accelerator": ("select_accelerator", "AcceleratorRequest"),
    "find_prices": ("find_prices", "PriceQuery"),
}

__all__ = [
    "AcceleratorRecommendation",
    "AcceleratorRequest",
    "CostEstimate",
    "CostRequest",
    "InfrastructureContext",
    "InfrastructureDecision",
    "PriceList",
    "PriceQuery",
    "TOOLS",
    "as_langchain_tools",
    "choose_infrastructure",
    "estimate_cost",
    "find_prices",
    "select_accelerator",
]


def __getattr__(name: str) -> Any:
    if name == "TOOLS":
        tools = {t: (__getattr__(fn), __getattr__(model)) for t, (fn, model) in _TOOLS.items()}
        globals()["TOOLS"] = tools
        return tools
    if name in _HOMES:
        value = getattr(import_module(f"assistant.tools.{_HOMES[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def as_langchain_tools() -> list[Any]:
    """The tools as LangChain `StructuredTool`s (same names, same schemas)."""
    from langchain_core.tools import StructuredTool

    tools = []
    for name, (fn, schema) in __getattr__("TOOLS").items():

        def run(_fn: Any = fn, **kwargs: Any) -> dict[str, Any]:
            return dict(_fn(kwargs).model_dump())

        tools.append(
            StructuredTool.from_function(
                func=run,
                name=name,
                description=(fn.__doc__ or name).strip(),
                args_schema=schema.model_json_schema(),  # our function validates, and
                # so knows which fields the caller left to their defaults
            )
        )
    return tools
