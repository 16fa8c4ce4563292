"""Uncertainty from the inputs (issue 15): `{low, high}` for what the user is unsure of gives
a monthly band labelled as coming from those ranges; no ranges, no band; the sensitivity chart
moves the same inputs across the same ranges. Prices typed in from the 2026-08-19 catalog."""

from __future__ import annotations

import textwrap
from decimal import Decimal as D

import numpy as np
import pytest

from estimator.api import Options, estimate
from estimator.documents.estimate import Estimate
from estimator.errors import UserError
from estimator.pricing.catalog import Catalog
from estimator.scenario.io import parse_scenario

M = D(1_000_000)
MINI_IN, MINI_OUT = D("0.75") / M, D("4.5") / M  # openai/gpt-5.4-mini
OPUS_IN, OPUS_OUT = D(5) / M, D(25) / M  # anthropic/claude-opus-5


def run(catalog: Catalog, workload: str, extra: str = "") -> Estimate:
    text = textwrap.dedent(
        f"""
        workload: {workload}
        strategies:
          - {{name: mini, single: {{model: openai/gpt-5.4-mini}}}}
          - {{name: opus, single: {{model: anthropic/claude-opus-5}}}}
        """
    )
    return estimate(parse_scenario(text + extra, "r.yaml"), catalog, Options(samples=200))


def test_no_ranges_no_band(catalog: Catalog) -> None:
    found = run(catalog, "{requests_per_month: 1000, input_tokens: 1000, output_tokens: 200}")
    assert all(s.monthly_band is None for s in found.strategies)
    assert all(row.p5_usd is None and row.p95_usd is None for row in found.projection)
    assert found.input_ranges == []


def test_a_volume_range_gives_the_band_of_a_uniform_volume(catalog: Catalog) -> None:
    """100,000 to 300,000 requests, uniform: p5 and p95 of the volume are 110,000 and
    290,000; mini costs (1000 x 0.75 + 200 x 4.5) / 1M = $0.00165 a request."""
    found = run(
        catalog,
        "{requests_per_month: {low: 100000, high: 300000}, input_tokens: 1000, output_tokens: 200}",
    )
    per_request = 1000 * MINI_IN + 200 * MINI_OUT
    mini = found.strategies[0]
    assert mini.monthly_usd == per_request * 200_000  # the midpoint
    assert mini.monthly_band is not None
    assert mini.monthly_band.method.startswith("from your input ranges")
    assert float(mini.monthly_band.p5_usd) == pytest.approx(float(per_request * 110_000), rel=0.01)
    assert float(mini.monthly_band.p95_usd) == pytest.approx(float(per_request * 290_000), rel=0.01)
    assert [(r.input, r.low, r.high, r.point) for r in found.input_ranges] == [
        ("volume", 100_000, 300_000, 200_000)
    ]


def test_two_ranges_combine_into_one_band(catalog: Catalog) -> None:
    """Prompts of 1,000 to 3,000 tokens and 5,000 to 15,000 requests: Opus's month is
    volume x (prompt x $5/1M + 200 x $25/1M), both uniform and independent."""
    found = run(
        catalog,
        "{requests_per_month: {low: 5000, high: 15000}, "
        "input_tokens: {low: 1000, high: 3000}, output_tokens: 200}",
    )
    opus = found.strategies[1]
    assert opus.monthly_usd == (2000 * OPUS_IN + 200 * OPUS_OUT) * 10_000
    band = opus.monthly_band
    assert band is not None
    # each effect is linear in its input, so the product is exact: compare with an
    # independent simulation of volume x cost per request
    rng = np.random.default_rng(1)
    volume = rng.uniform(5_000, 15_000, 400_000)
    prompt = rng.uniform(1_000, 3_000, 400_000)
    month = volume * (prompt * float(OPUS_IN) + 200 * float(OPUS_OUT))
    p5, p95 = np.percentile(month, [5, 95])
    assert float(band.p5_usd) == pytest.approx(p5, rel=0.01)
    assert float(band.p95_usd) == pytest.approx(p95, rel=0.01)


def test_the_sensitivity_chart_uses_the_same_ranges(catalog: Catalog) -> None:
    text = textwrap.dedent(
        """
        workload:
          requests_per_month: {low: 5000, high: 15000}
          input_tokens: 1000
          output_tokens: 200
        strategies:
          - {name: mini, single: {model: openai/gpt-5.4-mini}}
          - name: fusion
            fusion:
              analysis_models: [openai/gpt-5.4-mini]
              model: openai/gpt-5.4-mini
              tool_steps: 0
              analysis_tokens: {low: 100, high: 500}
        """
    )
    found = estimate(parse_scenario(text, "r.yaml"), catalog, Options(samples=200))
    assert found.decision is not None and found.decision.sensitivity is not None
    sens = found.decision.sensitivity
    assert sens.source == "your input ranges"
    rows = {r.driver: r for r in sens.tornado}
    assert set(rows) == {"volume", "fusion: analysis_tokens"}
    mini = 1000 * MINI_IN + 200 * MINI_OUT
    fusion = found.strategies[1].per_request_usd
    volume = rows["volume"]
    assert (volume.low_value, volume.high_value) == (5000, 15000)
    # the premium over mini scales with volume: (fusion - mini) x 5,000 and x 15,000
    assert volume.low_monthly_delta_usd == (fusion - mini) * 5000
    assert volume.high_monthly_delta_usd == (fusion - mini) * 15000
    # analysis tokens are the analyst's output: 400 more tokens of mini output per request
    tokens = rows["fusion: analysis_tokens"]
    swing = tokens.high_monthly_delta_usd - tokens.low_monthly_delta_usd
    assert swing >= 400 * MINI_OUT * 10_000  # at least the analyst's own extra output
    band = found.strategies[1].monthly_band
    assert band is not None  # and the band moves with both


@pytest.mark.parametrize(
    ("workload", "message"),
    [
        ("{requests_per_month: {low: 3, high: 1}, input_tokens: 10, output_tokens: 1}", "low <="),
        ("{requests_per_month: {low: a, high: 1}, input_tokens: 10, output_tokens: 1}", "finite"),
    ],
)
def test_bad_ranges_are_input_errors(catalog: Catalog, workload: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        run(catalog, workload)
