"""`fusion-cost check`: policy gates at their boundaries, baseline diffs, outputs, exit codes."""

from __future__ import annotations

import json
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from estimator.cli import main
from estimator.gate.baseline import load_baseline
from estimator.gate.run import check_estimate
from estimator.renderers.check_output import worded
from estimator.scenario.spec import Policy
from tests.cli import Outcome, run_cli
from tests.conftest import PAYLOAD, REPO
from tests.report_helpers import estimate_of, example_data, write_scenario

SAMPLES = "500"
GOLDEN = REPO / "tests" / "golden" / "check-example.md"


def check(*args: Any) -> Any:
    """The check of an estimate, worded as every output shows it."""
    return worded(check_estimate(*args))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> Outcome:
    return run_cli("check", *args, "--samples", SAMPLES)


@pytest.fixture
def current(catalog) -> Any:  # type: ignore[no-untyped-def]
    return estimate_of(example_data(), catalog)


# single-mini: 200,000 requests x (2000 x 0.75 + 500 x 4.5) / 1e6 = 200,000 x $0.00375 = $750.
MINI_MONTHLY = 200_000 * (2000 * 0.75 + 500 * 4.5) / 1e6
MINI_PER_REQUEST = (2000 * 0.75 + 500 * 4.5) / 1e6


@pytest.mark.parametrize(
    ("gate", "limit_ok", "limit_bad"),
    [
        ("monthly_budget_usd", {"single-mini": MINI_MONTHLY}, {"single-mini": MINI_MONTHLY - 0.01}),
        (
            "max_per_request_usd",
            {"single-mini": MINI_PER_REQUEST},
            {"single-mini": MINI_PER_REQUEST - 1e-9},
        ),
    ],
)
def test_budget_gates_pass_at_the_limit_and_fail_above(current, gate, limit_ok, limit_bad) -> None:
    assert current.strategy("single-mini").monthly_usd == Decimal("750")
    ok = check(current, Policy(**{gate: limit_ok}))
    bad = check(current, Policy(**{gate: limit_bad}))
    assert ok.passed and [p.policy for p in ok.policies] == [gate]
    assert not bad.passed and bad.failed == 1
    assert bad.policies[0].strategy == "single-mini" and "over the limit" in bad.policies[0].message


def test_a_number_budget_applies_to_every_strategy(current) -> None:
    result = check(current, Policy(monthly_budget_usd=5000))
    failing = sorted(p.strategy for p in result.policies if not p.passed)
    assert failing == ["fusion-budget", "fusion-quality"]
    assert len(result.policies) == len(current.strategies)


def test_multiplier_gate_boundary(current) -> None:
    opus = current.strategy("single-opus")
    assert opus.multiplier_vs_baseline == pytest.approx(6.0)  # (2000x5 + 500x25) / 3750 = 6
    fusion_max = max(s.multiplier_vs_baseline for s in current.strategies)
    assert check(current, Policy(max_multiplier_vs_baseline=fusion_max)).passed
    below = check(current, Policy(max_multiplier_vs_baseline=6.0))
    assert {p.strategy for p in below.policies if not p.passed} == {
        "fusion-quality",
        "fusion-budget",
    }
    assert all(p.strategy != current.baseline for p in below.policies)


def test_catalog_age_gate(current) -> None:
    age = current.pricing.age_days  # 2026-08-19 -> 2026-11-25T12:00 (FUSION_COST_NOW)
    assert age == pytest.approx(98.5)
    assert check(current, Policy(max_catalog_age_days=age)).passed
    assert not check(current, Policy(max_catalog_age_days=age - 0.1)).passed


def _baseline(tmp_path: Path, capsys, data: dict[str, Any]) -> Path:
    scenario = write_scenario(tmp_path / "base.yaml", data)
    assert main(["estimate", str(scenario), "--format", "json", "--samples", SAMPLES]) == 0
    path = tmp_path / "base.json"
    path.write_text(capsys.readouterr().out)
    return path


def test_increase_gates_at_their_boundaries(tmp_path, capsys, catalog) -> None:
    base = example_data()
    path = _baseline(tmp_path, capsys, base)
    grown = unbudgeted()
    grown["workload"]["requests_per_month"] = 220_000  # +10% exactly for every strategy
    head = write_scenario(tmp_path / "head.yaml", grown)
    # single-mini: $750 -> $825, +$75, +10%
    code, out, _ = run(
        capsys, str(head), "--baseline", str(path), "--max-increase-pct", "10", "--format", "json"
    )
    result = json.loads(out)
    assert code == 0, out
    mini = next(s for s in result["strategies"] if s["name"] == "single-mini")
    assert (mini["before_usd"], mini["after_usd"], mini["delta_usd"]) == (750, 825, 75)
    assert mini["delta_pct"] == pytest.approx(10)
    code, out, _ = run(capsys, str(head), "--baseline", str(path), "--max-increase-pct", "9.99")
    assert code == 1 and "FAIL max_increase_pct: single-mini" in out
    code, out, _ = run(
        capsys,
        str(head),
        "--baseline",
        str(path),
        "--max-increase-usd",
        "75",
        "--budget",
        "1000000",
    )
    assert "FAIL max_increase_usd: single-mini" not in out
    code, out, _ = run(capsys, str(head), "--baseline", str(path), "--max-increase-usd", "74.99")
    assert code == 1 and "FAIL max_increase_usd: single-mini" in out


def unbudgeted() -> dict:
    """The example without its decision budget (which `check` now gates on): for tests of
    the other policies."""
    data = example_data()
    data["decision"].pop("monthly_budget_usd")
    return data


def test_added_and_removed_strategies(tmp_path, capsys) -> None:
    base = example_data()
    path = _baseline(tmp_path, capsys, base)
    head_data = unbudgeted()
    head_data["strategies"] = [s for s in head_data["strategies"] if s["name"] != "auto"]
    head_data["strategies"].append(
        {"name": "single-nano", "single": {"model": "openai/gpt-5.4-nano"}}
    )
    head_data["decision"]["error_rate"].pop("auto")
    head_data["decision"]["error_rate"]["single-nano"] = 0.1  # every strategy has one or none
    head = write_scenario(tmp_path / "head.yaml", head_data)
    code, out, _ = run(
        capsys, str(head), "--baseline", str(path), "--max-increase-pct", "0", "--format", "json"
    )
    assert code == 0
    status = {s["name"]: s["status"] for s in json.loads(out)["strategies"]}
    assert status["auto"] == "removed" and status["single-nano"] == "added"
    assert status["single-mini"] == "unchanged"
    # a new strategy has no baseline cost for a percentage: skipped, with why
    skipped = [(p["policy"], p["strategy"]) for p in json.loads(out)["skipped"]]
    assert ("max_increase_pct", "single-nano") in skipped


def test_changed_catalog_names_the_price_that_moved(tmp_path, capsys) -> None:
    path = _baseline(tmp_path, capsys, example_data())
    payload = json.loads(PAYLOAD.read_text())
    for row in payload["data"]:
        if row["id"] == "openai/gpt-5.4-mini":
            row["pricing"]["prompt"] = "0.0000015"  # 0.75 -> 1.50 per 1M input tokens
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(payload))
    cache = tmp_path / "cache"
    assert main(["prices", "import", str(changed), "--cache-dir", str(cache)]) == 0
    capsys.readouterr()
    code, out, _ = run(
        capsys,
        "--baseline",
        str(path),
        "--cache-dir",
        str(cache),
        "--max-increase-pct",
        "50",
        "--budget",
        "100000",
        "--format",
        "json",
    )
    result = json.loads(out)
    changes = [(c["model"], c["key"], c["old"], c["new"]) for c in result["price_changes"]]
    assert ("openai/gpt-5.4-mini", "prompt", 0.75, 1.5) in changes
    mini = next(s for s in result["strategies"] if s["name"] == "single-mini")
    # 200,000 x 2000 x (1.50 - 0.75) / 1e6 = $300 more: $750 -> $1,050, +40% (within 50%)
    assert mini["delta_usd"] == pytest.approx(300)
    assert code == 0
    moved = [m for m in result["moved_by"] if m["strategy"] == "single-mini"]
    assert moved and moved[0]["model"] == "openai/gpt-5.4-mini"


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (None, "not found"),
        ("{not json", "not a readable JSON baseline"),
        ('{"schema_version": 0, "pricing": {}, "strategies": []}', "schema_version 0"),
        ('{"hello": 1}', "not a fusion-cost estimate"),
        (
            '{"schema_version": 1, "pricing": {"fetched_at": "x"}, "strategies": [{"name": 1}]}',
            "strategies",
        ),
    ],
)
def test_bad_baseline_files_exit_2_with_the_regenerating_command(
    tmp_path, capsys, content, needle
) -> None:
    path = tmp_path / "base.json"
    if content is not None:
        path.write_text(content)
    code, out, err = run(capsys, "--baseline", str(path))
    assert code == 2
    assert out == ""
    assert needle in err and "fusion-cost estimate SCENARIO --format json" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


# Hostile baselines: each was a traceback (or a decimal.InvalidOperation deep in the diff).
HOSTILE_BASELINES = {
    "nan-number": (
        lambda text: text.replace('"monthly_usd": ', '"monthly_usd": NaN, "x": ', 1),
        "NaN",
    ),
    "infinity": (
        lambda text: text.replace('"monthly_usd": ', '"monthly_usd": Infinity, "x": ', 1),
        "Infinity",
    ),
    "minus-infinity": (
        lambda text: text.replace('"per_request_usd": ', '"per_request_usd": -Infinity, "x": ', 1),
        "Infinity",
    ),
    "overflowing-float": (
        lambda text: text.replace('"monthly_usd": ', '"monthly_usd": 1e400, "x": ', 1),
        "out of range",
    ),
    "nan-string": (
        lambda text: text.replace('"monthly_usd": ', '"monthly_usd": "NaN", "x": ', 1),
        "monthly_usd",
    ),
    "nan-in-a-breakdown-row": (
        lambda text: text.replace('"cost_usd": ', '"cost_usd": "nan", "x": ', 1),
        "cost_usd",
    ),
    "huge-integer": (
        lambda text: text.replace('"monthly_usd": ', '"monthly_usd": ' + "9" * 5000 + ', "x": ', 1),
        "5000 digits",
    ),
    "deep-nesting": (lambda text: "[" * 100_000 + "]" * 100_000, "nested more than"),
    "deep-inside-an-object": (
        lambda text: text.replace(
            '"monthly_usd": ', '"x": ' + "[" * 5000 + "]" * 5000 + ', "monthly_usd": ', 1
        ),
        "nested more than",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_BASELINES))
def test_hostile_baseline_numbers_and_nesting_exit_2_in_one_line(
    tmp_path, capsys, case: str
) -> None:
    damage, needle = HOSTILE_BASELINES[case]
    good = _baseline(tmp_path, capsys, example_data())
    path = tmp_path / f"{case}.json"
    path.write_text(damage(good.read_text()))
    assert path.read_text() != good.read_text()
    code, out, err = run(capsys, "--baseline", str(path))
    assert (code, out) == (2, ""), err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert err.startswith(f"fusion-cost: error: {path}: ")
    assert needle in err and "fusion-cost estimate SCENARIO --format json" in err


def test_an_oversized_baseline_is_refused_before_it_is_read(tmp_path, capsys, monkeypatch) -> None:
    import threading

    import estimator.gate.baseline as gate

    sparse = tmp_path / "sparse.json"
    with sparse.open("wb") as handle:
        handle.truncate(gate.MAX_BASELINE_BYTES + 1)  # no data blocks: refused by its size
    code, _, err = run(capsys, "--baseline", str(sparse))
    assert code == 2 and "larger than 16 MiB" in err and len(err.strip().splitlines()) == 1

    # a FIFO has no size: it is read up to the cap, never without end
    monkeypatch.setattr(gate, "MAX_BASELINE_BYTES", 1024 * 1024)
    fifo = tmp_path / "endless.json"
    os.mkfifo(fifo)
    sent = []

    def feed() -> None:
        try:
            with fifo.open("wb") as handle:
                while sum(sent) < 64 * 1024 * 1024:
                    handle.write(b" " * 65536)
                    sent.append(65536)
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    code, _, err = run(capsys, "--baseline", str(fifo))
    writer.join(10)
    assert not writer.is_alive()
    assert code == 2 and "larger than 1 MiB" in err and "regenerate it" in err
    assert sum(sent) < 4 * 1024 * 1024  # stopped reading at the cap


def test_warn_only_reports_but_exits_0(capsys) -> None:
    code, out, err = run(capsys, "--budget", "1", "--warn-only")
    assert code == 0 and "FAIL monthly_budget_usd" in out and "--warn-only" in err


def test_output_is_written_before_the_failing_exit(tmp_path, capsys) -> None:
    out_file = tmp_path / "comment.md"
    code, out, _ = run(capsys, "--budget", "1", "--format", "markdown", "--output", str(out_file))
    assert code == 1 and out == ""
    assert out_file.read_text().startswith("<!-- fusion-cost-check -->")


def test_step_summary_is_appended_not_overwritten(tmp_path, capsys, monkeypatch) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run(capsys, "--budget", "1")
    run(capsys, "--budget", "100000")
    text = summary.read_text()
    assert text.startswith("earlier step\n")
    assert text.count("<!-- fusion-cost-check -->") == 2
    assert "❌" in text and "✅" in text


def test_github_format_prints_annotations(capsys) -> None:
    code, out, err = run(capsys, "--budget", "5000", "--format", "github")
    assert code == 1
    assert "::error title=fusion-cost monthly_budget_usd::fusion-quality" in err
    assert "<details>" not in out or "</details>" in out


def test_dynamic_price_is_a_policy_failure(tmp_path, capsys) -> None:
    data = unbudgeted()
    data["strategies"].append({"name": "router", "single": {"model": "openrouter/auto"}})
    data["decision"]["error_rate"]["router"] = 0.07
    scenario = write_scenario(tmp_path / "s.yaml", data)
    code, out, _ = run(capsys, str(scenario))
    assert code == 1
    failed = [line for line in out.splitlines() if line.startswith("FAIL fail_on_dynamic_price")]
    assert len(failed) == 1 and "openrouter/auto has a dynamic price" in failed[0]
    data["policy"] = {"fail_on_dynamic_price": False}
    write_scenario(scenario, data)
    code, out, _ = run(capsys, str(scenario))
    assert code == 0 and "router was left out" in out


def test_markdown_comment_golden(tmp_path, capsys) -> None:
    """Regenerate with FUSION_COST_UPDATE_GOLDEN=1 pytest tests/test_check.py -k golden."""
    import os

    path = _baseline(tmp_path, capsys, example_data())
    grown = example_data()
    grown["workload"]["requests_per_month"] = 230_000
    head = write_scenario(tmp_path / "head.yaml", grown)
    code, out, _ = run(
        capsys,
        str(head),
        "--baseline",
        str(path),
        "--max-increase-pct",
        "10",
        "--budget",
        "60000",
        "--format",
        "markdown",
    )
    assert code == 1
    masked = re.sub(r"\(\d+(\.\d+)? days old\)", "(N days old)", out)
    if os.environ.get("FUSION_COST_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(masked)
    assert masked == GOLDEN.read_text()
    assert len(out) < 65_000


def test_check_library_call_matches_baseline_loader(tmp_path, capsys, current) -> None:
    path = _baseline(tmp_path, capsys, example_data())
    baseline = load_baseline(path)
    result = check(current, Policy(max_increase_pct=0), baseline)
    assert result.passed
    assert all(s.status == "unchanged" for s in result.strategies)


def test_the_decision_budget_is_a_policy_unless_the_policy_sets_one(capsys) -> None:
    """The README's example: $61k of Fusion against a $20k decision budget used to read "all
    policies pass". fusion-quality: $0.3033 x 200,000 = $60,658 > $20,000."""
    code, out, _ = run(capsys)
    assert code == 1
    failed = [line for line in out.splitlines() if line.startswith("FAIL monthly_budget_usd")]
    assert [line.split(": ")[1] for line in failed] == ["fusion-quality", "fusion-budget"]
    assert all(line.endswith("(from decision.monthly_budget_usd)") for line in failed)
    # --budget is the decision's budget, and so the check's (the policy sets none)
    code, out, _ = run(capsys, "--budget", "70000")
    budget = [line for line in out.splitlines() if " monthly_budget_usd: " in line]
    assert code == 0 and len(budget) == 5
    assert all(line.startswith("PASS") and "limit $70,000" in line for line in budget)
    assert all(line.endswith("(from decision.monthly_budget_usd)") for line in budget)


def test_the_old_budget_flag_is_refused_with_a_pointer(capsys) -> None:
    code, _, err = run(capsys, "--budget-monthly", "5000")
    assert code == 2
    assert "--budget-monthly is gone: use --budget USD" in err


def test_skipped_policies_are_listed_with_why(capsys) -> None:
    code, out, _ = run(capsys, "--budget", "70000", "--max-increase-pct", "10")
    assert code == 0
    assert "SKIP max_increase_pct: needs --baseline FILE" in out
    assert "SKIP max_multiplier_vs_baseline" not in out  # not set: nothing to skip


def test_a_new_strategy_is_checked_on_absolute_limits_and_marked_new(tmp_path, capsys) -> None:
    """single-nano is new: its whole month is its increase, (2,000 x $0.20 + 500 x $1.25) / 1M
    = $0.001025 a request, x 200,000 = $205.00."""
    path = _baseline(tmp_path, capsys, example_data())
    head_data = unbudgeted()
    head_data["strategies"].append(
        {"name": "single-nano", "single": {"model": "openai/gpt-5.4-nano"}}
    )
    head_data["decision"]["error_rate"]["single-nano"] = 0.1
    head = write_scenario(tmp_path / "head.yaml", head_data)
    args = (str(head), "--baseline", str(path), "--max-increase-usd")
    code, out, _ = run(capsys, *args, "204.99", "--format", "json")
    result = json.loads(out)
    nano = [p for p in result["policies"] if p["strategy"] == "single-nano"]
    assert code == 1
    assert [(p["policy"], p["actual"], p["new"], p["passed"]) for p in nano] == [
        ("max_increase_usd", 205.0, True, False)
    ]
    assert nano[0]["message"].startswith("single-nano (new): ")
    code, out, _ = run(capsys, *args, "205")
    assert code == 0


# --- check without traps (issue 25) -------------------------------------------------------


def test_a_baseline_of_another_scenario_is_refused(tmp_path, capsys) -> None:
    other = example_data()
    other["name"] = "Another team's scenario"
    path = _baseline(tmp_path, capsys, other)
    code, _, err = run(capsys, "--baseline", str(path))
    assert code == 2
    assert "the baseline is of another scenario" in err and "--allow-other-scenario" in err
    code, _, _ = run(capsys, "--baseline", str(path), "--allow-other-scenario")
    assert code == 1  # compared (the example's own budget fails), not refused
    disjoint = unbudgeted()
    disjoint["strategies"] = [{"name": "x", "single": {"model": "openai/gpt-5.4-nano"}}]
    disjoint["decision"] = {}
    disjoint.pop("baseline")
    path = _baseline(tmp_path, capsys, disjoint | {"name": example_data()["name"]})
    code, _, err = run(capsys, "--baseline", str(path))
    assert code == 2 and "no strategy in common" in err


def test_the_comment_starts_with_what_changed_in_the_inputs(tmp_path, capsys) -> None:
    path = _baseline(tmp_path, capsys, unbudgeted())
    grown = unbudgeted()
    grown["workload"]["requests_per_month"] = 240_000
    grown["strategies"][3]["fusion"]["tool_steps"] = 2
    head = write_scenario(tmp_path / "head.yaml", grown)
    _, out, _ = run(capsys, str(head), "--baseline", str(path))
    lines = out.splitlines()
    assert lines[1] == (
        "inputs changed since the baseline: strategies[fusion-quality].fusion.tool_steps 1 -> 2;"
        " workload.requests_per_month 200,000 -> 240,000"
    )
    assert lines[2].startswith("verdict: ")
    _, out, _ = run(capsys, str(head), "--baseline", str(path), "--format", "markdown")
    head_lines = out.splitlines()
    changed = next(i for i, line in enumerate(head_lines) if "What changed in the inputs" in line)
    table = next(i for i, line in enumerate(head_lines) if line.startswith("| strategy |"))
    assert changed < table  # inputs first, then the money
    assert "workload.requests\\_per\\_month 200,000 -&gt; 240,000" in head_lines[changed]


def test_a_flipped_verdict_is_its_own_line_and_can_fail_the_check(tmp_path, capsys) -> None:
    """At a $70,000 budget every strategy fits and fusion-quality is the choice for all
    traffic; the baseline's $20,000 routed only 27% through it."""
    path = _baseline(tmp_path, capsys, example_data())
    code, out, _ = run(capsys, "--baseline", str(path), "--budget", "70000")
    verdict = next(line for line in out.splitlines() if line.startswith("verdict: "))
    assert verdict == (
        "verdict: use-fusion -> fusion-quality (changed: was fusion-for-a-subset -> "
        "fusion-quality for up to 27% of traffic, single-opus for the rest)"
    )
    assert code == 0  # a changed verdict alone is no failure...
    strict = example_data()
    strict["policy"] = {"fail_on_verdict_change": True}
    head = write_scenario(tmp_path / "strict.yaml", strict)
    code, out, _ = run(capsys, str(head), "--baseline", str(path), "--budget", "70000")
    assert code == 1  # ...unless the policy says so
    assert "FAIL fail_on_verdict_change: the verdict changed" in out
    code, out, _ = run(capsys, str(head), "--baseline", str(path))
    assert "PASS fail_on_verdict_change: the verdict is the baseline's" in out


def test_comment_on_change_writes_nothing_when_nothing_moved(tmp_path, capsys) -> None:
    data = unbudgeted()
    data["policy"] = {"max_increase_pct": 10}
    scenario = write_scenario(tmp_path / "same.yaml", data)
    path = _baseline(tmp_path, capsys, data)
    out_file = tmp_path / "comment.md"
    args = ["--baseline", str(path), "--format", "github", "--output", str(out_file)]
    code, _, err = run(capsys, str(scenario), *args, "--comment-on", "change")
    assert code == 0 and not out_file.exists()
    assert "nothing moved and every policy passes: no comment" in err
    code, _, _ = run(capsys, str(scenario), *args)  # always (the default)
    assert code == 0 and out_file.read_text().startswith("<!-- fusion-cost-check -->")
    grown = data | {"workload": data["workload"] | {"requests_per_month": 210_000}}
    moved = write_scenario(tmp_path / "moved.yaml", grown)
    out_file.unlink()
    code, _, _ = run(capsys, str(moved), *args, "--comment-on", "change")
    assert code == 0 and "+5.0%" in out_file.read_text()


def test_the_tail_policy_gates_the_p95_of_one_request(tmp_path, capsys, current) -> None:
    """max_p95_request_usd against each strategy's p95 cost of one request (the Monte Carlo's
    figure in the estimate): a limit at single-opus's p95 passes it, a cent below fails."""
    p95 = {s.name: s.distribution.p95_usd for s in current.strategies}
    at = float(p95["single-opus"])
    data = unbudgeted()
    data["policy"] = {"max_p95_request_usd": {"single-opus": at, "single-mini": at}}
    path = write_scenario(tmp_path / "tail.yaml", data)
    code, out, _ = run(capsys, str(path))
    assert code == 0
    assert out.count("PASS max_p95_request_usd") == 2
    data["policy"] = {"max_p95_request_usd": at - 0.01}
    path = write_scenario(tmp_path / "tail.yaml", data)
    code, out, _ = run(capsys, str(path), "--max-p95-request", str(at - 0.01))
    failed = {line.split(": ")[1] for line in out.splitlines() if "FAIL max_p95" in line}
    assert code == 1
    assert failed == {s for s, v in p95.items() if float(v) > at - 0.01}


def test_markdown_keeps_our_links_and_breaks_a_names(tmp_path, capsys) -> None:
    from estimator.renderers.safe import markdown_cell

    ours = "see https://openrouter.ai/docs/guides/routing/routers/fusion-router"
    assert markdown_cell(ours) == ours  # a link copied from the comment still opens
    theirs = markdown_cell("@team https://evil.example/login and https://openrouter.ai.evil.io/")
    assert "@\u200bteam" in theirs
    assert "https:\u200b//evil.example" in theirs and "https:\u200b//openrouter.ai.evil" in theirs
