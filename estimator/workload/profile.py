"""The workload as the cost model sees it: token distributions, hours, caching, volume, and the
date its fees are priced at. One `Profile` builds the requests (exact means, or arrays of
sampled requests) that strategies expand into calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from estimator.clock import now_utc
from estimator.defaults import default
from estimator.pricing.fees import days_since_epoch
from estimator.pricing.rules import EXACT, VECTOR
from estimator.workload.distributions import TokenDistribution, auto_written, hour_weights
from estimator.workload.request import Request
from estimator.workload.spec import Workload, distribution_of

AUTO_WRITE_SHARE = Decimal(str(default("workload.auto_cache_write_share")))


@dataclass(frozen=True)
class Profile:
    """The workload as the cost model sees it: distributions, hours, caching, volume, and the
    date its fees are priced at (web search fees changed over time)."""

    input: TokenDistribution
    output: TokenDistribution
    reasoning: TokenDistribution
    hours: tuple[Decimal, ...]
    cached_share: Decimal
    requests_per_month: Decimal
    growth_pct: float
    write_share: Decimal | None = None  # None: only models that write on their own write
    cache_ttl: Literal["5m", "1h"] = "5m"
    when: datetime = datetime(2026, 8, 19, tzinfo=UTC)

    @classmethod
    def of(cls, w: Workload, when: datetime | None = None) -> Profile:
        return cls(
            distribution_of(w.input_tokens),
            distribution_of(w.output_tokens),
            distribution_of(w.reasoning_tokens),
            hour_weights(w.hours_utc),
            Decimal(str(w.cached_input_share)),
            Decimal(str(w.monthly_requests)),
            w.monthly_growth_pct,
            None if w.cache_write_share is None else Decimal(str(w.cache_write_share)),
            w.cache_ttl,
            when or now_utc(),
        )

    def request(self, input_tokens: Any, output_tokens: Any, reasoning_tokens: Any) -> Request:
        """A request (Decimal means, or arrays of sampled requests) with its cache shares."""
        arith = EXACT if isinstance(input_tokens, Decimal | int) else VECTOR

        def share(value: Decimal) -> Any:
            return arith.constant(value)

        cached = input_tokens * share(self.cached_share)
        written = input_tokens * share(self.write_share or Decimal(0))
        auto = None
        if self.write_share is None:
            auto = auto_written(input_tokens, cached, share(AUTO_WRITE_SHARE), arith)
        return Request(
            input_tokens, output_tokens, reasoning_tokens, cached, written, auto, self.cache_ttl
        )

    def mean_request(self) -> Request:
        return self.request(self.input.mean, self.output.mean, self.reasoning.mean)

    @property
    def days(self) -> float:
        """The pricing date in days since the epoch, for the vectorised fee lookup."""
        return days_since_epoch(self.when)
