"""The inputs and the result of `estimate_cost`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Platform = Literal[
    "sagemaker", "eks", "vertex", "gke", "azure-ml", "aks", "ec2", "compute-engine", "azure-vm"
]
PLATFORMS: tuple[str, ...] = ("sagemaker", "eks", "vertex", "gke", "azure-ml", "aks", "ec2",
                              "compute-engine", "azure-vm")  # fmt: skip
CLOUD_OF = {"sagemaker": "aws", "eks": "aws", "vertex": "gcp", "gke": "gcp", "azure-ml": "azure",
            "aks": "azure", "ec2": "aws", "compute-engine": "gcp", "azure-vm": "azure"}  # fmt: skip
# The bare instances: the VM's own bill, no cluster fee, no engineer time
VM_PLATFORMS = {"ec2": "aws", "compute-engine": "gcp", "azure-vm": "azure"}
# Priced when the request names no platforms: AWS's and Google's for an instance of
# either; Azure's for an Azure VM
DEFAULT_PLATFORMS = {"aws": PLATFORMS[:4], "gcp": PLATFORMS[:4], "azure": PLATFORMS[4:6]}
CLUSTER_HOURS = 730  # a cluster stands all month, whatever its nodes do
MAX_USD = 1e12  # beyond any real salary: keeps every total finite and exact to the cent
Purchase = Literal[
    "on-demand", "spot", "savings-plan-1y", "savings-plan-3y", "committed-1y", "committed-3y"
]
MAX_REQUESTS = 10**12  # a month of ~380k requests a second, far past one endpoint

DEFAULTS: dict[str, Any] = {
    "workload": "inference",
    "instance_type": "ml.g5.xlarge",
    "instance_count": 1,
    "hours_per_month": 730.0,
    "spot": False,
    "mode": "realtime",
    "models": 1,
    "engineer_cost": 180_000.0,
    "ops_fraction": 0.25,
    "region": None,  # the provider's default region, named in the assumptions
}


class CostRequest(BaseModel):
    """The workload to price. Missing fields take `DEFAULTS`, listed as assumptions."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    workload: Literal["inference", "training"] = DEFAULTS["workload"]
    instance_type: str = Field(DEFAULTS["instance_type"], min_length=1)
    instance_count: int = Field(DEFAULTS["instance_count"], ge=1, le=10_000)
    hours_per_month: float = Field(DEFAULTS["hours_per_month"], ge=0, le=744)
    months: float = Field(
        1.0, gt=0, le=120, description="months the question asks about (3 for a quarter, 12 for "
        "a year): each option stays a month's figure; the answer multiplies it",
    )  # fmt: skip
    spot: bool = DEFAULTS["spot"]
    mode: Literal["realtime", "serverless", "async", "batch", "multi_model"] = DEFAULTS["mode"]
    models: int = Field(DEFAULTS["models"], ge=1, le=100_000)
    requests_per_month: int | None = Field(None, ge=0, le=MAX_REQUESTS)
    avg_duration_ms: float | None = Field(None, gt=0, le=900_000)
    memory_gb: float | None = Field(None, ge=1, le=6)
    platforms: list[Platform] | None = None
    region: str | None = Field(
        DEFAULTS["region"], min_length=1, max_length=40,
        description="the instance's region, e.g. eu-west-1 (default: us-east-1 or us-central1)",
    )  # fmt: skip
    engineer_cost: float = Field(DEFAULTS["engineer_cost"], gt=0, le=MAX_USD)
    ops_fraction: float = Field(DEFAULTS["ops_fraction"], ge=0, le=10)
    purchase: Purchase | None = Field(
        None, description="on-demand, spot, or a 1- or 3-year savings plan or commitment "
        "(reserved instances, committed use); spot also sets `spot`",
    )  # fmt: skip

    @model_validator(mode="after")
    def _purchase_and_spot_agree(self) -> CostRequest:
        if self.purchase == "spot":
            self.spot = True
        elif self.purchase is not None and self.spot:
            raise ValueError(f"purchase: {self.purchase!r} contradicts spot=true; give one of them")
        return self

    @field_validator("hours_per_month", "ops_fraction")
    @classmethod
    def _no_negative_zero(cls, value: float) -> float:
        return value + 0.0  # -0.0 would print as "-0 h" and "$-0.0"


class Line(BaseModel):
    item: str
    usd: float
    formula: str


class PriceAssumption(BaseModel):
    item: str
    unit_price: float
    unit: str
    source: str
    as_of: str
    region: str = ""
    estimate: bool = Field(False, description="derived by us, not a provider's list price")
    formula: str = Field("", description="how an estimate was derived")


class Commitment(BaseModel):
    """A commitment's documented discount ceiling, applied to an option's compute: the
    provider publishes its rates per instance elsewhere, so this is a best case."""

    plan: str
    up_to_pct: float
    from_usd: float = Field(description="the month's total with the compute at the ceiling")
    source: str
    as_of: str
    quote: str


class CostOption(BaseModel):
    platform: str
    monthly_usd: float
    bill_usd: float = Field(description="what the cloud invoices, without engineer time")
    instance_type: str
    breakdown: list[Line]
    assumptions: list[PriceAssumption]
    commitment: Commitment | None = None


class BreakEven(BaseModel):
    self_managed: str
    managed: str
    instances: int | None = Field(description="instances from which self-managed is cheaper")
    detail: str


class CostEstimate(BaseModel):
    options: list[CostOption]
    cheapest: str | None
    notes: list[str]
    break_even: list[BreakEven]
    assumptions: list[str]
    inputs: dict[str, Any]


def _assumption(
    item: str, row: dict[str, Any], price: float, unit: str, formula: str = ""
) -> PriceAssumption:
    formula = formula or str(row.get("formula", "") if row.get("estimate") else "")
    return PriceAssumption(
        item=item,
        unit_price=price,
        unit=unit,
        source=str(row.get("source", "")),
        as_of=str(row.get("as_of", "")),
        region=str(row.get("region", "")),
        estimate=bool(formula),
        formula=formula,
    )
