"""The verdict's reasons as data: one figure type per reason kind, so the decision that makes a
reason and the renderer that words it agree on its figures (the type checker and the JSON
Schema say which figures each kind carries), and a reason is one of them, told apart by its
`kind`. renderers/reasons.py words each kind."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import TypeAdapter, model_validator
from typing_extensions import TypedDict  # pydantic validates these on Python < 3.12

from estimator.documents.common import Doc, Money


class Excluded(Doc):
    """A strategy that beat the choice (including errors, when they are weighed) but does not
    fit, and why: over_budget, too_slow, context, unrated."""

    strategy: str
    per_request_usd: Money  # what the verdict compared: the expected total, else the cost
    problems: list[str]
    monthly_usd: Money
    p50_s: float
    p95_s: float
    context_share: float


class Lead(TypedDict, total=False):
    """What the first reason also carries: the limits a left-out strategy missed, and those."""

    budget_usd: Money | None
    budget_p50_s: float | None
    budget_p95_s: float | None
    min_context_share: float
    excluded: list[Excluded]
    excluded_than: str  # what they were cheaper than: the best strategy that fits
    waiting_valued: bool  # the totals include waiting (value_of_latency_usd_per_s > 0)


class RouteASubset(Lead):
    strategy: str
    total_per_request_usd: Money | None
    versus: str
    versus_total_usd: Money | None
    problems: list[str]
    share: float | None
    mix_monthly_usd: Money | None
    rest_monthly_usd: Money
    all_monthly_usd: Money
    high_stakes: bool


class SliceFigures(TypedDict):
    """The high-stakes slice through a premium strategy: what it saves there, what it costs."""

    strategy: str
    versus: str
    share: float
    cost_per_error_usd: Money
    prevented_usd: Money
    extra_usd: Money
    monthly_usd: Money


class HighStakes(Lead, SliceFigures):
    pass


class LowestExpectedTotal(Lead):
    strategy: str
    total_per_request_usd: Money | None
    cost_per_error_usd: Money
    runner_up: str | None
    runner_up_total_usd: Money | None


class CheapestThatFits(Lead):
    strategy: str
    per_request_usd: Money
    rates_given: bool
    premium_present: bool
    runner_up: str | None
    runner_up_per_request_usd: Money | None


class PairCost(TypedDict):
    strategy: str
    versus: str
    against: Literal["beat", "baseline"]
    per_request_usd: Money
    versus_per_request_usd: Money
    multiplier: float | None
    monthly_delta_usd: Money
    requests_per_month: float


class Pair(TypedDict):
    strategy: str  # the dearer of the verdict's pair
    versus: str


class NeverPays(Pair):
    delta_error_rate: float


class BreakEvenFigures(Pair):
    usd_per_error: Money | None
    stated_usd_per_error: Money | None
    delta_error_rate: float


class MustPrevent(Pair):
    cost_per_error_usd: Money | None
    one_wrong_answer_in: float
    required_error_reduction: float


class GiveErrorRates(Pair):
    delta_cost_per_request_usd: Money
    pays_at_reduction: dict[str, Money | None]


class NotCredited(TypedDict):
    strategies: list[str]
    models: dict[str, list[str]]  # strategy -> [the model that answers alone]


class HowSure(TypedDict):
    leader: str | None
    probability: float | None
    target: float
    more_samples: int | None
    premium: str | None
    versus: str | None
    break_even_low_usd: Money | None
    break_even_high_usd: Money | None


class NothingFits(TypedDict):
    strategy: str
    per_request_usd: Money
    monthly_usd: Money
    problems: dict[str, list[str]]
    context_shares: dict[str, float]
    min_context_share: float


class OverBudget(TypedDict):
    budget_usd: Money
    over: list[str]
    worst: str
    worst_monthly_usd: Money


class WithinBudget(TypedDict):
    budget_usd: Money


class TooSlow(TypedDict):
    strategy: str
    p50_s: float
    p95_s: float
    budget_p50_s: float | None
    budget_p95_s: float | None


class HighStakesOverBudget(SliceFigures):
    budget_usd: Money


# kind -> its figures: the one table every reason is checked against
FIGURES: dict[str, type] = {
    "route_a_subset": RouteASubset,
    "high_stakes": HighStakes,
    "high_stakes_over_budget": HighStakesOverBudget,
    "lowest_expected_total": LowestExpectedTotal,
    "cheapest_that_fits": CheapestThatFits,
    "pair_cost": PairCost,
    "never_pays": NeverPays,
    "break_even": BreakEvenFigures,
    "must_prevent": MustPrevent,
    "give_error_rates": GiveErrorRates,
    "not_credited": NotCredited,
    "how_sure": HowSure,
    "nothing_fits": NothingFits,
    "over_budget": OverBudget,
    "within_budget": WithinBudget,
    "too_slow": TooSlow,
}


_CHECKS: dict[str, TypeAdapter[Any]] = {}


def check_figures(kind: str, figures: dict[str, Any]) -> dict[str, Any]:
    """The figures of a reason of `kind`, checked against the kind's figure type: a missing
    or extra figure, or one of the wrong type, is a programming error, named."""
    if kind not in FIGURES:
        raise ValueError(f"reason kind {kind!r} is not one of documents/reasons.py's FIGURES")
    if kind not in _CHECKS:
        _CHECKS[kind] = TypeAdapter(FIGURES[kind])
    checked: dict[str, Any] = _CHECKS[kind].validate_python(figures)
    extra = sorted(set(figures) - set(checked))  # a TypedDict ignores them: refuse them here
    if extra:
        raise ValueError(f"reason {kind!r} has figures its kind does not: {', '.join(extra)}")
    return checked


class Reason(Doc):
    """One reason for the verdict: what kind of reason, and the figures it rests on (their
    type is the kind's, in FIGURES). `text` is its wording, filled in by the renderers (None
    on the library's object)."""

    kind: str
    figures: dict[str, Any]
    text: str | None = None

    @model_validator(mode="after")
    def _figures_of_its_kind(self) -> Reason:
        self.figures = check_figures(self.kind, self.figures)
        return self
