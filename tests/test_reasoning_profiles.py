"""Reasoning per model: the measured profiles are re-derived from the real bills, and every
call of a model thinks as much as its own (issue 22, row 2).

Bills count reasoning inside completion tokens, so a profile is the mean of
`completion_tokens_details.reasoning_tokens` per call, and its share is of completion tokens.
Run `pytest tests/test_reasoning_profiles.py` to recompute them: the table in
estimator/defaults.py (REASONING_MEASURED) must equal what the files say.
"""

from __future__ import annotations

import json
import textwrap
from collections import defaultdict
from decimal import ROUND_HALF_UP
from decimal import Decimal as D
from pathlib import Path
from typing import Any

from estimator.api import Options, estimate, load_catalog
from estimator.defaults import REASONING_MEASURED
from estimator.logs.run import replay
from estimator.pricing.catalog import Catalog
from estimator.scenario.io import parse_scenario
from estimator.workload.reasoning import reasoning_profile
from tests.conftest import REPO

REAL = REPO / "tests" / "data" / "real"
M = D(1_000_000)


def measured() -> dict[str, tuple[int, int, str, float]]:
    """(mean reasoning tokens a call, calls, dates, % of completion) per model, from the files."""
    calls: dict[str, list[dict]] = defaultdict(list)
    for line in (REAL / "openrouter-usage-2026-08.jsonl").read_text().splitlines():
        record = json.loads(line)
        calls[record["served_model"]].append(record)
    found = {}
    for model, records in calls.items():
        reasoning = [
            (r["usage"].get("completion_tokens_details") or {}).get("reasoning_tokens") or 0
            for r in records
        ]
        completion = sum(r["usage"]["completion_tokens"] for r in records)
        days = sorted(r["captured_utc"][:10] for r in records)
        span = days[0] if days[0] == days[-1] else f"{days[0]}..{days[-1][-2:]}"
        mean = (D(sum(reasoning)) / len(records)).quantize(D(1), ROUND_HALF_UP)
        share = round(100 * sum(reasoning) / completion, 1)
        found[model] = (int(mean), len(records), span, share)
    # the Fusion capture's usage covers its outer model's two calls: Opus 5, no reasoning
    fusion = json.loads((REAL / "fusion-response-2026-08-17.json").read_text())
    opus_reasoning = fusion["usage"]["output_tokens_details"]["reasoning_tokens"]
    found[fusion["model"]] = (opus_reasoning, 2, "2026-08-17", 0)
    return found


def test_the_profiles_are_what_the_real_bills_say() -> None:
    table = {m: (p.tokens, p.calls, p.dates, p.share_pct) for m, p in REASONING_MEASURED.items()}
    assert table == measured()
    # the table the docs quote: gemini-3.1-pro 1,690 (84%), glm-5.2 1,269 (40%), grok-4.5 500
    # (39%), gpt-5.6-terra 174 (27%), claude-fable-5 247 (13%), claude-opus-5 0
    assert measured()["google/gemini-3.1-pro-preview"] == (1690, 162, "2026-08-07..10", 83.9)


def test_a_profile_says_where_it_comes_from(catalog: Catalog) -> None:
    gemini = reasoning_profile(catalog.get_exact("google/gemini-3.1-pro-preview"))
    assert (gemini.tokens, gemini.measured) == (1690, True)
    assert gemini.source.startswith("measured on 162 real calls, 2026-08-07..10")
    kin = reasoning_profile(catalog.get_exact("x-ai/grok-4.6"))  # grok-4.5's family
    assert (kin.tokens, kin.measured, kin.fallback) == (500, False, False)
    assert kin.source.startswith("assumption: as x-ai/grok-4.5, of the same family")
    unknown = reasoning_profile(catalog.get_exact("moonshotai/kimi-k3"))  # no evidence
    assert (unknown.tokens, unknown.fallback) == (500, True)
    assert "median of the five models measured" in unknown.source
    mini = reasoning_profile(catalog.get_exact("openai/gpt-5.4-mini"))  # off by default
    assert mini.tokens == 0


def run(catalog: Catalog, strategies: str, workload: str = "") -> dict[str, Any]:
    lines = ["workload:", "  requests_per_month: 1000", "  input_tokens: 2000"]
    lines += ["  output_tokens: 500", f"  {workload}", "strategies:"]
    text = "\n".join(lines) + "\n" + textwrap.indent(textwrap.dedent(strategies).strip(), "  ")
    result = estimate(parse_scenario(text, "t.yaml"), catalog, Options(samples=50))
    return {s.name: s for s in result.strategies}


def test_each_model_thinks_its_own_profile(catalog: Catalog) -> None:
    found = run(
        catalog,
        """
        - {name: gemini, single: {model: google/gemini-3.1-pro-preview}}
        - {name: opus, single: {model: anthropic/claude-opus-5}}
        - {name: fable, single: {model: anthropic/claude-fable-5}}
        """,
    )
    # gemini-3.1-pro: 2,000 x $2 + (500 + 1,690 reasoning) x $12 per 1M
    assert found["gemini"].per_request_usd == 2000 * D(2) / M + 2190 * D(12) / M == D("0.03028")
    # claude-opus-5: no reasoning (the captured Opus 5 calls spent none)
    assert found["opus"].per_request_usd == 2000 * D(5) / M + 500 * D(25) / M
    # claude-fable-5 (reasoning mandatory): 247 a call, at the completion price ($50 per 1M)
    assert found["fable"].per_request_usd == 2000 * D(10) / M + 747 * D(50) / M


def test_reasoning_per_stage_and_per_model_override_the_profiles(catalog: Catalog) -> None:
    strategies = """
    - name: fusion
      fusion:
        analysis_models: [google/gemini-3.1-pro-preview]
        model: anthropic/claude-opus-5
        tool_steps: 0
        reasoning: {outer: 0, panel: 3000, analyst: 100}
    - {name: single, single: {model: google/gemini-3.1-pro-preview, reasoning: 10}}
    - {name: by-model, single: {model: x-ai/grok-4.6}}
    """
    found = run(catalog, strategies, "reasoning_by_model: {x-ai/grok-4.6: 50}")
    rows = {(r.stage, r.model): r for r in found["fusion"].breakdown}
    # a reasoning panel behind an outer model that does not think
    assert rows[("decide", "anthropic/claude-opus-5")].reasoning_tokens == 0
    assert rows[("answer", "anthropic/claude-opus-5")].reasoning_tokens == 0
    assert rows[("panel", "google/gemini-3.1-pro-preview")].reasoning_tokens == 3000
    assert rows[("analyze", "anthropic/claude-opus-5")].reasoning_tokens == 100
    panel = 2400 * D(2) / M + (500 + 3000) * D(12) / M  # 2,000 + 400 web tools in
    assert rows[("panel", "google/gemini-3.1-pro-preview")].cost_usd == panel
    assert found["single"].per_request_usd == 2000 * D(2) / M + 510 * D(12) / M
    # grok-4.6 at its workload.reasoning_by_model 50, not its family's 500: $2 / $6 per 1M
    assert found["by-model"].per_request_usd == 2000 * D(2) / M + 550 * D(6) / M


def test_a_log_profile_keeps_each_models_own_reasoning(tmp_path: Path) -> None:
    """--profile-out splits the logged reasoning per model (never one number for all), and
    --workload-from prices each target model with its own: nothing on top of a logged
    completion."""
    catalog = load_catalog()
    result = replay(REAL / "openrouter-usage-2026-08.jsonl", catalog, [])
    workload = result.profile["workload"]
    assert "reasoning_tokens" not in workload
    logged = {m: t for m, (t, *_rest) in measured().items() if m != "anthropic/claude-opus-5"}
    assert workload["reasoning_by_model"] == logged  # the log's means are the profiles
    text = textwrap.dedent(
        """
        workload: {requests_per_month: 1, input_tokens: 1000, output_tokens: 100}
        strategies:
          - {name: gemini, single: {model: google/gemini-3.1-pro-preview}}
          - {name: kimi, single: {model: moonshotai/kimi-k3}}
        """
    )
    scenario = parse_scenario(text, "t.yaml")
    data = scenario.model_dump(mode="json", exclude_unset=True)
    data["workload"] = {
        "requests_per_month": 1,
        "input_tokens": 1000,
        "output_tokens": 100,
        "reasoning_by_model": workload["reasoning_by_model"],
    }
    from estimator.scenario.io import validate_scenario

    found = estimate(validate_scenario(data, "t"), catalog, Options(samples=20)).strategies
    gemini, kimi = found
    # gemini: the log's own 1,690 a call; kimi (not in the log): its own profile, 500
    assert gemini.breakdown[0].reasoning_tokens == 1690
    assert kimi.breakdown[0].reasoning_tokens == 500
