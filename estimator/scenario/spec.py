"""The scenario file: the contract users write (YAML or JSON), validated by pydantic.

Every optional field takes its default from `defaults.DEFAULTS`, where its source is named;
fields a scenario leaves unset are reported as the assumptions an estimate used. Unknown fields
are errors (typos must not silently fall back to defaults).
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from estimator.defaults import default
from estimator.pricing.fees import FETCH_FEES, SEARCH_FEES
from estimator.workload.distributions import TokenDistribution

MAX_PANEL = 8
SEARCH_ENGINES = ("auto", "native", *SEARCH_FEES)
FETCH_ENGINES = tuple(FETCH_FEES)

# Bounds far past any real workload keep every float computation finite (1e308 requests or a
# 400-digit token count would overflow the Monte Carlo into inf/NaN).
MAX_TOKENS = 10**12
MAX_NUMBER = 1e15
Tokens = Annotated[int, Field(ge=0, le=MAX_TOKENS, strict=True)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, le=MAX_NUMBER, allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# Control characters (a newline starts a GitHub `::error` line), format characters (invisible:
# zero-width spaces, bidi marks that reorder text) and line/paragraph separators.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"})


def visible_name(value: str, what: str) -> str:
    """A name is one line of visible text: what users see is what they wrote."""
    hidden = sorted(
        {f"U+{ord(c):04X}" for c in value if unicodedata.category(c) in _HIDDEN_CATEGORIES}
    )
    if hidden:
        raise ValueError(
            f"{what} holds control or invisible characters ({', '.join(hidden[:5])}): "
            "names must be one line of visible text"
        )
    if not value.strip():
        raise ValueError(f"{what} is blank")
    return value


def name_key(value: str) -> str:
    """Names that look the same compare equal: NFKC-normalised and case-folded."""
    return unicodedata.normalize("NFKC", value).casefold()


Name = Annotated[str, Field(min_length=1, max_length=200)]


class TokenSpec(_Strict):
    """`{mean, p95}` (lognormal) or `{histogram: [[tokens, weight], ...]}`."""

    mean: Tokens | None = None
    p95: Tokens | None = None
    histogram: list[tuple[Tokens, NonNegative]] | None = None

    @model_validator(mode="after")
    def _shape(self) -> TokenSpec:
        if self.histogram is not None:
            if self.mean is not None or self.p95 is not None:
                raise ValueError("give either a histogram or mean (+ p95), not both")
            if not self.histogram or sum(w for _, w in self.histogram) <= 0:
                raise ValueError("a histogram needs at least one positive weight")
        elif self.mean is None:
            raise ValueError("give a mean (and optionally a p95) or a histogram")
        elif self.p95 is not None:
            TokenDistribution.lognormal(self.mean, self.p95)  # raises if impossible
        return self

    def distribution(self) -> TokenDistribution:
        if self.histogram is not None:
            return TokenDistribution.histogram([(t, w) for t, w in self.histogram])
        assert self.mean is not None
        if self.p95 is None:
            return TokenDistribution.fixed(self.mean)
        return TokenDistribution.lognormal(self.mean, self.p95)


TokenInput = Tokens | TokenSpec


def distribution_of(spec: TokenInput) -> TokenDistribution:
    return TokenDistribution.fixed(spec) if isinstance(spec, int) else spec.distribution()


class Workload(_Strict):
    requests_per_month: NonNegative | None = None
    requests_per_day: NonNegative | None = None
    monthly_growth_pct: Annotated[float, Field(ge=-100, le=1000, allow_inf_nan=False)] = default(
        "workload.monthly_growth_pct"
    )
    input_tokens: TokenInput
    output_tokens: TokenInput
    reasoning_tokens: TokenInput = default("workload.reasoning_tokens")
    cached_input_share: Share = default("workload.cached_input_share")
    cache_write_share: Share | None = default("workload.cache_write_share")
    cache_ttl: Literal["5m", "1h"] = default("workload.cache_ttl")
    hours_utc: Literal["uniform"] | list[NonNegative] = default("workload.hours_utc")

    @model_validator(mode="after")
    def _volume(self) -> Workload:
        if (self.requests_per_month is None) == (self.requests_per_day is None):
            raise ValueError("give exactly one of requests_per_month or requests_per_day")
        if self.cached_input_share + (self.cache_write_share or 0) > 1:
            raise ValueError(
                "cached_input_share + cache_write_share is more than 1: a prompt token is "
                "read from the cache, written to it, or neither"
            )
        return self

    @field_validator("hours_utc")
    @classmethod
    def _hours(cls, value: Any) -> Any:
        if isinstance(value, list) and (len(value) != 24 or sum(value) <= 0):
            raise ValueError("hours_utc takes 24 non-negative weights (one per UTC hour)")
        return value

    @property
    def monthly_requests(self) -> float:
        if self.requests_per_month is not None:
            return self.requests_per_month
        return (self.requests_per_day or 0) * default("workload.days_per_month")


class SingleSpec(_Strict):
    model: str = Field(min_length=1)


class AutoSpec(_Strict):
    cost_tier: Literal["low", "medium", "high", "xhigh", "max"] = default("auto.cost_tier")
    allowed_models: list[str] = []
    excluded_models: list[str] = []
    weights: dict[str, NonNegative] | None = None


class SearchSpec(_Strict):
    engine: Literal[SEARCH_ENGINES] = default("fusion.search.engine")  # type: ignore[valid-type]
    results: Annotated[int, Field(ge=1, le=25, strict=True)] = default("fusion.search.results")
    tokens_per_result: Tokens = default("fusion.search.tokens_per_result")


class OverheadTokens(_Strict):
    tool_definition: Tokens = default("fusion.overhead_tokens.tool_definition")
    tool_call: Tokens = default("fusion.overhead_tokens.tool_call")
    analyst_instructions: Tokens = default("fusion.overhead_tokens.analyst_instructions")


class FusionSpec(_Strict):
    preset: str = default("fusion.preset")
    analysis_models: list[str] | None = None
    model: str | None = None
    outer_model: str | None = default("fusion.outer_model")
    invocation_rate: Share = default("fusion.invocation_rate")
    max_tool_calls: Annotated[int, Field(ge=1, le=16, strict=True)] = default(
        "fusion.max_tool_calls"
    )
    tool_steps: NonNegative = default("fusion.tool_steps")
    analyst_tool_steps: NonNegative = default("fusion.analyst_tool_steps")
    search: SearchSpec = SearchSpec()
    fetches_per_step: NonNegative = default("fusion.fetches_per_step")
    tokens_per_fetch: Tokens = default("fusion.tokens_per_fetch")
    fetch_engine: Literal[FETCH_ENGINES] = default("fusion.fetch_engine")  # type: ignore[valid-type]
    panel_output_tokens: TokenInput | None = default("fusion.panel_output_tokens")
    analysis_tokens: Tokens = default("fusion.analysis_tokens")
    overhead_tokens: OverheadTokens = OverheadTokens()
    max_completion_tokens: Annotated[int, Field(ge=1, strict=True)] = default(
        "fusion.max_completion_tokens"
    )

    @field_validator("analysis_models")
    @classmethod
    def _panel_size(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and not 1 <= len(value) <= MAX_PANEL:
            raise ValueError(f"a panel has 1 to {MAX_PANEL} models, not {len(value)}")
        return value

    @model_validator(mode="after")
    def _steps(self) -> FusionSpec:
        for name in ("tool_steps", "analyst_tool_steps"):
            if getattr(self, name) > self.max_tool_calls:
                raise ValueError(
                    f"{name} {getattr(self, name):g} is above max_tool_calls {self.max_tool_calls}"
                )
        return self


class StrategySpec(_Strict):
    name: Name
    single: SingleSpec | None = None
    auto: AutoSpec | None = None
    fusion: FusionSpec | None = None

    @field_validator("name")
    @classmethod
    def _visible(cls, value: str) -> str:
        return visible_name(value, "a strategy name")

    @model_validator(mode="after")
    def _one_kind(self) -> StrategySpec:
        kinds = [k for k in ("single", "auto", "fusion") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("a strategy needs exactly one of single, auto or fusion")
        return self

    @property
    def kind(self) -> Literal["single", "auto", "fusion"]:
        return "single" if self.single else "auto" if self.auto else "fusion"


class LatencySpec(_Strict):
    ttft_s: NonNegative = default("latency.ttft_s")
    tokens_per_s: Annotated[float, Field(ge=0.001, le=MAX_NUMBER, allow_inf_nan=False)] = default(
        "latency.tokens_per_s"
    )  # at least one token per 1,000 s: a slower model would make latency infinite


class LatencyBudget(_Strict):
    p50: NonNegative | None = None
    p95: NonNegative | None = None


class HighStakes(_Strict):
    """A slice of traffic where errors cost more (e.g. refunds, legal, medical triage)."""

    share: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
    cost_per_error_usd: NonNegative


class DecisionSpec(_Strict):
    """What a wrong answer and a slow answer cost, and the quality of each strategy."""

    cost_per_error_usd: NonNegative | None = default("decision.cost_per_error_usd")
    error_rate: dict[str, Share] | None = None
    accuracy: dict[str, Share] | None = None
    latency_budget_s: LatencyBudget | None = None
    value_of_latency_usd_per_s: NonNegative = default("decision.value_of_latency_usd_per_s")
    monthly_budget_usd: NonNegative | None = None
    high_stakes: HighStakes | None = None
    models: dict[str, LatencySpec] = {}
    default_latency: LatencySpec = LatencySpec()
    search_s: NonNegative = default("latency.search_s")
    fetch_s: NonNegative = default("latency.fetch_s")

    @model_validator(mode="after")
    def _quality(self) -> DecisionSpec:
        if self.error_rate is not None and self.accuracy is not None:
            raise ValueError("give error_rate or accuracy, not both")
        return self

    def error_rates(self) -> dict[str, float] | None:
        if self.accuracy is not None:
            return {name: 1 - value for name, value in self.accuracy.items()}
        return self.error_rate


class Policy(_Strict):
    """CI gates for `fusion-cost check`; unset gates are not checked."""

    monthly_budget_usd: NonNegative | dict[str, NonNegative] | None = None
    max_per_request_usd: NonNegative | dict[str, NonNegative] | None = None
    max_increase_pct: float | None = Field(default=None, allow_inf_nan=False)
    max_increase_usd: float | None = Field(default=None, allow_inf_nan=False)
    max_multiplier_vs_baseline: NonNegative | None = None
    fail_on_dynamic_price: bool = True
    fail_on_context_overflow: bool = True
    max_catalog_age_days: NonNegative | None = None


class BYOK(_Strict):
    """Traffic on your own provider keys: the provider bills it; OpenRouter charges 5% of its
    list-price value above the plan's monthly allowance."""

    share: Share = 1.0
    plan: Literal["pay-as-you-go", "enterprise"] = "pay-as-you-go"


class Billing(_Strict):
    """What OpenRouter charges besides tokens, shown as their own lines (optional)."""

    credit_purchase: Literal["card", "crypto", "none"] = default("billing.credit_purchase")
    purchases_per_month: Annotated[int, Field(ge=1, le=10_000, strict=True)] = default(
        "billing.purchases_per_month"
    )
    byok: BYOK | None = None


class Scenario(_Strict):
    """A workload and the strategies to compare on it."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="fusion-cost scenario")

    name: str = Field(default="Untitled scenario", max_length=500)
    workload: Workload
    baseline: str | None = None
    strategies: list[StrategySpec] = Field(min_length=1, max_length=50)
    decision: DecisionSpec = DecisionSpec()
    policy: Policy = Policy()
    billing: Billing = Billing()
    _origin: Any = PrivateAttr(default=None)  # where it was read: for file:line in errors

    def locate(self, *loc: str | int) -> str:
        """`file:line: strategies[1].fusion` for errors found after validation."""
        if self._origin is None:
            from estimator.scenario.io import field_path

            return field_path(self.model_dump(mode="json"), list(loc)) or "scenario"
        return self._origin(list(loc))

    @field_validator("name")
    @classmethod
    def _visible(cls, value: str) -> str:
        return visible_name(value, "the scenario name")

    @model_validator(mode="after")
    def _names(self) -> Scenario:
        names = [s.name for s in self.strategies]
        keys = [name_key(n) for n in names]
        duplicates = sorted({n for n, k in zip(names, keys, strict=True) if keys.count(k) > 1})
        if duplicates:
            raise ValueError(
                "strategy names must be unique (compared as they look: NFKC, any case): "
                + ", ".join(repr(n) for n in duplicates)
            )
        if self.baseline is not None and self.baseline not in names:
            raise ValueError(f"baseline {self.baseline!r} is not a strategy ({', '.join(names)})")
        rates = self.decision.error_rates() or {}
        unknown = sorted(set(rates) - set(names))
        for gate in ("monthly_budget_usd", "max_per_request_usd"):
            limits = getattr(self.policy, gate)
            if isinstance(limits, dict):
                unknown += sorted(set(limits) - set(names))
        if unknown:
            raise ValueError(
                f"decision or policy names strategies that do not exist: {', '.join(unknown)} "
                f"(strategies: {', '.join(names)})"
            )
        return self

    @property
    def baseline_name(self) -> str:
        return self.baseline or self.strategies[0].name

    def strategy(self, name: str) -> StrategySpec:
        return next(s for s in self.strategies if s.name == name)
