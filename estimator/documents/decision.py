"""The decision part of an Estimate: expected costs with errors and waiting, break-evens,
latency, sensitivity, the verdict and its reasons. Reasons are data (a kind and its figures)
that the renderers word; `premium` strategies are those that buy quality with more calls
(Fusion, self-consistency, a hand-rolled panel: the kind registry says which)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from estimator.documents.common import Doc, KindName, Money, VerdictName


class RateBasis(Doc):
    """Where an error rate comes from: a point, a range you believe, or graded answers; and,
    for a strategy run on a share of requests, what the rest's rate came from."""

    form: Literal["point", "range", "counted"]
    wrong: int | None = None
    of: int | None = None
    low: float | None = None
    high: float | None = None
    invocation_rate: float | None = None  # mixed: the share where the strategy runs
    rest_from: str | None = None  # mixed: the strategy (or outer_error_rate) for the rest


class ExpectedCost(Doc):
    """Cost of a strategy including what its errors and its waiting cost."""

    strategy: str
    kind: KindName
    per_request_usd: Money
    monthly_usd: Money  # with OpenRouter's fees when the scenario sets `billing`: the budget's
    error_rate: float | None  # as bought (a strategy run on a share mixes in its outer model)
    error_rate_credited: bool = True  # False: rates are weighed but this one cannot be
    error_rate_basis: RateBasis | None = None
    error_cost_per_request_usd: Money | None
    latency_cost_per_request_usd: Money
    total_per_request_usd: Money | None
    total_monthly_usd: Money | None
    fits_budget: bool | None
    fits_latency: bool | None
    context_share: float = 1.0  # of requests whose every call fits its model's context
    fits_context: bool = True  # context_share >= decision.min_context_share


class LatencyInfo(Doc):
    p50_s: float
    p95_s: float
    mean_s: float
    invoked_mean_s: float | None = None  # kinds that may not run: mean latency when it runs
    plain_mean_s: float | None = None  # ...and when it does not
    multiplier_vs_baseline: float | None
    within_budget: bool | None
    slowest_stage: str


class BreakEven(Doc):
    """A premium strategy against one other: (dC + lambda dL) / d(error rate)."""

    premium: str
    versus: str
    delta_cost_per_request_usd: Money
    delta_latency_s: float
    delta_error_rate: float | None
    usd_per_error: Money | None
    required_error_reduction: float | None
    one_wrong_answer_in: float | None
    # the cost per wrong answer at which it pays if it cuts the error rate by 1, 2, 5, 10 points
    pays_at_reduction: dict[str, Money | None] = Field(default_factory=dict)


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


class Comparison(Doc):
    """The verdict's pair: the chosen strategy against the alternative it beat (`against:
    beat`), or, when no other strategy fits, against your baseline (`against: baseline`)."""

    strategy: str
    versus: str
    against: Literal["beat", "baseline"]
    per_request_usd: Money
    versus_per_request_usd: Money
    multiplier: float | None
    monthly_delta_usd: Money
    requests_per_month: float
    break_even: BreakEven | None  # the dearer of the two against the other


class TornadoRow(Doc):
    driver: str
    low_monthly_delta_usd: Money
    high_monthly_delta_usd: Money
    impact_usd: Money
    low_value: float | None = None  # an input range's ends (None: the driver moved by +-50%)
    high_value: float | None = None


class PanelPoint(Doc):
    size: int
    per_request_usd: Money
    monthly_usd: Money


class Sensitivity(Doc):
    premium: str
    baseline: str
    base_monthly_delta_usd: Money
    variation: float  # +-50% per driver, when no input ranges are given
    source: str = "each driver moved by -50% and +50%"  # or "your input ranges"
    tornado: list[TornadoRow]
    panel_sweep: list[PanelPoint]
    pareto: list[str] | None = None


class Evidence(Doc):
    result: str
    source: str
    citation: str
    external: bool = True


# A figure a reason rests on: money (exact), a count or share, a strategy name, names, figures
# by strategy or by name, or absent
Figure = (
    Money
    | bool
    | int
    | float
    | str
    | list[str]
    | dict[str, list[str]]
    | dict[str, float]
    | dict[str, Money]
    | list[Excluded]
    | None
)


class Reason(Doc):
    """One reason for the verdict: what kind of reason, and the figures it rests on. `text` is
    its wording, filled in by the renderers (None on the library's object)."""

    kind: str
    figures: dict[str, Figure]
    text: str | None = None


class BreakEvenInterval(Doc):
    """The break-even cost per wrong answer as a 5%-95% interval over the error-rate beliefs."""

    premium: str
    versus: str
    low_usd: Money | None  # None: no lower end (never happens: shown for symmetry)
    high_usd: Money | None  # None: no upper end (the premium may not be better at all)
    p_better: float  # probability the premium's error rate is lower


class Uncertainty(Doc):
    """How sure the verdict is, from graded samples and ranges of error rates."""

    method: str
    samples: int
    seed: int
    p_best: dict[str, float] | None  # None without decision.cost_per_error_usd
    leader: str | None  # lowest expected total at the point rates
    leader_probability: float | None
    settle_target: float
    more_samples_to_settle: int | None  # per graded strategy; None: would not settle
    break_even: list[BreakEvenInterval]


class WhatIfPoint(Doc):
    """The decision at one stop of each slider (indexes into the WhatIf axes)."""

    rate: int
    volume: int
    cost_per_error: int
    verdict: VerdictName
    chosen: str
    share: float | None
    reasons: list[Reason]  # every reason at this stop, as the headline shows them
    rest: str | None = None  # with a share: where the other requests go
    versus: str | None = None  # the alternative the choice beat
    monthly_usd: Money | None = None  # what following this verdict costs a month
    monthly_high_usd: Money | None = None  # a latency-only subset: all traffic through it
    comparison: Comparison | None = None


class WhatIf(Doc):
    """The report's sliders, precomputed: every figure they touch at every stop, from the
    estimate's own functions (decision/whatif.py). Empty axes: that slider has no effect."""

    volumes: list[float]
    costs_per_error: list[float]
    rates: list[float]
    per_request_usd: dict[str, list[Money]]  # [rate]
    monthly_usd: dict[str, list[list[Money]]]  # [rate][volume]
    total_per_request_usd: dict[str, list[list[Money | None]]]  # [rate][cost per error]
    total_monthly_usd: dict[str, list[list[list[Money | None]]]]  # [rate][volume][cost/error]
    multiplier_vs_baseline: dict[str, list[float | None]]  # [rate]
    fits_budget: dict[str, list[list[bool | None]]] = {}  # [rate][volume]
    break_even_usd_per_error: dict[str, list[Money | None]]  # "premium\nversus": [rate]
    points: list[WhatIfPoint]


class Decision(Doc):
    verdict: VerdictName  # a registered kind's verdict, or nothing-fits (registry.verdicts())
    reasons: list[Reason]
    premium_strategy: str | None
    chosen_strategy: str
    subset_share: float | None = None
    rest_strategy: str | None = None  # with a share: where the other requests go
    versus_strategy: str | None = None  # the alternative the choice beat (the best that fits)
    comparison: Comparison | None = None  # the choice against it (or against your baseline)
    excluded: list[Excluded] = []  # beat the choice but do not fit, with why
    recommended_monthly_usd: Money | None = None  # what following the verdict costs a month
    # a subset only latency stops (no share): the month if all of it went through the choice
    recommended_monthly_high_usd: Money | None = None
    cost_per_error_usd: Money | None
    error_rate_source: str | None = None  # decision.error_rate_source: illustrative, ...
    value_of_latency_usd_per_s: float = 0.0
    monthly_budget_usd: Money | None = None
    expected: list[ExpectedCost]
    break_even: list[BreakEven]
    break_even_usd_per_error: dict[str, dict[str, Money | None]]
    latency_s: dict[str, LatencyInfo]
    sensitivity: Sensitivity | None
    uncertainty: Uncertainty | None = None  # with graded or ranged error rates
    what_if: WhatIf | None = None  # the report's slider grid (report only)
    cost_per_error_axis_usd: float = 10.0  # the decision chart's x axis and slider top
    evidence: list[Evidence]
    pilot: dict[str, Any] | None = None  # decision.pilot: the run these figures came from
