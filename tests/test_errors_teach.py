"""Errors that teach: each mistake is named with what was probably meant, on one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from estimator.cli import main

HEAD = """\
workload:
  requests_per_month: 1000
  input_tokens: 2000
  output_tokens: 500
strategies:
  - name: a
    single: {model: openai/gpt-5.4-mini}
  - name: b
    single: {model: openai/gpt-5.4-nano}
"""


def _error(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, *extra: str) -> str:
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["estimate", str(path), "--samples", "200", *extra]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err  # one line
    return err


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            HEAD.replace("requests_per_month", "requests_per_mnth"),
            "did you mean requests_per_month?",
        ),
        (HEAD + "policy:\n  max_monthly_usd: 100\n", "did you mean monthly_budget_usd?"),
        (HEAD + "decision:\n  cost_per_eror_usd: 3\n", "did you mean cost_per_error_usd?"),
    ],
)
def test_a_mistyped_field_gets_the_closest_known_one(tmp_path, capsys, text, said) -> None:
    assert said in _error(tmp_path, capsys, text)


def test_a_percentage_where_a_share_belongs(tmp_path, capsys) -> None:
    text = HEAD.replace("output_tokens: 500", "output_tokens: 500\n  cached_input_share: 8")
    text += "decision:\n  cost_per_error_usd: 1\n  error_rate: {a: 12, b: 0.1}\n"
    err = _error(tmp_path, capsys, text)
    assert "workload.cached_input_share: 8 looks like a percentage: write 0.08" in err
    assert "decision.error_rate.a: 12 looks like a percentage: write 0.12" in err


def test_more_wrong_than_graded_says_only_that(tmp_path, capsys) -> None:
    text = (
        HEAD
        + "decision:\n  cost_per_error_usd: 1\n  error_rate: {a: 0.1, b: {wrong: 250, of: 200}}\n"
    )
    err = _error(tmp_path, capsys, text)
    assert "decision.error_rate.b: wrong (250) cannot exceed of (200)" in err
    # no noise from the other forms a rate can take
    for noise in ("unknown field", "low", "high", "valid number"):
        assert noise not in err, err


def test_an_estimate_given_as_a_scenario_is_named(tmp_path, capsys) -> None:
    assert main(["estimate", "--format", "json", "--samples", "200"]) == 0
    out = tmp_path / "estimate.json"
    out.write_text(capsys.readouterr().out, encoding="utf-8")
    assert main(["estimate", str(out)]) == 2
    err = capsys.readouterr().err
    assert "this is fusion-cost's JSON output (made from the scenario 'Support answers" in err
    assert err.count("\n") == 1


def test_a_preset_is_not_a_model(capsys) -> None:
    assert main(["prices", "show", "general-high"]) == 2
    err = capsys.readouterr().err
    assert "general-high is a Fusion preset, not a model" in err
    assert "fusion-cost presets general-high" in err
    args = ["--requests-per-month", "10", "--input-tokens", "10", "--output-tokens", "10"]
    assert main(["estimate", "--single", "general-budget", *args]) == 2
    assert "--fusion general-budget" in capsys.readouterr().err


def test_a_json_log_may_hold_one_document(tmp_path, capsys, catalog) -> None:
    """A .json log that is one JSON document (a list of usage records, or one saved response)
    is read; 20 real records of tests/data/real billed $0.2048."""
    from tests.conftest import DATA

    records = [
        json.loads(line)
        for line in (DATA / "real" / "openrouter-usage-2026-08.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()[:20]
    ]
    listed = tmp_path / "listed.json"
    listed.write_text(json.dumps(records, indent=2), encoding="utf-8")
    lines = tmp_path / "lines.jsonl"
    lines.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    outputs = []
    for path in (listed, lines):
        assert main(["replay", str(path), "--format", "json"]) == 0
        outputs.append(json.loads(capsys.readouterr().out))
    assert outputs[0]["strategies"] == outputs[1]["strategies"]
    assert outputs[0]["rows_used"] == outputs[1]["rows_used"] == 20
    billed = sum(r["usage"]["cost"] for r in records)
    assert outputs[0]["calibration"]["logged_total_usd"] == pytest.approx(billed, abs=1e-9)
    one = tmp_path / "one.json"
    one.write_text(json.dumps(records[0], indent=2), encoding="utf-8")
    assert main(["replay", str(one), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows_used"] == 1
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["replay", str(bad)]) == 2
    assert "one record per line (JSON lines), one record, or a list of records" in (
        capsys.readouterr().err
    )
