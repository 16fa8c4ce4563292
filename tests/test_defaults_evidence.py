"""Defaults the real bills support (issue 22): a hand calculation for each row of its table
that is not in test_fusion_capture.py (row 1), test_reasoning_profiles.py (row 2) or
test_cost_hand.py (row 9, each GPT-5.6 round trip caching its own prompt).

Prices typed in from the 2026-08-19 catalog (USD per 1M tokens); closed forms of the
lognormal where a workload has a spread: for X ~ LogNormal(mu, sigma) and c,
P(X <= c) = Phi(z), E[X 1{X <= c}] = E[X] Phi(z - sigma), z = (ln c - mu) / sigma.
"""

from __future__ import annotations

import csv
import io
import math
import textwrap
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np
import pytest

from estimator.api import Options, estimate
from estimator.costing.context import reached, rooms
from estimator.costing.integrate import expected_per_request
from estimator.costing.montecarlo import monte_carlo
from estimator.costing.pricer import vector_cost
from estimator.costing.quadrature import prompt_cuts
from estimator.logs.calibration import NOTE_INFERRED, REASON_DIFFERS
from estimator.logs.run import replay
from estimator.pricing.catalog import Catalog
from estimator.scenario.build import build_all
from estimator.scenario.io import parse_scenario
from estimator.workload.profile import Profile
from tests.conftest import REPO
from tests.test_billing_real import TERRA_BEFORE_CUT, dated, documented_columns
from tests.test_expectations import _sigma as sigma_of

M = D(1_000_000)
PHI = NormalDist().cdf
Z95 = NormalDist().inv_cdf(0.95)
REAL = REPO / "tests" / "data" / "real"


ONE = "{requests_per_month: 1, input_tokens: 2000, output_tokens: 500, reasoning_tokens: 0}"


def scenario(workload: str, strategies: str) -> Any:
    text = "workload:\n" + textwrap.indent(textwrap.dedent(workload).strip(), "  ")
    text += "\nstrategies:\n" + textwrap.indent(textwrap.dedent(strategies).strip(), "  ") + "\n"
    return parse_scenario(text, "t.yaml")


def run(catalog: Catalog, workload: str, strategies: str, samples: int = 200) -> dict[str, Any]:
    result = estimate(scenario(workload, strategies), catalog, Options(samples=samples))
    return {"_": result, **{s.name: s for s in result.strategies}}


# --- row 3: requests that cannot run are not charged ------------------------------------------


def test_requests_that_do_not_fit_are_not_in_monthly_and_are_priced_on_the_fallback(
    catalog: Catalog,
) -> None:
    found = run(
        catalog,
        "{requests_per_month: 100000, input_tokens: {mean: 150000, p95: 400000}, "
        "output_tokens: 600}",
        """
        - {name: grok, single: {model: x-ai/grok-4.6}, context_fallback: gemini}
        - {name: gemini, single: {model: google/gemini-3.1-pro-preview}}
        """,
    )
    sigma = sigma_of(150_000, 400_000)
    mu = math.log(150_000) - sigma**2 / 2

    def z(c: float) -> float:
        return -math.inf if c <= 0 else (math.log(c) - mu) / sigma

    def tokens(low: float, high: float) -> float:  # E[X 1{low < X <= high}]
        return 150_000 * (PHI(z(high) - sigma) - PHI(z(low) - sigma))

    def share(low: float, high: float) -> float:
        return PHI(z(high)) - PHI(z(low))

    # x-ai/grok-4.6: $2 / $6 per 1M, prompts over 200,000 at $4 / $12; 500,000 tokens of
    # context; it thinks 500 tokens a call (grok-4.5's measured profile), so a request fits
    # when 150k-ish prompt + 600 + 500 <= 500,000: prompts up to 498,900
    room, tier = 500_000 - 600 - 500, 200_000
    per_request = (
        2e-6 * tokens(0, tier)
        + 6e-6 * 1100 * share(0, tier)
        + 4e-6 * tokens(tier, room)
        + 12e-6 * 1100 * share(tier, room)
    )
    grok = found["grok"]
    assert abs(float(grok.monthly_usd) - per_request * 100_000) < 0.01  # $38,485
    cannot = 1 - share(0, room)  # 2.7%: never billed (an error without completion)
    assert grok.context.cannot_run_share == pytest.approx(cannot, abs=1e-9)
    assert grok.context.max_prompt_tokens == room
    # what they would cost on gemini-3.1-pro (prompts over 200,000: $4 / $18 per 1M; it
    # thinks 1,690 a call; 1,048,576 tokens of context: prompts up to 1,046,286)
    room_g = 1_048_576 - 600 - 1690
    fallback = 4e-6 * tokens(room, room_g) + 18e-6 * (600 + 1690) * share(room, room_g)
    info = grok.context.fallback
    assert info is not None and info.strategy == "gemini"
    assert abs(float(info.monthly_usd) - fallback * 100_000) < 0.01  # $6,576, beside monthly
    assert info.runs_share == pytest.approx(share(room, room_g) / cannot, abs=1e-6)
    # every output says so
    from estimator.renderers.registry import render

    estimate_doc = found["_"]
    for fmt in ("table", "markdown", "html"):
        assert "2.7% of requests cannot run" in render(estimate_doc, fmt)
    assert "cannot_run_share" in render(estimate_doc, "csv").splitlines()[0]
    assert '"cannot_run_share": 0.0269' in render(estimate_doc, "json")


def test_a_fusion_request_that_does_not_fit_bills_the_calls_before_its_failing_one(
    catalog: Catalog,
) -> None:
    # gpt-5.4-mini: 400,000 tokens of context; its inner calls may emit 16,000. A prompt of
    # 390,000: decide (391,190 + 370) fits, the panel's first round trip (390,400 + 16,000)
    # does not: the request stops there and bills only the decide call
    found = run(
        catalog,
        "{requests_per_month: 10, input_tokens: 390000, output_tokens: 500, reasoning_tokens: 0}",
        """
        - name: f
          fusion: {analysis_models: [openai/gpt-5.4-mini], model: openai/gpt-5.4-mini}
        """,
    )
    fusion = found["f"]
    assert [c.stage for c in fusion.calls] == ["decide"]
    assert fusion.per_request_usd == 391_190 * D("0.75") / M + 370 * D("4.5") / M
    assert fusion.context.cannot_run_share == 1.0


# --- row 4: GPT-5.6 caching comes as the measured pair -------------------------------------


def test_gpt_5_6_terra_writes_and_reads_the_measured_pair(catalog: Catalog) -> None:
    found = run(
        catalog,
        ONE,
        "- {name: terra, single: {model: openai/gpt-5.6-terra}}",
    )
    # $2 input, $0.2 cache read, $2.5 cache write, $12 output per 1M: of 2,000 prompt tokens
    # 932 written (46.6%), 852 read (42.6%), 216 uncached
    pair = 216 * D(2) / M + 852 * D("0.2") / M + 932 * D("2.5") / M + 500 * D(12) / M
    assert found["terra"].per_request_usd == pair == D("0.0089324")
    # the old default wrote 46.6% and read nothing: 1,068 x 2 + 932 x 2.5 + 500 x 12 per 1M,
    # 17.2% more
    writes_only = 1068 * D(2) / M + 932 * D("2.5") / M + 500 * D(12) / M
    assert round(writes_only / pair - 1, 3) == D("0.172")
    # the assumption names the real field that turns it off
    (used,) = [a for a in found["_"].assumptions if a.name == "workload.cache_write_share"]
    assert "cache_write_share: 0 turns it off" in used.source


# --- rows 5 and 6: the Auto Router pool -----------------------------------------------------


def test_the_auto_pool_holds_text_output_models_only(catalog: Catalog) -> None:
    found = run(
        catalog,
        ONE,
        "- {name: auto, auto: {cost_tier: xhigh, allowed_models: ['openai/gpt-5.4*']}}",
    )
    # openai/gpt-5.4* matches nano ($0.001025 a request), mini ($0.00375), gpt-5.4 ($0.0125),
    # pro ($0.15) and gpt-5.4-image-2 (image output: not a candidate). Of 4 candidates the
    # percentiles are 0, 33, 67 and 100: xhigh [60, 80) is gpt-5.4 (with the image model in,
    # it would have been gpt-5.4-image-2 at 75)
    auto = found["auto"]
    assert [m.id for m in auto.models] == ["openai/gpt-5.4"]
    assert auto.per_request_usd == 2000 * D("2.5") / M + 500 * D(15) / M


@pytest.mark.parametrize(
    ("hours", "cheapest"),
    [
        ("uniform", "perplexity/sonar"),  # deepseek averages 0.00298375 over the day
        ([0] * 12 + [1] + [0] * 11, "deepseek/deepseek-v4-pro"),  # all at 12:00, off-peak
    ],
)
def test_the_auto_pool_is_ranked_by_the_price_it_is_charged(
    catalog: Catalog, hours: Any, cheapest: str
) -> None:
    # deepseek-v4-pro: 0.66 / 1.98 off-peak, 1.32 / 3.96 at peak (7 of 24 hours): a 2,000 / 500
    # request costs $0.00231 off-peak, (17 x 0.00231 + 7 x 0.00462) / 24 = $0.00298375 over a
    # uniform day; perplexity/sonar ($1 / $1 per 1M) $0.0025 at any hour. low = the cheaper
    found = run(
        catalog,
        "{requests_per_month: 1, input_tokens: 2000, output_tokens: 500, reasoning_tokens: 0, "
        f"hours_utc: {hours}}}",
        "- {name: a, auto: {cost_tier: low, allowed_models: "
        "[deepseek/deepseek-v4-pro, perplexity/sonar]}}",
    )
    assert [m.id for m in found["a"].models] == [cheapest]


# --- row 7: parallel samples each write -----------------------------------------------------


def test_parallel_samples_do_not_read_each_others_cache(catalog: Catalog) -> None:
    found = run(
        catalog,
        ONE,
        "- {name: sc, self_consistency: {model: openai/gpt-5.6-sol, samples: 3, select: {}}}",
    )
    sc = found["sc"]
    samples = [c for c in sc.calls if c.stage == "sample"]
    # each sample side by side: the pair on its own 2,000 tokens (216 in, 852 read, 932
    # written at $2.5 / $0.25 / $3.125 per 1M), 500 out at $15
    one = 216 * D("2.5") / M + 852 * D("0.25") / M + 932 * D("3.125") / M + 500 * D(15) / M
    assert [c.cost_usd for c in samples] == [one] * 3 == [D("0.0111655")] * 3
    # the select call re-sends the prompt after them: 2,000 read back, of its 1,700 new
    # tokens (3 x 500 + 200 instructions) 46.6% written, 42.6% read
    select = next(c for c in sc.calls if c.stage == "select")
    fresh = D(1700)
    cached, written = 2000 + D("0.426") * fresh, D("0.466") * fresh
    expected = (3700 - cached - written) * D("2.5") / M + cached * D("0.25") / M
    expected += written * D("3.125") / M + 500 * D(15) / M
    assert select.cost_usd == expected


# --- row 8: the quadrature cuts each call's own tier edge ---------------------------------


FUSION_TIERS = """
- name: f
  fusion:
    analysis_models: [google/gemini-3.1-pro-preview, openai/gpt-5.6-sol]
    model: google/gemini-3.1-pro-preview
"""
LONG = "{requests_per_month: 1000, input_tokens: {mean: 100000, p95: 300000}, output_tokens: 800}"


def fusion_with_tiers(catalog: Catalog) -> tuple[Any, Profile]:
    s = scenario(LONG, FUSION_TIERS)
    (strategy,) = build_all(s, catalog)
    return strategy, Profile.of(s.workload, catalog=catalog)


def test_the_grid_is_cut_where_each_call_crosses_its_tier(catalog: Catalog) -> None:
    strategy, profile = fusion_with_tiers(catalog)
    cuts = set(prompt_cuts(strategy, profile, catalog))
    # gemini's tier starts above 200,000 prompt tokens: its decide call (I + 1,190) crosses
    # it at I = 198,810, its panel round trips (I + 400 + j x 3,810) at 199,600, 195,790 and
    # 191,980; sol's (272,000) at 271,600, 267,790 and 263,980
    for edge in (198_810, 199_600, 195_790, 191_980, 271_600, 267_790, 263_980):
        assert any(abs(cut - edge) < 1e-6 for cut in cuts), edge


def stratified_cost(strategy: Any, profile: Profile, catalog: Catalog, n: int) -> float:
    """E[cost] by stratified Monte Carlo: one uniform draw in each of n equal-probability
    strata of the prompt distribution, priced through the vectorised path."""
    rng = np.random.default_rng(22)
    inverse = NormalDist().inv_cdf
    u = (np.arange(n) + rng.random(n)) / n
    sigma, mean = profile.input.sigma, float(profile.input.mean)
    mu = math.log(mean) - sigma**2 / 2
    prompt = np.rint(np.exp(mu + sigma * np.array([inverse(x) for x in u])))
    request = profile.request(prompt, np.full(n, 800.0), np.zeros(n))
    table = rooms(strategy, profile, catalog)
    cost = np.zeros(n)
    for branch in strategy.expand(request).branches:
        ran = reached(branch, table, prompt)
        for call, runs in zip(branch.calls, ran, strict=True):
            priced = vector_cost(call, catalog.get_exact(call.model), None, profile.days)
            cost += float(branch.probability) * priced * runs
    return float(cost.mean())


def test_the_quadrature_agrees_with_a_monte_carlo_on_fusion_with_tiers(catalog: Catalog) -> None:
    strategy, profile = fusion_with_tiers(catalog)
    integrated = float(expected_per_request(strategy, profile, catalog))
    simulated = stratified_cost(strategy, profile, catalog, 100_000)
    assert abs(integrated / simulated - 1) < 0.001


@pytest.mark.slow
def test_the_quadrature_agrees_with_a_long_plain_monte_carlo(catalog: Catalog) -> None:
    strategy, profile = fusion_with_tiers(catalog)
    integrated = float(expected_per_request(strategy, profile, catalog))
    simulated = float(np.mean(monte_carlo(strategy, profile, catalog, 4_000_000, seed=22)))
    assert abs(integrated / simulated - 1) < 0.001


# --- row 10: replay infers cache writes a log does not count -----------------------------


def test_replay_infers_cache_writes_from_the_cost(catalog: Catalog, tmp_path: Path) -> None:
    history = [
        dated(catalog, datetime(2026, 8, 1, tzinfo=UTC), TERRA_BEFORE_CUT, "aug-01"),
        dated(catalog, datetime(2026, 8, 10, 16, tzinfo=UTC), {}, "aug-10"),
    ]
    buffer = io.StringIO()
    result = replay(documented_columns(tmp_path), catalog, [], rows_out=buffer, history=history)
    calibration = result.calibration
    assert calibration is not None
    # the 54 terra calls that wrote to the cache: cost - the rule without writes = writes x
    # (write - input price), a whole number of tokens each
    assert calibration.inferred_writes_rows == 54
    terra = next(m for m in calibration.by_model if m.model == "openai/gpt-5.6-terra")
    assert (terra.agreement, terra.flagged) == (pytest.approx(1.0, abs=1e-9), 0)
    lines = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert sum(line["reason"] == NOTE_INFERRED for line in lines) == 54
    # by hand, one of them: gen-1786128183 (2026-08-07, $2.5 / $3.125 write / $15 then), 6,467
    # prompt tokens, none read, 642 completion, $0.0348375 billed of which $0.005 the web
    # plugin: 0.0298375 = (6,467 - w) x 2.5/1M + w x 3.125/1M + 642 x 15/1M, so w x 0.625/1M =
    # 0.0298375 - 0.0257975 = 0.00404: w = 6,464 tokens written (the JSONL's own count)
    (line,) = [x for x in lines if x["generation_id"] == "gen-1786128183-KVv9boMFB4qiomV6GHra"]
    assert line["reason"] == NOTE_INFERRED
    w = (D("0.0298375") - (6467 * D("2.5") + 642 * D(15)) / M) / (D("0.625") / M)
    assert w == 6464
    hand = (6467 - w) * D("2.5") / M + w * D("3.125") / M + 642 * D(15) / M
    assert D(line["logged_token_usd"]) == D(line["repriced_usd"]) == hand


def test_without_the_catalog_of_its_date_a_price_change_is_not_taken_for_writes(
    catalog: Catalog, tmp_path: Path
) -> None:
    result = replay(documented_columns(tmp_path), catalog, [])
    calibration = result.calibration
    assert calibration is not None
    # only the one terra row that wrote after the 2026-08-10 price cut is pinned by today's
    # prices; the 218 rows before it differ by the price, not by writes
    assert calibration.inferred_writes_rows == 1
    assert calibration.flagged_by_reason == {REASON_DIFFERS: 223}


# --- row 11: fits_share uses the p95 answer --------------------------------------------------


def test_fits_share_holds_the_p95_answer(catalog: Catalog) -> None:
    found = run(
        catalog,
        "{requests_per_month: 1, input_tokens: {mean: 300000, p95: 390000}, "
        "output_tokens: {mean: 500, p95: 1500}, reasoning_tokens: 0}",
        "- {name: mini, single: {model: openai/gpt-5.4-mini}}",
    )
    sigma = sigma_of(300_000, 390_000)
    mu = math.log(300_000) - sigma**2 / 2
    # 400,000 tokens of context less the p95 answer (1,500), as max_prompt_tokens says
    room = 400_000 - 1500
    mini = found["mini"]
    assert mini.context.max_prompt_tokens == room
    assert mini.context.fits_share == pytest.approx(PHI((math.log(room) - mu) / sigma), abs=1e-9)


# --- row 12: --prompts counts in each model's tokenizer ------------------------------------


def test_prompt_counts_are_scaled_to_each_models_tokenizer(
    catalog: Catalog, tmp_path: Path
) -> None:
    from estimator.api import prompt_profile
    from estimator.workload.prompts import _encoding

    prompts = tmp_path / "prompts.txt"
    prompts.write_text("How do I rotate an API key without downtime?\n" * 3)
    fields = prompt_profile(prompts)
    assert fields["counted_with"] == "o200k_base"
    o200k = len(_encoding("o200k_base").encode("How do I rotate an API key without downtime?"))
    data = {
        "workload": {
            "requests_per_month": 1,
            "output_tokens": 100,
            "reasoning_tokens": 0,
            **fields,
        },
        "strategies": [
            {"name": "opus", "single": {"model": "anthropic/claude-opus-5"}},
            {"name": "gpt", "single": {"model": "openai/gpt-5.4-mini"}},
        ],
    }
    from estimator.scenario.io import validate_scenario

    result = estimate(validate_scenario(data, "t"), catalog, Options(samples=20))
    opus, gpt = result.strategies
    # Claude counts 1.14 tokens per o200k token (the labelled ratio), GPT exactly o200k
    assert opus.breakdown[0].input_tokens == o200k * D("1.14")
    assert opus.breakdown[0].output_tokens == 100 * D("1.14")
    assert gpt.breakdown[0].input_tokens == o200k
    assert any(
        a.name == "workload.counted_with.anthropic/claude-opus-5" for a in result.assumptions
    )
