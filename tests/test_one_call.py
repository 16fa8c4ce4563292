"""OpenRouter's claim beside ours (issue 15): each Fusion strategy's multiplier over one call
of its own answering model on the same prompt, next to the docs' "roughly 4-5x", with the
difference in parts that add up to the strategy's cost of that request."""

from __future__ import annotations

import textwrap
from decimal import Decimal as D

from estimator.api import Options, estimate
from estimator.pricing.catalog import Catalog
from estimator.scenario.io import parse_scenario

M = D(1_000_000)
MINI_IN, MINI_OUT = D("0.75") / M, D("4.5") / M  # openai/gpt-5.4-mini
OPUS_IN, OPUS_OUT = D(5) / M, D(25) / M  # anthropic/claude-opus-5
MINI_SEARCH = D("0.01")  # openai/gpt-5.4-mini web_search, per search


def fusion(catalog: Catalog, tool_steps: int):
    text = textwrap.dedent(
        f"""
        workload: {{requests_per_month: 1000, input_tokens: 1000, output_tokens: 200}}
        strategies:
          - name: fusion
            fusion:
              analysis_models: [openai/gpt-5.4-mini, anthropic/claude-opus-5]
              model: openai/gpt-5.4-mini
              tool_steps: {tool_steps}
        """
    )
    found = estimate(parse_scenario(text, "o.yaml"), catalog, Options(samples=100))
    return found.strategies[0]


def test_one_call_is_the_answering_model_alone_and_the_parts_add_up(catalog: Catalog) -> None:
    s = fusion(catalog, tool_steps=0)
    found = s.versus_one_call
    assert found is not None
    one = 1000 * MINI_IN + 200 * MINI_OUT  # $0.00165: mini answering the prompt by itself
    assert (found.model, found.one_call_usd) == ("openai/gpt-5.4-mini", one)
    parts = {p.part: p.usd for p in found.parts}
    assert sum(parts.values()) == found.per_request_usd == s.per_request_usd
    assert found.multiplier == float(s.per_request_usd / one)
    assert "tool_loops" not in parts and "web_fees" not in parts  # no tool steps
    # the panel's answers: each member reads the prompt and writes an answer as long as the
    # workload's; Opus's answer alone is more than the one call
    assert parts["answers"] > 1000 * OPUS_IN + 200 * OPUS_OUT
    assert (found.published_low, found.published_high) == (4.0, 5.0)
    assert "4-5x" in found.published


def test_tool_loops_and_web_fees_are_their_own_parts(catalog: Catalog) -> None:
    s = fusion(catalog, tool_steps=1)
    found = s.versus_one_call
    assert found is not None
    parts = {p.part: p.usd for p in found.parts}
    assert sum(parts.values()) == s.per_request_usd
    assert parts["tool_loops"] > 0
    # one search per member per tool step, each member's own fee: mini $0.01, Opus $0.01
    assert parts["web_fees"] == 2 * MINI_SEARCH


def test_the_example_says_why_it_is_above_openrouters_figure(capsys) -> None:
    from estimator.cli import main

    assert main(["estimate", "--samples", "200"]) == 0
    out = capsys.readouterr().out
    line = next(t for t in out.splitlines() if "one call of anthropic/claude-opus-5" in t)
    assert "OpenRouter says roughly 4-5x" in line and "panel answers" in line
