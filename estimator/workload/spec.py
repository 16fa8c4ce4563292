"""The workload section of a scenario, and the field types every part of a scenario shares.

Token counts are whole numbers up to 10^12 and other numbers up to 10^15 (bounds far past any
real workload keep every float computation finite); shares lie in [0, 1]. A token count is a
number, `{mean, p95}` (a lognormal) or `{histogram: [[tokens, weight], ...]}`. Every optional
field takes its default from `estimator.defaults`, where its source is named.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from estimator.defaults import default
from estimator.workload.distributions import TokenDistribution


class Strict(BaseModel):
    """Scenario parts: unknown fields are errors (a typo must not fall back to a default)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


MAX_TOKENS = 10**12
MAX_NUMBER = 1e15
Tokens = Annotated[int, Field(ge=0, le=MAX_TOKENS, strict=True)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, le=MAX_NUMBER, allow_inf_nan=False)]


class TokenSpec(Strict):
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


class Workload(Strict):
    requests_per_month: NonNegative | None = None
    requests_per_day: NonNegative | None = None
    monthly_growth_pct: Annotated[float, Field(ge=-100, le=1000, allow_inf_nan=False)] = default(
        "workload.monthly_growth_pct"
    )
    input_tokens: TokenInput
    output_tokens: TokenInput
    reasoning_tokens: TokenInput | None = default("workload.reasoning_tokens")
    reasoning_by_model: dict[str, Tokens] = Field(default_factory=dict)
    cached_input_share: Share = default("workload.cached_input_share")
    cache_write_share: Share | None = default("workload.cache_write_share")
    cache_ttl: Literal["5m", "1h"] = default("workload.cache_ttl")
    hours_utc: Literal["uniform"] | list[NonNegative] = default("workload.hours_utc")
    # the tokenizer the counts come from (`--prompts`: o200k_base); None: each model's own
    counted_with: Literal["o200k_base"] | None = None

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

    @property
    def automatic_caching(self) -> bool:
        """Neither cache share given: models that cache on their own apply the measured pair
        (defaults.py, `workload.cache_write_share`); any share given replaces it."""
        return self.cache_write_share is None and "cached_input_share" not in self.model_fields_set

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
        return float((self.requests_per_day or 0) * default("workload.days_per_month"))
