"""The tool registry: one `ToolSpec` per tool, the one place that says what a tool is
(its function and input model, from `assistant.tools.TOOLS`), which of the planner's slots
it reads, when a question calls for it, how its result is rendered and which caveats it
carries. The offline planner and answer, the LLM agent's tool list and the one-tool
answers (`Assistant.run_tool`, the CLI) all read it.

    from assistant.agent.registry import REGISTRY, spec
    spec("estimate_cost").slots      # ("workload", "instance_type", ...)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from assistant.agent import cues, render

Applies = Callable[[str, dict[str, Any], list[str]], bool]  # (text, facts, chosen so far)


def _notes(result: dict[str, Any]) -> list[str]:
    return list(result.get("notes", []))


def _no_notes(result: dict[str, Any]) -> list[str]:
    return []


@dataclass(frozen=True)
class ToolSpec:
    name: str
    function: Callable[[Any], BaseModel]
    input: type[BaseModel]
    slots: tuple[str, ...]  # the planner's facts it takes as arguments
    applies: Applies | None  # when a question calls for it (None: only when asked by name)
    render: Callable[[dict[str, Any], render.Cite], list[str]]
    notes: Callable[[dict[str, Any]], list[str]]  # the caveats its result carries

    @property
    def description(self) -> str:
        return (self.function.__doc__ or self.name).strip()

    def run(self, args: dict[str, Any]) -> dict[str, Any]:
        """The tool on `args`; a bad field is the tool's `ValueError` naming it."""
        return dict(self.function(dict(args)).model_dump())


def _specs() -> tuple[ToolSpec, ...]:
    from assistant.tools import TOOLS

    def make(name: str, **rest: Any) -> ToolSpec:
        fn, model = TOOLS[name]
        return ToolSpec(name=name, function=fn, input=model, **rest)

    return (
        make("choose_infrastructure", applies=cues.chooser_applies, render=render.infrastructure,
             notes=_no_notes,
             slots=("team_size", "ml_models", "budget", "engineer_cost", "time_to_market",
                    "multi_cloud", "compliance", "requires_custom_controls",
                    "data_stays_in_cloud")),
        make("estimate_cost", applies=cues.cost_applies, render=render.cost, notes=_notes,
             slots=("workload", "instance_type", "instance_count", "hours_per_month", "spot",
                    "mode", "requests_per_month", "avg_duration_ms", "memory_gb", "models",
                    "platforms", "engineer_cost", "region", "purchase", "months")),
        make("select_accelerator", applies=cues.selector_applies, render=render.accelerator,
             notes=_no_notes,
             slots=("workload", "framework", "model_type", "cloud", "latency", "custom_ops",
                    "params_billion", "precision")),
        make("find_prices", applies=None, render=render.offers, notes=_notes, slots=()),
    )  # fmt: skip


REGISTRY: dict[str, ToolSpec] = {s.name: s for s in _specs()}


def spec(name: str) -> ToolSpec:
    """The spec of tool `name`; an unknown name is an error listing the tools."""
    if name not in REGISTRY:
        raise ValueError(f"tool must be one of {', '.join(REGISTRY)}, got {name!r}")
    return REGISTRY[name]
