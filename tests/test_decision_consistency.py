"""Decisions that agree with themselves (issue 21), by hand: the invocation rate mixes quality
as it mixes cost, rule 4 applies whatever the choice's kind, the reasons are about the
verdict's pair and name what was left out, and the Auto Router's context is the pool's."""

from __future__ import annotations

import copy
from decimal import Decimal as D
from typing import Any

import yaml

from estimator.api import Options, estimate
from estimator.renderers.reasons import worded
from estimator.scenario.io import example_path, validate_scenario

OPUS_IN, OPUS_OUT = D(5) / 10**6, D(25) / 10**6  # anthropic/claude-opus-5, USD per token


def _example() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(example_path().read_text(encoding="utf-8"))
    return data


def _run(data: dict[str, Any], catalog: Any) -> Any:
    return worded(estimate(validate_scenario(data, "test"), catalog, Options(samples=300)))


def _with_rate(rate: float, **fusion: Any) -> dict[str, Any]:
    data = copy.deepcopy(_example())
    for strategy in data["strategies"]:
        if strategy["name"] == "fusion-quality":
            strategy["fusion"] |= {"invocation_rate": rate, **fusion}
    return data


def _row(found: Any, name: str) -> Any:
    return next(r for r in found.decision.expected if r.strategy == name)


# --- the invocation rate mixes quality ----------------------------------------------------


def test_at_rate_zero_fusion_is_its_outer_model_alone_in_cost_and_quality(catalog: Any) -> None:
    """Fusion never runs: every request is one plain Opus call (2,000 prompt + 1,190 tool
    definition tokens in, 500 out) = 3,190 x $5/M + 500 x $25/M = $0.02845, with Opus's own
    error rate (single-opus: 5%), so at $25 an error its total is 0.02845 + 0.05 x 25 =
    $1.27845: more than single-opus ($0.0225 + 1.25 = $1.2725), and Fusion's 3.5% is not
    credited to it."""
    found = _run(_with_rate(0.0), catalog)
    fusion = _row(found, "fusion-quality")
    assert fusion.per_request_usd == 3190 * OPUS_IN + 500 * OPUS_OUT == D("0.02845")
    assert fusion.error_rate == 0.05
    assert fusion.total_per_request_usd == D("0.02845") + D("0.05") * 25 == D("1.27845")
    assert _row(found, "single-opus").total_per_request_usd == D("1.2725")
    d = found.decision
    assert d.chosen_strategy != "fusion-quality"
    basis = fusion.error_rate_basis
    assert basis.invocation_rate == 0.0 and basis.rest_from.startswith("single-opus")


def test_a_share_of_fusion_buys_that_share_of_its_quality(catalog: Any) -> None:
    """At rate 0.6: 0.6 x 3.5% + 0.4 x 5% (Opus alone) = 4.1%; the cost mixes the same way."""
    found = _run(_with_rate(0.6), catalog)
    fusion = _row(found, "fusion-quality")
    assert abs(fusion.error_rate - (0.6 * 0.035 + 0.4 * 0.05)) < 1e-15
    result = found.strategy("fusion-quality")
    mixed = D("0.6") * result.invoked_per_request_usd + D("0.4") * result.plain_per_request_usd
    assert abs(result.per_request_usd - mixed) < D("1e-12")
    assert result.plain_per_request_usd == D("0.02845")
    rate = D(repr(fusion.error_rate))
    assert abs(fusion.total_per_request_usd - (result.per_request_usd + rate * 25)) < D("1e-15")


def test_the_outer_rate_can_be_given_on_the_strategy(catalog: Any) -> None:
    """Without a single strategy of Opus, `fusion.outer_error_rate` gives the rest's rate:
    0.5 x 3.5% + 0.5 x 6% = 4.75%."""
    data = _with_rate(0.5, outer_error_rate=0.06)
    data["strategies"] = [s for s in data["strategies"] if s["name"] != "single-opus"]
    data["decision"]["error_rate"].pop("single-opus")
    found = _run(data, catalog)
    assert abs(_row(found, "fusion-quality").error_rate - 0.0475) < 1e-15


def test_without_the_outer_models_rate_the_quality_is_not_credited(catalog: Any) -> None:
    data = _with_rate(0.5)
    data["strategies"] = [s for s in data["strategies"] if s["name"] != "single-opus"]
    data["decision"]["error_rate"].pop("single-opus")
    found = _run(data, catalog)
    fusion = _row(found, "fusion-quality")
    assert fusion.error_rate is None and fusion.error_rate_credited is False
    assert fusion.total_per_request_usd is None
    d = found.decision
    assert d.chosen_strategy != "fusion-quality"
    said = [r for r in d.reasons if r.kind == "not_credited"]
    assert len(said) == 1
    assert said[0].text.startswith(
        "Quality not credited for fusion-quality (alone: anthropic/claude-opus-5)"
    )
    assert "fusion.outer_error_rate" in said[0].text


def test_at_rate_zero_the_uncertainty_never_prefers_fusion_over_its_outer_model(
    catalog: Any,
) -> None:
    """Graded rates: the mixed strategy draws the rest's rate from the very draws of
    single-opus, so at rate 0 it costs $0.002 more on every draw and is never best."""
    data = _with_rate(0.0)
    data["decision"]["error_rate"] = {
        "single-mini": {"wrong": 16, "of": 200},
        "single-opus": {"wrong": 10, "of": 200},
        "auto": {"wrong": 14, "of": 200},
        "fusion-quality": {"wrong": 7, "of": 200},
        "fusion-budget": {"wrong": 9, "of": 200},
    }
    sure = _run(data, catalog).decision.uncertainty
    assert sure.p_best["fusion-quality"] == 0.0
    assert sure.p_best["single-opus"] > 0.3


# --- rule 4 whatever the choice's kind; reasons about the pair ----------------------------

LEGAL: dict[str, Any] = {
    "name": "Legal review",
    "workload": {"requests_per_month": 10_000, "input_tokens": 6000, "output_tokens": 800},
    "strategies": [
        {"name": "opus", "single": {"model": "anthropic/claude-opus-5"}},
        {
            "name": "opus-x3",
            "self_consistency": {"model": "anthropic/claude-opus-5", "samples": 3, "select": {}},
        },
        {"name": "fusion-quality", "fusion": {"preset": "general-high"}},
        {"name": "fusion-fast", "fusion": {"preset": "general-fast"}},
    ],
    "decision": {
        "cost_per_error_usd": 100,
        "error_rate": {
            "opus": 0.06,
            "opus-x3": 0.04,
            "fusion-quality": 0.025,
            "fusion-fast": 0.035,
        },
    },
}


def _legal(**decision: Any) -> dict[str, Any]:
    data = copy.deepcopy(LEGAL)
    data["decision"] |= decision
    return data


def test_a_fusion_choice_still_routes_a_subset_through_a_better_fusion(catalog: Any) -> None:
    """fusion-quality ($0.6270 + 2.5% x $100 = $3.13) beats fusion-fast ($0.2973 + $3.50 =
    $3.80) but needs $6,270 a month against a $3,800 budget; fusion-fast ($2,973) fits. The
    budget leaves fusion-quality (3,800 - 2,973) / (6,270 - 2,973) = 25.1%: up to 25%."""
    found = _run(_legal(monthly_budget_usd=3800), catalog)
    d = found.decision
    months = {s.name: s.monthly_usd for s in found.strategies}
    assert (d.verdict, d.chosen_strategy, d.rest_strategy) == (
        "fusion-for-a-subset",
        "fusion-quality",
        "fusion-fast",
    )
    exact = (3800 - months["fusion-fast"]) / (months["fusion-quality"] - months["fusion-fast"])
    assert D("0.25") < exact < D("0.26") and d.subset_share == 0.25
    assert (
        d.recommended_monthly_usd
        == D("0.25") * months["fusion-quality"] + D("0.75") * months["fusion-fast"]
    )
    assert d.recommended_monthly_usd <= 3800
    # every reason is about the pair, or names its strategy
    pair = d.comparison
    assert (pair.strategy, pair.versus, pair.against) == ("fusion-quality", "fusion-fast", "beat")
    kinds = [r.kind for r in d.reasons]
    assert kinds == ["route_a_subset", "pair_cost", "break_even", "over_budget"]
    assert d.reasons[1].text.startswith(
        "fusion-quality costs $0.6270 per request, 2.1x fusion-fast"
    )
    # (0.6270 - 0.2973) / (0.035 - 0.025) = $32.97
    be = (months["fusion-quality"] - months["fusion-fast"]) / 10_000 / D("0.01")
    assert d.reasons[2].figures["usd_per_error"] == be
    assert "more than $32.97 (you said $100.00)" in d.reasons[2].text


def test_the_lead_names_what_was_left_out_and_why(catalog: Any) -> None:
    """With a 30 s p50 budget both Fusion strategies (66 s) are too slow; opus-x3 (28.7 s)
    fits and is the best that does ($0.213 + $4.00 = $4.21). fusion-quality carries the
    requests that can wait (rule 4, latency alone: no share), and the lead names fusion-fast,
    also cheaper including errors than opus-x3, as left out for its latency."""
    found = _run(_legal(latency_budget_s={"p50": 30}), catalog)
    d = found.decision
    assert (d.verdict, d.chosen_strategy, d.rest_strategy, d.subset_share) == (
        "fusion-for-a-subset",
        "fusion-quality",
        "opus-x3",
        None,
    )
    lead = d.reasons[0].text
    assert "route the requests that can wait through fusion-quality" in lead
    assert (
        "Cheaper including errors than opus-x3 but left out: fusion-fast ($3.80: too slow "
        "(65.8 s p50 / 65.8 s p95 against 30 s / no limit)" in lead
    )
    assert [e.strategy for e in d.excluded] == ["fusion-fast"]
    months = {s.name: s.monthly_usd for s in found.strategies}
    assert (d.recommended_monthly_usd, d.recommended_monthly_high_usd) == (
        months["opus-x3"],
        months["fusion-quality"],
    )
    slow = [r.figures["strategy"] for r in d.reasons if r.kind == "too_slow"]
    assert slow == ["fusion-quality", "fusion-fast"]  # none passed over silently


def test_no_fusion_wording_without_a_fusion_strategy(catalog: Any) -> None:
    data = copy.deepcopy(LEGAL)
    data["strategies"] = data["strategies"][:2]
    data["decision"] = {}
    d = _run(data, catalog).decision
    text = " ".join(r.text for r in d.reasons)
    assert "Fusion" not in text
    assert d.reasons[0].text.startswith("No error rates given (decision.error_rate)")
    assert d.chosen_strategy == "opus" and d.versus_strategy == "opus-x3"


def test_the_baseline_itself_is_no_comparison(catalog: Any) -> None:
    """Only mini fits and it is the baseline: no '1.0x ... $0 more' reason."""
    data = copy.deepcopy(LEGAL)
    data["strategies"] = [
        {"name": "mini", "single": {"model": "openai/gpt-5.4-mini"}},
        *data["strategies"][2:],
    ]
    data["decision"] = {"monthly_budget_usd": 100}
    d = _run(data, catalog).decision
    assert d.chosen_strategy == "mini" and d.comparison is None
    assert not any(r.kind == "pair_cost" for r in d.reasons)
    assert "1.0x" not in " ".join(r.text for r in d.reasons)


# --- the Auto Router's context is its pool's -----------------------------------------------

AUTO_CONTEXT = """\
name: auto context
workload:
  requests_per_month: 10000
  input_tokens: {mean: 40000, p95: 100000}
  output_tokens: 500
strategies:
  - name: auto
    auto: %s
policy:
  fail_on_context_overflow: true
"""


def test_the_auto_router_fits_when_a_pool_model_holds_the_prompt(tmp_path, capsys) -> None:
    """The medium pool holds qwen3-30b (81,920 tokens: room for 80,920 prompt tokens after
    the 500-token answer and 500 reasoning tokens) but also gpt-5.6-luna (1,050,000: room
    for 1,049,326 after the answer and its 174 reasoning tokens, gpt-5.6-terra's measured
    profile). The router
    sends a 100,000-token prompt to a model that holds it, so nothing overflows and `check`
    passes; the room is the roomiest model's."""
    from estimator.cli import main

    path = tmp_path / "auto.yaml"
    path.write_text(AUTO_CONTEXT % "{cost_tier: medium}", encoding="utf-8")
    assert main(["check", str(path), "--samples", "300"]) == 0
    import json

    found = json.loads(_last_json(capsys, path))
    context = found["strategies"][0]["context"]
    assert context["overflows"] == []
    assert context["max_prompt_tokens"] == 1_050_000 - 500 - 174
    assert context["binding_call"] == "auto (openai/gpt-5.6-luna)"


def test_the_auto_router_overflows_only_when_no_pool_model_holds_it(tmp_path, capsys) -> None:
    """A pool of qwen3-30b (room 80,920) and ministral-8b (262,144 - 500 = 261,644) against
    p95 prompts of 300,000 tokens: none holds it."""
    from estimator.cli import main

    pool = "{allowed_models: [qwen/qwen3-30b-a3b-thinking-2507, mistralai/ministral-8b-2512]}"
    path = tmp_path / "auto.yaml"
    path.write_text(
        (AUTO_CONTEXT % pool).replace("p95: 100000", "p95: 300000").replace("40000", "100000"),
        encoding="utf-8",
    )
    assert main(["check", str(path), "--samples", "300"]) == 1
    out = capsys.readouterr().out
    assert "no model of the pool holds it" in out
    assert "mistralai/ministral-8b-2512), has room for 261,644 prompt tokens" in out


def _last_json(capsys: Any, path: Any) -> str:
    from estimator.cli import main

    capsys.readouterr()
    assert main(["estimate", str(path), "--format", "json", "--samples", "300"]) == 0
    return str(capsys.readouterr().out)


def test_the_headline_break_even_of_two_premium_strategies_has_its_table_row(catalog) -> None:
    """fusion-quality (2.5%) against fusion-fast (3.5%), the verdict's pair without a latency
    budget: its break-even, (C_quality - C_fast) / 0.01, is in the table and the JSON too."""
    found = _run(_legal(monthly_budget_usd=3800), catalog)
    d = found.decision
    row = next(
        b for b in d.break_even if (b.premium, b.versus) == ("fusion-quality", "fusion-fast")
    )
    cost = {s.name: s.per_request_usd for s in found.strategies}
    assert row.usd_per_error == (cost["fusion-quality"] - cost["fusion-fast"]) / D("0.01")
    assert d.break_even_usd_per_error["fusion-quality"]["fusion-fast"] == row.usd_per_error
    assert d.comparison.break_even == row
