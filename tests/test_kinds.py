"""The two strategy kinds added through the registry alone: self-consistency (one model sampled
N times, then an optional pick-best call) and a hand-rolled panel with its own judge. Each is
priced by hand here (tokens x the 2026-08-19 list prices) and followed through every command:
estimate, report, check and replay.

Prices (USD per token, tests/data/openrouter-models-2026-08-19.json):
  openai/gpt-5.4-mini         in 0.75e-6, out 4.5e-6 (no reasoning)
  deepseek/deepseek-v4-flash  in 0.0798e-6, out 0.1596e-6 (reasons)
  anthropic/claude-opus-5     in 5e-6, out 25e-6 (reasons)
Exa search: $0.007 per search after 2026-08-07 23:56 UTC (FACTS.md).
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
import yaml

from estimator.api import Options, check, estimate, replay, report
from estimator.documents.estimate import Estimate, StrategyResult
from estimator.pricing.catalog import Catalog
from estimator.scenario.io import validate_scenario
from estimator.scenario.spec import Policy
from estimator.strategies.registry import KINDS, verdicts
from tests.cli import run_cli

M = D(1_000_000)
MINI_IN, MINI_OUT = D("0.75") / M, D("4.5") / M
FLASH_IN, FLASH_OUT = D("0.0798") / M, D("0.1596") / M
OPUS_IN, OPUS_OUT = D(5) / M, D(25) / M
EXA = D("0.007")
WHEN = datetime(2026, 9, 1, tzinfo=UTC)

# the workload: 2,000 prompt tokens, 500 answer tokens, 300 reasoning tokens (for models that
# reason), 10,000 requests a month; fixed counts, so the mean request is every request
PROMPT, ANSWER, REASONING, REQUESTS = D(2000), D(500), D(300), D(10_000)
WORKLOAD = {
    "requests_per_month": 10_000,
    "input_tokens": 2000,
    "output_tokens": 500,
    "reasoning_tokens": 300,
}
SELF_CONSISTENCY = {
    "name": "mini-x3",
    "self_consistency": {
        "model": "openai/gpt-5.4-mini",
        "samples": 3,
        "select": {"model": "anthropic/claude-opus-5"},
    },
}
PANEL = {
    "name": "my-panel",
    "diy_panel": {
        "models": ["openai/gpt-5.4-mini", "deepseek/deepseek-v4-flash"],
        "judge": {"model": "anthropic/claude-opus-5"},
        "web": {"engine": "exa"},
    },
}
MINI = {"name": "mini", "single": {"model": "openai/gpt-5.4-mini"}}

# self-consistency: 3 samples of mini (it does not reason) ...
SAMPLE = PROMPT * MINI_IN + ANSWER * MINI_OUT  # 0.0015 + 0.00225 = 0.00375
# ... then Opus reads the prompt, the 3 samples and 200 instruction tokens, and writes the
# answer it picked (plus its reasoning)
SELECT_IN = PROMPT + 3 * ANSWER + 200  # 3,700
SELECT = SELECT_IN * OPUS_IN + (ANSWER + REASONING) * OPUS_OUT  # 0.0185 + 0.02 = 0.0385
SC_PER_REQUEST = 3 * SAMPLE + SELECT  # 0.04975

# the panel: each member reads the prompt and 5 search results of 750 tokens ...
SEARCHED = PROMPT + 5 * 750  # 5,750
MINI_MEMBER = SEARCHED * MINI_IN + ANSWER * MINI_OUT  # 0.0043125 + 0.00225 = 0.0065625
FLASH_MEMBER = SEARCHED * FLASH_IN + (ANSWER + REASONING) * FLASH_OUT  # 0.00045885 + 0.00012768
# ... the judge reads the prompt, both answers and 400 instruction tokens
JUDGE_IN = PROMPT + 2 * ANSWER + 400  # 3,400
JUDGE = JUDGE_IN * OPUS_IN + (ANSWER + REASONING) * OPUS_OUT  # 0.017 + 0.02 = 0.037
PANEL_PER_REQUEST = MINI_MEMBER + FLASH_MEMBER + JUDGE + 2 * EXA  # 0.05814903


def scenario(*strategies: dict[str, Any], decision: dict[str, Any] | None = None) -> Any:
    data: dict[str, Any] = {"name": "kinds", "workload": WORKLOAD, "strategies": list(strategies)}
    if decision:
        data["decision"] = decision
    return validate_scenario(data, "kinds test")


def priced(catalog: Catalog, *strategies: dict[str, Any], **kw: Any) -> Estimate:
    return estimate(scenario(*strategies, **kw), catalog, Options(samples=500), when=WHEN)


def stage_costs(result: StrategyResult) -> dict[str, D]:
    return {row.stage: row.cost_usd for row in result.by_stage}


def test_the_hand_calculations_add_up() -> None:
    assert (D("0.04975"), D("0.00058653")) == (SC_PER_REQUEST, FLASH_MEMBER)
    assert D("0.05814903") == PANEL_PER_REQUEST


def test_self_consistency_is_n_samples_and_a_select_call(catalog: Catalog) -> None:
    result = priced(catalog, MINI, SELF_CONSISTENCY).strategy("mini-x3")
    assert result.kind == "self_consistency"
    assert result.per_request_usd == SC_PER_REQUEST
    assert result.monthly_usd == SC_PER_REQUEST * REQUESTS == D("497.50")
    assert result.calls_per_request == 4
    assert stage_costs(result) == {"sample": 3 * SAMPLE, "select": SELECT}
    assert {(m.role, m.id) for m in result.models} == {
        ("sampled", "openai/gpt-5.4-mini"),
        ("selector", "anthropic/claude-opus-5"),
    }


def test_self_consistency_without_select_bills_the_samples_only(catalog: Catalog) -> None:
    plain = {"name": "vote", "self_consistency": {"model": "openai/gpt-5.4-mini", "samples": 5}}
    result = priced(catalog, MINI, plain).strategy("vote")
    assert result.per_request_usd == 5 * SAMPLE == D("0.01875")
    assert result.calls_per_request == 5
    assert any("your code picks" in note for note in result.notes)


def test_diy_panel_is_its_members_its_judge_and_its_searches(catalog: Catalog) -> None:
    result = priced(catalog, MINI, PANEL).strategy("my-panel")
    assert result.kind == "diy_panel"
    assert result.per_request_usd == PANEL_PER_REQUEST
    assert result.monthly_usd == PANEL_PER_REQUEST * REQUESTS == D("581.4903")
    assert stage_costs(result) == {
        "panel": MINI_MEMBER + FLASH_MEMBER,
        "judge": JUDGE,
        "web_tools": 2 * EXA,
    }
    assert result.web_tools_usd == 2 * EXA
    # no Fusion machinery: no decide call, no tool definitions
    assert {row.stage for row in result.breakdown} == {"panel", "judge", "web_tools"}


def test_diy_panel_without_web_has_no_searches(catalog: Catalog) -> None:
    offline = {"name": "offline", "diy_panel": {**PANEL["diy_panel"], "web": None}}
    offline["diy_panel"].pop("web")
    result = priced(catalog, MINI, offline).strategy("offline")
    no_search = (
        (PROMPT * MINI_IN + ANSWER * MINI_OUT)
        + (PROMPT * FLASH_IN + (ANSWER + REASONING) * FLASH_OUT)
        + JUDGE
    )
    assert result.per_request_usd == no_search
    assert result.web_tools_usd == 0


def test_premium_kinds_are_decided_like_fusion(catalog: Catalog) -> None:
    # with error rates, the panel's lower error rate buys it the verdict at $2 per error:
    # totals = cost + rate x 2: mini 0.00375 + 0.2 = 0.20375, mini-x3 0.04975 + 0.16 = 0.20975,
    # my-panel 0.05814903 + 0.14 = 0.19814903
    est = priced(
        catalog,
        MINI,
        SELF_CONSISTENCY,
        PANEL,
        decision={
            "cost_per_error_usd": 2,
            "error_rate": {"mini": 0.10, "mini-x3": 0.08, "my-panel": 0.07},
        },
    )
    d = est.decision
    assert d is not None
    assert (d.verdict, d.chosen_strategy) == ("use-diy-panel", "my-panel")
    totals = {row.strategy: row.total_per_request_usd for row in d.expected}
    assert totals["my-panel"] == PANEL_PER_REQUEST + D("0.14")
    assert totals["mini-x3"] == SC_PER_REQUEST + D("0.16")
    # break-even against mini: (0.05814903 - 0.00375) / (0.10 - 0.07) = 1.813301
    row = next(b for b in d.break_even if b.premium == "my-panel" and b.versus == "mini")
    assert row.usd_per_error is not None
    assert abs(row.usd_per_error - (PANEL_PER_REQUEST - SAMPLE) / D("0.03")) < D("1e-12")
    assert d.sensitivity is not None and d.sensitivity.premium == "my-panel"
    # its size sweep: the same panel cycled to 1..8 members
    assert [p.size for p in d.sensitivity.panel_sweep] == list(range(1, 9))
    # the verdict's pair: my-panel against the next best that fits, mini (0.20375 < 0.20975)
    assert d.versus_strategy == "mini" and d.comparison is not None
    said = " ".join(r.text or "" for r in d.reasons)
    assert "my-panel pays for itself when a wrong answer costs more than $1.81" in said


def test_every_kind_is_registered_once_with_what_consumers_need() -> None:
    assert list(KINDS) == ["single", "auto", "fusion", "self_consistency", "diy_panel"]
    for name, kind in KINDS.items():
        assert kind.name == name and kind.label and kind.verdict in verdicts()
        assert kind.premium == (kind.subset_verdict is not None)


def test_the_new_kinds_through_every_command(tmp_path: Path) -> None:
    data = {
        "name": "kinds",
        "workload": WORKLOAD,
        "strategies": [MINI, SELF_CONSISTENCY, PANEL],
        "decision": {"cost_per_error_usd": 2},
    }
    path = tmp_path / "kinds.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))

    done = run_cli("estimate", str(path), "--format", "json", "--samples", "500")
    assert done.code == 0, done.err
    strategies = {s["name"]: s for s in json.loads(done.out)["strategies"]}
    assert strategies["mini-x3"]["kind"] == "self_consistency"
    # today's Exa fee is the one of the estimate's date (the tests' fixed now, after 2026-08-07)
    assert strategies["my-panel"]["per_request_usd"] == pytest.approx(float(PANEL_PER_REQUEST))
    assert strategies["mini-x3"]["monthly_usd"] == pytest.approx(497.50)

    table = run_cli("estimate", str(path), "--samples", "500")
    assert "self_consistency" in table.out and "diy_panel" in table.out
    assert "mini-x3: sample $0.0113, select $0.0385" in table.out

    html = tmp_path / "kinds.html"
    assert run_cli("report", str(path), "-o", str(html), "--samples", "500").code == 0
    page = html.read_text()
    assert "mini-x3" in page and "my-panel" in page
    assert "samples" in page and "judge" in page  # their stages' labels in the cost chart

    gate = run_cli("check", str(path), "--budget", "500", "--samples", "500")
    assert gate.code == 1  # my-panel $581.49 > $500; mini-x3 $497.50 passes
    assert "FAIL monthly_budget_usd: my-panel: monthly cost $581.49 is over" in gate.out
    assert "PASS monthly_budget_usd: mini-x3: monthly cost $497.50 is within" in gate.out


def test_the_new_kinds_replay_a_log_by_hand(tmp_path: Path, catalog: Catalog) -> None:
    # two logged requests; completion includes reasoning (the log convention), so the visible
    # answer is completion - reasoning, and mini (no reasoning) bills only that
    rows = [(1000, 400, 100), (3000, 200, 0)]  # prompt, completion, reasoning
    log = tmp_path / "log.csv"
    with log.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["created_at", "model", "tokens_prompt", "tokens_completion", "tokens_reasoning"]
        )
        for prompt, completion, reasoning in rows:
            writer.writerow(
                ["2026-08-20 10:00:00", "openai/gpt-5.4-mini", prompt, completion, reasoning]
            )
    mini_sc = {
        "name": "mini-x3",
        "self_consistency": {"model": "openai/gpt-5.4-mini", "samples": 3, "select": {}},
    }
    result = replay(log, catalog, scenario(mini_sc), use_history=False)
    expected = D(0)
    for prompt, completion, reasoning in rows:
        visible = D(completion - reasoning)
        sample = prompt * MINI_IN + visible * MINI_OUT
        select = (prompt + 3 * visible + 200) * MINI_IN + visible * MINI_OUT
        expected += 3 * sample + select
    # row 1: 3 x 0.0021 + 0.002925; row 2: 3 x 0.00315 + 0.00375
    assert expected == D("0.022425")
    (total,) = result.strategies
    assert total.kind == "self_consistency"
    assert total.total_usd == pytest.approx(float(expected), abs=1e-12)


def test_the_library_check_and_report_take_the_new_kinds(catalog: Catalog) -> None:
    plan = scenario(MINI, SELF_CONSISTENCY, PANEL)
    gate = check(plan, catalog, Policy(max_per_request_usd=0.05), options=Options(samples=500))
    failed = {(p.strategy, p.passed) for p in gate.policies}
    assert failed == {("mini", True), ("mini-x3", True), ("my-panel", False)}
    assert report(priced(catalog, MINI, PANEL)).startswith("<!DOCTYPE html>")
