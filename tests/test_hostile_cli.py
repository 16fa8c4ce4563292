"""Hostile input through the command line: bad environment values and flags, duplicate YAML
keys, invisible and multi-line names, huge files, output that other tools execute (GitHub
workflow commands, pull-request markdown, rich markup), and the exit-code contract for errors
nobody foresaw (exit 4, one line; the traceback only with --debug)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.hostile_helpers import CONTROL, assert_bounded, assert_clean, run_cli, write

WORKLOAD = "workload: {requests_per_month: 1000, input_tokens: 100, output_tokens: 50}\n"
MINI = "{model: openai/gpt-5.4-mini}"


def scenario(tmp_path: Path, text: str, name: str = "s.yaml") -> str:
    return str(write(tmp_path / name, text))


def error_of(argv: list[str]) -> str:
    outcome = run_cli(*argv)
    assert_clean(outcome)
    assert outcome.code == 2, outcome.describe()
    return outcome.err


# --- environment and flags -----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["abc", "-1", "nan", "inf", "1e400", ""])
def test_a_garbage_max_age_is_a_usage_error_and_help_still_works(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("FUSION_COST_MAX_AGE_DAYS", value)
    helped = run_cli(*["estimate", "--help"]) if value else None
    if helped is not None:
        assert helped.code == 0 and "--max-age-days" in helped.out
    err = error_of(["estimate", "--samples", "50"])
    assert "--max-age-days" in err and "FUSION_COST_MAX_AGE_DAYS" in err


@pytest.mark.parametrize("value", ["yesterday", "2026-13-45", "12:00"])
def test_a_garbage_now_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("FUSION_COST_NOW", value)
    assert "FUSION_COST_NOW" in error_of(["estimate", "--samples", "50"])


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--seed", "-1"),
        ("--seed", "1.5"),
        ("--samples", "500000000"),
        ("--samples", "0"),
        ("--months", "0"),
        ("--months", "1000"),
        ("--requests-per-month", "nan"),
        ("--requests-per-month", "-5"),
        ("--cached-share", "2"),
        ("--input-tokens", "x:y"),
    ],
)
def test_out_of_range_flags_are_one_line_exit_2(flag: str, value: str) -> None:
    err = error_of(["estimate", flag, value])
    assert flag in err


def test_a_usage_error_is_one_line_naming_the_help() -> None:
    err = error_of(["estimat"])
    assert "invalid choice" in err and "--help" in err
    err = error_of(["estimate", "--no-such-flag"])
    assert "--no-such-flag" in err


def test_minus_100_percent_growth_is_traffic_that_stops(tmp_path: Path) -> None:
    text = (
        "workload: {requests_per_month: 1000, input_tokens: 100, output_tokens: 50,"
        " monthly_growth_pct: -100}\nstrategies: [{name: a, single: " + MINI + "}]\n"
    )
    outcome = run_cli(*["estimate", scenario(tmp_path, text), "--format", "json", "--months", "3"])
    assert outcome.code == 0, outcome.describe()
    months = json.loads(outcome.out)["projection"]
    assert [m["requests"] for m in months] == [1000.0, 0.0, 0.0]


# --- YAML -----------------------------------------------------------------------------------------


def test_a_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    text = (
        "workload: {requests_per_month: 200000, input_tokens: 100, output_tokens: 50}\n"
        "strategies: [{name: a, single: " + MINI + "}]\n"
        "workload: {requests_per_month: 5, input_tokens: 100, output_tokens: 50}\n"
    )
    err = error_of(["estimate", scenario(tmp_path, text)])
    assert "s.yaml:3: duplicate key 'workload' (first given at line 1)" in err


def test_a_nested_duplicate_key_too(tmp_path: Path) -> None:
    text = (
        "workload:\n  requests_per_month: 200000\n  input_tokens: 100\n  output_tokens: 50\n"
        "  requests_per_month: 5\nstrategies: [{name: a, single: " + MINI + "}]\n"
    )
    assert "s.yaml:5: duplicate key 'requests_per_month' (first given at line 2)" in error_of(
        ["estimate", scenario(tmp_path, text)]
    )


def test_workload_from_yaml_has_the_scenario_limits(tmp_path: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    for name, text in {
        "bomb.yaml": bomb + "workload: {}\n",
        "dup.yaml": "workload: {input_tokens: 1}\nworkload: {input_tokens: 2}\n",
    }.items():
        path = write(tmp_path / name, text)
        outcome = run_cli(*["estimate", "--workload-from", str(path)])
        assert_clean(outcome)
        assert_bounded(outcome)
        assert outcome.code == 2


def test_a_3_gb_scenario_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:  # sparse: 3 GB on paper, nothing on disk
        handle.truncate(3 << 30)
    outcome = run_cli(*["estimate", str(big)])
    assert_clean(outcome)
    assert_bounded(outcome, seconds=2)
    assert "larger than 2,097,152 bytes" in outcome.err
    assert "larger than" in error_of(["estimate", "/dev/zero"])  # never ends: still bounded


# --- names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "fusion\u200b",  # zero-width space: looks like "fusion"
        "fu\u202esion",  # right-to-left override
        "a\u2060b",  # word joiner
        "two\nlines",
        "tab\there",
        "   ",
    ],
)
def test_invisible_or_multi_line_strategy_names_are_refused(tmp_path: Path, name: str) -> None:
    text = WORKLOAD + "strategies:\n  - name: " + json.dumps(name) + "\n    single: " + MINI + "\n"
    err = error_of(["estimate", scenario(tmp_path, text)])
    assert "strategies[0].name" in err


def test_names_that_look_alike_must_differ(tmp_path: Path) -> None:
    text = (
        WORKLOAD
        + 'strategies:\n  - {name: "\ufb01x", single: '
        + MINI
        + "}\n  - {name: fix, single: "
        + MINI
        + "}\n"
    )
    assert "must be unique" in error_of(["estimate", scenario(tmp_path, text)])


def test_a_newline_in_the_scenario_name_cannot_start_a_workflow_command(tmp_path: Path) -> None:
    text = (
        'name: "x\\n::error::pwned"\n'
        + WORKLOAD
        + "strategies: [{name: a, single: "
        + MINI
        + "}]\n"
    )
    assert "name:" in error_of(["check", scenario(tmp_path, text)])


def test_rich_leaves_emoji_codes_and_markup_alone(tmp_path: Path) -> None:
    text = WORKLOAD + 'strategies:\n  - {name: ":smile: [bold]fast[/bold]", single: ' + MINI + "}\n"
    outcome = run_cli(*["estimate", scenario(tmp_path, text), "--samples", "50"])
    assert outcome.code == 0, outcome.describe()
    assert ":smile: [bold]fast[/bold]" in outcome.out
    assert "\U0001f604" not in outcome.out


# --- the pull-request comment -----------------------------------------------------------------


HOSTILE_NAMES = [
    "@octocat please approve",
    "[Approve](https://evil.example/approve)",
    "![x](https://evil.example/pixel.png)",
    "see https://evil.example and www.evil.example",
    ":rocket: shipped",
    "`code` *bold* <b>html</b> | pipe",
]


def test_the_comment_neutralises_mentions_links_images_and_emoji(tmp_path: Path) -> None:
    strategies = "".join(
        f"  - {{name: {json.dumps(name)}, single: {MINI}}}\n" for name in HOSTILE_NAMES
    )
    path = scenario(tmp_path, WORKLOAD + "strategies:\n" + strategies)
    outcome = run_cli(*["check", path, "--format", "markdown", "--budget", "1000"])
    assert outcome.code == 0, outcome.describe()
    comment = outcome.out
    for forbidden in ("@octocat", "](", "https://", "www.evil", ":rocket:", "<b>", "`code`"):
        assert forbidden not in comment, forbidden
    assert "octocat" in comment and "Approve" in comment  # the text is still there to read
    table_rows = [line for line in comment.splitlines() if line.startswith("| ")]
    assert all(line.count(" | ") == 4 for line in table_rows[:8]), table_rows[:8]


def test_the_comment_stays_under_githubs_limit_whatever_the_input(tmp_path: Path) -> None:
    from estimator.documents.check import CheckResult, PolicyResult, StrategyDelta
    from estimator.renderers.check_output import COMMENT_LIMIT, render_markdown

    long = "x" * 190
    result = CheckResult(
        scenario="big",
        passed=False,
        failed=3000,
        catalog={"fetched_at": "2026-08-19T00:00:00+00:00", "age_days": 1, "stale": False},
        baseline_catalog=None,
        strategies=[
            StrategyDelta(
                name=f"{long}{i}",
                status="changed",
                before_usd=1,
                after_usd=2,
                delta_usd=1,
                delta_pct=100.0,
            )
            for i in range(50)
        ],
        policies=[
            PolicyResult(
                policy="monthly_budget_usd",
                strategy=f"{long}{i % 50}",
                passed=False,
                measure="monthly cost",
                actual=2,
                limit=1,
                unit="usd",
            )
            for i in range(3000)
        ],
        price_changes=[],
        moved_by=[],
    )
    comment = render_markdown(result)
    assert len(comment) <= COMMENT_LIMIT < 65_536
    assert "more lines cut to stay under 65,000 characters" in comment


def test_check_text_output_never_starts_a_line_with_a_workflow_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from estimator.documents.check import CheckResult
    from estimator.renderers.check_output import render_text

    result = CheckResult(
        scenario="s\n::add-mask::secret",
        passed=True,
        failed=0,
        catalog={"fetched_at": "2026-08-19T00:00:00+00:00", "age_days": 1, "stale": False},
        baseline_catalog=None,
        strategies=[],
        policies=[],
        price_changes=[],
        moved_by=[],
        notes=["model acme/x\n::error::pwned was left out"],
    )
    text = render_text(result)
    assert not any(line.startswith("::") for line in text.splitlines())
    assert not CONTROL.search(text)


# --- exit 4: an internal error is one line, the traceback only with --debug -------------------


def test_an_internal_error_is_exit_4_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import estimator.api as estimation

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something nobody foresaw")

    monkeypatch.setattr(estimation, "estimate", broken)
    outcome = run_cli(*["estimate"])
    assert outcome.code == 4
    (line,) = outcome.err.splitlines()
    assert line.startswith("fusion-cost: error: internal error (RuntimeError: something nobody")
    assert "--debug" in line and "Traceback" not in outcome.err
    debug = run_cli(*["estimate", "--debug"])
    assert debug.code == 4
    assert "Traceback" in debug.err and debug.err.splitlines()[-1].startswith("fusion-cost: error:")
    monkeypatch.setenv("FUSION_COST_DEBUG", "1")
    assert "Traceback" in run_cli(*["estimate"]).err


def test_exit_1_only_ever_means_a_policy_failed(tmp_path: Path) -> None:
    text = WORKLOAD + "strategies: [{name: a, single: " + MINI + "}]\n"
    path = scenario(tmp_path, text)
    failing = run_cli(*["check", path, "--budget", "0.0001"])
    assert failing.code == 1 and "FAIL monthly_budget_usd" in failing.out
    assert run_cli(*["check", path, "--budget", "1000000"]).code == 0
    assert os.environ.get("FUSION_COST_DEBUG") is None


@pytest.mark.parametrize(
    "argv",
    [
        ["estimate", "--cache-dir", "9" * 400],
        ["prices", "import", "x.json", "--cache-dir", "9" * 400],
        ["replay", "9" * 400],
    ],
)
def test_a_path_the_system_refuses_is_one_line_exit_2(argv: list[str]) -> None:
    outcome = run_cli(*argv)
    assert_clean(outcome)
    assert outcome.code == 2, outcome.describe()


def test_an_error_line_is_capped(tmp_path: Path) -> None:
    err = error_of(["estimate", str(tmp_path / ("n" * 250)), "--cache-dir", "d" * 5000])
    assert len(err) < 2100


@pytest.mark.parametrize("argv", [["check", "\x00"], ["estimate", "--name", "a\x00b"]])
def test_a_nul_byte_in_an_argument_is_a_usage_error(argv: list[str]) -> None:
    assert "NUL byte" in error_of(argv)
