"""CallPlan x Catalog -> money: exact (Decimal) per call, and vectorised (numpy) for volumes.

The billing rule itself is written once, in `estimator.pricing.rules` (read its docstring);
this module turns calls into the rule's inputs and adds up branches:
- `Pricer` prices one call exactly, averaging time-of-day windows over the traffic's hours;
- `vector_cost` prices a call whose token counts are arrays (one element per request);
- `expected_vector_cost` adds up a plan's branches per element, folding the calls of models
  without overrides (every branch of an Auto Router pool) into one pass.
All three run the same rule, so they agree (checked within $0.01 on totals by the tests).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from estimator.pricing.catalog import Catalog
from estimator.pricing.models import ModelInfo
from estimator.pricing.rules import (
    EXACT,
    VECTOR,
    Charges,
    Coefficients,
    ToolUse,
    Usage,
    charges,
    coefficients,
    is_linear,
    time_segments,
    token_charges,
)
from estimator.strategies.callplan import Call

if TYPE_CHECKING:
    import numpy as np

ZERO = Decimal(0)


def usage_of(call: Call) -> Usage:
    """A call in the bill's terms: completion = visible output + reasoning."""
    vector = not isinstance(call.input_tokens, Decimal | int)

    def number(value: Any) -> Any:
        return float(value) if vector and isinstance(value, Decimal) else value

    return Usage(
        prompt=number(call.input_tokens),
        completion=number(call.output_tokens) + number(call.reasoning_tokens),
        reasoning=number(call.reasoning_tokens),
        cached=number(call.cached_tokens),
        written=number(call.written_tokens),
        ttl=call.cache_ttl,
    )


def tools_of(call: Call) -> ToolUse:
    return ToolUse(
        call.searches, call.search_engine, call.search_results, call.fetches, call.fetch_engine
    )


@dataclass(frozen=True)
class CallCost:
    """The USD of one call, by component (exact)."""

    call: Call
    charges: Charges

    @property
    def tokens_usd(self) -> Decimal:
        return Decimal(self.charges.tokens)

    @property
    def tools_usd(self) -> Decimal:
        return Decimal(self.charges.tools)

    @property
    def total(self) -> Decimal:
        return Decimal(self.charges.total)


class Pricer:
    """Prices calls exactly for one traffic profile (its hourly weights) at one date (fees)."""

    def __init__(
        self,
        catalog: Catalog,
        hour_weights: Sequence[Decimal],
        when: datetime,
        minute: int | None = None,
        windows: bool = True,
    ) -> None:
        """`minute`: price every call at this UTC minute instead of over the hours;
        `windows` False: time-of-day prices off (calls without a known time)."""
        self.catalog = catalog
        self.hour_weights = tuple(hour_weights)
        self.when = when
        self.minute = minute
        self.windows = windows
        self._segments: dict[str, list[tuple[Any, Decimal]]] = {}

    def segments(self, model: ModelInfo) -> list[tuple[Any, Decimal]]:
        if model.id not in self._segments:
            pieces = time_segments(model.pricing, self.hour_weights)
            if not self.windows:
                pieces = [(None, Decimal(1))]
            elif self.minute is not None and pieces != [(None, Decimal(1))]:
                pieces = [(self.minute, Decimal(1))]
            self._segments[model.id] = pieces
        return self._segments[model.id]

    def price(self, call: Call) -> CallCost:
        model = self.catalog.get_exact(call.model)
        usage, tools = usage_of(call), tools_of(call)
        segments = self.segments(model)
        if segments == [(None, Decimal(1))]:
            priced = charges(usage, tools, model.pricing, None, self.when, EXACT, model.id)
            return CallCost(call, priced)
        total = Charges()
        for minute, weight in segments:
            at = charges(usage, tools, model.pricing, minute, self.when, EXACT, model.id)
            total = total.plus(at.weighted(weight))
        return CallCost(call, total)


# -- vectorised path ---------------------------------------------------------------------------


def vector_cost(call: Call, model: ModelInfo, minutes: np.ndarray | None, when: Any) -> Any:
    """USD of `call` for every element of its token arrays (float64).

    `minutes` are the calls' UTC minutes of day (None: time windows off); `when` their dates
    in days since the epoch (a scalar or an array), for the fees that changed over time.
    """
    usage, tools = usage_of(call), tools_of(call)
    return charges(usage, tools, model.pricing, minutes, when, VECTOR, model.id).total


def _identity(value: Any) -> Any:
    return ("scalar", float(value)) if isinstance(value, float | int | Decimal) else id(value)


def expected_vector_cost(
    plan_branches: Any, catalog: Catalog, minutes: np.ndarray | None, when: Any
) -> Any:
    """Sum over branches of probability x the branch's calls, per element (float64).

    Calls of models without overrides are linear in their coefficients, so calls that read the
    same token arrays (every branch of an Auto Router pool) are folded into one pass with
    probability-weighted coefficients: the replay of a 29-model pool costs about one model's.
    """
    total: Any = 0.0
    folded: dict[tuple[Any, ...], tuple[Call, Coefficients]] = {}
    for branch in plan_branches:
        per_request = not isinstance(branch.probability, Decimal | int | float)
        weight = branch.probability if per_request else float(branch.probability)
        for call in branch.calls:
            model = catalog.get_exact(call.model)
            if per_request or not is_linear(model.pricing) or call.searches or call.fetches:
                total = total + weight * vector_cost(call, model, minutes, when)
                continue
            key = (
                *(
                    _identity(getattr(call, name))
                    for name in (
                        "input_tokens",
                        "output_tokens",
                        "reasoning_tokens",
                        "cached_tokens",
                        "written_tokens",
                    )
                ),
                call.cache_ttl,
            )
            rates = coefficients(model.pricing, None, None, VECTOR, model.id).scaled(weight)
            if key in folded:
                first, acc = folded[key]
                folded[key] = (first, acc.plus(rates))
            else:
                folded[key] = (call, rates)
    for call, rates in folded.values():
        total = total + token_charges(usage_of(call), rates).tokens
    return total
