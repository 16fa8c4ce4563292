"""`grade` keeps the exit-code contract whatever it reads (like tests/test_cli_fuzz.py for every
command): hypothesis mutates the scenario it grades (duplicate keys, alias bombs, 5,000-digit
numbers, NaN, non-UTF-8 bytes, deep nesting, wrong types, unpiloted kinds with and without a
rate, /dev/zero, a directory), the grades export (another page, duplicate keys, NaN, unknown
tokens and grades, wrong types, 17 MiB, /dev/zero) and the review key (torn, wrong types,
missing), and where it writes (/dev/null, a directory, a symlink). Every case ends in exit 0 or
2 with at most one line, never a traceback or exit 4, and what exit 0 wrote loads as a
scenario. The default run tries 150 cases; `pytest -m slow` 1,500.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from estimator.scenario.io import load_scenario
from tests.hostile_helpers import assert_clean, run_cli
from tests.pilot_helpers import FRESH, files, make_double, pilot

SEEN: dict[str, int] = {}


@pytest.fixture(scope="module")
def piloted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real pilot's directory (records, fitted scenario, review key) from the double."""
    from pytest_httpserver import HTTPServer

    root = tmp_path_factory.mktemp("graded")
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("FUSION_COST_NOW", FRESH)
    try:
        scenario, prompts = files(root, prompts=3)
        assert (
            pilot(make_double(server), scenario, prompts, root / "pilot", "--max-spend", "2") == 0
        )
    finally:
        monkeypatch.undo()
        server.clear()
        server.stop()
    return root / "pilot"


SCENARIO_MUTATIONS = [
    "as is",
    "duplicate key",
    "alias bomb",
    "huge number",
    "nan",
    "not utf-8",
    "deep",
    "no strategies",
    "strategies a mapping",
    "unpiloted without a rate",
    "unpiloted with a rate",
    "unpiloted with an accuracy",
    "accuracy for all",
    "error rate for one",
    "3 MB",
    "/dev/zero",
    "a directory",
    "missing",
    "empty",
    "a list",
]
GRADES_MUTATIONS = [
    "as is",
    "another page",
    "duplicate key",
    "nan",
    "unknown token",
    "unknown grade",
    "grade a list",
    "grades a mapping",
    "entry a string",
    "token a number",
    "huge number",
    "deep",
    "17 MiB",
    "/dev/zero",
    "not utf-8",
    "empty",
    "none for one strategy",
]
KEY_MUTATIONS = ["as is", "torn", "answers a list", "answer a number", "missing", "pilot a number"]
TARGETS = ["default", "/dev/null", "a directory", "a symlink", "a new dir"]


def _scenario(directory: Path, work: Path, how: str) -> str:
    text = (directory / "fitted-scenario.yaml").read_text()
    data = yaml.safe_load(text)
    path = work / "s.yaml"
    if how in ("/dev/zero", "a directory", "missing"):
        return {"/dev/zero": "/dev/zero", "a directory": str(work), "missing": str(work / "no")}[
            how
        ]
    if how == "duplicate key":
        text = text.replace("\nworkload:", "\nname: twice\nworkload:", 1)
    elif how == "alias bomb":
        text = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
            for p, c in zip("abcdefg", "bcdefgh", strict=True)
        )
    elif how == "huge number":
        text = text.replace("requests_per_month: 10000", "requests_per_month: " + "9" * 5000)
    elif how == "nan":
        text = text.replace("requests_per_month: 10000", "requests_per_month: .nan")
    elif how == "not utf-8":
        path.write_bytes(text.encode() + b"\n# \xff\xfe\n")
        return str(path)
    elif how == "deep":
        text = "x: " + "[" * 5000 + "]" * 5000 + "\n"
    elif how in ("no strategies", "strategies a mapping"):
        data["strategies"] = [] if how == "no strategies" else {"a": 1}
        text = yaml.safe_dump(data)
    elif how.startswith("unpiloted"):
        data["strategies"].append(
            {"name": "x3", "self_consistency": {"model": "openai/gpt-5.4-mini"}}
        )
        names = [s["name"] for s in data["strategies"]]
        if how.endswith("with a rate"):
            data.setdefault("decision", {})["error_rate"] = {n: 0.1 for n in names}
        if how.endswith("an accuracy"):
            data.setdefault("decision", {})["accuracy"] = {
                n: {"low": 0.8, "high": 0.9} for n in names
            }
        text = yaml.safe_dump(data)
    elif how == "accuracy for all":
        data.setdefault("decision", {})["accuracy"] = {s["name"]: 0.9 for s in data["strategies"]}
        text = yaml.safe_dump(data)
    elif how == "error rate for one":
        data.setdefault("decision", {})["error_rate"] = {data["strategies"][0]["name"]: 0.1}
        text = yaml.safe_dump(data)
    elif how == "3 MB":
        text += "# " + "x" * 3_000_000 + "\n"
    elif how == "empty":
        text = ""
    elif how == "a list":
        text = "- 1\n- 2\n"
    path.write_text(text)
    return str(path)


def _grades(directory: Path, work: Path, how: str, marks: list[str]) -> str:
    key = json.loads((directory / "review-key.json").read_text())
    tokens = sorted(key["answers"])
    grades: Any = {
        "pilot": key["pilot"],
        "grades": [{"token": t, "grade": marks[i % len(marks)]} for i, t in enumerate(tokens)],
    }
    path = work / "g.json"
    if how == "/dev/zero":
        return "/dev/zero"
    if how == "another page":
        grades["pilot"] = "0" * 16
    elif how == "unknown token":
        grades["grades"][0]["token"] = "nope"
    elif how == "unknown grade":
        grades["grades"][0]["grade"] = "great"
    elif how == "grade a list":
        grades["grades"][0]["grade"] = ["wrong"]
    elif how == "grades a mapping":
        grades["grades"] = {"a": 1}
    elif how == "entry a string":
        grades["grades"].append("wrong")
    elif how == "token a number":
        grades["grades"][0]["token"] = 7
    elif how == "none for one strategy":
        strategy = key["answers"][tokens[0]]
        grades["grades"] = [g for g in grades["grades"] if key["answers"][g["token"]] != strategy]
    text = json.dumps(grades)
    if how == "duplicate key":
        text = text.replace('{"pilot": ', '{"pilot": "x", "pilot": ', 1)
    elif how == "nan":
        text = text.replace('"grades": ', '"n": NaN, "grades": ', 1)
    elif how == "huge number":
        text = text.replace('"grades": ', '"n": ' + "9" * 5000 + ', "grades": ', 1)
    elif how == "deep":
        text = text.replace('"grades": ', '"n": ' + "[" * 5000 + "]" * 5000 + ', "grades": ', 1)
    elif how == "17 MiB":
        text = text.replace('"grades": ', '"pad": "' + "x" * (17 << 20) + '", "grades": ', 1)
    elif how == "empty":
        text = ""
    if how == "not utf-8":
        path.write_bytes(text.encode()[:-1] + b"\xff}")
    else:
        path.write_text(text)
    return str(path)


def _key(directory: Path, how: str) -> None:
    path = directory / "review-key.json"
    key = json.loads(path.read_text())
    if how == "torn":
        path.write_text(path.read_text()[:30])
    elif how == "answers a list":
        path.write_text(json.dumps({**key, "answers": list(key["answers"])}))
    elif how == "answer a number":
        token = next(iter(key["answers"]))
        path.write_text(json.dumps({**key, "answers": {**key["answers"], token: 5}}))
    elif how == "missing":
        path.unlink()
    elif how == "pilot a number":
        path.write_text(json.dumps({**key, "pilot": 12}))


def _target(work: Path, how: str) -> list[str]:
    if how == "default":
        return []
    if how == "a symlink":
        (work / "link.yaml").symlink_to(work / "target.yaml")
        return ["-o", str(work / "link.yaml")]
    where = {
        "/dev/null": "/dev/null",
        "a directory": str(work),
        "a new dir": str(work / "new" / "g.yaml"),
    }
    return ["-o", where[how]]


@st.composite
def cases(draw: Any) -> dict[str, Any]:
    mostly = st.integers(0, 9)
    return {
        "scenario": draw(st.sampled_from(SCENARIO_MUTATIONS)) if draw(mostly) < 6 else "as is",
        "grades": draw(st.sampled_from(GRADES_MUTATIONS)) if draw(mostly) < 6 else "as is",
        "key": draw(st.sampled_from(KEY_MUTATIONS)) if draw(mostly) < 3 else "as is",
        "target": draw(st.sampled_from(TARGETS)),
        "marks": draw(
            st.lists(st.sampled_from(["wrong", "acceptable", "best"]), min_size=1, max_size=4)
        ),
    }


def _fuzz(piloted: Path, tmp_path: Path, examples: int, derandomize: bool) -> None:
    counter = iter(range(10**9))

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=derandomize,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(cases())
    def run(case: dict[str, Any]) -> None:
        work = tmp_path / f"case{next(counter)}"
        directory = work / "pilot"
        shutil.copytree(piloted, directory)
        argv = ["grade", str(directory)]
        argv.append(_grades(directory, work, case["grades"], case["marks"]))
        argv += ["--scenario", _scenario(directory, work, case["scenario"])]
        _key(directory, case["key"])
        argv += _target(work, case["target"])
        outcome = run_cli(*argv)
        assert_clean(outcome)
        SEEN[f"exit {outcome.code}"] = SEEN.get(f"exit {outcome.code}", 0) + 1
        if outcome.code == 0:
            written = (
                Path(argv[argv.index("-o") + 1])
                if "-o" in argv
                else directory / "graded-scenario.yaml"
            )
            if written.is_file():
                graded = load_scenario(written)  # what grade writes reads back as a scenario
                assert graded.decision.error_rate is not None

    run()


def test_grade_keeps_the_exit_code_contract(piloted, tmp_path, capsys) -> None:
    SEEN.clear()
    _fuzz(piloted, tmp_path, 150, derandomize=True)
    with capsys.disabled():
        print(f"\nfuzzed grade cases: {dict(sorted(SEEN.items()))}")
    assert SEEN.get("exit 0") and SEEN.get("exit 2")


@pytest.mark.slow
def test_grade_keeps_the_exit_code_contract_long(piloted, tmp_path) -> None:
    _fuzz(piloted, tmp_path, 1500, derandomize=False)


def test_hostile_scenarios_for_grade_are_one_line_each(piloted, tmp_path) -> None:
    """Every scenario mutation once, with grades that are right: none exits 4."""
    codes = {}
    for how in SCENARIO_MUTATIONS:
        work = tmp_path / how.replace("/", "_").replace(" ", "_")
        directory = work / "pilot"
        shutil.copytree(piloted, directory)
        grades = _grades(directory, work, "as is", ["wrong", "best"])
        outcome = run_cli(
            "grade", str(directory), grades, "--scenario", _scenario(directory, work, how)
        )
        assert_clean(outcome)
        codes[how] = outcome.code
    assert codes["as is"] == 0 and codes["unpiloted with a rate"] == 0
    assert codes["unpiloted with an accuracy"] == 0 and codes["accuracy for all"] == 0
    assert (
        codes["duplicate key"] == 2
        and codes["/dev/zero"] == 2
        and codes["unpiloted without a rate"] == 2
    )
