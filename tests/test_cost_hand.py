"""Hand calculations of the cost model against the committed 2026-08-19 catalog.

Every expected figure is written out as tokens x price, call by call, with the prices typed in
from `fusion-cost prices show MODEL --format json` (USD per 1M tokens; per search for
`web_search`). Nothing here asks the estimator's own code what a price is. Money is compared
exactly (Decimal), except where the traffic is averaged over 24 hours (1/24 has no finite
decimal expansion; there the tolerance is 1e-15 USD).
"""

from __future__ import annotations

import textwrap
from decimal import Decimal as D
from types import SimpleNamespace

import pytest

from estimator.api import Options, estimate
from estimator.documents.estimate import BreakdownRow, Estimate, StrategyResult
from estimator.pricing.catalog import Catalog
from estimator.scenario.io import parse_scenario

M = D(1_000_000)

# USD per token, typed in from the 2026-08-19 catalog (per 1M / 1M).
MINI_IN, MINI_OUT = D("0.75") / M, D("4.5") / M  # openai/gpt-5.4-mini
MINI_SEARCH = D("0.01")
OPUS_IN, OPUS_OUT, OPUS_CACHE = D("5") / M, D("25") / M, D("0.5") / M  # anthropic/claude-opus-5
OPUS_SEARCH = D("0.01")
SOL_IN, SOL_OUT = D("2.5") / M, D("15") / M  # openai/gpt-5.6-sol, prompt <= 272,000
SOL_WRITE = D("3.125") / M  # its input_cache_write (1.25 x input): it writes on its own
SOL_READ = D("0.25") / M  # its input_cache_read
SOL_LONG_IN, SOL_LONG_OUT = D("5") / M, D("22.5") / M  # openai/gpt-5.6-sol, prompt > 272,000
SOL_LONG_WRITE = D("6.25") / M
SOL_SEARCH = D("0.01")
GEM_IN, GEM_OUT = D("2") / M, D("12") / M  # google/gemini-3.1-pro-preview, prompt < 200,000
GEM_SEARCH = D("0.014")
DS_CHEAP_IN, DS_CHEAP_OUT = D("0.66") / M, D("1.98") / M  # deepseek/deepseek-v4-pro off-peak
DS_PEAK_IN, DS_PEAK_OUT = D("1.32") / M, D("3.96") / M  # deepseek/deepseek-v4-pro peak
SONAR_IN, SONAR_OUT, SONAR_REASON = D("2") / M, D("8") / M, D("3") / M  # sonar-deep-research
SEED_IN, SEED_OUT = D("0.5") / M, D("2.5") / M  # bytedance-seed/seed-2-1-turbo (no cache price)
EXA_SEARCH, EXA_EXTRA_RESULT, EXA_FETCH = D("0.007"), D("0.001"), D("0.001")

OPUS, SOL, GEMINI, MINI = (
    "anthropic/claude-opus-5",
    "openai/gpt-5.6-sol",
    "google/gemini-3.1-pro-preview",
    "openai/gpt-5.4-mini",
)
DEEPSEEK = "deepseek/deepseek-v4-pro"

# Fusion defaults (estimator/defaults.py), typed in: the hand calculations must notice if
# they change. The outer model's overheads are derived from the real capture
# (tests/test_fusion_capture.py re-derives them); the panel's are assumptions.
TOOL_DEF, TOOL_CALL, TOOL_RESULT = 1190, 370, 450
WEB_TOOLS, SEARCH_CALL, ANALYST_INSTR, ANALYSIS = 400, 60, 600, 1200
RESULTS, PER_RESULT = 5, 750
# GPT-5.6 caches on its own (caching.automatic_*): of each call's new prompt tokens it writes
# 46.6% and reads 42.6% (the pair measured on 118 real gpt-5.6-terra calls), and it reads back in
# full what an earlier call of the same request sent; prompts under 1,024 tokens are not cached
WRITE, READ = D("0.466"), D("0.426")

# deepseek/deepseek-v4-pro windows (UTC, end exclusive): 10:00-01:00 and 04:00-06:00 at
# 0.66/1.98, 01:00-04:00 and 06:00-10:00 at 1.32/3.96: 17 off-peak hours, 7 peak hours.
DS_PEAK_HOURS = (1, 2, 3, 6, 7, 8, 9)
DS_CHEAP_HOURS = tuple(h for h in range(24) if h not in DS_PEAK_HOURS)


SINGLE = "- name: single\n  single: {{model: {}}}"


def workload(requests: int = 200_000, prompt: int = 2000, **extra: object) -> str:
    """The workload block (500 output tokens, no reasoning: these are hand calculations of the
    billing rule; `reasoning_tokens=None` leaves each model its own profile) plus any extra
    fields (YAML flow values)."""
    fields: dict[str, object] = {
        "requests_per_month": requests,
        "input_tokens": prompt,
        "output_tokens": 500,
        "reasoning_tokens": 0,
        **extra,
    }
    return "\n".join(f"{key}: {value}" for key, value in fields.items() if value is not None)


def scenario_text(strategies: str, workload_yaml: str = "") -> str:
    workload_yaml = workload_yaml or workload()
    return (
        "name: hand\nworkload:\n"
        + textwrap.indent(workload_yaml, "  ")
        + "\nstrategies:\n"
        + textwrap.indent(textwrap.dedent(strategies).strip(), "  ")
        + "\n"
    )


def run(catalog: Catalog, strategies: str, workload_yaml: str = "") -> Estimate:
    scenario = parse_scenario(scenario_text(strategies, workload_yaml), "test.yaml")
    return estimate(scenario, catalog, Options(samples=2000))


def only(result: Estimate) -> StrategyResult:
    (strategy,) = result.strategies
    return strategy


def rows(result: StrategyResult) -> dict[tuple[str, str], BreakdownRow]:
    return {(row.stage, row.model): row for row in result.breakdown}


def assert_breakdown_adds_up(result: StrategyResult) -> None:
    total = sum((row.cost_usd for row in result.breakdown), D(0))
    assert total == result.per_request_usd


def assert_row(result: StrategyResult, stage: str, model: str, **expected: object) -> None:
    row = rows(result)[(stage, model)]
    for name, value in expected.items():
        assert getattr(row, name) == value, f"{stage} {model} {name}"


# --- single ----------------------------------------------------------------------------------


def test_single_gpt_5_4_mini_per_request_and_monthly(catalog: Catalog) -> None:
    result = only(run(catalog, SINGLE.format("openai/gpt-5.4-mini")))
    expected = 2000 * MINI_IN + 500 * MINI_OUT
    assert result.per_request_usd == expected == D("0.00375")
    assert result.monthly_usd == expected * 200_000 == D("750")
    assert result.calls_per_request == 1
    assert [(r.stage, r.model) for r in result.breakdown] == [("single", MINI)]
    assert_row(result, "single", MINI, calls=1, input_tokens=2000, output_tokens=500)
    assert_row(result, "single", MINI, cost_usd=expected)
    assert result.web_tools_usd == 0
    # fixed tokens: every sampled request costs the same, through the float64 path
    assert float(result.distribution.p95_usd) == pytest.approx(0.00375, rel=1e-12)


def test_single_requests_per_day_makes_thirty_days(catalog: Catalog) -> None:
    per_day = "requests_per_day: 1000\ninput_tokens: 2000\noutput_tokens: 500"
    result = only(run(catalog, SINGLE.format("openai/gpt-5.4-mini"), per_day))
    assert result.monthly_usd == (2000 * MINI_IN + 500 * MINI_OUT) * 1000 * 30 == D("112.5")


def test_cache_share_bills_half_the_prompt_at_cache_read(catalog: Catalog) -> None:
    cached = workload(1000, cached_input_share=0.5)
    result = only(run(catalog, SINGLE.format("anthropic/claude-opus-5"), cached))
    expected = 1000 * OPUS_IN + 1000 * OPUS_CACHE + 500 * OPUS_OUT
    assert result.per_request_usd == expected == D("0.018")
    assert result.monthly_usd == expected * 1000


def test_cache_share_on_a_model_without_cache_price_bills_full_price(catalog: Catalog) -> None:
    cached = workload(1000, cached_input_share=0.5)
    result = only(run(catalog, SINGLE.format("bytedance-seed/seed-2-1-turbo"), cached))
    assert result.per_request_usd == 2000 * SEED_IN + 500 * SEED_OUT == D("0.00225")


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        # internal_reasoning price (3 per 1M), not the completion price (8 per 1M)
        ("perplexity/sonar-deep-research", 2000 * SONAR_IN + 500 * SONAR_OUT + 1000 * SONAR_REASON),
        # no internal_reasoning price: reasoning billed at the completion price
        ("anthropic/claude-opus-5", 2000 * OPUS_IN + 500 * OPUS_OUT + 1000 * OPUS_OUT),
        # reasoning.default_enabled false: the model spends no reasoning tokens by default
        ("openai/gpt-5.4-mini", 2000 * MINI_IN + 500 * MINI_OUT),
    ],
)
def test_reasoning_tokens_price(catalog: Catalog, model: str, expected: D) -> None:
    result = only(run(catalog, SINGLE.format(model), workload(1, reasoning_tokens=1000)))
    assert result.per_request_usd == expected


# --- time-of-day windows ---------------------------------------------------------------------


DS_CHEAP = 2000 * DS_CHEAP_IN + 500 * DS_CHEAP_OUT  # 0.00231
DS_PEAK = 2000 * DS_PEAK_IN + 500 * DS_PEAK_OUT  # 0.00462


def test_time_windows_uniform_hours_average_17_cheap_and_7_peak_hours(catalog: Catalog) -> None:
    result = only(run(catalog, SINGLE.format(DEEPSEEK)))
    expected = (len(DS_CHEAP_HOURS) * DS_CHEAP + len(DS_PEAK_HOURS) * DS_PEAK) / 24
    assert expected == (17 * D("0.00231") + 7 * D("0.00462")) / 24 == D("0.00298375")
    assert abs(result.per_request_usd - expected) < D("1e-15")
    assert round(result.monthly_usd, 2) == round(expected * 200_000, 2) == D("596.75")


@pytest.mark.parametrize("hour", [0, 1, 3, 4, 5, 6, 9, 10, 23])
def test_time_windows_all_traffic_in_one_hour(catalog: Catalog, hour: int) -> None:
    weights = [0] * 24
    weights[hour] = 5
    result = only(run(catalog, SINGLE.format(DEEPSEEK), workload(1000, hours_utc=weights)))
    expected = DS_PEAK if hour in DS_PEAK_HOURS else DS_CHEAP
    assert result.per_request_usd == expected
    assert result.monthly_usd == expected * 1000


def test_time_windows_weighted_hours(catalog: Catalog) -> None:
    weights = [0] * 24
    weights[2], weights[12] = 1, 3  # a quarter of the traffic at peak, three quarters off-peak
    result = only(run(catalog, SINGLE.format(DEEPSEEK), workload(1000, hours_utc=weights)))
    assert result.per_request_usd == DS_PEAK / 4 + DS_CHEAP * 3 / 4 == D("0.0028875")


# --- Auto Router -----------------------------------------------------------------------------


def test_auto_router_weighted_mean_and_range(catalog: Catalog) -> None:
    strategy = """
    - name: auto
      auto:
        allowed_models:
          [openai/gpt-5.4-mini, anthropic/claude-opus-5, google/gemini-3.1-pro-preview]
        weights:
          openai/gpt-5.4-mini: 2
          ~anthropic/claude-opus-latest: 1
          google/gemini-3.1-pro-preview: 1
    """
    result = only(run(catalog, strategy))
    mini = 2000 * MINI_IN + 500 * MINI_OUT  # 0.00375
    opus = 2000 * OPUS_IN + 500 * OPUS_OUT  # 0.0225
    gemini = 2000 * GEM_IN + 500 * GEM_OUT  # 0.010
    expected = D("0.5") * mini + D("0.25") * opus + D("0.25") * gemini
    assert result.per_request_usd == expected == D("0.01")
    assert result.monthly_usd == expected * 200_000 == D("2000")
    assert result.calls_per_request == 1
    assert result.range is not None
    assert (result.range.min_model, result.range.min_usd) == (MINI, mini)
    assert (result.range.max_model, result.range.max_usd) == (OPUS, opus)
    assert_row(result, "auto", MINI, calls=D("0.5"), input_tokens=1000, cost_usd=mini / 2)
    assert_row(result, "auto", OPUS, calls=D("0.25"), output_tokens=125, cost_usd=opus / 4)
    assert_row(result, "auto", GEMINI, calls=D("0.25"), cost_usd=gemini / 4)
    assert len(result.breakdown) == 3
    assert_breakdown_adds_up(result)


def test_auto_router_uniform_weights_over_allowed_models(catalog: Catalog) -> None:
    strategy = """
    - name: auto
      auto: {allowed_models: [openai/gpt-5.4-mini, anthropic/claude-opus-5]}
    """
    result = only(run(catalog, strategy))
    mini = 2000 * MINI_IN + 500 * MINI_OUT
    opus = 2000 * OPUS_IN + 500 * OPUS_OUT
    assert result.per_request_usd == (mini + opus) / 2 == D("0.013125")


# --- Fusion ----------------------------------------------------------------------------------

# general-high: outer = analyst = ~anthropic/claude-opus-latest (anthropic/claude-opus-5);
# panel opus-5, ~openai/gpt-latest (gpt-5.6-sol), ~google/gemini-pro-latest (gemini-3.1-pro).
PROMPT, ANSWER_OUT = 2000, 500
WITH_TOOL = PROMPT + TOOL_DEF  # 3,190: the outer model's calls, offered openrouter:fusion
PANEL_IN = PROMPT + WEB_TOOLS  # 2,400: a panel member's first round trip
STEP = SEARCH_CALL + RESULTS * PER_RESULT  # 3,810 tokens added to the context per search
DECIDE = WITH_TOOL * OPUS_IN + TOOL_CALL * OPUS_OUT  # 3,190 in, 370 out: 0.02520
ANALYZE_IN = PROMPT + 3 * ANSWER_OUT + ANALYST_INSTR  # 4,100
ANALYZE = ANALYZE_IN * OPUS_IN + ANALYSIS * OPUS_OUT  # 0.0505
# the answer call re-sends the decide call's prompt, its tool call, and the tool result: its
# framing, the analysis and the three panel answers: 3,190 + 370 + 450 + 1,200 + 1,500
ANSWER_IN = WITH_TOOL + TOOL_CALL + TOOL_RESULT + ANALYSIS + 3 * ANSWER_OUT  # 6,710
ANSWER = ANSWER_IN * OPUS_IN + ANSWER_OUT * OPUS_OUT  # 0.04605


def sol_trip(prompt: D | int, prefix: D | int, out: int) -> D:
    """One call of gpt-5.6-sol under the automatic pair: `prefix` tokens (sent by its call
    before) read back, of the rest 46.6% written and 42.6% read; 1,024+ prompt tokens."""
    fresh = D(prompt) - D(prefix)
    cached, written = D(prefix) + READ * fresh, WRITE * fresh
    uncached = D(prompt) - cached - written
    return uncached * SOL_IN + cached * SOL_READ + written * SOL_WRITE + out * SOL_OUT


def member_cost(price_in: D, price_out: D, steps: int, sol: bool = False) -> D:
    """One panel member's round trips: `steps` search calls (each one search), then its answer;
    round trip j reads 2,400 + j x 3,810 tokens (sol: under the automatic pair, each trip
    reading back the one before it)."""
    total = D(0)
    for j in range(steps + 1):
        out = ANSWER_OUT if j == steps else SEARCH_CALL
        prompt = PANEL_IN + j * STEP
        if sol:
            total += sol_trip(prompt, prompt - STEP if j else 0, out)
        else:
            total += prompt * price_in + out * price_out
    return total


PANEL = ((OPUS_IN, OPUS_OUT, OPUS_SEARCH, False), (SOL_IN, SOL_OUT, SOL_SEARCH, True))
PANEL += ((GEM_IN, GEM_OUT, GEM_SEARCH, False),)


def general_high(steps: int) -> D:
    panel = sum((member_cost(p[0], p[1], steps, p[3]) for p in PANEL), D(0))
    searches = sum((steps * p[2] for p in PANEL), D(0))
    return DECIDE + panel + ANALYZE + ANSWER + searches


def test_fusion_general_high_one_tool_step_every_call(catalog: Catalog) -> None:
    result = only(run(catalog, "- name: fq\n  fusion: {preset: general-high, tool_steps: 1}"))
    # decide (opus): 3,190 in, 370 out (the call to openrouter:fusion)
    decide = 3190 * OPUS_IN + 370 * OPUS_OUT
    # panel, round trip 0: 2,400 in, 60 out (the search call); round trip 1: 2,400 + 60 +
    # 5 x 750 = 6,210 in, 500 out (the panel answer)
    opus_panel = (2400 * OPUS_IN + 60 * OPUS_OUT) + (6210 * OPUS_IN + 500 * OPUS_OUT)
    # gpt-5.6-sol caches on its own: round trip 0 writes 0.466 x 2,400 = 1,118.4 and reads
    # 0.426 x 2,400 = 1,022.4 (259.2 uncached); round trip 1 reads back the 2,400 it sent, and
    # of its 3,810 new tokens writes 1,775.46 and reads 1,623.06 (411.48 uncached)
    sol_panel = (
        D("259.2") * SOL_IN + D("1022.4") * SOL_READ + D("1118.4") * SOL_WRITE + 60 * SOL_OUT
    ) + (D("411.48") * SOL_IN + D("4023.06") * SOL_READ + D("1775.46") * SOL_WRITE + 500 * SOL_OUT)
    assert sol_panel == member_cost(SOL_IN, SOL_OUT, 1, sol=True)  # the helper, long form
    gem_panel = (2400 * GEM_IN + 60 * GEM_OUT) + (6210 * GEM_IN + 500 * GEM_OUT)
    # analyze (opus): 2,000 + 3 x 500 + 600 = 4,100 in, 1,200 out
    analyze = 4100 * OPUS_IN + 1200 * OPUS_OUT
    # answer (opus): 3,190 + 370 + 450 + 1,200 + 3 x 500 = 6,710 in, 500 out
    answer = 6710 * OPUS_IN + 500 * OPUS_OUT
    # one native search per member
    searches = OPUS_SEARCH + SOL_SEARCH + GEM_SEARCH
    expected = decide + opus_panel + sol_panel + gem_panel + analyze + answer + searches
    # decide 0.0252, panel 0.05705 + 0.0203813775 + 0.02394, analyze 0.0505, answer 0.04605,
    # searches 0.034
    assert result.per_request_usd == expected == D("0.2571213775")
    assert general_high(1) == expected  # the helper the next tests use
    assert result.monthly_usd == expected * 200_000
    assert result.calls_per_request == 1 + 3 * 2 + 1 + 1
    assert result.web_tools_usd == searches

    assert_row(result, "decide", OPUS, calls=1, input_tokens=3190, output_tokens=370)
    assert_row(result, "decide", OPUS, cost_usd=decide)
    for model, panel_cost in ((OPUS, opus_panel), (SOL, sol_panel), (GEMINI, gem_panel)):
        assert_row(result, "panel", model, calls=2, input_tokens=8610, output_tokens=560)
        assert_row(result, "panel", model, cost_usd=panel_cost)
    assert_row(result, "analyze", OPUS, calls=1, input_tokens=4100, output_tokens=1200)
    assert_row(result, "analyze", OPUS, cost_usd=analyze)
    assert_row(result, "answer", OPUS, calls=1, input_tokens=6710, output_tokens=500)
    assert_row(result, "answer", OPUS, cost_usd=answer)
    for model, fee in ((OPUS, OPUS_SEARCH), (SOL, SOL_SEARCH), (GEMINI, GEM_SEARCH)):
        assert_row(result, "web_tools", model, calls=1, cost_usd=fee)
    assert len(result.breakdown) == 9
    assert_breakdown_adds_up(result)
    stages = {s.stage: s.cost_usd for s in result.by_stage}
    assert stages == {
        "decide": decide,
        "panel": opus_panel + sol_panel + gem_panel,
        "analyze": analyze,
        "answer": answer,
        "web_tools": searches,
    }


def test_fusion_default_is_two_tool_steps(catalog: Catalog) -> None:
    result = only(run(catalog, "- name: fq\n  fusion: {preset: general-high}"))
    # round trips of 2,400, 6,210 and 10,020 input tokens per member, two searches each
    opus2 = (2400 * OPUS_IN + 60 * OPUS_OUT) + (6210 * OPUS_IN + 60 * OPUS_OUT)
    opus2 += 10020 * OPUS_IN + 500 * OPUS_OUT
    assert member_cost(OPUS_IN, OPUS_OUT, 2) == opus2  # the helper agrees with the long form
    assert result.per_request_usd == general_high(2)
    assert result.calls_per_request == 1 + 3 * 3 + 1 + 1
    assert result.web_tools_usd == 2 * (OPUS_SEARCH + SOL_SEARCH + GEM_SEARCH)


def test_the_default_tool_steps_stop_at_a_lower_max_tool_calls(catalog: Catalog) -> None:
    from estimator.errors import UserError

    capped = only(run(catalog, "- name: f\n  fusion: {preset: general-high, max_tool_calls: 1}"))
    assert capped.per_request_usd == general_high(1)  # the loop stops at the cap
    assert capped.calls_per_request == 9
    with pytest.raises(UserError, match="tool_steps 2 is above max_tool_calls 1"):
        run(
            catalog, "- name: f\n  fusion: {preset: general-high, max_tool_calls: 1, tool_steps: 2}"
        )


def test_fusion_web_tools_off(catalog: Catalog) -> None:
    result = only(run(catalog, "- name: f0\n  fusion: {preset: general-high, tool_steps: 0}"))
    panel = (2400 * OPUS_IN + 500 * OPUS_OUT) + sol_trip(2400, 0, 500)
    panel += 2400 * GEM_IN + 500 * GEM_OUT
    expected = DECIDE + panel + ANALYZE + ANSWER
    assert general_high(0) == expected
    assert result.per_request_usd == expected
    assert result.calls_per_request == 6
    assert result.web_tools_usd == 0
    assert not any(row.stage == "web_tools" for row in result.breakdown)
    assert_row(result, "panel", SOL, calls=1, input_tokens=2400, output_tokens=500)
    assert_breakdown_adds_up(result)


def test_fusion_invocation_rate_half(catalog: Catalog) -> None:
    strategy = "- name: f\n  fusion: {preset: general-high, tool_steps: 0, invocation_rate: 0.5}"
    result = only(run(catalog, strategy))
    # not invoked: one plain call of the outer model, in = I + tool_definition
    plain = (2000 + 1190) * OPUS_IN + 500 * OPUS_OUT
    expected = D("0.5") * general_high(0) + D("0.5") * plain
    assert result.per_request_usd == expected
    assert result.calls_per_request == D("3.5")
    assert_row(result, "plain", OPUS, calls=D("0.5"), input_tokens=1595, cost_usd=plain / 2)
    assert_row(result, "decide", OPUS, calls=D("0.5"), cost_usd=DECIDE / 2)
    assert_breakdown_adds_up(result)


def test_fusion_fractional_tool_steps_weights_two_branches(catalog: Catalog) -> None:
    result = only(run(catalog, "- name: f\n  fusion: {preset: general-high, tool_steps: 1.5}"))
    expected = D("0.5") * general_high(1) + D("0.5") * general_high(2)
    assert result.per_request_usd == expected
    assert result.calls_per_request == D("0.5") * 9 + D("0.5") * 12
    assert_row(result, "panel", OPUS, calls=D("2.5"))
    assert_row(result, "web_tools", GEMINI, calls=D("1.5"), cost_usd=D("1.5") * GEM_SEARCH)
    assert_breakdown_adds_up(result)


def test_fusion_fractional_tool_steps_uneven_weights(catalog: Catalog) -> None:
    # 2.25 steps: two steps with probability 0.75, three with probability 0.25
    result = only(run(catalog, "- name: f\n  fusion: {preset: general-high, tool_steps: 2.25}"))
    expected = D("0.75") * general_high(2) + D("0.25") * general_high(3)
    assert result.per_request_usd == expected
    assert result.calls_per_request == D("0.75") * 12 + D("0.25") * 15
    assert_row(result, "web_tools", SOL, calls=D("2.25"), cost_usd=D("2.25") * SOL_SEARCH)
    assert_breakdown_adds_up(result)


def test_fusion_aliases_resolve_to_concrete_models(catalog: Catalog) -> None:
    assert catalog.get_exact("~google/gemini-pro-latest").alias_target.slug == GEMINI
    result = only(run(catalog, "- name: fq\n  fusion: {preset: general-high}"))
    uses = {(m.role, m.requested): (m.id, m.via) for m in result.models}
    assert uses == {
        ("outer", "~anthropic/claude-opus-latest"): (OPUS, "alias"),
        ("analyst", "~anthropic/claude-opus-latest"): (OPUS, "alias"),
        ("panel", "~anthropic/claude-opus-latest"): (OPUS, "alias"),
        ("panel", "~openai/gpt-latest"): (SOL, "alias"),
        ("panel", "~google/gemini-pro-latest"): (GEMINI, "alias"),
    }
    assert {row.model for row in result.breakdown} == {OPUS, SOL, GEMINI}
    assert all(not call.model.startswith("~") for call in result.calls)


@pytest.mark.parametrize(("prompt", "answer_tier"), [(238_790, False), (238_791, True)])
def test_fusion_long_context_tier_crossed_only_by_the_answer_call(
    catalog: Catalog,
    prompt: int,
    answer_tier: bool,
) -> None:
    strategy = """
    - name: long
      fusion:
        analysis_models: [openai/gpt-5.4-mini, anthropic/claude-opus-5]
        model: openai/gpt-5.6-sol
        tool_steps: 0
        panel_output_tokens: 15000
    """
    # no cache writes, so only the tier moves the money here
    result = only(run(catalog, strategy, workload(1000, prompt, cache_write_share=0)))
    decide_in = prompt + 1190
    panel_in = prompt + 400
    analyze_in = prompt + 2 * 15000 + 600
    answer_in = prompt + 1190 + 370 + 450 + 1200 + 2 * 15000
    assert decide_in <= 272_000 and analyze_in <= 272_000
    assert (answer_in > 272_000) is answer_tier  # the tier starts strictly above 272,000
    answer_prices = (SOL_LONG_IN, SOL_LONG_OUT) if answer_tier else (SOL_IN, SOL_OUT)
    decide = decide_in * SOL_IN + 370 * SOL_OUT
    panel_mini = panel_in * MINI_IN + 15000 * MINI_OUT
    panel_opus = panel_in * OPUS_IN + 15000 * OPUS_OUT
    analyze = analyze_in * SOL_IN + 1200 * SOL_OUT
    answer = answer_in * answer_prices[0] + 500 * answer_prices[1]
    expected = decide + panel_mini + panel_opus + analyze + answer
    assert result.per_request_usd == expected
    assert result.monthly_usd == expected * 1000
    assert_row(result, "answer", SOL, input_tokens=answer_in, cost_usd=answer)
    assert_row(result, "analyze", SOL, input_tokens=analyze_in, cost_usd=analyze)
    assert_row(result, "decide", SOL, cost_usd=decide)
    assert_breakdown_adds_up(result)
    if answer_tier:  # the whole call at the long-context prices: 272,001 x 5/1M + 500 x 22.5/1M
        assert rows(result)[("answer", SOL)].cost_usd == D("1.371255")
    else:  # exactly 272,000: the base prices, 272,000 x 2.5/1M + 500 x 15/1M
        assert rows(result)[("answer", SOL)].cost_usd == D("0.6875")


def test_fusion_exa_search_with_12_results_and_fetches(catalog: Catalog) -> None:
    strategy = """
    - name: exa
      fusion:
        analysis_models: [openai/gpt-5.4-mini]
        model: openai/gpt-5.4-mini
        tool_steps: 1
        search: {engine: exa, results: 12}
        fetches_per_step: 2
        fetch_engine: exa
    """
    result = only(run(catalog, strategy))
    decide = 3190 * MINI_IN + 370 * MINI_OUT
    # the search step reads 2,400 + 60 + 12 x 750 + 2 x 2,000 = 15,460 tokens
    panel = (2400 * MINI_IN + 60 * MINI_OUT) + (15460 * MINI_IN + 500 * MINI_OUT)
    analyze = (2000 + 500 + 600) * MINI_IN + 1200 * MINI_OUT
    answer = (3190 + 370 + 450 + 1200 + 500) * MINI_IN + 500 * MINI_OUT
    search = EXA_SEARCH + 2 * EXA_EXTRA_RESULT  # 10 results included, 2 extra
    fetches = 2 * EXA_FETCH
    expected = decide + panel + analyze + answer + search + fetches
    # decide 0.0040575, panel 0.015915, analyze 0.007725, answer 0.0065325, web 0.011
    assert result.per_request_usd == expected == D("0.04523")
    assert result.web_tools_usd == search + fetches
    assert_row(result, "web_tools", MINI, calls=3, cost_usd=D("0.011"))
    assert_row(result, "panel", MINI, input_tokens=2400 + 15460)
    assert_breakdown_adds_up(result)


def test_fusion_engine_auto_uses_exa_for_models_without_native_search(catalog: Catalog) -> None:
    strategy = """
    - name: mixed
      fusion:
        analysis_models: [deepseek/deepseek-v4-pro, openai/gpt-5.4-mini]
        model: openai/gpt-5.4-mini
        tool_steps: 2
    """
    result = only(run(catalog, strategy))
    # deepseek-v4-pro has time windows: its calls are averaged over 24 hourly weights of 1/24
    deepseek_fees = rows(result)[("web_tools", DEEPSEEK)]
    assert deepseek_fees.calls == 2
    assert abs(deepseek_fees.cost_usd - 2 * EXA_SEARCH) < D("1e-15")
    assert_row(result, "web_tools", MINI, calls=2, cost_usd=2 * MINI_SEARCH)
    assert abs(result.web_tools_usd - (2 * EXA_SEARCH + 2 * MINI_SEARCH)) < D("1e-15")


# --- context limits ----------------------------------------------------------------------------


@pytest.mark.parametrize(("prompt", "fits"), [(399_500, True), (399_501, False)])
def test_single_context_limit(catalog: Catalog, prompt: int, fits: bool) -> None:
    # openai/gpt-5.4-mini: 400,000 tokens of context, minus 500 output tokens
    result = only(run(catalog, SINGLE.format("openai/gpt-5.4-mini"), workload(10, prompt)))
    assert result.context.max_prompt_tokens == 399_500
    assert result.context.binding_call == f"single ({MINI})"
    assert bool(result.context.overflows) is not fits
    assert any("does not fit" in w for w in result.warnings) is not fits


def test_fusion_context_limit_is_bound_by_the_longest_inner_call(catalog: Catalog) -> None:
    result = only(run(catalog, "- name: fq\n  fusion: {preset: general-high, tool_steps: 1}"))
    # Room for the prompt = context - (the call's input at a zero prompt) - its max output.
    # Inner calls may emit max_completion_tokens (16,000); decide and answer their own tokens.
    rooms = {
        "decide (opus)": 1_000_000 - (1190) - 370,
        "panel step 1 (opus)": 1_000_000 - (400 + 3810) - 16_000,
        "panel step 1 (sol)": 1_050_000 - (400 + 3810) - 16_000,
        "panel step 1 (gemini)": 1_048_576 - (400 + 3810) - 16_000,
        "analyze (opus)": 1_000_000 - (3 * 500 + 600) - 16_000,
        "answer (opus)": 1_000_000 - (1190 + 370 + 450 + 1200 + 3 * 500) - 500,
    }
    assert min(rooms.values()) == rooms["panel step 1 (opus)"] == 979_790
    assert result.context.max_prompt_tokens == 979_790
    assert result.context.binding_call == f"panel ({OPUS})"
    assert result.context.overflows == []


def test_long_context_tier_with_cache_share(catalog: Catalog) -> None:
    # gpt-5.6-sol at 300,000 prompt tokens: the whole call at 5 / 0.5 (cache read) / 22.5
    cached = workload(10, 300_000, cached_input_share=0.5, cache_write_share=0)
    result = only(run(catalog, SINGLE.format("openai/gpt-5.6-sol"), cached))
    expected = 150_000 * SOL_LONG_IN + 150_000 * (D("0.5") / M) + 500 * SOL_LONG_OUT
    assert result.per_request_usd == expected == D("0.83625")


def test_long_context_tier_prices_cache_reads_and_writes_at_its_own_rates(
    catalog: Catalog,
) -> None:
    # 300,000 prompt tokens: 75,000 read (0.5 per 1M), 150,000 written (6.25), 75,000 plain (5)
    shares = workload(10, 300_000, cached_input_share=0.25, cache_write_share=0.5)
    result = only(run(catalog, SINGLE.format("openai/gpt-5.6-sol"), shares))
    expected = (
        75_000 * SOL_LONG_IN
        + 75_000 * (D("0.5") / M)
        + 150_000 * SOL_LONG_WRITE
        + 500 * SOL_LONG_OUT
    )
    assert result.per_request_usd == expected == D("1.36125")


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        # exactly at the threshold: not strictly greater, so the base rates (2.5 / 15 per 1M)
        (272_000, 272_000 * SOL_IN + 600 * SOL_OUT),
        # one token more: the whole call at the long-context rates (5 / 22.5 per 1M)
        (272_001, 272_001 * SOL_LONG_IN + 600 * SOL_LONG_OUT),
    ],
)
def test_long_context_tier_starts_strictly_above_the_threshold(
    catalog: Catalog, prompt: int, expected: D
) -> None:
    text = workload(1, prompt, cache_write_share=0).replace(
        "output_tokens: 500", "output_tokens: 600"
    )
    result = only(run(catalog, SINGLE.format("openai/gpt-5.6-sol"), text))
    assert result.per_request_usd == expected
    assert expected == (D("0.689") if prompt == 272_000 else D("1.373505"))


def test_cache_writes_at_the_write_rate(catalog: Catalog) -> None:
    # 10,000 input tokens all written to the cache (3.125 per 1M) and 100 output (15 per 1M)
    text = workload(1, 10_000, output_tokens=100, cache_write_share=1)
    result = only(run(catalog, SINGLE.format("openai/gpt-5.6-sol"), text))
    assert result.per_request_usd == 10_000 * SOL_WRITE + 100 * SOL_OUT == D("0.03275")


def test_gpt_5_6_writes_and_reads_the_measured_pair_on_its_own(catalog: Catalog) -> None:
    # no cache share given: GPT-5.6 writes 46.6% and reads 42.6% of a prompt of 1,024 tokens
    # or more: of 2,000, 932 written, 852 read, 216 at the input price
    result = only(run(catalog, SINGLE.format("openai/gpt-5.6-sol"), workload(1, 2000)))
    assert result.per_request_usd == (
        216 * SOL_IN + 852 * SOL_READ + 932 * SOL_WRITE + 500 * SOL_OUT
    )
    # either share given replaces the pair: cache_write_share 0 is the switch that turns it off
    off = only(
        run(catalog, SINGLE.format("openai/gpt-5.6-sol"), workload(1, 2000, cache_write_share=0))
    )
    assert off.per_request_usd == 2000 * SOL_IN + 500 * SOL_OUT
    # a shorter prompt is not cached at all
    short = only(run(catalog, SINGLE.format("openai/gpt-5.6-sol"), workload(1, 1023)))
    assert short.per_request_usd == 1023 * SOL_IN + 500 * SOL_OUT
    # a model that writes only when asked: nothing written unless the scenario says so
    opus = only(run(catalog, SINGLE.format("anthropic/claude-opus-5"), workload(1, 2000)))
    assert opus.per_request_usd == 2000 * OPUS_IN + 500 * OPUS_OUT


@pytest.mark.parametrize(
    ("ttl", "write_rate"),
    [("5m", D("6.25") / M), ("1h", D("10") / M)],  # claude-opus-5: 1.25 x and 2 x the input
)
def test_anthropic_cache_writes_by_ttl(catalog: Catalog, ttl: str, write_rate: D) -> None:
    text = workload(1, 2000, cache_write_share=0.5, cache_ttl=ttl)
    result = only(run(catalog, SINGLE.format("anthropic/claude-opus-5"), text))
    assert result.per_request_usd == 1000 * OPUS_IN + 1000 * write_rate + 500 * OPUS_OUT


def test_cache_shares_above_one_are_refused(catalog: Catalog) -> None:
    from estimator.errors import UserError

    text = workload(1, 2000, cached_input_share=0.6, cache_write_share=0.5)
    with pytest.raises(UserError, match="cached_input_share \\+ cache_write_share"):
        run(catalog, SINGLE.format("anthropic/claude-opus-5"), text)


# --- a per-request fee (no model in the 2026-08-19 catalog has one) ----------------------------


def synthetic_catalog(model_id: str, pricing: dict[str, object]) -> Catalog:
    """A one-model catalog for a price rule no model of the 2026-08-19 catalog has."""
    from estimator.pricing.catalog import CatalogMeta
    from estimator.pricing.models import ModelInfo

    model = ModelInfo.model_validate(
        {
            "id": model_id,
            "context_length": 100_000,
            "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
            "pricing": pricing,
        }
    )
    meta = CatalogMeta(
        fetched_at="2026-08-19T00:00:00+00:00", source="synthetic", model_count=1, sha256="x"
    )
    return Catalog([model], meta)


def fee_catalog() -> Catalog:
    return synthetic_catalog(
        "acme/fee", {"prompt": "0.000001", "completion": "0.000002", "request": "0.001"}
    )


def test_request_fee_is_charged_on_every_call() -> None:
    strategies = """
    - name: single
      single: {model: acme/fee}
    - name: fusion
      fusion:
        analysis_models: [acme/fee, acme/fee]
        model: acme/fee
        tool_steps: 1
    """
    scenario = parse_scenario(scenario_text(strategies, workload(100)), "test.yaml")
    single, fusion = estimate(scenario, fee_catalog(), Options(samples=200)).strategies
    usd_in, usd_out, fee = D("0.000001"), D("0.000002"), D("0.001")
    assert single.per_request_usd == 2000 * usd_in + 500 * usd_out + fee
    calls = [  # (input, output) of decide, 2 x (search step, answer), analyze, answer
        (3190, 370),
        (2400, 60),
        (6210, 500),
        (2400, 60),
        (6210, 500),
        (2000 + 2 * 500 + 600, 1200),
        (3190 + 370 + 450 + 1200 + 2 * 500, 500),
    ]
    tokens = sum((i * usd_in + o * usd_out for i, o in calls), D(0))
    searches = 2 * EXA_SEARCH  # no native search price: engine auto falls back to Exa
    assert fusion.per_request_usd == tokens + len(calls) * fee + searches
    assert fusion.calls_per_request == len(calls)


# --- reasoning inside a long-context tier, discounts, dated fees, the analyst default ----------


def test_reasoning_follows_completion_into_a_long_context_tier(catalog: Catalog) -> None:
    # gemini-3.1-pro: internal_reasoning 12 = completion 12 per 1M; above 200,000 prompt tokens
    # the tier raises completion to 18 and sets no internal_reasoning of its own: reasoning is
    # completion tokens, so it is billed at 18 too
    text = workload(1, 200_001, reasoning_tokens=1000)
    result = only(run(catalog, SINGLE.format(GEMINI), text))
    assert result.per_request_usd == 200_001 * (D("4") / M) + (500 + 1000) * (D("18") / M)
    below = only(run(catalog, SINGLE.format(GEMINI), workload(1, 200_000, reasoning_tokens=1000)))
    assert below.per_request_usd == 200_000 * GEM_IN + (500 + 1000) * GEM_OUT


def discount_catalog() -> Catalog:
    pricing = {
        "prompt": "0.000004",
        "completion": "0.000016",
        "request": "0.001",
        "input_cache_read": "0.0000004",
        "discount": 0.25,
    }
    return synthetic_catalog("acme/discounted", pricing)


def test_discount_multiplies_every_price_by_one_minus_discount() -> None:
    text = scenario_text(SINGLE.format("acme/discounted"), workload(10, cached_input_share=0.5))
    result = only(estimate(parse_scenario(text, "t.yaml"), discount_catalog(), Options(samples=50)))
    list_price = 1000 * D("0.000004") + 1000 * D("0.0000004") + 500 * D("0.000016") + D("0.001")
    assert result.per_request_usd == list_price * D("0.75") == D("0.01005")
    assert any("discount" in w for w in result.warnings)


def halfhour_catalog() -> Catalog:
    peak = {"utc_start": 930, "utc_end": 1100, "prompt": "0.000002", "completion": "0.000008"}
    pricing = {"prompt": "0.000001", "completion": "0.000004", "overrides": [peak]}
    return synthetic_catalog("acme/halfhour", pricing)


def test_a_window_starting_on_the_half_hour_is_weighted_by_minutes() -> None:
    # all traffic between 09:00 and 10:00 UTC: half of it falls in the 09:30-11:00 window
    hours = [0] * 24
    hours[9] = 1
    text = scenario_text(SINGLE.format("acme/halfhour"), workload(100, hours_utc=hours))
    result = only(
        estimate(parse_scenario(text, "t.yaml"), halfhour_catalog(), Options(samples=4000))
    )
    base = 2000 * D("0.000001") + 500 * D("0.000004")  # 0.004
    peak = 2000 * D("0.000002") + 500 * D("0.000008")  # 0.008
    assert result.per_request_usd == (base + peak) / 2 == D("0.006")
    # the Monte Carlo samples minutes too: about half its requests pay the peak price
    assert abs(result.distribution.mean_usd - D("0.006")) < D("0.0002")


@pytest.mark.parametrize(
    ("engine", "now", "fee"),
    [
        # Exa: $0.005 until 2026-08-07 23:56 UTC, $0.007 since (5 results: none extra)
        ("{engine: exa}", "2026-08-07T12:00:00+00:00", D("0.005")),
        ("{engine: exa}", "2026-08-08T00:00:00+00:00", D("0.007")),
        # Parallel's default mode: turbo ($0.001) before 2026-08-11, basic ($0.005) since;
        # 14 results are 4 past the 10 included, $0.001 each
        ("{engine: parallel, results: 14}", "2026-08-10T12:00:00+00:00", D("0.005")),
        ("{engine: parallel, results: 14}", "2026-11-25T12:00:00+00:00", D("0.009")),
    ],
)
def test_search_fee_by_engine_and_date(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch, engine: str, now: str, fee: D
) -> None:
    monkeypatch.setenv("FUSION_COST_NOW", now)
    strategy = f"""
    - name: searching
      fusion:
        analysis_models: [openai/gpt-5.4-mini]
        model: openai/gpt-5.4-mini
        tool_steps: 1
        search: {engine}
    """
    result = only(run(catalog, strategy))
    assert result.web_tools_usd == fee  # one search, on the estimate's date


def test_server_tool_analyst_defaults_to_the_outer_model(catalog: Catalog) -> None:
    result = only(
        run(
            catalog, "- name: f\n  fusion: {preset: general-high, outer_model: openai/gpt-5.4-mini}"
        )
    )
    roles = {m.role: m.id for m in result.models}
    assert roles["outer"] == roles["analyst"] == MINI
    # the analyze call is priced as gpt-5.4-mini: 2,000 + 3 x 500 + 600 in, 1,200 out
    assert_row(result, "analyze", MINI, cost_usd=4100 * MINI_IN + 1200 * MINI_OUT)


# --- what OpenRouter charges besides tokens (billing:) -------------------------------------------


def billed(catalog: Catalog, billing: str, requests: int = 200_000) -> StrategyResult:
    text = scenario_text(SINGLE.format(MINI), workload(requests)) + billing
    return only(estimate(parse_scenario(text, "t.yaml"), catalog, Options(samples=50)))


def test_no_billing_section_no_fees(catalog: Catalog) -> None:
    assert only(run(catalog, SINGLE.format(MINI))).fees is None


def test_card_purchase_fee_is_5_5_percent_with_a_minimum(catalog: Catalog) -> None:
    # $750 of usage bought in one card purchase: 5.5% = $41.25
    fees = billed(catalog, "billing: {credit_purchase: card}\n").fees
    assert fees is not None
    assert fees.credit_purchase_fee_usd == D("750") * D("0.055") == D("41.25")
    assert fees.monthly_total_usd == D("791.25")
    # 1,000 requests ($3.75) in 5 purchases of $0.75: each pays the $0.80 minimum
    small = billed(catalog, "billing: {credit_purchase: card, purchases_per_month: 5}\n", 1000)
    assert small.fees is not None and small.fees.credit_purchase_fee_usd == 5 * D("0.80")


def test_crypto_purchase_fee_is_5_percent(catalog: Catalog) -> None:
    fees = billed(catalog, "billing: {credit_purchase: crypto}\n").fees
    assert fees is not None and fees.credit_purchase_fee_usd == D("37.5")


def test_byok_fee_above_the_allowance(catalog: Catalog) -> None:
    # 2,000,000 requests of mini = $7,500 a month, all on your own keys: under the $25,000
    # pay-as-you-go allowance, so no fee and nothing to buy from OpenRouter
    fees = billed(catalog, "billing: {byok: {share: 1}}\n", 2_000_000).fees
    assert fees is not None
    assert (fees.byok_usage_usd, fees.byok_fee_usd, fees.credits_usd) == (D("7500"), 0, 0)
    # 10,000,000 requests = $37,500: 5% of the $12,500 above the allowance = $625, bought by
    # card (5.5% = $34.375)
    big = billed(catalog, "billing: {byok: {share: 1}, credit_purchase: card}\n", 10_000_000)
    assert big.fees is not None
    assert big.fees.byok_fee_usd == D("0.05") * (D("37500") - D("25000")) == D("625")
    assert big.fees.credit_purchase_fee_usd == D("625") * D("0.055")
    assert big.fees.monthly_total_usd == D("37500") + D("625") + D("34.375")
    # the enterprise allowance is $200,000
    ent = billed(catalog, "billing: {byok: {share: 1, plan: enterprise}}\n", 10_000_000)
    assert ent.fees is not None and ent.fees.byok_fee_usd == 0


# --- Auto Router tiers: OpenRouter's cost-percentile bands ---------------------------------------


@pytest.mark.parametrize(
    ("tier", "model"),
    # mini $0.00375 (percentile 0), gemini $0.010 (50), opus $0.0225 (100) per mean request
    [("low", MINI), ("high", GEMINI), ("max", OPUS)],
)
def test_cost_tier_is_a_percentile_band_of_the_candidates(
    catalog: Catalog, tier: str, model: str
) -> None:
    strategy = f"""
    - name: auto
      auto:
        cost_tier: {tier}
        allowed_models: [{MINI}, {OPUS}, {GEMINI}]
    """
    result = only(run(catalog, strategy))
    assert [m.id for m in result.models] == [model]
    medium = (
        f"- name: auto\n  auto: {{cost_tier: medium, allowed_models: [{MINI}, {OPUS}, {GEMINI}]}}"
    )
    from estimator.errors import UserError

    with pytest.raises(UserError, match="pool is empty"):
        run(catalog, medium)  # [20, 40): no candidate sits there


def test_every_tier_has_about_a_fifth_of_the_default_candidates(catalog: Catalog) -> None:
    sizes = {}
    for tier in ("low", "medium", "high", "xhigh", "max"):
        result = only(run(catalog, f"- name: a\n  auto: {{cost_tier: {tier}}}"))
        sizes[tier] = len(result.models)
        assert "of 100 candidates" in result.notes[0]
    # equal costs share a rank, so a band holds 19 to 21 of the 100, and every one is used once
    assert sizes == {"low": 20, "medium": 20, "high": 20, "xhigh": 21, "max": 19}


def test_equal_costs_share_a_percentile(monkeypatch: pytest.MonkeyPatch) -> None:
    import estimator.strategies.auto as auto

    costs = {"a": D(1), "b": D(2), "c": D(2), "d": D(3), "e": D(5)}
    monkeypatch.setattr(auto, "generation_cost", lambda model, *rest: costs[model.id])
    models = [SimpleNamespace(id=model_id) for model_id in costs]  # only ids are read
    ranks = auto.percentiles(models, auto.TYPICAL_REQUEST)  # type: ignore[arg-type]
    # 0, 1, 1, 3 and 4 candidates strictly cheaper, of 4 = n - 1
    assert ranks == {"a": 0.0, "b": 25.0, "c": 25.0, "d": 75.0, "e": 100.0}


def test_a_model_whose_context_cannot_hold_the_request_is_no_candidate(catalog: Catalog) -> None:
    result = only(run(catalog, "- name: a\n  auto: {cost_tier: max}", workload(10, 900_000)))
    for use in result.models:
        assert catalog.get_exact(use.id).max_context >= 900_000 + 500


def test_each_round_trip_of_gpt_5_6_caches_its_own_prompt_from_1024_tokens(
    catalog: Catalog,
) -> None:
    # a 600-token prompt: sol's first panel round trip reads 600 + 400 = 1,000 tokens, under
    # OpenAI's 1,024-token minimum, so nothing is cached and nothing can be read back; its
    # second (1,000 + 60 + 5 x 750 = 4,810) is cached like any call: of its 4,810 new tokens
    # 46.6% written, 42.6% read
    strategy = """
    - name: f
      fusion:
        analysis_models: [openai/gpt-5.6-sol]
        model: anthropic/claude-opus-5
        tool_steps: 1
    """
    result = only(run(catalog, strategy, workload(1, 600)))
    first = 1000 * SOL_IN + 60 * SOL_OUT
    second = sol_trip(4810, 0, 500)
    assert second == (
        D("519.48") * SOL_IN + D("2049.06") * SOL_READ + D("2241.46") * SOL_WRITE + 500 * SOL_OUT
    )
    assert_row(result, "panel", SOL, calls=2, cost_usd=first + second)
