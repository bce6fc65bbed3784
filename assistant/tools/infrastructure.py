"""`choose_infrastructure`: managed platform, self-managed Kubernetes, or a hybrid.

The rules are the build-vs-buy framework of the guidance (knowledge/build-vs-buy.md),
with its gaps closed:

- `data_stays_in_cloud` is defined: True when the data may be processed by the cloud
  provider's managed ML services; False when it must stay in infrastructure the team
  controls. False puts every stage that touches the data on Kubernetes.
- Compliance counts only together with custom controls, `(regime and custom controls)`,
  because the managed platforms are HIPAA-eligible and PCI/SOC-audited; what they cannot
  give is custom controls. Any named regime counts, not only HIPAA, PCI and SOC2.
- Only `use_managed`: managed throughout. Only `use_kubernetes`: the guidance's hybrid
  (managed training and experimentation, serving on Kubernetes). Both: the same hybrid,
  since the hard requirement (several clouds, custom controls) bites at serving while a
  small, hurried team should run no more than it must. Neither: managed throughout, since
  no Kubernetes rule fired and a team below 5 engineers and 10 models has nothing to spread
  a platform's cost over.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.tools.inputs import validated

Stage = Literal["managed", "kubernetes"]
GUIDE = "build-vs-buy.md"
H_MANAGED = "When a managed platform is the right call"
H_KUBERNETES = "When self-managed Kubernetes is the right call"
H_HYBRID = "The hybrid answer"
H_BUDGET = "Reading the budget rule"

DEFAULTS: dict[str, Any] = {
    "team_size": 3,
    "ml_models": 1,
    "budget": 250_000.0,
    "engineer_cost": 180_000.0,
    "time_to_market": "normal",
    "multi_cloud": False,
    "compliance": "none",
    "requires_custom_controls": False,
    "data_stays_in_cloud": True,
}
MAX_USD = 1e12  # beyond any ML budget: keeps the budget rule's arithmetic exact
MAX_REGIME_CHARS = 100
_CANONICAL_REGIMES = {
    "hipaa": "HIPAA",
    "pci": "PCI",
    "pci-dss": "PCI",
    "pci dss": "PCI",
    "soc2": "SOC2",
    "soc 2": "SOC2",
    "soc-2": "SOC2",
}


class InfrastructureContext(BaseModel):
    """The team and workload the decision is for. Missing fields take the defaults in
    `DEFAULTS`, and the result lists each one it assumed."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    team_size: int = Field(
        DEFAULTS["team_size"], ge=1, le=100_000, description="ML/platform engineers"
    )
    ml_models: int = Field(
        DEFAULTS["ml_models"], ge=0, le=1_000_000, description="models in production"
    )
    budget: float = Field(
        DEFAULTS["budget"], ge=0, le=MAX_USD, description="ML budget, USD per year"
    )
    engineer_cost: float = Field(
        DEFAULTS["engineer_cost"],
        gt=0,
        le=MAX_USD,
        description="fully loaded USD per engineer-year",
    )
    time_to_market: Literal["urgent", "normal", "flexible"] = DEFAULTS["time_to_market"]
    multi_cloud: bool = DEFAULTS["multi_cloud"]
    compliance: str = Field(
        DEFAULTS["compliance"], description="none, HIPAA, PCI, SOC2 or another named regime"
    )
    requires_custom_controls: bool = DEFAULTS["requires_custom_controls"]
    data_stays_in_cloud: bool = Field(
        DEFAULTS["data_stays_in_cloud"],
        description="True if the data may be processed by the provider's managed ML services",
    )

    @field_validator("compliance", mode="before")
    @classmethod
    def _normalise_regime(cls, value: object) -> str:
        if value is None or value is False:
            return "none"
        if not isinstance(value, str):
            raise ValueError("compliance must be 'none', 'HIPAA', 'PCI', 'SOC2' or a name")
        text = value.strip()
        if text.lower() in ("", "none", "no", "n/a"):
            return "none"
        if len(text) > MAX_REGIME_CHARS or not text.isprintable():
            # echoed in every reason: no terminal escapes, no text JSON cannot encode
            raise ValueError(
                f"compliance must be a printable name of at most {MAX_REGIME_CHARS} characters"
            )
        return _CANONICAL_REGIMES.get(text.lower(), text)

    @field_validator("budget")
    @classmethod
    def _no_negative_zero(cls, value: float) -> float:
        return value + 0.0  # -0.0 would be echoed as "-0.0"


class Reason(BaseModel):
    rule: str = Field(description="the rule that fired, e.g. 'use_kubernetes: team_size >= 5'")
    detail: str
    source: str = Field(description="knowledge file that states the rule")
    heading: str = Field(description="section of that file")


class Flip(BaseModel):
    change: str = Field(description="e.g. 'team_size >= 5'")
    field: str
    value: Any
    overall: str = Field(description="what `overall` becomes with this change")


class InfrastructureDecision(BaseModel):
    training: Stage
    serving: Stage
    experimentation: Stage
    overall: Literal["managed", "kubernetes", "hybrid"]
    use_managed: bool = Field(description="the guidance's managed rule held")
    use_kubernetes: bool = Field(description="the guidance's Kubernetes rule held")
    reasons: list[Reason]
    assumptions: list[str]
    flips: list[Flip]
    inputs: dict[str, Any]


def _rules(ctx: InfrastructureContext) -> tuple[bool, bool, list[Reason]]:
    reasons: list[Reason] = []
    budget_ok = ctx.budget > 2 * ctx.engineer_cost
    use_managed = (
        ctx.team_size < 5 and ctx.ml_models < 10 and budget_ok and ctx.time_to_market == "urgent"
    )
    if use_managed:
        reasons.append(
            Reason(
                rule="use_managed: team_size < 5 and ml_models < 10 and budget > 2 x engineer_cost"
                " and time_to_market == urgent",
                detail=f"{ctx.team_size} engineers, {ctx.ml_models} models, budget "
                f"${ctx.budget:,.0f} > 2 x ${ctx.engineer_cost:,.0f}, urgent launch: a managed "
                "platform is running in hours and costs no platform team.",
                source=GUIDE,
                heading=H_MANAGED,
            )
        )
    fired = []
    if ctx.team_size >= 5:
        fired.append(("team_size >= 5", f"{ctx.team_size} engineers can carry a platform"))
    if ctx.ml_models >= 10:
        fired.append(("ml_models >= 10", f"{ctx.ml_models} models spread the platform's cost"))
    if ctx.multi_cloud:
        fired.append(("multi_cloud", "the same open-source stack runs on every cloud"))
    regulated = ctx.compliance != "none"
    if regulated and ctx.requires_custom_controls:
        fired.append(
            (
                "compliance and requires_custom_controls",
                f"{ctx.compliance} with custom controls that managed platforms do not offer",
            )
        )
    for rule, detail in fired:
        reasons.append(
            Reason(
                rule=f"use_kubernetes: {rule}",
                detail=detail + ".",
                source=GUIDE,
                heading=H_KUBERNETES,
            )
        )
    if regulated and not ctx.requires_custom_controls:
        reasons.append(
            Reason(
                rule="compliance alone does not require Kubernetes",
                detail=f"{ctx.compliance} without custom controls: the managed platforms are "
                "HIPAA-eligible and audited for PCI and SOC 2, so this does not count toward "
                "Kubernetes (the guidance groups compliance with custom controls).",
                source=GUIDE,
                heading=H_KUBERNETES,
            )
        )
    return use_managed, bool(fired), reasons


def _decide(
    ctx: InfrastructureContext,
) -> tuple[Stage, Stage, Stage, str, bool, bool, list[Reason]]:
    use_managed, use_kubernetes, reasons = _rules(ctx)
    data_out = not ctx.data_stays_in_cloud
    training: Stage = "kubernetes" if data_out else "managed"
    experimentation: Stage = "kubernetes" if data_out else "managed"
    serving: Stage = "kubernetes" if (use_kubernetes or data_out) else "managed"
    if data_out:
        reasons.append(
            Reason(
                rule="data_stays_in_cloud is false",
                detail="the data must stay in infrastructure the team controls, so every stage "
                "that touches it (training, experimentation, serving) runs on Kubernetes.",
                source=GUIDE,
                heading=H_HYBRID,
            )
        )
    if use_kubernetes and not data_out:
        both = (
            " (the managed rule held too, but a hard requirement bites at serving, and a"
            " small team should run no more than it must)"
            if use_managed
            else ""
        )
        reasons.append(
            Reason(
                rule="hybrid split",
                detail="training and experimentation stay managed (the data may stay in the "
                "cloud; faster iteration), serving runs on Kubernetes (lower latency, better "
                f"scaling){both}.",
                source=GUIDE,
                heading=H_HYBRID,
            )
        )
    if not use_kubernetes and not use_managed and not data_out:
        reasons.append(
            Reason(
                rule="neither rule held: managed by default",
                detail="no Kubernetes rule fired; with fewer than 5 engineers and 10 models there "
                "is nothing to spread a self-managed platform's cost over.",
                source=GUIDE,
                heading=H_MANAGED,
            )
        )
    stages = {training, serving, experimentation}
    overall = stages.pop() if len(stages) == 1 else "hybrid"
    return training, serving, experimentation, overall, use_managed, use_kubernetes, reasons


def _overall(ctx: InfrastructureContext) -> str:
    return _decide(ctx)[3]


def _candidates(ctx: InfrastructureContext) -> list[tuple[str, str, Any]]:
    """(change text, field, new value): the smallest change of each field at its threshold."""
    out: list[tuple[str, str, Any]] = []
    out.append(
        ("team_size <= 4", "team_size", 4)
        if ctx.team_size >= 5
        else ("team_size >= 5", "team_size", 5)
    )
    out.append(
        ("ml_models <= 9", "ml_models", 9)
        if ctx.ml_models >= 10
        else ("ml_models >= 10", "ml_models", 10)
    )
    threshold = 2 * ctx.engineer_cost
    if ctx.budget > threshold:
        out.append((f"budget <= {threshold:,.0f}", "budget", threshold))
        out.append((f"engineer_cost >= {ctx.budget / 2:,.0f}", "engineer_cost", ctx.budget / 2))
    else:
        out.append((f"budget > {threshold:,.0f}", "budget", threshold + 1))
        if ctx.budget > 2:
            half = ctx.budget / 2 - 1
            out.append((f"engineer_cost < {ctx.budget / 2:,.0f}", "engineer_cost", half))
    for pace in ("urgent", "normal", "flexible"):
        if pace != ctx.time_to_market:
            out.append((f"time_to_market = {pace}", "time_to_market", pace))
    for flag in ("multi_cloud", "requires_custom_controls", "data_stays_in_cloud"):
        toggled = not getattr(ctx, flag)
        out.append((f"{flag} = {str(toggled).lower()}", flag, toggled))
    if ctx.compliance == "none":
        out.append(("compliance = HIPAA", "compliance", "HIPAA"))
    else:
        out.append(("compliance = none", "compliance", "none"))
    return out


def _flips(ctx: InfrastructureContext, overall: str) -> list[Flip]:
    flips = []
    for change, field, value in _candidates(ctx):
        changed = ctx.model_copy(update={field: value})
        new = _overall(changed)  # verified by re-running the decision
        if new != overall:
            flips.append(Flip(change=change, field=field, value=value, overall=new))
    return flips


def choose_infrastructure(
    context: InfrastructureContext | dict[str, Any] | None = None, **fields: Any
) -> InfrastructureDecision:
    """Decide where to run training, serving and experimentation: a managed ML platform
    (SageMaker, Vertex AI), self-managed Kubernetes, or a hybrid, with the rules that fired,
    the defaults assumed, and the single changes that would flip the decision."""
    ctx, assumed = validated(InfrastructureContext, context, fields, DEFAULTS)
    training, serving, experimentation, overall, use_managed, use_kubernetes, reasons = _decide(ctx)
    return InfrastructureDecision(
        training=training,
        serving=serving,
        experimentation=experimentation,
        overall=overall,  # type: ignore[arg-type]
        use_managed=use_managed,
        use_kubernetes=use_kubernetes,
        reasons=reasons,
        assumptions=assumed,
        flips=_flips(ctx, overall),
        inputs=ctx.model_dump(),
    )
