"""The billing rule: how one call's tokens and tools become money. Written once, used everywhere.

In the words of OpenRouter's documentation (models API `PublicPricing` and `PricingOverride`,
the prompt-caching guide, the activity-export docs, the web-search and web-fetch tools):

- Prices are "USD per token" (per request for `request`, per search for `web_search`), from
  the model's pricing; with a `discount`, "the price is multiplied by (1 - discount)".
- A long-context override applies "when prompt tokens are strictly greater than
  `min_prompt_tokens`", and then prices the whole call. A time-of-day override applies from
  `utc_start` to `utc_end` (HHMM, UTC, end exclusive, may wrap midnight) at the call's minute.
  Later overrides win per key.
- "Reasoning tokens are included in completion tokens for billing": completion tokens are
  billed at `completion`, reasoning included, except that reasoning is billed at
  `internal_reasoning` where the model sets one. An override that changes `completion` without
  its own `internal_reasoning` changes the reasoning price with it (they are completion tokens).
- Prompt tokens include cache reads and cache writes: cache reads are billed at
  `input_cache_read`, writes at `input_cache_write` (the 5-minute TTL) or
  `input_cache_write_1h`, the remaining (uncached) prompt tokens at `prompt`. A model without a
  cache price bills those tokens at `prompt` (a 1-hour write without its own price at the
  5-minute rate).
- `request` is a fee per call. A native web search costs the model's `web_search`; an Exa or
  Parallel search the engine's fee on the call's date plus $0.001 per result past 10; a fetch
  the fetch engine's fee (`fees.py`).

So, per call: (prompt - cached - written) x prompt + cached x cache_read + written x cache_write
+ (completion - reasoning) x completion + reasoning x reasoning_rate + request + tool fees.

The exact path (Decimal scalars, one call) and the vectorised path (numpy float64 arrays, many
calls at once) run these same functions; numbers pass through an `Arithmetic`, which only knows
how to turn a price into a number and how to pick between two values. The Auto Router's folded
pool path adds up `Coefficients` (the rule is linear in them) and calls `token_charges` once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from itertools import pairwise
from typing import Any, Literal

from estimator.errors import DynamicPriceError
from estimator.pricing.fees import (
    FETCH_FEES,
    SEARCH_FEES,
    days_since_epoch,
    extra_results_usd,
)
from estimator.pricing.models import Pricing, hhmm_to_minute

CacheTTL = Literal["5m", "1h"]
BILLED_KEYS = (
    "prompt",
    "completion",
    "input_cache_read",
    "input_cache_write",
    "input_cache_write_1h",
    "internal_reasoning",
    "request",
    "web_search",
)


# -- numbers: Decimal for the exact path, numpy for the vectorised one ---------------------------


class Arithmetic:
    """How the rule's numbers behave: exact Decimals (one call) or float64 arrays (many)."""

    exact = True

    def constant(self, value: Decimal) -> Any:
        return value

    def select(self, condition: Any, new: Any, old: Any) -> Any:
        """`new` where `condition` holds, else `old`."""
        return new if condition else old

    def at_or_after(self, when: Any, since: datetime) -> Any:
        return when >= since


class VectorArithmetic(Arithmetic):
    """float64 arrays; a value stays a scalar until a condition splits it (most calls never
    reach a long-context tier, so they cost no per-element work at all)."""

    exact = False

    def constant(self, value: Decimal) -> Any:
        return float(value)

    def select(self, condition: Any, new: Any, old: Any) -> Any:
        import numpy as np

        if np.ndim(condition) == 0:
            return new if condition else old
        if not condition.any():
            return old
        if condition.all():
            return new
        return np.where(condition, new, old)

    def at_or_after(self, when: Any, since: datetime) -> Any:
        return when >= days_since_epoch(since)  # `when` in days since the epoch (float)


EXACT = Arithmetic()
VECTOR = VectorArithmetic()


# -- what one call uses ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    """The billed quantities of one call, counted as bills count them: `prompt` includes the
    cached and written tokens, `completion` includes the reasoning tokens."""

    prompt: Any
    completion: Any
    reasoning: Any = 0
    cached: Any = 0
    written: Any = 0
    ttl: CacheTTL = "5m"


@dataclass(frozen=True)
class ToolUse:
    """Web tool work done inside one call: searches (by engine, with results) and fetches."""

    searches: Decimal = Decimal(0)
    search_engine: str | None = None  # "native" or a key of fees.SEARCH_FEES
    search_results: int = 0
    fetches: Decimal = Decimal(0)
    fetch_engine: str | None = None


NO_TOOLS = ToolUse()


@dataclass(frozen=True)
class Coefficients:
    """USD per billed unit of one call, every fallback and the discount applied."""

    prompt: Any
    cache_read: Any
    cache_write: Any
    cache_write_1h: Any
    completion: Any
    reasoning: Any
    request: Any
    web_search: Any

    def scaled(self, factor: Any) -> Coefficients:
        return Coefficients(*(getattr(self, f.name) * factor for f in fields(self)))

    def plus(self, other: Coefficients) -> Coefficients:
        return Coefficients(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


ZERO_COEFFICIENTS = Coefficients(0, 0, 0, 0, 0, 0, 0, 0)


@dataclass(frozen=True)
class Charges:
    """The USD of one call (or of many, as arrays), by component."""

    input: Any = 0
    cache_read: Any = 0
    cache_write: Any = 0
    output: Any = 0
    reasoning: Any = 0
    request: Any = 0
    search: Any = 0
    fetch: Any = 0

    @property
    def tokens(self) -> Any:
        return (
            self.input
            + self.cache_read
            + self.cache_write
            + self.output
            + self.reasoning
            + self.request
        )

    @property
    def tools(self) -> Any:
        return self.search + self.fetch

    @property
    def total(self) -> Any:
        return self.tokens + self.tools

    def weighted(self, weight: Any) -> Charges:
        return Charges(*(getattr(self, f.name) * weight for f in fields(self)))

    def plus(self, other: Charges) -> Charges:
        return Charges(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


COMPONENTS = tuple(f.name for f in fields(Charges))


# -- the prices in force -----------------------------------------------------------------------


def _value(model_id: str, key: str, price: Any, arith: Arithmetic) -> Any:
    try:
        return arith.constant(price.value)
    except DynamicPriceError:
        raise DynamicPriceError(
            f"{model_id}: the {key!r} price is dynamic (-1): it depends on the model a router "
            "picks, so it has no fixed value; price it as a strategy (--auto / --fusion)"
        ) from None


# a price the model does not set is billed at this one (and zero at the end of the chain)
FALLBACK = {
    "input_cache_read": "prompt",
    "input_cache_write": "prompt",
    "input_cache_write_1h": "input_cache_write",
    "internal_reasoning": "completion",
}


def _in_force(prices: dict[str, Any], key: str, zero: Any) -> Any:
    current: str | None = key
    while current is not None and current not in prices:
        current = FALLBACK.get(current)
    return zero if current is None else prices[current]


def coefficients(
    pricing: Pricing, prompt: Any, minute: Any, arith: Arithmetic, model_id: str = "model"
) -> Coefficients:
    """USD per unit for a call of `prompt` prompt tokens at `minute` (None: no windows)."""
    zero = arith.constant(Decimal(0))
    prices = {
        key: _value(model_id, key, price, arith)
        for key, price in pricing.prices.items()
        if key in BILLED_KEYS
    }
    for override in pricing.overrides:
        condition = override.applies(prompt, minute)
        if condition is False:
            continue
        new = {
            key: _value(model_id, key, price, arith)
            for key, price in override.prices.items()
            if key in BILLED_KEYS
        }
        if (
            "completion" in new
            and "internal_reasoning" not in new
            and "internal_reasoning" in prices
        ):
            new["internal_reasoning"] = new["completion"]  # reasoning is completion tokens
        before = {key: _in_force(prices, key, zero) for key in new}
        for key, value in new.items():
            prices[key] = arith.select(condition, value, before[key])
    found = Coefficients(
        prompt=prices["prompt"],
        cache_read=_in_force(prices, "input_cache_read", zero),
        cache_write=_in_force(prices, "input_cache_write", zero),
        cache_write_1h=_in_force(prices, "input_cache_write_1h", zero),
        completion=prices["completion"],
        reasoning=_in_force(prices, "internal_reasoning", zero),
        request=_in_force(prices, "request", zero),
        web_search=_in_force(prices, "web_search", zero),
    )
    if pricing.discount:
        found = found.scaled(arith.constant(1 - pricing.discount))
    return found


def is_linear(pricing: Pricing) -> bool:
    """No override at all: the coefficients do not depend on the call's size or time."""
    return not pricing.overrides


# -- money ---------------------------------------------------------------------------------------


def token_charges(usage: Usage, rates: Coefficients) -> Charges:
    """The tokens of one call (or many) at `rates`: the rule in the module docstring."""
    write_rate = rates.cache_write_1h if usage.ttl == "1h" else rates.cache_write
    return Charges(
        input=(usage.prompt - usage.cached - usage.written) * rates.prompt,
        cache_read=usage.cached * rates.cache_read,
        cache_write=usage.written * write_rate,
        output=(usage.completion - usage.reasoning) * rates.completion,
        reasoning=usage.reasoning * rates.reasoning,
        request=rates.request,
    )


def search_fee(
    engine: str | None, results: int, when: Any, rates: Coefficients, arith: Arithmetic
) -> Any:
    """USD of one search by `engine` returning `results` results, at `when`."""
    if engine is None:
        return arith.constant(Decimal(0))
    if engine == "native":
        return rates.web_search
    fee = _dated(SEARCH_FEES, engine, when, arith)
    return fee + arith.constant(extra_results_usd(engine, results))


def fetch_fee(engine: str | None, when: Any, arith: Arithmetic) -> Any:
    if engine is None:
        return arith.constant(Decimal(0))
    return _dated(FETCH_FEES, engine, when, arith)


def _dated(table: dict[str, Any], engine: str, when: Any, arith: Arithmetic) -> Any:
    fee = arith.constant(Decimal(0))
    for step in table[engine]:
        fee = arith.select(arith.at_or_after(when, step.since), arith.constant(step.usd), fee)
    return fee


def charges(
    usage: Usage,
    tools: ToolUse,
    pricing: Pricing,
    minute: Any,
    when: Any,
    arith: Arithmetic,
    model_id: str = "model",
) -> Charges:
    """Everything one call costs: its tokens and its web tools, with its own model's prices."""
    rates = coefficients(pricing, usage.prompt, minute, arith, model_id)
    billed = token_charges(usage, rates)
    if not tools.searches and not tools.fetches:
        return billed
    search = arith.constant(tools.searches) * search_fee(
        tools.search_engine, tools.search_results, when, rates, arith
    )
    fetch = arith.constant(tools.fetches) * fetch_fee(tools.fetch_engine, when, arith)
    return Charges(
        billed.input,
        billed.cache_read,
        billed.cache_write,
        billed.output,
        billed.reasoning,
        billed.request,
        search,
        fetch,
    )


# -- the day: time windows weighted by traffic ---------------------------------------------------


def window_edges(pricing: Pricing) -> set[int]:
    """The minutes of the UTC day at which one of the model's time windows starts or ends."""
    edges: set[int] = set()
    for override in pricing.overrides:
        if override.utc_start is not None and override.utc_end is not None:
            edges |= {hhmm_to_minute(override.utc_start), hhmm_to_minute(override.utc_end)}
    return edges


def day_pieces(edges: set[int], hour_weights: Sequence[Decimal]) -> list[tuple[int, Decimal]]:
    """The day cut at every hour and at `edges`: (first minute, share of traffic) per piece.

    Traffic is even within an hour, so a piece gets its hour's share times the fraction of the
    hour it covers; prices are constant within a piece when `edges` holds every window edge.
    """
    cuts = sorted({hour * 60 for hour in range(25)} | {e for e in edges if 0 <= e <= 1440})
    pieces = []
    for start, end in pairwise(cuts):
        weight = hour_weights[start // 60] * Decimal(end - start) / Decimal(60)
        if weight:
            pieces.append((start, weight))
    return pieces


def time_segments(pricing: Pricing, hour_weights: Sequence[Decimal]) -> list[tuple[Any, Decimal]]:
    """(minute, share of traffic) pairs over which the model's prices are constant: one piece
    with no minute when it has no time windows, else the day cut at hours and window edges."""
    if not any(override.has_window for override in pricing.overrides):
        return [(None, Decimal(1))]
    return list(day_pieces(window_edges(pricing), hour_weights))
