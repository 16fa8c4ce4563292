"""What a new user looks for (issue 16): presets and pools, `init`, quick flags for the
decision and Fusion, prompts instead of token counts, errors that name every problem and the
flag, exact money in CSV."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal as D

import pytest
import yaml

from estimator.cli import main
from estimator.scenario.io import example_path, template_path
from estimator.workload.prompts import count_tokens, read_prompts
from tests.conftest import REPO

M = D(1_000_000)
PROMPTS = REPO / "tests" / "data" / "prompts"
WORKLOAD = ["--requests-per-month", "10000", "--input-tokens", "2000", "--output-tokens", "500"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_presets_list_members_as_requested_and_resolved(capsys) -> None:
    code, out, _ = run(capsys, "presets", "--format", "json")
    assert code == 0
    found = json.loads(out)
    names = [p["name"] for p in found["presets"]]
    assert names == ["general-high", "general-budget", "general-fast"]
    high = found["presets"][0]
    panel = [(m["requested"], m["id"]) for m in high["members"] if m["role"] == "panel"]
    assert ("~anthropic/claude-opus-latest", "anthropic/claude-opus-5") in panel
    assert high["documented"] is True and high["source"].startswith("OpenRouter's Quality preset")
    assert "https://openrouter.ai/docs/" in high["source"]
    # its cost is the estimate's for the same workload and preset
    code, out, _ = run(
        capsys, "estimate", *WORKLOAD, "--fusion", "general-high", "--format", "json"
    )
    estimated = json.loads(out)["strategies"][0]["per_request_usd"]
    assert high["per_request_usd"] == pytest.approx(estimated, rel=1e-12)


def test_the_auto_router_pool_of_a_tier(capsys) -> None:
    code, out, _ = run(capsys, "presets", "general-high", "--pool", "medium", "--format", "json")
    assert code == 0
    (pool,) = json.loads(out)["pools"]
    assert pool["tier"] == "medium" and pool["percentiles"] == [20, 40]
    assert len(pool["models"]) >= 2
    assert sum(m["share"] for m in pool["models"]) == pytest.approx(1)
    # the pool's cost is the share-weighted mean of its models' costs (one request shape)
    mean = sum(m["share"] * m["per_request_usd"] for m in pool["models"])
    assert pool["per_request_usd"] == pytest.approx(mean, rel=1e-9)
    code, out, _ = run(capsys, "presets", "--pool", "medium")
    assert code == 0 and "Auto Router medium" in out and "cost percentiles 20-40" in out


def test_an_unknown_preset_is_bad_input(capsys) -> None:
    code, _, err = run(capsys, "presets", "general-huge")
    assert code == 2 and "unknown fusion preset 'general-huge'" in err


def test_init_writes_an_annotated_scenario_and_never_over_a_file(tmp_path, capsys) -> None:
    target = tmp_path / "cost" / "scenario.yaml"
    target.parent.mkdir()
    code, out, _ = run(capsys, "init", str(target))
    assert code == 0 and "fusion-cost estimate" in out
    text = target.read_text(encoding="utf-8")
    assert text == template_path().read_text(encoding="utf-8") and text.startswith("#")
    assert run(capsys, "estimate", str(target))[0] == 0
    target.write_text("mine\n")
    code, _, err = run(capsys, "init", str(target))
    assert code == 2 and "already exists" in err and target.read_text() == "mine\n"
    assert run(capsys, "init", str(target), "--force")[0] == 0


def test_quick_flags_set_the_decision_and_fusion(capsys) -> None:
    args = [*WORKLOAD, "--single", "openai/gpt-5.4-mini", "--fusion", "general-high"]
    args += [
        "--tool-steps",
        "0",
        "--panel",
        "openai/gpt-5.4-mini",
        "--panel",
        "openai/gpt-5.4-mini",
    ]
    args += ["--cost-per-error", "5", "--budget", "100000", "--format", "json"]
    args += ["--error-rate", "openai/gpt-5.4-mini=0.1", "--error-rate", "fusion-general-high=6/200"]
    code, out, err = run(capsys, "estimate", *args)
    assert code == 0, err
    found = json.loads(out)
    d = found["decision"]
    assert d["cost_per_error_usd"] == 5 and d["monthly_budget_usd"] == 100000
    rates = {r["strategy"]: r["error_rate"] for r in d["expected"]}
    assert rates == {"openai/gpt-5.4-mini": 0.1, "fusion-general-high": 0.03}
    assert d["uncertainty"] is not None  # graded answers give a probability
    fusion = found["strategies"][1]
    panel = [m["id"] for m in fusion["models"] if m["role"] == "panel"]
    assert panel == ["openai/gpt-5.4-mini", "openai/gpt-5.4-mini"]
    assert all(c["step"] == 0 for c in fusion["calls"])  # no tool steps


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--error-rate", "oops"], "--error-rate 'oops': expected NAME=RATE"),
        (["--budget", "-1"], "argument --budget"),
        (["--input-tokens", "100:50"], "--input-tokens (workload.input_tokens): p95 50"),
    ],
)
def test_flag_errors_name_the_flag(capsys, args: list[str], message: str) -> None:
    code, _, err = run(capsys, "estimate", *WORKLOAD[:2], "--single", "openai/gpt-5.4-mini", *args)
    assert code == 2 and message in err, err
    assert err.count("\n") == 1


def test_errors_list_every_problem(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "workload:\n  requests_per_month: -1\n  input_tokens: 10\n  output_tokens: x\n"
        "strategies:\n  - name: a\n    single: {model: openai/gpt-5.4-mini, colour: red}\n"
    )
    code, _, err = run(capsys, "estimate", str(bad))
    assert code == 2 and err.count("\n") == 1
    for where in (
        ":7: strategies[0].single.colour",
        ":2: workload.requests_per_month",
        ":4: workload.output_tokens",
    ):
        assert where in err, (where, err)
    assert "(and " not in err


def test_prompts_give_the_token_profile(tmp_path, capsys) -> None:
    """--prompts counts the samples' tokens offline (o200k); their mean is the estimate's."""
    path = PROMPTS / "chat.jsonl"
    counts = count_tokens(read_prompts(path))
    code, out, err = run(
        capsys,
        "estimate",
        "--requests-per-month",
        "1000",
        "--prompts",
        str(path),
        "--single",
        "openai/gpt-5.4-mini",
        "--format",
        "json",
    )
    assert code == 0, err
    mini = json.loads(out)["strategies"][0]
    mean_in = D(sum(counts.input)) / len(counts.input)
    assert counts.output is not None
    mean_out = D(sum(counts.output)) / len(counts.output)
    # mini is linear in tokens: the expected cost is the mean prompt and answer x prices
    want = mean_in * D("0.75") / M + mean_out * D("4.5") / M
    assert D(str(mini["per_request_usd"])) == pytest.approx(want, rel=D("1e-12"))


def test_csv_money_is_exact_decimal_text(capsys) -> None:
    code, out, _ = run(capsys, "estimate", "--format", "csv", "--samples", "500")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    mini = next(r for r in rows if r["strategy"] == "single-mini")
    assert mini["per_request_usd"] == "0.00375"  # (2,000 x 0.75 + 500 x 4.5) / 1M
    assert mini["monthly_usd"] == "750"
    for row in rows:
        for key in ("per_request_usd", "p50_usd", "p95_usd", "p99_usd", "monthly_usd"):
            assert "e" not in row[key].lower() and "99999999" not in row[key], (key, row[key])


def test_help_says_fusion_is_repeatable_and_names_the_baseline_consistently(capsys) -> None:
    main(["estimate", "--help"])
    out = capsys.readouterr().out
    options = out.split("quick scenario", 1)[1]
    assert "repeatable" in options.split("--fusion PRESET", 1)[1][:300]
    assert "--baseline-strategy NAME" in out
    main(["check", "--help"])
    out = capsys.readouterr().out
    assert "--baseline-strategy NAME" in out and "--baseline BASE.json" in out
    assert yaml.safe_load(example_path().read_text())["strategies"]
