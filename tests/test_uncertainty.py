"""Error rates from evidence (issue 15): graded samples `{wrong, of}` give Beta posteriors
(uniform prior); `decision.uncertainty.p_best` must match an independent Beta simulation, the
break-even becomes an interval, and "samples to settle" is the count at which the leader's
probability passes 90%. The simulations here are written out with numpy, not the estimator's.
"""

from __future__ import annotations

from decimal import Decimal as D

import numpy as np
import pytest

from estimator.api import Options, estimate
from estimator.documents.estimate import Estimate
from estimator.pricing.catalog import Catalog
from estimator.scenario.io import parse_scenario
from tests.test_decision import SINGLES, SMALL_FUSION

M = D(1_000_000)
MINI = (1000 * D("0.75") + 200 * D("4.5")) / M  # openai/gpt-5.4-mini: $0.00165 a request
OPUS = (1000 * D(5) + 200 * D(25)) / M  # anthropic/claude-opus-5: $0.01
PER_ERROR = 1.0


def run(catalog: Catalog, rates: str, per_error: float | None = PER_ERROR) -> Estimate:
    cost = f"cost_per_error_usd: {per_error}" if per_error is not None else ""
    # the strategies of tests/test_decision.py: mini, opus and a small all-mini Fusion
    text = "workload: {requests_per_month: 1000, input_tokens: 1000, output_tokens: 200}\n"
    text += "strategies:" + SINGLES + SMALL_FUSION
    text += f"decision:\n  {cost}\n  error_rate: {rates}\n"
    return estimate(parse_scenario(text, "u.yaml"), catalog, Options(samples=200))


def simulate(costs: dict[str, float], counts: dict[str, tuple[int, int]], n: int = 400_000):
    """P(lowest cost + error rate x $1) under Beta(1 + wrong, 1 + right), seed 99."""
    rng = np.random.default_rng(99)
    names = list(costs)
    totals = np.stack(
        [costs[k] + PER_ERROR * rng.beta(1 + w, 1 + of - w, n) for k, (w, of) in counts.items()]
    )
    best = np.bincount(np.argmin(totals, axis=0), minlength=len(names))
    return {name: best[i] / n for i, name in enumerate(names)}


COUNTS = {"mini": (16, 200), "opus": (13, 200), "fusion": (10, 200)}
RATES = "{" + ", ".join(f"{k}: {{wrong: {w}, of: {of}}}" for k, (w, of) in COUNTS.items()) + "}"


def test_p_best_matches_an_independent_beta_simulation(catalog: Catalog) -> None:
    found = run(catalog, RATES)
    d = found.decision
    assert d is not None and d.uncertainty is not None
    costs = {s.name: float(s.per_request_usd) for s in found.strategies}
    assert costs["mini"] == float(MINI) and costs["opus"] == float(OPUS)
    expected = simulate(costs, COUNTS)
    assert d.uncertainty.p_best is not None
    for name, p in expected.items():
        assert abs(d.uncertainty.p_best[name] - p) < 0.03, (name, d.uncertainty.p_best, expected)
    assert sum(d.uncertainty.p_best.values()) == pytest.approx(1)
    # the point rates are the observed shares wrong / of: 0.08, 0.065, 0.05
    rows = {r.strategy: r.error_rate for r in d.expected}
    assert rows == {"mini": 0.08, "opus": 0.065, "fusion": 0.05}
    assert d.uncertainty.leader == "fusion"  # 0.05 x $1 + its cost is the lowest total


def test_samples_to_settle_is_where_the_leader_passes_90_percent(catalog: Catalog) -> None:
    found = run(catalog, RATES)
    d = found.decision
    assert d is not None and d.uncertainty is not None
    more = d.uncertainty.more_samples_to_settle
    assert more is not None and more > 0
    costs = {s.name: float(s.per_request_usd) for s in found.strategies}

    def probability(extra: int) -> float:
        grown = {k: (w * (of + extra) / of, of + extra) for k, (w, of) in COUNTS.items()}
        rng = np.random.default_rng(5)
        totals = np.stack(
            [costs[k] + rng.beta(1 + w, 1 + of - w, 200_000) for k, (w, of) in grown.items()]
        )
        return float(np.mean(np.argmin(totals, axis=0) == list(COUNTS).index("fusion")))

    assert probability(more) >= 0.9 - 0.01
    assert probability(more // 2) < 0.9
    text = next(r.text for r in d.reasons if r.kind == "how_sure")
    assert text is not None and text.startswith(
        "fusion is the likeliest best buy: the lowest expected total in "
    )
    assert "more answers per graded strategy to be 90% sure" in text


def test_the_break_even_is_an_interval_over_the_posteriors(catalog: Catalog) -> None:
    found = run(catalog, RATES)
    d = found.decision
    assert d is not None and d.uncertainty is not None
    row = next(b for b in d.uncertainty.break_even if (b.premium, b.versus) == ("fusion", "mini"))
    costs = {s.name: float(s.per_request_usd) for s in found.strategies}
    rng = np.random.default_rng(3)
    gap = rng.beta(17, 185, 400_000) - rng.beta(11, 191, 400_000)  # mini's rate - fusion's
    extra = costs["fusion"] - costs["mini"]
    per_error = np.where(gap > 0, extra / np.where(gap > 0, gap, 1), np.inf)
    assert row.low_usd is not None
    assert float(row.low_usd) == pytest.approx(np.quantile(per_error, 0.05), rel=0.03)
    assert row.p_better == pytest.approx(float(np.mean(gap > 0)), abs=0.01)
    # fusion is not better than mini in more than 5% of draws: no upper end
    assert float(np.mean(gap <= 0)) > 0.05 and row.high_usd is None


def test_point_rates_have_no_uncertainty_and_ranges_do(catalog: Catalog) -> None:
    point = run(catalog, "{mini: 0.08, opus: 0.065, fusion: 0.05}")
    assert point.decision is not None and point.decision.uncertainty is None
    ranged = run(catalog, "{mini: 0.08, opus: 0.065, fusion: {low: 0.0, high: 0.1}}")
    d = ranged.decision
    assert d is not None and d.uncertainty is not None and d.uncertainty.p_best is not None
    # fusion's rate is uniform on [0, 0.1]; the others are fixed: fusion is best when its
    # total is under the best other total (opus: 0.01 + 0.065; mini: 0.00165 + 0.08)
    costs = {s.name: float(s.per_request_usd) for s in ranged.strategies}
    other = min(costs["mini"] + 0.08, costs["opus"] + 0.065)
    cutoff = (other - costs["fusion"]) / PER_ERROR  # fusion's rate below this wins
    assert d.uncertainty.p_best["fusion"] == pytest.approx(cutoff / 0.1, abs=0.01)
    assert d.uncertainty.more_samples_to_settle is None  # nothing graded to grow


def test_counted_rates_without_a_cost_per_error_still_give_intervals(catalog: Catalog) -> None:
    found = run(catalog, RATES, per_error=None)
    d = found.decision
    assert d is not None and d.uncertainty is not None
    assert d.uncertainty.p_best is None and d.uncertainty.break_even


@pytest.mark.parametrize(
    "rate",
    ["{wrong: 5, of: 3}", "{wrong: -1, of: 3}", "{wrong: 1, of: 0}", "{low: 0.5, high: 0.1}"],
)
def test_bad_counts_are_input_errors(catalog: Catalog, rate: str) -> None:
    from estimator.errors import UserError

    with pytest.raises(UserError, match=r"^u\.yaml:\d+: decision\.error_rate\.mini"):
        run(catalog, f"{{mini: {rate}, opus: 0.1, fusion: 0.1}}")
