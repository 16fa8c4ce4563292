"""`fusion-cost estimate`: bad scenarios (one `file:line: field: message` line, exit 2, no
traceback), the built-in example, the quick flags and every output format."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from estimator.scenario.io import example_path
from tests.cli import Outcome, run_cli

Capsys = pytest.CaptureFixture[str]

QUICK = (
    "estimate",
    "--requests-per-month",
    "200000",
    "--input-tokens",
    "2000",
    "--output-tokens",
    "500",
    "--reasoning-tokens",
    "0",
    "--single",
    "openai/gpt-5.4-mini",
    "--fusion",
    "general-high",
    "--auto",
    "medium",
    "--samples",
    "2000",
)

HEAD = """\
name: bad inputs
workload:
  requests_per_month: 1000
  input_tokens: 2000
  output_tokens: 500
strategies:
"""
MINI = "  - name: a\n    single: {model: openai/gpt-5.4-mini}\n"
MARK = "# <-"  # ends the line an error must point at


def run(capsys: Capsys, *argv: str) -> Outcome:
    return run_cli(*argv)


def error_line(err: str) -> str:
    """The one line of an error: exactly one line, prefixed, with no traceback."""
    assert "Traceback" not in err
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("fusion-cost: error: "), err
    return err.removeprefix("fusion-cost: error: ").rstrip("\n")


def marked_line(text: str) -> int:
    (line,) = [i for i, row in enumerate(text.splitlines(), 1) if row.endswith(MARK)]
    return line


# --- bad scenario files ------------------------------------------------------------------------

BAD_SCENARIOS = [
    pytest.param(
        HEAD + "  - name: a\n    single:\n      model: openai/gpt-5.4-minii  # <-\n",
        "strategies[0].single.model",
        r"unknown model 'openai/gpt-5.4-minii' \(did you mean: openai/gpt-5.4-mini\b",
        id="unknown-model-with-suggestions",
    ),
    pytest.param(
        HEAD + "  - name: a\n    single:\n      model: openrouter/auto  # <-\n",
        "strategies[0].single.model",
        r"openrouter/auto has a dynamic price \(-1\): it is a router.*`auto:`",
        id="router-as-single-model",
    ),
    pytest.param(
        HEAD.replace("input_tokens: 2000", "input_tokens: -5  # <-") + MINI,
        "workload.input_tokens",
        r"greater than or equal to 0",
        id="negative-tokens",
    ),
    pytest.param(
        HEAD.replace("output_tokens: 500", "output_tokens: {mean: -1}  # <-") + MINI,
        "workload.output_tokens.mean",
        r"greater than or equal to 0",
        id="negative-mean-tokens",
    ),
    pytest.param(
        HEAD.replace("input_tokens: 2000", "input_tokens: .nan  # <-") + MINI,
        "workload.input_tokens",
        r"valid integer",
        id="nan-tokens",
    ),
    pytest.param(
        HEAD.replace("input_tokens: 2000", "input_tokens: 2000.5  # <-") + MINI,
        "workload.input_tokens",
        r"valid integer",
        id="fractional-tokens",
    ),
    pytest.param(
        HEAD.replace("input_tokens: 2000", 'input_tokens: "2000"  # <-') + MINI,
        "workload.input_tokens",
        r"valid integer",
        id="string-tokens",
    ),
    pytest.param(
        HEAD.replace("requests_per_month: 1000", "requests_per_month: .nan  # <-") + MINI,
        "workload.requests_per_month",
        r"finite number",
        id="nan-requests",
    ),
    pytest.param(
        HEAD + "  - name: f\n    fusion:\n      analysis_models: []  # <-\n",
        "strategies[0].fusion.analysis_models",
        r"a panel has 1 to 8 models, not 0",
        id="panel-of-0",
    ),
    pytest.param(
        HEAD
        + "  - name: f\n    fusion:\n      analysis_models:  # <-\n"
        + "        - openai/gpt-5.4-mini\n" * 9,
        "strategies[0].fusion.analysis_models",
        r"a panel has 1 to 8 models, not 9",
        id="panel-of-9",
    ),
    pytest.param(
        HEAD + "  - name: f\n    fusion:\n      max_tool_calls: 0  # <-\n",
        "strategies[0].fusion.max_tool_calls",
        r"greater than or equal to 1",
        id="max-tool-calls-0",
    ),
    pytest.param(
        HEAD + "  - name: f\n    fusion:\n      max_tool_calls: 17  # <-\n",
        "strategies[0].fusion.max_tool_calls",
        r"less than or equal to 16",
        id="max-tool-calls-17",
    ),
    pytest.param(
        HEAD + "  - name: f\n    fusion:  # <-\n      max_tool_calls: 2\n      tool_steps: 2.5\n",
        "strategies[0].fusion",
        r"tool_steps 2.5 is above max_tool_calls 2",
        id="tool-steps-above-max-tool-calls",
    ),
    pytest.param(
        HEAD.replace("output_tokens: 500", "output_tokens: 500\n  cached_input_share: 1.5  # <-")
        + MINI,
        "workload.cached_input_share",
        r"less than or equal to 1",
        id="cached-share-above-1",
    ),
    pytest.param(
        HEAD.replace("output_tokens: 500", "output_tokens: 500\n  cached_input_share: -0.1  # <-")
        + MINI,
        "workload.cached_input_share",
        r"greater than or equal to 0",
        id="cached-share-below-0",
    ),
    pytest.param(
        HEAD + "  - name: f\n    fusion:\n      invocation_rate: 1.01  # <-\n",
        "strategies[0].fusion.invocation_rate",
        r"less than or equal to 1",
        id="invocation-rate-above-1",
    ),
    pytest.param(
        HEAD
        + "  - name: r\n    auto:  # <-\n"
        + "      allowed_models: [openai/gpt-5.4-mini, anthropic/claude-opus-5]\n"
        + "      weights: {openai/gpt-5.4-mini: 1, google/gemini-3.1-pro-preview: 2}\n",
        "strategies[0].auto",
        r"weights name 'google/gemini-3.1-pro-preview', which is not in the pool \(2 models",
        id="weights-outside-the-pool",
    ),
    pytest.param(
        HEAD + "  - name: f\n    fusion:\n      tool_step: 2  # <-\n",
        "strategies[0].fusion.tool_step",
        r"unknown field \(did you mean tool_steps\?\)$",
        id="unknown-field",
    ),
    pytest.param(
        HEAD.replace("input_tokens: 2000", "input_token: 2000  # <-") + MINI,
        "workload.input_token",
        # every problem on the line: the typo first, then what it left missing
        r"unknown field \(did you mean input_tokens\?\); also \S+:2: workload\.input_tokens: "
        r"Field required$",
        id="typo-in-a-required-field",
    ),
    pytest.param(
        HEAD
        + "  - name: f\n    fusion:  # <-\n      analysis_models: [openai/gpt-5.4-mini, x/y]\n",
        "strategies[0].fusion",
        r"unknown model 'x/y'",
        id="unknown-panel-model",
    ),
]


@pytest.mark.parametrize(("text", "field", "message"), BAD_SCENARIOS)
def test_bad_scenario_is_one_located_line(
    capsys: Capsys, isolated: Path, text: str, field: str, message: str
) -> None:
    path = isolated / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "estimate", str(path), "--format", "json")
    assert code == 2
    assert out == ""
    line = error_line(err)
    pattern = rf"{re.escape(str(path))}:(?P<line>\d+): (?P<field>[^:]+): (?P<message>.+)"
    match = re.fullmatch(pattern, line)
    assert match, line
    assert int(match["line"]) == marked_line(text), line
    assert match["field"] == field
    assert re.search(message, match["message"]), line


def test_yaml_syntax_error_names_the_line(capsys: Capsys, isolated: Path) -> None:
    text = HEAD.replace("output_tokens: 500", "output_tokens: 500: 3  # <-") + MINI
    path = isolated / "syntax.yaml"
    path.write_text(text)
    code, out, err = run(capsys, "estimate", str(path))
    assert (code, out) == (2, "")
    line = error_line(err)
    match = re.fullmatch(rf"{re.escape(str(path))}:(\d+): YAML syntax error: .+", line)
    assert match, line
    assert int(match[1]) == marked_line(text)


def test_non_utf8_file_names_the_line(capsys: Capsys, isolated: Path) -> None:
    path = isolated / "latin1.yaml"
    path.write_bytes(HEAD.replace("name: bad inputs", "name: caf\xe9").encode("latin-1"))
    code, out, err = run(capsys, "estimate", str(path))
    assert (code, out) == (2, "")
    line = error_line(err)
    assert re.fullmatch(rf"{re.escape(str(path))}:1: not UTF-8 text \(byte 9\)", line), line


def test_non_utf8_byte_on_a_later_line(capsys: Capsys, isolated: Path) -> None:
    path = isolated / "binary.yaml"
    path.write_bytes(HEAD.encode() + b"  - name: \xff\xfe\n")
    code, _, err = run(capsys, "estimate", str(path))
    assert code == 2
    assert re.fullmatch(rf"{re.escape(str(path))}:7: not UTF-8 text \(byte \d+\)", error_line(err))


def test_missing_file(capsys: Capsys, isolated: Path) -> None:
    path = isolated / "nowhere.yaml"
    code, out, err = run(capsys, "estimate", str(path))
    assert (code, out) == (2, "")
    line = error_line(err)
    assert re.fullmatch(rf"{re.escape(str(path))}: cannot read scenario \(.+\)", line), line


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ("--input-tokens", "-5"),
            r"command-line flags: --input-tokens \(workload\.input_tokens\): .*greater than",
        ),
        (("--input-tokens", "2k"), r"--input-tokens '2k': expected MEAN or MEAN:P95"),
        (("--cached-share", "1.5"), r"argument --cached-share: expected a share from 0 to 1"),
        (("--single", "openrouter/auto"), r"strategies\[1\].single.model: openrouter/auto has a"),
        (("--single", "openai/gpt-5.4-minii"), r"did you mean: openai/gpt-5.4-mini\b"),
        (("--auto", "cheap"), r"strategies\[1\].auto.cost_tier: "),
        (("--fusion", "general-huge"), r"unknown fusion preset 'general-huge'"),
    ],
)
def test_bad_quick_flags(capsys: Capsys, flags: tuple[str, ...], message: str) -> None:
    argv = ["estimate", "--requests-per-month", "10", "--input-tokens", "100"]
    argv += ["--output-tokens", "10", "--single", "openai/gpt-5.4-mini", *flags]
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert re.search(message, error_line(err)), err


def test_bad_scenario_in_a_subprocess_has_no_traceback(isolated: Path) -> None:
    text = HEAD + "  - name: a\n    single:\n      model: openai/gpt-5.4-minii  # <-\n"
    path = isolated / "sub.yaml"
    path.write_text(text)
    done = subprocess.run(
        [sys.executable, "-m", "estimator", "estimate", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ.copy(),
        cwd=isolated,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    line = error_line(done.stderr)
    assert line.startswith(f"{path}:{marked_line(text)}: strategies[0].single.model: unknown model")


# --- the built-in example and the quick flags --------------------------------------------------


def test_no_arguments_prices_the_built_in_example(capsys: Capsys) -> None:
    code, out, err = run(capsys, "estimate")
    assert code == 0, err
    names = [s["name"] for s in yaml.safe_load(example_path().read_text())["strategies"]]
    assert len(names) >= 4
    for name in names:
        assert re.search(rf"^│ {re.escape(name)} +│", out, re.MULTILINE), name
    assert "catalog: 2026-08-19" in out
    assert "(built-in example)" in out
    assert re.search(r"assumptions: \d+ defaults used, \d+ of them our assumptions", out)
    assert "Traceback" not in out + err


def quick_json(capsys: Capsys, *extra: str) -> dict[str, Any]:
    code, out, err = run(capsys, *QUICK, "--format", "json", *extra)
    assert code == 0, err
    return json.loads(out)


def test_quick_flags_json_per_request(capsys: Capsys) -> None:
    document = quick_json(capsys)
    by_name = {s["name"]: s for s in document["strategies"]}
    assert list(by_name) == ["openai/gpt-5.4-mini", "auto-medium", "fusion-general-high"]
    single = by_name["openai/gpt-5.4-mini"]
    assert single["per_request_usd"] == 0.00375
    assert single["monthly_usd"] == 750.0
    # the hand calculation of tests/test_cost_hand.py (general-high, its default two tool steps)
    assert by_name["fusion-general-high"]["per_request_usd"] == pytest.approx(
        0.372916655, abs=1e-12
    )
    assert by_name["fusion-general-high"]["calls_per_request"] == 12
    assert document["baseline"] == "openai/gpt-5.4-mini"


def test_json_carries_the_design_keys(capsys: Capsys) -> None:
    document = quick_json(capsys)
    assert document["schema_version"] == 5
    pricing = document["pricing"]
    assert pricing["fetched_at"].startswith("2026-08-19")
    assert pricing["model_count"] == 549
    assert "openrouter.ai/api/v1/models" in pricing["source"]
    assert document["workload"]["requests_per_month"] == 200000
    assert isinstance(document["warnings"], list)
    assert "decision" in document
    kinds = {s["kind"] for s in document["strategies"]}
    assert kinds == {"single", "auto", "fusion"}
    for strategy in document["strategies"]:
        for key in ("name", "per_request_usd", "monthly_usd", "calls_per_request", "warnings"):
            assert key in strategy, key
        assert strategy["monthly_usd"] == pytest.approx(strategy["per_request_usd"] * 200000)
        assert strategy["breakdown"]
        for row in strategy["breakdown"]:
            assert {"stage", "model", "calls", "input_tokens", "output_tokens", "cost_usd"} <= set(
                row
            )
            assert isinstance(row["cost_usd"], float)
        total = sum(row["cost_usd"] for row in strategy["breakdown"])
        assert abs(total - strategy["per_request_usd"]) <= 1e-9, strategy["name"]
    stages = {row["stage"] for s in document["strategies"] for row in s["breakdown"]}
    assert stages == {"single", "auto", "decide", "panel", "analyze", "answer", "web_tools"}


def test_json_lists_assumptions(capsys: Capsys) -> None:
    assumptions = quick_json(capsys)["assumptions"]
    by_name = {a["name"]: a for a in assumptions}
    assert all({"name", "value", "source", "documented", "used_by"} <= set(a) for a in assumptions)
    assert any(a["documented"] is False for a in assumptions)
    assert any(a["documented"] is True for a in assumptions)
    assert by_name["fusion.search.tokens_per_result"]["documented"] is False
    assert by_name["fusion.search.tokens_per_result"]["value"] == 750
    assert by_name["fusion.max_tool_calls"]["documented"] is True
    assert "fusion-general-high" in by_name["fusion.tool_steps"]["used_by"]
    # the flags set the preset and the reasoning tokens, not the cache shares
    assert "fusion.preset" not in by_name
    assert by_name["fusion.preset.general-high"]["documented"] is True
    assert "workload.reasoning_tokens" not in by_name
    assert by_name["workload.cached_input_share"]["used_by"] == ["workload"]


def test_csv_output(capsys: Capsys) -> None:
    code, out, err = run(capsys, *QUICK, "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["strategy"] for r in rows] == [
        "openai/gpt-5.4-mini",
        "auto-medium",
        "fusion-general-high",
    ]
    single = rows[0]
    assert single["kind"] == "single"
    assert float(single["per_request_usd"]) == 0.00375
    assert float(single["monthly_usd"]) == 750.0
    assert all(r["catalog_fetched_at"].startswith("2026-08-19") for r in rows)


def test_markdown_output(capsys: Capsys) -> None:
    code, out, err = run(capsys, *QUICK, "--format", "markdown")
    assert code == 0, err
    assert out.startswith("## fusion-cost: ")
    assert "Catalog 2026-08-19" in out
    assert "| strategy | kind | per request |" in out
    assert re.search(r"^\| openai/gpt-5\.4-mini \| single \| \$0\.003750 \|", out, re.MULTILINE)
    assert re.search(r"^\| fusion-general-high \| fusion \| \$0\.3729 \|", out, re.MULTILINE)
    assert re.search(r"^\| decide \| anthropic/claude-opus-5 \| 1\.00 \|", out, re.MULTILINE)
    assert "Assumptions (not documented by OpenRouter)" in out


def test_output_file_holds_the_same_json(capsys: Capsys, isolated: Path) -> None:
    target = isolated / "estimate.json"
    code, out, err = run(capsys, *QUICK, "--format", "json", "-o", str(target))
    assert (code, out) == (0, ""), err
    document = json.loads(target.read_text())
    assert document["strategies"][0]["per_request_usd"] == 0.00375


def test_workload_flags_without_strategies_apply_to_the_example(capsys: Capsys) -> None:
    code, out, err = run(capsys, "estimate", "--requests-per-month", "5000", "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    assert document["scenario"]["source"] == "built-in example + flags"
    assert document["workload"]["requests_per_month"] == 5000
    mini = next(s for s in document["strategies"] if s["name"] == "single-mini")
    assert mini["monthly_usd"] == pytest.approx(0.00375 * 5000, abs=1e-9)


def test_requests_per_day_flag_replaces_the_example_monthly_volume(capsys: Capsys) -> None:
    code, out, err = run(capsys, "estimate", "--requests-per-day", "10", "--format", "csv")
    assert code == 0, err
    rows = {r["strategy"]: r for r in csv.DictReader(io.StringIO(out))}
    assert float(rows["single-mini"]["monthly_usd"]) == pytest.approx(0.00375 * 300, abs=1e-9)
