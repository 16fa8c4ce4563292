"""The exit-code contract as a property: every command, driven with fuzzed arguments and a
fuzzed environment, ends in 0, 2 or 3 (1 only for `check`, where it means a policy failed),
never in a traceback or exit 4; a failure is one line on stderr naming itself.

The flags come from the parser itself, so a new flag is fuzzed the day it is added. The
default run tries 150 command lines; `pytest -m slow` tries 1,500.
"""

from __future__ import annotations

import argparse
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from estimator.cli import build_parser
from tests.conftest import PAYLOAD, REAL
from tests.hostile_helpers import WARNING, run_cli

CLOSED_PORT = "http://127.0.0.1:9/api/v1"  # nothing listens: refresh fails at once, offline
VALUES = [
    "",
    "0",
    "-1",
    "1",
    "0.5",
    "nan",
    "inf",
    "-inf",
    "1e400",
    "9" * 400,
    "1e-400",
    "abc",
    "2026-08-01",
    "2026-13-45",
    "x:y",
    "1000:3000",
    "1000:999999",
    "openai/gpt-5.4-mini",
    "~anthropic/claude-opus-latest",
    "openrouter/auto",
    "general-high",
    "no-such-preset",
    "medium",
    "max",
    "tokens_prompt=a,tokens_completion=a",
    "tokens_prompt=x",
    "json",
    "table",
    "github",
    "\u202eevil\u200b",
    "line\nbreak",
    "::error::x",
    "@octocat",
    "%s%n",
    "../escape/out.txt",  # relative to the test's own working dir: lands in the temp dir
    "/dev/null",
    "http://user:pw@127.0.0.1:9/x",
    "ht!tp://bad",
]
ENV_VALUES = ["", "abc", "-5", "nan", "1e400", "0", "7", "2026-13-45", "2026-11-25T12:00:00Z"]
ENVIRONMENT = (
    "FUSION_COST_MAX_AGE_DAYS",
    "FUSION_COST_NOW",
    "FUSION_COST_HISTORY_KEEP",
    "FUSION_COST_CACHE_DIR",
    "FUSION_COST_BASE_URL",
    "OPENROUTER_API_KEY",
)


def _commands() -> dict[tuple[str, ...], list[argparse.Action]]:
    """Every leaf command of the parser and its options (the parser is the source of truth)."""
    found: dict[tuple[str, ...], list[argparse.Action]] = {}

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            found[path] = [a for a in parser._actions if a.option_strings and a.dest != "help"]
            return
        for name, child in subs[0].choices.items():
            walk(child, (*path, name))

    walk(build_parser(), ())
    return found


COMMANDS = _commands()
SEEN: Counter[str] = Counter()  # what the fuzzer reached: command and exit code


# what a command's positional usually is, so that most cases get past argument checks
POSITIONAL = {
    ("estimate",): "scenario",
    ("report",): "scenario",
    ("check",): "scenario",
    ("replay",): "log",
    ("prices", "import"): "payload",
    ("prices", "diff"): "payload",
}
PLAUSIBLE_NUMBERS = ["0", "1", "3", "50", "200", "1000", "0.2", "2000:6000", "12345"]


def _plausible(action: argparse.Action, files: dict[str, str]) -> st.SearchStrategy[str]:
    """A value that a careful user might give this flag."""
    if action.choices:
        return st.sampled_from([str(c) for c in action.choices])
    metavar = str(action.metavar or "")
    if "FILE" in metavar or "SCENARIO" in metavar or "LOG" in metavar or "BASE" in metavar:
        return st.sampled_from(list(files.values()))
    if metavar in ("MODEL", "MODEL|GLOB"):
        return st.sampled_from(["openai/gpt-5.4-mini", "anthropic/claude-opus-5", "openai/*"])
    if metavar == "TIER":
        return st.sampled_from(["low", "medium", "high", "xhigh", "max"])
    if metavar == "PRESET":
        return st.sampled_from(["general-high", "general-budget", "general-fast"])
    return st.sampled_from(PLAUSIBLE_NUMBERS)


@st.composite
def command_lines(draw: Any, files: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    path = draw(st.sampled_from(sorted(COMMANDS)))
    argv = list(path)
    hostile = st.one_of(st.sampled_from(VALUES + list(files.values())), st.text(max_size=12))
    if path in POSITIONAL and draw(st.integers(0, 9)) < 7:
        argv.append(files[POSITIONAL[path]])
    elif draw(st.booleans()):
        argv.append(draw(hostile))
    actions = COMMANDS[path]
    for action in draw(st.lists(st.sampled_from(actions), max_size=4)) if actions else []:
        flag = action.option_strings[-1]
        if action.nargs == 0:
            argv.append(flag)
        else:
            careful = draw(st.integers(0, 9)) < 7
            argv += [flag, draw(_plausible(action, files) if careful else hostile)]
    if path == ("prices", "refresh"):
        argv += ["--timeout", "2", "--retries", "0"]
    env = {"FUSION_COST_BASE_URL": CLOSED_PORT}
    for name in draw(st.lists(st.sampled_from(ENVIRONMENT), max_size=2, unique=True)):
        env[name] = draw(st.sampled_from(ENV_VALUES + list(files.values())))
    return argv, env


def check_contract(argv: list[str], outcome: Any) -> None:
    info = f"{argv}: {outcome.describe()}"
    allowed = {0, 2, 3} | ({1} if argv[:1] == ["check"] else set())
    assert outcome.code in allowed, info
    assert "Traceback" not in outcome.err, info
    assert not WARNING.search(outcome.err), info
    errors = [line for line in outcome.err.splitlines() if line.startswith("fusion-cost: error:")]
    if outcome.code in (2, 3):
        assert len(errors) == 1 and outcome.err.splitlines()[-1] == errors[0], info
    if outcome.code == 0:
        assert errors == [], info


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("fuzz")
    scenario = root / "scenario.yaml"
    scenario.write_text(
        "name: fuzz\nworkload: {requests_per_month: 1000, input_tokens: 100, output_tokens: 50}\n"
        "strategies:\n  - {name: a, single: {model: openai/gpt-5.4-mini}}\n"
        "  - {name: f, fusion: {preset: general-budget}}\npolicy: {monthly_budget_usd: 5}\n"
    )
    log = root / "log.csv"
    log.write_text(
        "created_at,model_permaslug,tokens_prompt,tokens_completion,cost_total\n"
        "2026-08-01 10:00:00,openai/gpt-5.4-mini,1000,200,0.00165\n"
    )
    empty = root / "empty.json"
    empty.write_text("")
    binary = root / "binary.yaml"
    binary.write_bytes(bytes(range(256)))
    # copies: any of these paths may be fuzzed into an --output, which must never be the repo's
    usage = root / "usage.jsonl"
    usage.write_bytes((REAL / "openrouter-usage-2026-08.jsonl").read_bytes())
    payload = root / "models-2026-08-19.json"
    payload.write_bytes(PAYLOAD.read_bytes())
    return {
        "scenario": str(scenario),
        "log": str(log),
        "usage": str(usage),
        "payload": str(payload),
        "empty": str(empty),
        "binary": str(binary),
        "dir": str(root),
        "missing": str(root / "no" / "such" / "file.json"),
    }


def _fuzz(files: dict[str, str], examples: int, derandomize: bool = True) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=derandomize,  # the default run is the same every time; -m slow explores
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(command_lines(files))
    def run(case: tuple[list[str], dict[str, str]]) -> None:
        argv, env = case
        saved = {name: os.environ.get(name) for name in env}
        os.environ.update(env)
        try:
            outcome = run_cli(*argv)
            SEEN[
                f"{' '.join(argv[:2]) if argv[0] == 'prices' else argv[0]} exit {outcome.code}"
            ] += 1
            check_contract(argv, outcome)
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    run()


def test_every_command_keeps_the_exit_code_contract(
    files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    SEEN.clear()
    _fuzz(files, 150)
    with capsys.disabled():
        print(f"\nfuzzed command lines: {sum(SEEN.values())} ({dict(sorted(SEEN.items()))})")
    # the fuzzer got past argument parsing into every command, not only into usage errors
    reached = {key.rsplit(" exit ", 1)[0] for key, n in SEEN.items() if not key.endswith("exit 2")}
    assert {"estimate", "report", "check", "replay", "prices show"} <= reached, SEEN


@pytest.mark.slow
def test_every_command_keeps_the_exit_code_contract_long(files: dict[str, str]) -> None:
    _fuzz(files, 1500, derandomize=False)


def test_the_fuzzer_reaches_every_command() -> None:
    assert {path[0] for path in COMMANDS} >= {"prices", "estimate", "report", "check", "replay"}
    assert ("prices", "refresh") in COMMANDS and all(COMMANDS[p] for p in COMMANDS)
    assert Path(CLOSED_PORT.split("//")[1].split("/")[0].split(":")[0]).name == "127.0.0.1"
