"""Expectations are expectations: per-request and monthly figures are the mean cost over the
token distribution, not the cost of the mean request (issue 15).

The hand calculation uses the lognormal's closed forms: for X ~ LogNormal(mu, sigma) and a
threshold c, P(X > c) = 1 - Phi(z) and E[X 1{X > c}] = E[X] Phi(sigma - z), z = (ln c - mu) /
sigma. The scenario's (mean, p95) fix sigma by p95 = exp(mu + 1.6449 sigma) and mu = ln(mean)
- sigma^2 / 2, solved here by bisection rather than with the estimator's formula.
"""

from __future__ import annotations

import math
import textwrap
from statistics import NormalDist

import numpy as np

from estimator.api import Options, estimate
from estimator.costing.montecarlo import monte_carlo
from estimator.scenario.build import build_all
from estimator.scenario.io import parse_scenario
from estimator.workload.profile import Profile

# x-ai/grok-4.6 in the 2026-08-19 catalog, typed in: prompts over 200,000 tokens cost double
GROK_IN, GROK_OUT = 2 / 1e6, 6 / 1e6
GROK_LONG_IN, GROK_LONG_OUT = 4 / 1e6, 12 / 1e6
TIER = 200_000
CONTEXT = 500_000
MEAN, P95, ANSWER, REQUESTS = 150_000, 400_000, 600, 100_000
Z95 = NormalDist().inv_cdf(0.95)


def _sigma(mean: float, p95: float) -> float:
    """sigma with exp(ln(mean) - sigma^2/2 + Z95 sigma) = p95, on the branch sigma < Z95."""
    low, high = 0.0, Z95
    for _ in range(200):
        mid = (low + high) / 2
        if math.log(mean) - mid**2 / 2 + Z95 * mid < math.log(p95):
            low = mid
        else:
            high = mid
    return (low + high) / 2


def _scenario() -> str:
    return textwrap.dedent(
        f"""
        workload:
          requests_per_month: {REQUESTS}
          input_tokens: {{mean: {MEAN}, p95: {P95}}}
          output_tokens: {ANSWER}
        strategies:
          - name: grok
            single: {{model: x-ai/grok-4.6}}
        """
    )


def test_long_prompts_crossing_a_tier_are_priced_at_their_mean_cost(catalog) -> None:
    sigma = _sigma(MEAN, P95)
    mu = math.log(MEAN) - sigma**2 / 2
    phi = NormalDist().cdf

    def z(c: float) -> float:
        return (math.log(c) - mu) / sigma

    # grok-4.6 thinks 500 tokens a call (its family's measured profile), and a request runs
    # only if prompt + answer + reasoning fit its 500,000-token context: prompts up to 498,900
    # (the others error without output and are not billed)
    reasoning = 500
    room = CONTEXT - ANSWER - reasoning
    p_short, p_long = phi(z(TIER)), phi(z(room)) - phi(z(TIER))
    tokens_short = MEAN * phi(z(TIER) - sigma)  # E[X 1{X <= 200,000}]
    tokens_long = MEAN * (phi(z(room) - sigma) - phi(z(TIER) - sigma))  # 200,000 < X <= room
    completion = ANSWER + reasoning
    per_request = (
        GROK_IN * tokens_short
        + GROK_LONG_IN * tokens_long
        + completion * (GROK_OUT * p_short + GROK_LONG_OUT * p_long)
    )
    # the mean request (150,000 tokens) is under the tier: what a cost-of-the-mean model says
    of_the_mean = GROK_IN * MEAN + GROK_OUT * completion
    result = estimate(parse_scenario(_scenario(), "t.yaml"), catalog, Options(samples=200))
    grok = result.strategies[0]
    assert abs(float(grok.monthly_usd) - per_request * REQUESTS) < 0.01  # $38,485
    assert float(grok.monthly_usd) > 1.2 * of_the_mean * REQUESTS  # the tier is a quarter
    # the share of requests that fit the context with their answer and reasoning
    assert abs(grok.context.fits_share - phi(z(room))) < 1e-9


def test_the_long_context_figure_agrees_with_a_400k_sample_simulation(catalog) -> None:
    scenario = parse_scenario(_scenario(), "t.yaml")
    result = estimate(scenario, catalog, Options(samples=200))
    profile = Profile.of(scenario.workload)
    (strategy,) = build_all(scenario, catalog)
    costs = monte_carlo(strategy, profile, catalog, 400_000, seed=7)
    simulated = float(np.mean(costs)) * REQUESTS
    assert abs(float(result.strategies[0].monthly_usd) / simulated - 1) < 0.02
