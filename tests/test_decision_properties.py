"""Properties of the decision sensitivity (tornado, panel sweep, Pareto frontier).

The tornado moves one driver to -50% / +50% and reports Fusion's monthly premium over the
baseline. For a Fusion whose every model costs at least the baseline's per token (here: the
baseline is openai/gpt-5.4-mini, the cheapest of the models drawn), more of any driver costs
Fusion at least as much more as it costs the baseline, so each row runs low <= base <= high.
That is not true in general: for input and output tokens the baseline pays too, and when the
baseline is dearer per token than Fusion's whole pipeline (an all-DeepSeek-Flash Fusion against
Claude Opus) more tokens *shrink* the premium. `test_cheap_fusion_against_a_dear_baseline`
computes that exception by hand.
"""

from __future__ import annotations

import dataclasses
import itertools
import textwrap
from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from estimator.api import Options, estimate
from estimator.decision.context import Context
from estimator.decision.sensitivity import pareto
from estimator.documents.decision import Sensitivity
from estimator.documents.estimate import Estimate
from estimator.pricing.catalog import Catalog
from estimator.scenario.build import build_all
from estimator.scenario.io import load_scenario, parse_scenario, validate_scenario
from estimator.scenario.spec import DecisionSpec
from estimator.workload.profile import Profile

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

MINI = "openai/gpt-5.4-mini"
FLASH = "deepseek/deepseek-v4-flash"
# Each at least as dear per input, output and reasoning token as mini (0.75 / 4.5 per 1M), no
# time windows, and their long-context tiers (200,000 / 272,000) out of reach of these prompts.
AT_LEAST_MINI = (
    MINI,
    "anthropic/claude-opus-5",
    "openai/gpt-5.6-sol",
    "google/gemini-3.1-pro-preview",
)
DRIVERS = {
    "input tokens",
    "output tokens",
    "panel output tokens",
    "analysis tokens",
    "tool steps",
    "tokens per search result",
    "volume",
    "invocation rate",
}
# Monotone here. The invocation rate is too: an invocation's answer call alone costs at least
# the plain call it replaces (same model, same output, more input).
MONOTONE = DRIVERS - {"volume"}

M = D(1_000_000)
MINI_IN = D("0.75") / M
OPUS_IN, OPUS_OUT = D("5") / M, D("25") / M
FLASH_IN, FLASH_OUT = D("0.0798") / M, D("0.1596") / M


def run(catalog: Catalog, data: dict[str, Any]) -> Estimate:
    return estimate(validate_scenario(data, "property"), catalog, Options(samples=200))


def sensitivity_of(est: Estimate) -> Sensitivity:
    assert est.decision is not None and est.decision.sensitivity is not None
    return est.decision.sensitivity


@st.composite
def fusion_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    panel = draw(st.lists(st.sampled_from(AT_LEAST_MINI), min_size=1, max_size=4))
    fusion: dict[str, Any] = {
        "analysis_models": panel,
        "model": draw(st.sampled_from(AT_LEAST_MINI)),
        "outer_model": draw(st.none() | st.sampled_from(AT_LEAST_MINI)),
        "tool_steps": draw(st.sampled_from([0, 0.5, 1, 1.5, 2, 3])),
        "analyst_tool_steps": draw(st.sampled_from([0, 1])),
        "invocation_rate": draw(st.sampled_from([0.25, 0.5, 0.8, 1.0])),
        "search": {
            "engine": draw(st.sampled_from(["auto", "exa", "parallel"])),
            "results": draw(st.integers(1, 12)),
            "tokens_per_result": draw(st.integers(0, 1500)),
        },
        "fetches_per_step": draw(st.sampled_from([0, 1])),
        "analysis_tokens": draw(st.integers(0, 3000)),
        "panel_output_tokens": draw(st.none() | st.integers(0, 3000)),
    }
    return {
        "workload": {
            "requests_per_month": draw(st.integers(1, 2_000_000)),
            "input_tokens": draw(st.integers(0, 20_000)),
            "output_tokens": draw(st.integers(0, 3_000)),
            "reasoning_tokens": draw(st.integers(0, 2_000)),
            # no automatic caching: GPT-5.6 caches a call from 1,024 prompt tokens, so a call
            # that grows past it gets cheaper (by design, not a monotone quantity)
            "cache_write_share": 0,
        },
        "baseline": "base",
        "strategies": [
            {"name": "base", "single": {"model": MINI}},
            {"name": "fusion", "fusion": fusion},
        ],
    }


@SETTINGS
@given(data=fusion_scenarios())
def test_tornado_rows(catalog: Catalog, data: dict[str, Any]) -> None:
    sens = sensitivity_of(run(catalog, data))
    rows = {r.driver: r for r in sens.tornado}
    assert set(rows) == DRIVERS and len(sens.tornado) == len(DRIVERS)
    impacts = [r.impact_usd for r in sens.tornado]
    assert impacts == sorted(impacts, reverse=True)
    base = sens.base_monthly_delta_usd
    for row in sens.tornado:
        assert row.impact_usd == abs(row.high_monthly_delta_usd - row.low_monthly_delta_usd)
    for driver in MONOTONE:
        row = rows[driver]
        assert row.low_monthly_delta_usd <= base <= row.high_monthly_delta_usd, driver
    # Volume scales the premium: exactly half and one and a half times it.
    assert rows["volume"].low_monthly_delta_usd == base * D("0.5")
    assert rows["volume"].high_monthly_delta_usd == base * D("1.5")
    assert sens.variation == 0.5


@SETTINGS
@given(data=fusion_scenarios())
def test_panel_sweep_never_gets_cheaper_with_more_members(
    catalog: Catalog, data: dict[str, Any]
) -> None:
    est = run(catalog, data)
    sweep = sensitivity_of(est).panel_sweep
    assert [p.size for p in sweep] == list(range(1, 9))
    costs = [p.per_request_usd for p in sweep]
    assert all(a <= b for a, b in itertools.pairwise(costs)), costs
    requests = D(str(float(data["workload"]["requests_per_month"])))
    assert all(p.monthly_usd == p.per_request_usd * requests for p in sweep)
    # The point at the strategy's own panel size is the strategy: the panel cycles in order.
    own = len(data["strategies"][1]["fusion"]["analysis_models"])
    assert sweep[own - 1].per_request_usd == est.strategy("fusion").per_request_usd


SMALL = """
- {name: base, single: {model: %s}}
- name: fusion
  fusion: {analysis_models: [%s], model: %s, tool_steps: 0, analysis_tokens: 300}
"""


def small(catalog: Catalog, baseline: str, fusion_model: str) -> Sensitivity:
    text = (
        "workload: {requests_per_month: 10000, input_tokens: 1000, output_tokens: 200}\n"
        "strategies:\n"
        + textwrap.indent(textwrap.dedent(SMALL % (baseline, fusion_model, fusion_model)), "  ")
    )
    est = estimate(parse_scenario(text, "small.yaml"), catalog, Options(samples=200))
    return sensitivity_of(est)


def test_input_driver_by_hand(catalog: Catalog) -> None:
    """All-mini Fusion without tool steps reads the prompt in 4 calls (decide, panel, analyze,
    answer), the baseline in 1: moving 1,000 prompt tokens from 500 to 1,500 moves the monthly
    premium by 10,000 x 1,000 x (4 - 1) x 0.75 / 1M = $22.50."""
    rows = {r.driver: r for r in small(catalog, MINI, MINI).tornado}
    row = rows["input tokens"]
    assert row.high_monthly_delta_usd - row.low_monthly_delta_usd == D("22.5")
    assert D("22.5") == 10_000 * 1_000 * 3 * MINI_IN
    # No tool steps: -50% and +50% of zero steps change nothing.
    steps = rows["tool steps"]
    assert steps.low_monthly_delta_usd == steps.high_monthly_delta_usd
    assert steps.impact_usd == 0


def test_cheap_fusion_against_a_dear_baseline(catalog: Catalog) -> None:
    """The legitimate exception to "+50% >= -50%": an all-Flash Fusion against Opus.

    Prompt tokens: Fusion pays 4 x 0.0798 = 0.3192 per 1M, Opus 5 per 1M, so 1,000 more prompt
    tokens per request cut the premium by 10,000 x 1,000 x (5 - 0.3192) / 1M = $46.808.
    Answer tokens (200 -> 100 .. 300): Fusion writes them twice (panel, answer) and reads them
    twice (analyze, answer): 2 x 0.1596 + 2 x 0.0798 = 0.4788 per 1M against Opus's 25:
    10,000 x 200 x (25 - 0.4788) / 1M = $49.0424 less.
    """
    rows = {r.driver: r for r in small(catalog, "anthropic/claude-opus-5", FLASH).tornado}
    prompt = rows["input tokens"]
    assert prompt.high_monthly_delta_usd - prompt.low_monthly_delta_usd == D("-46.808")
    assert D("-46.808") == 10_000 * 1_000 * (4 * FLASH_IN - OPUS_IN)
    answer = rows["output tokens"]
    assert answer.high_monthly_delta_usd - answer.low_monthly_delta_usd == D("-49.0424")
    assert D("-49.0424") == 10_000 * 200 * (2 * FLASH_OUT + 2 * FLASH_IN - OPUS_OUT)
    # Drivers only Fusion pays for stay monotone even here.
    for driver in ("panel output tokens", "analysis tokens", "tokens per search result"):
        assert rows[driver].low_monthly_delta_usd <= rows[driver].high_monthly_delta_usd
    # The premium is negative (Fusion is cheaper), so volume runs the other way too.
    assert rows["volume"].high_monthly_delta_usd < rows["volume"].low_monthly_delta_usd < 0


# --- Pareto -----------------------------------------------------------------------------------

NAMES = ("a", "b", "c", "d", "e", "f")


@pytest.fixture(scope="module")
def base_context(catalog: Catalog) -> Context:
    """A six-strategy estimate whose costs and error rates each example replaces."""
    strategies = "\n".join(f"- {{name: {n}, single: {{model: {MINI}}}}}" for n in NAMES)
    text = (
        "workload: {requests_per_month: 1000, input_tokens: 100, output_tokens: 10}\n"
        "strategies:\n" + textwrap.indent(strategies, "  ") + "\n"
    )
    scenario = parse_scenario(text, "pareto.yaml")
    est = estimate(scenario, catalog, Options(samples=50))
    return Context(
        scenario,
        catalog,
        Profile.of(scenario.workload),
        {r.name: r for r in est.strategies},
        dict(zip(NAMES, build_all(scenario, catalog), strict=True)),
    )


def dominates(p: tuple[D, float], q: tuple[D, float]) -> bool:
    return p[0] <= q[0] and p[1] <= q[1] and p != q


@settings(max_examples=60, deadline=None)
@given(
    points=st.dictionaries(
        st.sampled_from(NAMES),
        st.tuples(st.integers(0, 6), st.sampled_from([0.0, 0.05, 0.1, 0.15, 0.2])),
        min_size=1,
    )
)
def test_pareto_frontier(base_context: Context, points: dict[str, tuple[int, float]]) -> None:
    # Coarse grids so ties and dominated points are common.
    results = {
        name: result.model_copy(update={"monthly_usd": D(points[name][0])})
        if name in points
        else result
        for name, result in base_context.results.items()
    }
    rates = {name: rate for name, (_, rate) in points.items()}
    scenario = base_context.scenario.model_copy(update={"decision": DecisionSpec(error_rate=rates)})
    ctx = dataclasses.replace(base_context, scenario=scenario, results=results)
    frontier = pareto(ctx)
    assert frontier is not None
    at = {name: (D(cost), rate) for name, (cost, rate) in points.items()}
    assert set(frontier) <= set(points)
    for name in frontier:
        assert not any(dominates(at[other], at[name]) for other in points), name
    for name in set(points) - set(frontier):
        assert any(dominates(at[f], at[name]) for f in frontier), name
    # cheapest first
    assert [at[n][0] for n in frontier] == sorted(at[n][0] for n in frontier)


def test_pareto_needs_error_rates(catalog: Catalog) -> None:
    assert small(catalog, MINI, MINI).pareto is None


def test_pareto_of_the_built_in_example(catalog: Catalog) -> None:
    """Monthly: auto (the medium tier: the 20th-40th cost percentile of its candidates) ~$167
    at 7% beats single-mini ($750, 8%) on both; then single-opus $4,500 (5%), fusion-budget
    ~$33,917 (4.5%), fusion-quality ~$49,140 (3.5%): each cheaper one is less accurate, so those
    four are the frontier, cheapest first."""
    est = estimate(load_scenario(None), catalog, Options(samples=200))
    assert sensitivity_of(est).pareto == ["auto", "single-opus", "fusion-budget", "fusion-quality"]
