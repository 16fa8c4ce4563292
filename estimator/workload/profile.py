"""The workload as the cost model sees it: token distributions, hours, caching, volume, and the
date its fees are priced at. One `Profile` builds the requests (exact means, or arrays of
sampled requests) that strategies expand into calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from estimator.clock import now_utc
from estimator.pricing.fees import days_since_epoch
from estimator.pricing.rules import EXACT, VECTOR
from estimator.workload.distributions import TokenDistribution, hour_weights
from estimator.workload.request import Request
from estimator.workload.spec import Workload, distribution_of

if TYPE_CHECKING:
    from estimator.pricing.catalog import Catalog


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
    write_share: Decimal | None = None
    cache_ttl: Literal["5m", "1h"] = "5m"
    when: datetime = datetime(2026, 8, 19, tzinfo=UTC)
    reasoning_given: bool = True  # False: each model thinks as much as its own profile
    reasoning_by_model: tuple[tuple[str, Decimal], ...] = ()  # model id -> tokens a call
    auto_cache: bool = False  # models that cache on their own apply the measured pair
    counted_with: str | None = None  # the counts' tokenizer (None: each model's own)

    @classmethod
    def of(
        cls, w: Workload, when: datetime | None = None, catalog: Catalog | None = None
    ) -> Profile:
        """The workload's profile; with a `catalog`, `reasoning_by_model` names resolve to the
        models they bill as (an unknown name is an error naming the field)."""
        return cls(
            distribution_of(w.input_tokens),
            distribution_of(w.output_tokens),
            distribution_of(0 if w.reasoning_tokens is None else w.reasoning_tokens),
            hour_weights(w.hours_utc),
            Decimal(str(w.cached_input_share)),
            Decimal(str(w.monthly_requests)),
            w.monthly_growth_pct,
            None if w.cache_write_share is None else Decimal(str(w.cache_write_share)),
            w.cache_ttl,
            when or now_utc(),
            w.reasoning_tokens is not None,
            tuple(
                (_model_id(name, catalog), Decimal(t)) for name, t in w.reasoning_by_model.items()
            ),
            w.automatic_caching,
            w.counted_with,
        )

    def request(self, input_tokens: Any, output_tokens: Any, reasoning_tokens: Any) -> Request:
        """A request (Decimal means, or arrays of sampled requests) with its cache shares and
        its reasoning (None when each model thinks as much as its own profile)."""
        arith = EXACT if isinstance(input_tokens, Decimal | int) else VECTOR
        cached = input_tokens * arith.constant(self.cached_share)
        written = input_tokens * arith.constant(self.write_share or Decimal(0))
        return Request(
            input_tokens,
            output_tokens,
            reasoning_tokens if self.reasoning_given else None,
            cached,
            written,
            None,
            self.cache_ttl,
            {name: arith.constant(tokens) for name, tokens in self.reasoning_by_model},
            self.auto_cache,
            self.hours,
            self.counted_with,
        )

    def mean_request(self) -> Request:
        return self.request(self.input.mean, self.output.mean, self.reasoning.mean)

    @property
    def days(self) -> float:
        """The pricing date in days since the epoch, for the vectorised fee lookup."""
        return days_since_epoch(self.when)


def _model_id(name: str, catalog: Catalog | None) -> str:
    if catalog is None:
        return name
    from estimator.errors import UserError

    try:
        return catalog.resolve(name).id
    except UserError as exc:
        raise UserError(f"workload.reasoning_by_model: {exc}") from None
