"""The Estimate: everything an estimate computed, as one typed document.

Renderers (table, JSON, CSV, markdown, HTML, check) only format this; they never compute money.
Money is `Decimal` in Python and a JSON number (USD) in JSON; the JSON Schema shipped in
`estimator/schemas/estimate.schema.json` is generated from these models (`schema_version`
changes whenever a key is removed or changes meaning).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, PlainSerializer

SCHEMA_VERSION = 1

Money = Annotated[Decimal, PlainSerializer(lambda v: float(v), return_type=float, when_used="json")]
Count = Annotated[Decimal, PlainSerializer(lambda v: float(v), return_type=float, when_used="json")]


class _Doc(BaseModel):
    # every key is always printed, so the schema requires it (schema_version, warnings...)
    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)


class PricingInfo(_Doc):
    source: str
    fetched_at: str
    age_days: float
    stale: bool
    max_age_days: float
    model_count: int
    sha256: str
    location: str | None = None


class TokenInfo(_Doc):
    kind: str
    mean: Count
    p95: Count | None = None
    histogram: list[list[float]] | None = None


class WorkloadInfo(_Doc):
    requests_per_month: float
    monthly_growth_pct: float
    input_tokens: TokenInfo
    output_tokens: TokenInfo
    reasoning_tokens: TokenInfo
    cached_input_share: float
    hours_utc: str | list[float]


class Assumption(_Doc):
    name: str
    value: Any
    source: str
    documented: bool
    used_by: list[str] = []


class BreakdownRow(_Doc):
    """Per request (weighted by branch probability); stage `web_tools` rows hold search and
    fetch fees (calls = searches + fetches) so the rows add up to `per_request_usd`."""

    stage: str
    model: str
    calls: Count
    input_tokens: Count
    output_tokens: Count
    reasoning_tokens: Count
    cost_usd: Money


class StageCost(_Doc):
    stage: str
    cost_usd: Money


class CallRow(_Doc):
    """One priced call of the mean request (the report's method appendix)."""

    branch: str
    probability: Count
    stage: str
    model: str
    member: str
    step: int
    input_tokens: Count
    output_tokens: Count
    reasoning_tokens: Count
    searches: Count
    fetches: Count
    tokens_usd: Money
    tools_usd: Money
    cost_usd: Money


class Distribution(_Doc):
    method: str
    samples: int
    seed: int
    mean_usd: Money
    p50_usd: Money
    p95_usd: Money
    p99_usd: Money
    sd_usd: Money


class Band(_Doc):
    p5_usd: Money
    p95_usd: Money
    method: str


class RangeInfo(_Doc):
    min_usd: Money
    min_model: str
    max_usd: Money
    max_model: str


class ContextInfo(_Doc):
    max_prompt_tokens: int | None
    binding_call: str | None
    overflows: list[str] = []


class ModelUseInfo(_Doc):
    role: str
    requested: str
    id: str
    via: str


class BillingFees(_Doc):
    """What OpenRouter charges besides tokens for a month of this strategy (scenario `billing`)."""

    usage_usd: Money  # the month's token and tool cost (monthly_usd)
    byok_usage_usd: Money  # the part of it on your own provider keys (billed by the provider)
    byok_fee_usd: Money  # OpenRouter's 5% above the allowance
    credits_usd: Money  # what you buy from OpenRouter: non-BYOK usage + the BYOK fee
    credit_purchase_fee_usd: Money
    monthly_total_usd: Money  # usage + both fees: what the month costs in all


class StrategyResult(_Doc):
    name: str
    kind: Literal["single", "auto", "fusion"]
    per_request_usd: Money
    monthly_usd: Money
    monthly_band: Band
    distribution: Distribution
    calls_per_request: Count
    multiplier_vs_baseline: float | None
    range: RangeInfo | None = None
    invocation_rate: float | None = None  # fusion: share of requests where fusion runs
    invoked_per_request_usd: Money | None = None  # fusion: a request where fusion runs
    plain_per_request_usd: Money | None = None  # fusion: a request the outer model answers
    models: list[ModelUseInfo]
    breakdown: list[BreakdownRow]
    by_stage: list[StageCost]
    web_tools_usd: Money
    context: ContextInfo
    calls: list[CallRow]
    fees: BillingFees | None = None
    warnings: list[str] = []
    notes: list[str] = []

    @property
    def monthly_paid_usd(self) -> Decimal:
        """The month in all: usage plus OpenRouter's fees when the scenario sets `billing`."""
        return self.fees.monthly_total_usd if self.fees is not None else self.monthly_usd


class MonthRow(_Doc):
    month: int
    requests: float
    cost_usd: dict[str, Money]
    p5_usd: dict[str, Money]
    p95_usd: dict[str, Money]


class Estimate(_Doc):
    schema_version: Literal[1] = SCHEMA_VERSION
    tool_version: str
    generated_at: str
    scenario: dict[str, Any]
    pricing: PricingInfo
    workload: WorkloadInfo
    baseline: str
    strategies: list[StrategyResult]
    projection: list[MonthRow]
    assumptions: list[Assumption]
    warnings: list[str] = []
    prices_used: dict[str, dict[str, Money | None]] = {}
    decision: Decision | None = None

    def strategy(self, name: str) -> StrategyResult:
        return next(s for s in self.strategies if s.name == name)


# -- decision ------------------------------------------------------------------------------------


class ExpectedCost(_Doc):
    """Cost of a strategy including what its errors and its waiting cost."""

    strategy: str
    kind: str
    per_request_usd: Money
    error_rate: float | None
    error_cost_per_request_usd: Money | None
    latency_cost_per_request_usd: Money
    total_per_request_usd: Money | None
    total_monthly_usd: Money | None
    fits_budget: bool | None
    fits_latency: bool | None


class LatencyInfo(_Doc):
    p50_s: float
    p95_s: float
    mean_s: float
    invoked_mean_s: float | None = None  # fusion: mean latency when fusion runs
    plain_mean_s: float | None = None  # fusion: mean latency when the outer model answers
    multiplier_vs_baseline: float | None
    within_budget: bool | None
    slowest_stage: str


class BreakEven(_Doc):
    """Fusion against one other strategy: (dC + lambda dL) / d(error rate)."""

    fusion: str
    versus: str
    delta_cost_per_request_usd: Money
    delta_latency_s: float
    delta_error_rate: float | None
    usd_per_error: Money | None
    required_error_reduction: float | None
    one_wrong_answer_in: float | None
    # the cost per wrong answer at which Fusion pays if it cuts the error rate by 1, 2, 5, 10 points
    pays_at_reduction: dict[str, Money | None] = {}
    note: str


class TornadoRow(_Doc):
    driver: str
    low_monthly_delta_usd: Money
    high_monthly_delta_usd: Money
    impact_usd: Money


class PanelPoint(_Doc):
    size: int
    per_request_usd: Money
    monthly_usd: Money


class Sensitivity(_Doc):
    fusion: str
    baseline: str
    base_monthly_delta_usd: Money
    variation: float
    tornado: list[TornadoRow]
    panel_sweep: list[PanelPoint]
    pareto: list[str] | None = None


class Evidence(_Doc):
    result: str
    source: str
    citation: str
    external: bool = True


class Decision(_Doc):
    verdict: Literal["use-fusion", "use-auto-router", "use-single-model", "fusion-for-a-subset"]
    reasons: list[str]
    fusion_strategy: str | None
    chosen_strategy: str
    subset_share: float | None = None
    cost_per_error_usd: Money | None
    value_of_latency_usd_per_s: float = 0.0
    monthly_budget_usd: Money | None = None
    expected: list[ExpectedCost]
    break_even: list[BreakEven]
    break_even_usd_per_error: dict[str, dict[str, Money | None]]
    latency_s: dict[str, LatencyInfo]
    sensitivity: Sensitivity | None
    evidence: list[Evidence]
