"""The Estimate: everything an estimate computed, as one typed document.

Renderers (table, JSON, CSV, markdown, HTML, check) only format this; they never compute money.
Money is `Decimal` in Python and a JSON number (USD) in JSON; the JSON Schema shipped in
`estimator/schemas/estimate.schema.json` is generated from these models (`schema_version`
changes whenever a key is removed or changes meaning).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final, Literal

from estimator.documents.common import Count, Doc, KindName, Money

SCHEMA_VERSION: Final = 5
# 5: requests that cannot run are not billed (context.cannot_run_share, context.fallback);
#    workload.reasoning_tokens null when each model thinks its own profile
# 4: the verdict's pair (decision.versus_strategy, decision.comparison), strategies that beat
#    the choice but do not fit (decision.excluded), error rates as bought (expected[]:
#    mixed by the invocation rate, error_rate_credited, error_rate_basis;
#    decision.error_rate_source), a latency-only subset's range
#    (recommended_monthly_high_usd); reason `pair_cost` replaces `premium_cost`, new reasons
#    `never_pays`, `not_credited`, `high_stakes_over_budget`; subset shares are whole percents
# 3: expected costs, input ranges, bands only from ranges, uncertainty
# 2: decision reasons are data (kind, figures, text); more strategy kinds


class PricingInfo(Doc):
    source: str
    fetched_at: str
    age_days: float
    stale: bool
    max_age_days: float
    model_count: int
    sha256: str
    location: str | None = None
    lock: str | None = None  # the reviewed price lock the catalog was read through
    reviewed_at: str | None = None
    reviewed_by: str | None = None
    review_age_days: float | None = None  # with a lock: what `stale` and the age policy count


class TokenInfo(Doc):
    kind: str
    mean: Count
    p95: Count | None = None
    histogram: list[list[float]] | None = None


class WorkloadInfo(Doc):
    requests_per_month: float
    monthly_growth_pct: float
    input_tokens: TokenInfo
    output_tokens: TokenInfo
    reasoning_tokens: TokenInfo | None  # None: each model's own profile (see assumptions)
    cached_input_share: float
    hours_utc: str | list[float]


class Assumption(Doc):
    name: str
    value: Any
    source: str
    documented: bool
    used_by: list[str] = []


class BreakdownRow(Doc):
    """Per request (weighted by branch probability); stage `web_tools` rows hold search and
    fetch fees (calls = searches + fetches) so the rows add up to `per_request_usd`."""

    stage: str
    model: str
    calls: Count
    input_tokens: Count
    output_tokens: Count
    reasoning_tokens: Count
    cost_usd: Money


class StageCost(Doc):
    stage: str
    cost_usd: Money


class CallRow(Doc):
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


class Distribution(Doc):
    method: str
    samples: int
    seed: int
    mean_usd: Money
    p50_usd: Money
    p95_usd: Money
    p99_usd: Money
    sd_usd: Money


class Band(Doc):
    """Where the month lands across the user's input ranges (scenario `{low, high}` values)."""

    p5_usd: Money
    p95_usd: Money
    method: str


class InputRangeInfo(Doc):
    """An input the user gave as a range: its name, its ends and the midpoint priced."""

    input: str
    path: str
    low: float
    high: float
    point: float


class RangeInfo(Doc):
    min_usd: Money
    min_model: str
    max_usd: Money
    max_model: str


class ContextFallback(Doc):
    """What the requests that cannot run would cost on the strategy's `context_fallback`."""

    strategy: str
    per_request_usd: Money  # their cost on it, spread over every request of the workload
    monthly_usd: Money  # beside monthly_usd, never in it
    runs_share: float  # of the requests that cannot run, the share the fallback can run


class ContextInfo(Doc):
    max_prompt_tokens: int | None
    binding_call: str | None
    fits_share: float = 1.0  # of requests whose every call fits its model's context
    cannot_run_share: float = 0.0  # 1 - fits_share: not billed past the call that fails
    fallback: ContextFallback | None = None
    overflows: list[str] = []


class ModelUseInfo(Doc):
    role: str
    requested: str
    id: str
    via: str


class BillingFees(Doc):
    """What OpenRouter charges besides tokens for a month of this strategy (scenario `billing`)."""

    usage_usd: Money  # the month's token and tool cost (monthly_usd)
    byok_usage_usd: Money  # the part of it on your own provider keys (billed by the provider)
    byok_fee_usd: Money  # OpenRouter's 5% above the allowance
    credits_usd: Money  # what you buy from OpenRouter: non-BYOK usage + the BYOK fee
    credit_purchase_fee_usd: Money
    monthly_total_usd: Money  # usage + both fees: what the month costs in all


class OneCallPart(Doc):
    part: str
    label: str
    usd: Money
    times_one_call: float | None


class OneCallComparison(Doc):
    """A premium strategy on the mean request against one call of its answering model, with
    the vendor's published multiplier and the parts that make up the difference."""

    model: str
    one_call_usd: Money
    per_request_usd: Money  # the mean request, where the strategy runs
    multiplier: float | None
    published_low: float
    published_high: float
    published: str
    source: str
    parts: list[OneCallPart]


class StrategyResult(Doc):
    name: str
    kind: KindName  # a registered strategy kind (strategies/registry.py)
    per_request_usd: Money
    monthly_usd: Money
    monthly_band: Band | None = None  # only from input ranges: none given, no band
    distribution: Distribution
    calls_per_request: Count
    multiplier_vs_baseline: float | None
    range: RangeInfo | None = None
    invocation_rate: float | None = None  # kinds that may not run (Fusion): share where it runs
    invoked_per_request_usd: Money | None = None  # a request where it runs
    plain_per_request_usd: Money | None = None  # a request it does not run on
    models: list[ModelUseInfo]
    breakdown: list[BreakdownRow]
    by_stage: list[StageCost]
    web_tools_usd: Money
    context: ContextInfo
    calls: list[CallRow]
    fees: BillingFees | None = None
    versus_one_call: OneCallComparison | None = None  # kinds with a published multiplier
    warnings: list[str] = []
    notes: list[str] = []

    @property
    def monthly_paid_usd(self) -> Decimal:
        """The month in all: usage plus OpenRouter's fees when the scenario sets `billing`."""
        return self.fees.monthly_total_usd if self.fees is not None else self.monthly_usd


class MonthRow(Doc):
    month: int
    requests: float
    cost_usd: dict[str, Money]
    p5_usd: dict[str, Money] | None = None  # the input-range band, scaled to the month
    p95_usd: dict[str, Money] | None = None


class Estimate(Doc):
    schema_version: Literal[5] = SCHEMA_VERSION
    tool_version: str
    generated_at: str
    scenario: dict[str, Any]
    pricing: PricingInfo
    workload: WorkloadInfo
    baseline: str
    strategies: list[StrategyResult]
    projection: list[MonthRow]
    assumptions: list[Assumption]
    input_ranges: list[InputRangeInfo] = []
    warnings: list[str] = []
    prices_used: dict[str, dict[str, Money | None]] = {}
    decision: Decision | None = None
    # the scenario as validated (every field, defaults included): what `check` diffs against
    # a baseline's to say which input changed
    inputs: dict[str, Any] = {}

    def strategy(self, name: str) -> StrategyResult:
        return next(s for s in self.strategies if s.name == name)


from estimator.documents.decision import Decision  # noqa: E402 - Estimate.decision's type

Estimate.model_rebuild()
