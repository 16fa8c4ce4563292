"""CallPlan x Catalog -> money. Exact (`Decimal`) per call, and vectorised (numpy) for volumes.

Pricing rules, per call and with that call's own model:
- the long-context tier is chosen by this call's prompt tokens and prices all its tokens;
- `cached_input_share` of the input is billed at `input_cache_read` (full price if the model
  has none); reasoning at `internal_reasoning`, else at the completion price;
- `request` is a fee per call; searches cost `pricing.web_search` (native) or the engine's fee
  (Exa: $0.007, plus $0.001 per result past 10); fetches the fetch engine's fee;
- time-of-day windows are averaged over the traffic's 24 hourly weights.
The two paths share these rules and are checked against each other (within $0.01 on totals).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from estimator.callplan import Call
from estimator.defaults import (
    EXA_EXTRA_RESULT_FEE,
    EXA_INCLUDED_RESULTS,
    FETCH_FEES,
    SEARCH_FEES,
)
from estimator.pricing.catalog import Catalog, Rates
from estimator.pricing.models import ModelInfo

if TYPE_CHECKING:
    import numpy as np

ZERO = Decimal(0)
COMPONENTS = ("input", "cached_input", "output", "reasoning", "request", "search", "fetch")


@dataclass(frozen=True)
class CallCost:
    """The USD of one call, by component (exact)."""

    call: Call
    input: Decimal = ZERO
    cached_input: Decimal = ZERO
    output: Decimal = ZERO
    reasoning: Decimal = ZERO
    request: Decimal = ZERO
    search: Decimal = ZERO
    fetch: Decimal = ZERO

    @property
    def tokens_usd(self) -> Decimal:
        return self.input + self.cached_input + self.output + self.reasoning + self.request

    @property
    def tools_usd(self) -> Decimal:
        return self.search + self.fetch

    @property
    def total(self) -> Decimal:
        return self.tokens_usd + self.tools_usd


def search_fee(engine: str | None, results: int, rates: Rates) -> Decimal:
    """USD for one search request by `engine` returning `results` results."""
    if engine is None:
        return ZERO
    if engine == "native":
        return rates.usd("web_search")
    fee = SEARCH_FEES[engine]
    if engine.startswith("exa"):
        fee += max(0, results - EXA_INCLUDED_RESULTS) * EXA_EXTRA_RESULT_FEE
    return fee


def fetch_fee(engine: str | None) -> Decimal:
    if engine is None:
        return ZERO
    return FETCH_FEES.get(engine, FETCH_FEES["exa"])  # native: passed through, assume Exa's


class Pricer:
    """Prices calls exactly for one traffic profile (hour weights, cached share)."""

    def __init__(
        self, catalog: Catalog, hour_weights: Sequence[Decimal], cached_share: Decimal
    ) -> None:
        self.catalog = catalog
        self.hour_weights = tuple(hour_weights)
        self.cached_share = cached_share

    def price(self, call: Call) -> CallCost:
        model = self.catalog.get_exact(call.model)
        if not any(model.pricing.windows()):
            return self._at(model, call, None)
        parts = dict.fromkeys(COMPONENTS, ZERO)
        for hour, weight in enumerate(self.hour_weights):
            if weight:
                at_hour = self._at(model, call, hour * 60)
                for name in COMPONENTS:
                    parts[name] += weight * getattr(at_hour, name)
        return CallCost(call, **parts)

    def _at(self, model: ModelInfo, call: Call, minute: int | None) -> CallCost:
        prompt = Decimal(call.input_tokens)
        rates = Rates(model.id, model.pricing.at(prompt, minute))  # type: ignore[arg-type]
        cached = prompt * self.cached_share if rates.has("input_cache_read") else ZERO
        reasoning_key = "internal_reasoning" if rates.has("internal_reasoning") else "completion"
        return CallCost(
            call,
            input=(prompt - cached) * rates.usd("prompt"),
            cached_input=cached * rates.usd("input_cache_read") if cached else ZERO,
            output=Decimal(call.output_tokens) * rates.usd("completion"),
            reasoning=Decimal(call.reasoning_tokens) * rates.usd(reasoning_key),
            request=rates.usd("request"),
            search=call.searches * search_fee(call.search_engine, call.search_results, rates),
            fetch=call.fetches * fetch_fee(call.fetch_engine),
        )


# -- vectorised path ---------------------------------------------------------------------------

VECTOR_KEYS = (
    "prompt",
    "completion",
    "input_cache_read",
    "internal_reasoning",
    "request",
    "web_search",
)


def _rate_arrays(
    model: ModelInfo, prompt: np.ndarray, minutes: np.ndarray | None
) -> dict[str, Any]:
    """Per-element prices (NaN where the model does not set the key), overrides applied in order.

    A key stays a scalar until some override applies to only part of the elements: most calls
    never reach a long-context tier, so they cost no per-element work at all.
    """
    import numpy as np

    base = model.pricing.prices
    rates: dict[str, Any] = {
        key: float(base[key].value) if key in base else np.nan for key in VECTOR_KEYS
    }
    for override in model.pricing.overrides:
        mask: Any = True
        if override.min_prompt_tokens is not None:
            mask = prompt >= override.min_prompt_tokens
        if override.has_window:
            if minutes is None:
                continue
            window = _window_mask(override.utc_start, override.utc_end, minutes)  # type: ignore[arg-type]
            mask = window if mask is True else mask & window
        if mask is not True:
            if not mask.any():
                continue
            if mask.all():
                mask = True
        for key, price in override.prices.items():
            if key in rates:
                value = float(price.value)
                rates[key] = value if mask is True else np.where(mask, value, rates[key])
    return rates


def _window_mask(utc_start: int, utc_end: int, minutes: np.ndarray) -> np.ndarray:
    from estimator.pricing.models import hhmm_to_minute

    start, end = hhmm_to_minute(utc_start), hhmm_to_minute(utc_end)
    if start == end:
        return minutes == minutes
    if start < end:
        return (minutes >= start) & (minutes < end)
    return (minutes >= start) | (minutes < end)


def vector_cost(
    call: Call, model: ModelInfo, minutes: np.ndarray | None, cached_share: float
) -> np.ndarray:
    """USD of `call` for every element of its token arrays (float64)."""
    import numpy as np

    prompt = np.asarray(call.input_tokens, dtype=float)
    if minutes is not None:
        prompt = np.broadcast_to(prompt, np.shape(minutes))
    rates = _rate_arrays(model, prompt, minutes)
    cache_read, internal = rates["input_cache_read"], rates["internal_reasoning"]
    if np.ndim(cache_read) == 0:  # scalar: the model does or does not price cache reads
        cached: Any = 0.0 if np.isnan(cache_read) else prompt * cached_share
        cache_read = 0.0 if np.isnan(cache_read) else cache_read
    else:
        cached = np.where(np.isnan(cache_read), 0.0, prompt * cached_share)
        cache_read = np.nan_to_num(cache_read)
    if np.ndim(internal) == 0:
        reasoning_rate = rates["completion"] if np.isnan(internal) else internal
    else:
        reasoning_rate = np.where(np.isnan(internal), rates["completion"], internal)
    request = rates["request"]
    cost = (
        (prompt - cached) * rates["prompt"]
        + cached * cache_read
        + np.asarray(call.output_tokens, dtype=float) * rates["completion"]
        + np.asarray(call.reasoning_tokens, dtype=float) * reasoning_rate
        + np.nan_to_num(request)
    )
    if call.searches:
        if call.search_engine == "native":
            per_search: Any = np.nan_to_num(rates["web_search"])
        else:
            per_search = float(search_fee(call.search_engine, call.search_results, _NO_RATES))
        cost = cost + float(call.searches) * per_search
    if call.fetches:
        cost = cost + float(call.fetches) * float(fetch_fee(call.fetch_engine))
    return cost


_NO_RATES = Rates("-", {})


def expected_vector_cost(
    plan_branches: Any, catalog: Catalog, minutes: np.ndarray | None, cached_share: Any
) -> np.ndarray:
    """Sum over branches of probability x the branch's calls, per element (float64).

    Calls of models without tiers or windows are linear in their tokens, so calls that read
    the same token arrays (every branch of an Auto Router pool) are folded into one pass with
    probability-weighted prices: the replay of a 29-model pool costs about one model's work.
    """
    import numpy as np

    total: Any = 0.0
    folded: dict[tuple[int, int, int], tuple[Call, dict[str, float]]] = {}
    for branch in plan_branches:
        weight = float(branch.probability)
        for call in branch.calls:
            model = catalog.get_exact(call.model)
            linear = not model.pricing.overrides and not call.searches and not call.fetches
            if not linear:
                total = total + weight * vector_cost(call, model, minutes, cached_share)
                continue
            key = (id(call.input_tokens), id(call.output_tokens), id(call.reasoning_tokens))
            _, acc = folded.setdefault(key, (call, dict.fromkeys(_LINEAR, 0.0)))
            for name, value in _linear_rates(model).items():
                acc[name] += weight * value
    for call, acc in folded.values():
        prompt = np.asarray(call.input_tokens, dtype=float)
        cached = prompt * cached_share
        total = total + (
            (prompt - cached) * acc["prompt"]
            + cached * acc["cached_prompt"]
            + np.asarray(call.output_tokens, dtype=float) * acc["completion"]
            + np.asarray(call.reasoning_tokens, dtype=float) * acc["reasoning"]
            + acc["request"]
        )
    return total


_LINEAR = ("prompt", "cached_prompt", "completion", "reasoning", "request")


def _linear_rates(model: ModelInfo) -> dict[str, float]:
    """USD per unit of a model without overrides, in the shape of the folded sum."""
    prices = model.pricing.prices

    def rate(key: str, fallback: str | None = None) -> float:
        if key in prices:
            return float(prices[key].value)
        return rate(fallback) if fallback else 0.0

    return {
        "prompt": rate("prompt"),
        "cached_prompt": rate("input_cache_read", "prompt"),
        "completion": rate("completion"),
        "reasoning": rate("internal_reasoning", "completion"),
        "request": rate("request"),
    }
