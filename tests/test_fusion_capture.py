"""Fusion against its one real bill (tests/data/real/fusion-response-2026-08-17.json).

The capture: a one-line question, Opus 5 as outer model and analyst, panel ~google/gemini-pro-
latest, ~x-ai/grok-latest and ~openai/gpt-latest (which failed: "Stream completed without
producing any text"), 5 sources. Billed $0.33475375 in all; the usage's token fields (5,227 in
/ 822 out, no reasoning) and `upstream_inference_cost` ($0.046685) cover only the outer
model's two calls (decide, answer), so everything else, $0.28806875, is the panel, the analyst
and the web tools.

1. The outer model's overheads are re-derived here from the capture's texts (kept verbatim in
   fusion-response-2026-08-17-texts.json), counted with o200k_base and scaled to Claude's
   tokenizer by the labelled ratio (workload/prompts.py: 1.14), and compared with the
   defaults in estimator/defaults.py.
2. The default estimate of the captured request must land within 25% of the bill, and its
   outer-model part within 10% of $0.046685.
"""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, datetime
from decimal import Decimal as D

from estimator.api import Options, estimate
from estimator.defaults import default
from estimator.pricing.catalog import Catalog
from estimator.scenario.io import parse_scenario
from estimator.workload.prompts import _encoding, ratio_for
from tests.conftest import REPO

REAL = REPO / "tests" / "data" / "real"
BILLED_TOTAL = D("0.33475375")
BILLED_OUTER = D("0.046685")  # 5,227 x $5/M + 822 x $25/M
OUTER_IN, OUTER_OUT = 5227, 822
ONE_LINE_PROMPT = 40  # the capture did not keep its prompt: a one-line question (assumption)


def claude(o200k: int) -> int:
    """o200k_base tokens as Claude counts them (the labelled ratio), rounded half up."""
    ratio, _ = ratio_for("Claude")
    return int(D(o200k) * D(str(ratio)) + D("0.5"))


def derived() -> dict[str, int]:
    """The outer model's overheads, from the capture's texts and token counts:
    - the final answer is counted; the tool call is the rest of the 822 output tokens;
    - the tool result is the Fusion item the outer model got back (answers, analysis, failed
      models, sources, as JSON); its framing is what is not the answers and the analysis;
    - the 5,227 input tokens are 2 x (prompt + tool definition) + tool call + tool result."""
    texts = json.loads((REAL / "fusion-response-2026-08-17-texts.json").read_text())
    item = texts["fusion_item"]
    count = _encoding("o200k_base").encode
    answers = sum(len(count(r["content"])) for r in item["responses"])
    analysis = len(count(json.dumps(item["analysis"])))
    result = claude(len(count(json.dumps(item, ensure_ascii=False))))
    answer = claude(len(count(texts["final_answer"])))
    tool_call = OUTER_OUT - answer
    with_tool = (OUTER_IN - tool_call - result) / 2
    return {
        "answer": answer,
        "tool_call": tool_call,
        "tool_result": result - claude(answers + analysis),
        "tool_definition": round(with_tool - ONE_LINE_PROMPT),
        "panel_answers": claude(answers),
    }


def test_the_overhead_defaults_are_the_capture_s() -> None:
    found = derived()
    # answer 396 o200k -> 451; tool call 822 - 451 = 371; tool result 2,101 -> 2,395, of which
    # the answers and the analysis are 1,600 + 103 -> 1,941: framing 454; prompt + tool
    # definition (5,227 - 371 - 2,395) / 2 = 1,230.5, less the one-line prompt: 1,190
    assert found == {
        "answer": 451,
        "tool_call": 371,
        "tool_result": 454,
        "tool_definition": 1190,
        "panel_answers": 1824,
    }
    for name in ("tool_definition", "tool_call", "tool_result"):
        value = default(f"fusion.overhead_tokens.{name}")
        assert abs(value - found[name]) <= 0.02 * found[name], name


def captured(catalog: Catalog) -> tuple[D, dict[str, D]]:
    """The default estimate of the captured request: total, and USD by stage."""
    text = textwrap.dedent(
        f"""
        name: the captured Fusion request
        workload:
          requests_per_month: 1
          input_tokens: {ONE_LINE_PROMPT}
          output_tokens: {derived()["answer"]}
        strategies:
          - name: captured
            fusion:
              analysis_models: [~google/gemini-pro-latest, ~x-ai/grok-latest, ~openai/gpt-latest]
              model: anthropic/claude-opus-5
              failed_models: [~openai/gpt-latest]
        """
    )
    when = datetime(2026, 8, 17, 10, 30, tzinfo=UTC)  # the capture's day (search fees)
    result = estimate(parse_scenario(text, "capture.yaml"), catalog, Options(samples=50), when=when)
    (strategy,) = result.strategies
    return strategy.per_request_usd, {s.stage: s.cost_usd for s in strategy.by_stage}


def test_the_default_estimate_reproduces_the_captured_bill(catalog: Catalog) -> None:
    total, stages = captured(catalog)
    outer = stages["decide"] + stages["answer"]
    inner = stages["panel"] + stages["analyze"] + stages["web_tools"]
    assert outer + inner == total
    # the outer calls by hand (Opus 5, $5 / $25 per 1M, no reasoning, as captured):
    # decide 40 + 1,190 in, 370 out; answer 1,230 + 370 (its call) + 450 (the tool result's
    # framing) + 1,200 (the analysis) + 2 x 451 (the two answers) = 4,152 in, 451 out
    hand = (1230 + 4152) * D("5") / 10**6 + (370 + 451) * D("25") / 10**6
    assert outer == hand == D("0.047435")
    # ours vs billed: outer $0.04744 vs $0.046685 (+1.6%); inner (panel $0.1470, analyze
    # $0.0377, web tools $0.0580) $0.2427 vs $0.28807 (0.84x); in all $0.2902 vs $0.33475 (0.87x)
    assert abs(outer / BILLED_OUTER - 1) <= D("0.10")
    assert abs(total / BILLED_TOTAL - 1) <= D("0.25")


def test_the_failed_member_bills_its_searches_not_its_answer(catalog: Catalog) -> None:
    """~openai/gpt-latest (gpt-5.6-sol) failed: its two search round trips ran (billed, with
    their native searches at $0.01), its last round trip returned nothing (not billed), and
    the tool result carries no answer of it."""
    text = textwrap.dedent(
        """
        workload: {requests_per_month: 1, input_tokens: 40, output_tokens: 451}
        strategies:
          - name: failed
            fusion:
              analysis_models: [~openai/gpt-latest]
              model: anthropic/claude-opus-5
              failed_models: [~openai/gpt-latest]
        """
    )
    result = estimate(parse_scenario(text, "t.yaml"), catalog, Options(samples=50))
    (strategy,) = result.strategies
    panel = [c for c in strategy.calls if c.stage == "panel"]
    assert [c.step for c in panel] == [0, 1]  # two search calls, no answer
    assert all(c.searches == 1 for c in panel)
    analyze = next(c for c in strategy.calls if c.stage == "analyze")
    assert analyze.input_tokens == 40 + 600  # the prompt and the analyst's instructions only
