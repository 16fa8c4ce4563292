"""What the pilot's tests share: a scenario of the three kinds a pilot sends, prompt files, a
local OpenRouter double on 127.0.0.1 (tests/openrouter_double.py), and a fresh catalog date
(a pilot refuses to bound calls on a catalog older than --max-age-days)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from estimator.cli import main
from tests.openrouter_double import Double

SCENARIO = textwrap.dedent(
    """
    name: pilot test
    workload:
      requests_per_month: 10000
      input_tokens: 200
      output_tokens: {mean: 150, p95: 400}
    strategies:
      - name: mini
        single: {model: openai/gpt-5.4-mini}
      - name: auto
        auto: {cost_tier: low, allowed_models: [openai/gpt-5.4-mini, deepseek/deepseek-v4-flash]}
      - name: fusion
        fusion:
          analysis_models: [deepseek/deepseek-v4-flash, google/gemini-3.7-flash]
          model: deepseek/deepseek-v4-flash
          outer_model: deepseek/deepseek-v4-flash
          max_tool_calls: 1
          tool_steps: 1
          analyst_tool_steps: 0
          max_completion_tokens: 800
    """
)
MODELS = {
    "mini": "openai/gpt-5.4-mini",
    "auto": "openrouter/auto",
    "fusion": "deepseek/deepseek-v4-flash",
}


FRESH = "2026-08-20T12:00:00+00:00"  # a day after the shipped catalog: a pilot refuses stale ones


def set_fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test module's autouse fixture: `fresh = pytest.fixture(autouse=True)(set_fresh)`."""
    monkeypatch.setenv("FUSION_COST_NOW", FRESH)


def make_double(server):  # type: ignore[no-untyped-def]
    """A test module's fixture: `double = pytest.fixture(make_double)`."""
    fake = Double()
    server.expect_request("/api/v1/chat/completions", method="POST").respond_with_handler(
        fake.handler
    )
    fake.url = server.url_for("/api/v1")  # type: ignore[attr-defined]
    return fake


def files(tmp_path: Path, prompts: int = 30) -> tuple[Path, Path]:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(SCENARIO)
    lines = tmp_path / "prompts.txt"
    lines.write_text(
        "".join(f"question {i}: how do I reset my password?\n" for i in range(prompts))
    )
    return scenario, lines


def pilot(double: Double, scenario: Path, prompts: Path, out: Path, *extra: str) -> int:
    args = ["pilot", str(prompts), "--scenario", str(scenario), "--out", str(out)]
    return main([*args, "--base-url", double.url, *extra])  # type: ignore[attr-defined]


def records(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines()]
