"""`find_prices`: where an accelerator or an instance type can be had, and for how much,
across clouds and regions, on-demand and spot, cheapest first (as `sky show-gpus H100:8`
does), from the price snapshot (`assistant.tools.prices`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.tools.inputs import validated
from assistant.tools.prices import catalog, staleness
from assistant.tools.prices.row import PriceRow

DEFAULTS: dict[str, Any] = {"purchase": None, "limit": 10}


class PriceQuery(BaseModel):
    """An accelerator (with a count) or an instance type, optionally narrowed."""

    model_config = ConfigDict(extra="forbid")

    accelerator: str | None = Field(
        None, min_length=1, max_length=40, description="e.g. 'h100', 'a100-80gb', 'l4', 'v5e'"
    )
    count: int | None = Field(None, ge=1, le=1024, description="accelerators per instance")
    instance_type: str | None = Field(
        None, min_length=1, max_length=80, description="e.g. 'g5.2xlarge', 'a2-highgpu-1g'"
    )
    provider: Literal["aws", "gcp", "azure"] | None = None
    region: str | None = Field(None, min_length=1, max_length=40)
    purchase: Literal["on-demand", "spot"] | None = Field(
        DEFAULTS["purchase"], description="unset: both"
    )
    limit: int = Field(DEFAULTS["limit"], ge=1, le=500)

    @model_validator(mode="after")
    def _one_thing(self) -> PriceQuery:
        if (self.accelerator is None) == (self.instance_type is None):
            raise ValueError("give exactly one of accelerator (with count) or instance_type")
        if self.count is not None and self.accelerator is None:
            raise ValueError("count: goes with accelerator, not instance_type")
        return self


class PriceOffer(BaseModel):
    provider: str
    service: str
    instance_type: str
    region: str
    purchase: str
    usd_per_hour: float
    usd_per_accelerator_hour: float | None
    accelerator: str
    accelerator_count: float
    vcpus: float | None
    memory_gb: float | None
    source: str
    as_of: str
    note: str = Field("", description="how the figure was put together, where it was")


class PriceList(BaseModel):
    offers: list[PriceOffer] = Field(description="cheapest first, at most `limit`")
    matches: int = Field(description="offers before the limit")
    regions: int = Field(description="regions with at least one offer")
    notes: list[str] = Field(default_factory=list)
    assumptions: list[str] = Field(default_factory=list)
    inputs: dict[str, Any] = Field(default_factory=dict)


def find_prices(request: PriceQuery | dict[str, Any] | None = None, **fields: Any) -> PriceList:
    """Where an accelerator (and how many per instance) or an instance type can be had,
    across AWS, Google Cloud and Azure and their regions, on-demand and spot, cheapest
    first, with each price's source and date."""
    query, assumed = validated(PriceQuery, request, fields, DEFAULTS)
    book = catalog()
    notes: list[str] = []
    if query.region is not None and query.region not in book.regions(query.provider):
        near = book.closest_regions(query.region, query.provider)
        raise ValueError(f"region: unknown {query.region!r}; closest known: {', '.join(near)}")
    if query.instance_type is not None:
        rows = book.find(query.instance_type, query.region, query.purchase)
        if not rows and not book.find(query.instance_type):
            near = book.closest(query.instance_type)
            raise ValueError(
                f"instance_type: unknown {query.instance_type!r}; closest known: {', '.join(near)}"
            )
        rows = [r for r in rows if query.provider is None or r.provider == query.provider]
        if not query.instance_type.strip().lower().startswith("ml."):
            rows = [r for r in rows if r.service != "sagemaker"]  # ml.X is SageMaker's, not X
        else:
            managed = [r for r in rows if r.service == "sagemaker"]
            if not managed and rows:
                notes.append(f"no SageMaker price for {query.instance_type} in the snapshot; "
                             "these are the EC2 prices of the same instance, without "
                             "SageMaker's markup")  # fmt: skip
            rows = managed or rows
    else:
        assert query.accelerator is not None
        every = book.with_accelerator(query.accelerator, None, query.region, query.purchase,
                                      query.provider)  # fmt: skip
        every = [r for r in every if r.unit == "hour"]  # a whole instance, not a GPU add-on
        if not every and not book.with_accelerator(query.accelerator):
            raise ValueError(f"accelerator: unknown {query.accelerator!r}; known: "
                             f"{', '.join(book.accelerators())}")  # fmt: skip
        rows = [r for r in every if query.count is None or r.accelerator_count == query.count]
        if not rows and every:
            counts = sorted({int(r.accelerator_count) for r in every})
            notes.append(f"no instance comes with exactly {query.count} x {query.accelerator}; "
                         f"on sale per instance: {', '.join(map(str, counts))}")  # fmt: skip
    if any(r.purchase == "spot" for r in rows):
        notes.append("spot prices are one day's figures (they move hourly) and capacity can "
                     "be reclaimed at short notice")  # fmt: skip
    stale = staleness([r.source_version for r in rows[: query.limit]])
    if stale:
        notes.append(stale)
    return PriceList(
        offers=[_offer(r) for r in rows[: query.limit]],
        matches=len(rows),
        regions=len({(r.provider, r.region) for r in rows}),
        notes=notes,
        assumptions=assumed,
        inputs=query.model_dump(),
    )


def _offer(row: PriceRow) -> PriceOffer:
    return PriceOffer(
        provider=row.provider,
        service=row.service,
        instance_type=row.sku,
        region=row.region,
        purchase=row.purchase,
        usd_per_hour=row.usd,
        usd_per_accelerator_hour=round(row.per_accelerator, 4) if row.per_accelerator else None,
        accelerator=row.accelerator,
        accelerator_count=row.accelerator_count,
        vcpus=row.vcpus,
        memory_gb=row.memory_gb,
        source=row.source,
        as_of=row.source_version,
        note=row.formula,
    )
