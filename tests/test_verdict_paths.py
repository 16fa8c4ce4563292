"""Every verdict path (issue 15): nothing fits, context in "fits", the Auto Router's pool per
request, the high-stakes slice choosing the best premium strategy, every reason in every
output. Figures are tokens x prices typed in from the 2026-08-19 catalog."""

from __future__ import annotations

import math
import textwrap
from decimal import Decimal as D
from statistics import NormalDist

import pytest
import yaml

from estimator.api import Options, estimate
from estimator.cli import main
from estimator.documents.estimate import Estimate
from estimator.pricing.catalog import Catalog
from estimator.scenario.io import example_path, parse_scenario

M = D(1_000_000)
MINI_IN, MINI_OUT = D("0.75") / M, D("4.5") / M  # openai/gpt-5.4-mini, 400,000-token context
OPUS_IN, OPUS_OUT = D(5) / M, D(25) / M  # anthropic/claude-opus-5, 1,000,000
FLASH_IN, FLASH_OUT = D("0.0798") / M, D("0.1596") / M  # deepseek/deepseek-v4-flash, 1,048,576
MINI_CONTEXT = 400_000


def run(catalog: Catalog, body: str) -> Estimate:
    text = textwrap.dedent(body)
    return estimate(parse_scenario(text, "t.yaml"), catalog, Options(samples=300))


def test_nothing_fits_is_its_own_verdict_naming_the_cheapest(catalog: Catalog) -> None:
    found = run(
        catalog,
        """
        workload: {requests_per_month: 10000, input_tokens: 1000, output_tokens: 200}
        strategies:
          - {name: mini, single: {model: openai/gpt-5.4-mini}}
          - {name: opus, single: {model: anthropic/claude-opus-5}}
        decision: {monthly_budget_usd: 1}
        """,
    )
    d = found.decision
    assert d is not None
    # mini: (1000 x 0.75 + 200 x 4.5) / 1M = $0.00165 x 10,000 = $16.50 > $1
    mini = (1000 * MINI_IN + 200 * MINI_OUT) * 10_000
    assert mini == D("16.5")
    assert (d.verdict, d.chosen_strategy) == ("nothing-fits", "mini")
    first = d.reasons[0]
    assert first.kind == "nothing_fits"
    assert first.text is not None
    assert first.text.startswith("Nothing fits (over the monthly budget: mini, opus)")
    assert "The cheapest is mini ($0.001650 per request, $16.50 a month)" in first.text


def _sigma(mean: float, p95: float) -> float:
    z95 = NormalDist().inv_cdf(0.95)
    low, high = 0.0, z95
    for _ in range(200):
        mid = (low + high) / 2
        below = math.log(mean) - mid**2 / 2 + z95 * mid < math.log(p95)
        low, high = (mid, high) if below else (low, mid)
    return low


def test_fits_includes_the_share_of_requests_whose_prompt_fits(catalog: Catalog) -> None:
    """Prompts of mean 150,000 and p95 400,000 tokens: about 5% do not fit mini's 400,000
    tokens with their 200-token answer, so mini does not fit (under 99%) and the cheapest
    option that fits is Opus, not mini."""
    found = run(
        catalog,
        """
        workload:
          requests_per_month: 1000
          input_tokens: {mean: 150000, p95: 400000}
          output_tokens: 200
        strategies:
          - {name: mini, single: {model: openai/gpt-5.4-mini}}
          - {name: opus, single: {model: anthropic/claude-opus-5}}
        """,
    )
    sigma = _sigma(150_000, 400_000)
    mu = math.log(150_000) - sigma**2 / 2
    fits = NormalDist().cdf((math.log(MINI_CONTEXT - 200) - mu) / sigma)
    mini = found.strategies[0]
    assert abs(mini.context.fits_share - fits) < 1e-3 and fits < 0.99
    d = found.decision
    assert d is not None
    row = next(r for r in d.expected if r.strategy == "mini")
    assert row.fits_context is False
    assert (d.verdict, d.chosen_strategy) == ("use-single-model", "opus")


def test_the_auto_pool_drops_models_that_cannot_hold_the_request(catalog: Catalog) -> None:
    """A 450,000-token prompt does not fit mini (400,000): the Router's pool for it is Flash
    alone, so the expected cost is Flash's, not the mean of Flash and a mini that would fail.
    A 100,000-token prompt fits both: uniform weights give their mean."""
    body = """
        workload:
          requests_per_month: 1000
          input_tokens: {prompt}
          output_tokens: 200
          reasoning_tokens: 0
        strategies:
          - name: auto
            auto: {{allowed_models: [openai/gpt-5.4-mini, deepseek/deepseek-v4-flash]}}
        """
    long = run(catalog, body.format(prompt=450_000)).strategies[0]
    assert long.per_request_usd == 450_000 * FLASH_IN + 200 * FLASH_OUT
    short = run(catalog, body.format(prompt=100_000)).strategies[0]
    mini = 100_000 * MINI_IN + 200 * MINI_OUT
    flash = 100_000 * FLASH_IN + 200 * FLASH_OUT
    assert short.per_request_usd == (mini + flash) / 2


def _example(**decision: object) -> str:
    data = yaml.safe_load(example_path().read_text(encoding="utf-8"))
    data["decision"].update(decision)
    return yaml.safe_dump(data, sort_keys=False)


def test_the_high_stakes_slice_goes_through_the_premium_strategy_that_gains_most(
    catalog: Catalog,
) -> None:
    """The example at $5 per error: single-opus is the best buy for all traffic; on the 10%
    slice where an error costs $250 both Fusion options pay, and fusion-quality gains more
    there (error rates 0.035 vs 0.045 against single-opus's 0.05)."""
    found = estimate(parse_scenario(_example(cost_per_error_usd=5), "e.yaml"), catalog)
    d = found.decision
    assert d is not None
    cost = {s.name: s.per_request_usd for s in found.strategies}
    latency = {r.strategy: r.latency_cost_per_request_usd for r in d.expected}
    rate = {"single-opus": D("0.05"), "fusion-quality": D("0.035"), "fusion-budget": D("0.045")}

    def gain(name: str) -> D:  # errors prevented at $250 minus the extra cost
        prevented = (rate["single-opus"] - rate[name]) * 250
        return prevented - (cost[name] - cost["single-opus"] + latency[name])

    assert gain("fusion-quality") > gain("fusion-budget") > 0
    assert (d.verdict, d.chosen_strategy) == ("fusion-for-a-subset", "fusion-quality")
    assert d.reasons[0].kind == "high_stakes"
    assert d.reasons[0].figures["strategy"] == "fusion-quality"


def test_report_prints_every_reason(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.html"
    assert main(["report", "-o", str(out), "--samples", "300"]) == 0
    printed = capsys.readouterr().out
    numbered = [line for line in printed.splitlines() if line.startswith("  ")]
    html = out.read_text(encoding="utf-8")
    assert len(numbered) >= 4
    assert html.count("<li>") >= len(numbered)


def test_the_recommendation_says_what_it_costs_in_all(catalog: Catalog) -> None:
    """The example: fusion-quality for the share the $20,000 budget leaves, single-opus for
    the rest. The budget leaves (20,000 - 4,500) / (60,658 - 4,500) = 27.6%; the verdict
    rounds it down to a whole percent, so what "up to" promises keeps within the budget: 27%
    x $60,658 + 73% x $4,500 = $19,663 (28% would cost $20,224)."""
    found = estimate(parse_scenario(example_path().read_text(encoding="utf-8"), "e.yaml"), catalog)
    d = found.decision
    assert d is not None and d.subset_share is not None
    monthly = {s.name: s.monthly_usd for s in found.strategies}
    exact = (20_000 - monthly["single-opus"]) / (monthly["fusion-quality"] - monthly["single-opus"])
    assert D("0.27") < exact < D("0.28")
    assert d.subset_share == 0.27
    mix = D("0.27") * monthly["fusion-quality"] + D("0.73") * monthly["single-opus"]
    assert d.recommended_monthly_usd == mix
    assert 19_662 < mix < 19_664
    too_much = D("0.28") * monthly["fusion-quality"] + D("0.72") * monthly["single-opus"]
    assert too_much > 20_000
    assert d.rest_strategy == "single-opus" and d.versus_strategy == "single-opus"
    text = main_text(found)
    assert "route up to 27% of requests" in text and "the rest through single-opus ($19,663" in text


def main_text(found: Estimate) -> str:
    from estimator.renderers.reasons import worded

    words = worded(found)
    assert words.decision is not None
    return " ".join(r.text or "" for r in words.decision.reasons)
