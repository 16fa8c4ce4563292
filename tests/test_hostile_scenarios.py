"""Hostile scenario files: every one ends in exit 0 or a one-line exit 2, fast, in bounded memory.

Two layers: structured fuzzing (dicts shaped like scenarios whose values are wrong types,
extreme magnitudes, NaN, huge strings, unknown keys; written as YAML or JSON) and raw files
(random text and bytes, alias bombs, deep nesting, huge integers, non-UTF-8, oversized files).
The bomb-like cases run in a subprocess with RLIMIT_AS, so a blow-up fails instead of
swapping. `-m slow` runs many more examples.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile_helpers import (
    CONTROL,
    Outcome,
    assert_bounded,
    assert_clean,
    run_cli,
    run_limited,
    write,
)

FUZZ_COUNTS: Counter[str] = Counter()
KINDS = ("structured", "raw", "raw-file")
FORMATS = ("table", "json", "csv", "markdown")


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,  # the per-case bound is asserted explicitly (CASE_SECONDS)
        database=None,  # no .hypothesis/ directory in the test's working dir
        derandomize=True,  # the same cases on every run and in CI
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# --- values ---------------------------------------------------------------------------------

NAN, INF = math.nan, math.inf
BIG_TEXT = "x" * 10_240
NASTY_TEXT = [
    "",
    " ",
    BIG_TEXT,
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x")',
    "\x1b[31mred\x1b[0m\x1b]0;title\x07",
    "nul\x00bell\x07cr\r\nline2",
    "\u202e\u2066bidi\u2028sep",
    "naïve ünïcödé 漢字 🚀",
    "~anthropic/claude-opus-latest",
    "openrouter/auto",
    "*",
]
HOSTILE_SCALARS = [
    1e308,
    -1e308,
    1e100,
    1e15 * 1.0000001,
    10**12 + 1,
    10**18,
    1.7976931348623157e308,
    5e-324,
    10**400,
    -(10**400),
    2**63,
    2**64 + 1,
    -1,
    0,
    NAN,
    INF,
    -INF,
    True,
    None,
    [],
    {},
    [1] * 30,
    {"mean": None},
    "1e3",
    "NaN",
    *NASTY_TEXT,
]
hostile = st.one_of(
    st.sampled_from(HOSTILE_SCALARS),
    st.integers(),
    st.floats(),
    st.text(max_size=30),
    st.lists(st.integers(), max_size=4),
    st.dictionaries(st.text(max_size=8), st.integers(), max_size=3),
)
# in range for the schema, often at its edges (10**12 tokens, 1e15 requests); beyond them is
# `hostile` (10**400, 1e308...), which must be refused with a one-line error
extreme_int = st.one_of(
    st.integers(0, 100_000), st.sampled_from([0, 1, 10**6, 10**9, 10**12 - 1, 10**12])
)
extreme_float = st.one_of(
    st.floats(0, 1e6, allow_nan=False), st.sampled_from([0.0, 5e-324, 1e-300, 1e9, 1e15])
)
share = st.one_of(st.floats(0, 1), st.sampled_from([0.0, 1.0, 5e-324, 0.999999999999]))


def one_in(n: int) -> st.SearchStrategy[bool]:
    """True about once in `n` draws (a middle index: hypothesis favours the ends of ranges)."""
    return st.integers(0, n - 1).map(lambda k: k == n // 2)


def maybe(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a value of the right type (often extreme), one time in 30 something hostile."""
    return one_in(30).flatmap(lambda bad: hostile if bad else good)


MODELS = [
    "openai/gpt-5.4-mini",
    "anthropic/claude-opus-5",
    "~anthropic/claude-opus-latest",
    "deepseek/deepseek-v4-flash",
    "openrouter/auto",
    "acme/not-a-model",
]
model = maybe(st.sampled_from(MODELS))


def token_spec() -> st.SearchStrategy[Any]:
    lognormal = st.fixed_dictionaries(
        {"mean": maybe(extreme_int)}, optional={"p95": maybe(extreme_int)}
    )
    histogram = st.fixed_dictionaries(
        {
            "histogram": st.lists(
                st.tuples(maybe(extreme_int), maybe(extreme_float)).map(list), max_size=6
            )
        }
    )
    return maybe(st.one_of(extreme_int, lognormal, histogram))


volume = st.one_of(
    st.fixed_dictionaries({"requests_per_month": maybe(extreme_float)}),
    st.fixed_dictionaries({"requests_per_day": maybe(extreme_float)}),
    st.sampled_from([{}, {"requests_per_month": 1, "requests_per_day": 1}]),
)
workload = st.tuples(
    volume,
    st.fixed_dictionaries({"input_tokens": token_spec(), "output_tokens": token_spec()}),
    st.fixed_dictionaries(
        {},
        optional={
            "monthly_growth_pct": maybe(st.floats(-100, 1000)),
            "reasoning_tokens": token_spec(),
            "cached_input_share": maybe(share),
            "hours_utc": maybe(
                st.one_of(st.just("uniform"), st.lists(extreme_float, min_size=24, max_size=24))
            ),
        },
    ),
).map(lambda parts: {**parts[0], **parts[1], **parts[2]})
single = st.fixed_dictionaries({"model": model})
auto = st.fixed_dictionaries(
    {},
    optional={
        "cost_tier": maybe(st.sampled_from(["low", "medium", "high", "xhigh", "max"])),
        "allowed_models": maybe(st.lists(st.sampled_from([*MODELS, "openai/*", "*"]), max_size=3)),
        "excluded_models": maybe(st.lists(st.sampled_from(["openai/*", "*", ""]), max_size=2)),
        "weights": maybe(st.dictionaries(st.sampled_from(MODELS), extreme_float, max_size=3)),
    },
)
fusion = st.fixed_dictionaries(
    {},
    optional={
        "preset": maybe(
            st.sampled_from(["general-high", "general-budget", "general-fast", "nope"])
        ),
        "analysis_models": maybe(st.lists(model, min_size=0, max_size=9)),
        "model": model,
        "outer_model": model,
        "invocation_rate": maybe(share),
        "max_tool_calls": maybe(st.integers(0, 17)),
        "tool_steps": maybe(st.one_of(st.floats(0, 17), extreme_float)),
        "analyst_tool_steps": maybe(st.floats(0, 17)),
        "search": maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "engine": maybe(st.sampled_from(["auto", "native", "exa", "exa-deep", "x"])),
                    "results": maybe(st.integers(0, 26)),
                    "tokens_per_result": maybe(extreme_int),
                },
            )
        ),
        "fetches_per_step": maybe(extreme_float),
        "tokens_per_fetch": maybe(extreme_int),
        "fetch_engine": maybe(st.sampled_from(["exa", "parallel", "openrouter", "native"])),
        "panel_output_tokens": token_spec(),
        "analysis_tokens": maybe(extreme_int),
        "overhead_tokens": maybe(
            st.fixed_dictionaries({}, optional={"tool_definition": maybe(extreme_int)})
        ),
        "max_completion_tokens": maybe(extreme_int),
    },
)


@st.composite
def strategy_list(draw: st.DrawFn) -> list[Any]:
    out = []
    for n in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["single", "auto", "fusion"]))
        spec = draw({"single": single, "auto": auto, "fusion": fusion}[kind])
        name = draw(maybe(st.sampled_from([f"s{n}", f"s{n}", *NASTY_TEXT[1:10]])))
        out.append(draw(maybe(st.just({"name": name, kind: spec}))))
    return out


latency = st.fixed_dictionaries(
    {}, optional={"ttft_s": maybe(extreme_float), "tokens_per_s": maybe(extreme_float)}
)
decision = st.fixed_dictionaries(
    {},
    optional={
        "cost_per_error_usd": maybe(extreme_float),
        "error_rate": maybe(st.dictionaries(st.sampled_from(["s0", "s1", "s2", "zz"]), share)),
        "latency_budget_s": maybe(
            st.fixed_dictionaries({}, optional={"p50": extreme_float, "p95": extreme_float})
        ),
        "value_of_latency_usd_per_s": maybe(extreme_float),
        "monthly_budget_usd": maybe(extreme_float),
        "high_stakes": maybe(
            st.fixed_dictionaries({"share": share, "cost_per_error_usd": extreme_float})
        ),
        "models": maybe(st.dictionaries(st.sampled_from(MODELS), latency, max_size=2)),
        "default_latency": latency,
        "search_s": maybe(extreme_float),
    },
)
policy = st.fixed_dictionaries(
    {},
    optional={
        "monthly_budget_usd": maybe(extreme_float),
        "max_increase_pct": maybe(st.floats(allow_nan=False)),
        "max_multiplier_vs_baseline": maybe(extreme_float),
        "fail_on_dynamic_price": maybe(st.booleans()),
    },
)
scenario = st.fixed_dictionaries(
    {"workload": maybe(workload), "strategies": maybe(strategy_list())},
    optional={
        "name": maybe(st.sampled_from(NASTY_TEXT)),
        "baseline": maybe(st.sampled_from(["s0", "s1", "nope"])),
        "decision": maybe(decision),
        "policy": maybe(policy),
    },
)
# one document in ten carries an unknown key (a typo must be an error, not a silent default)
scenario = st.tuples(scenario, one_in(10), hostile).map(
    lambda t: {**t[0], "tpyo": t[2]} if t[1] else t[0]
)


def dump(document: Any, as_json: bool) -> str:
    if as_json:
        return json.dumps(document, ensure_ascii=False)  # NaN/Infinity: JSON's own extension
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=200)


def check_output(outcome: Outcome, fmt: str) -> None:
    """A successful estimate is well-formed in its format."""
    if outcome.code != 0:
        return
    if fmt == "json":

        def refuse(constant: str) -> None:
            raise AssertionError(f"non-standard JSON constant {constant} in the output")

        json.loads(outcome.out, parse_constant=refuse)
    if fmt in ("table", "markdown"):
        assert not CONTROL.search(outcome.out), "control characters in terminal/markdown output"


def run_scenario(path: Path, fmt: str, kind: str) -> Outcome:
    FUZZ_COUNTS[kind] += 1
    outcome = run_cli(*["estimate", str(path), "--samples", "50", "--format", fmt])
    assert_clean(outcome)
    assert_bounded(outcome)
    check_output(outcome, fmt)
    FUZZ_COUNTS[f"{kind} exit {outcome.code}"] += 1
    return outcome


def _structured(tmp: Path, document: Any, as_json: bool, fmt: str) -> None:
    path = write(tmp / ("s.json" if as_json else "s.yaml"), dump(document, as_json))
    run_scenario(path, fmt, "structured")


def _raw(tmp: Path, content: str | bytes) -> None:
    run_scenario(write(tmp / "raw.yaml", content), "table", "raw")


yaml_ish = st.text(
    alphabet=st.sampled_from([*list("{}[]:,-&*!|>'\"#%@`? \n\tab01."), "\x00", "\x85", "\ufeff"]),
    max_size=200,
)
raw_text = st.one_of(st.text(max_size=400), yaml_ish, st.binary(max_size=400))


@pytest.fixture(scope="module", autouse=True)
def _report_counts(request: pytest.FixtureRequest) -> Iterator[None]:
    """After the module: how many hostile cases ran, on the terminal (not only in -s output)."""
    yield
    counts = ", ".join(f"{k} {v}" for k, v in sorted(FUZZ_COUNTS.items()))
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is not None and capture is not None and FUZZ_COUNTS:
        with capture.global_and_fixture_disabled():  # teardown output is captured otherwise
            reporter.write("\n")
            reporter.write_line(
                f"hostile scenarios: {sum(FUZZ_COUNTS[k] for k in KINDS)} cases ({counts})"
            )


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def fuzz(kind: str, examples: int, run: Any) -> None:
    """Run a hypothesis-driven case function; print how many cases ran and how they ended."""
    before = Counter(FUZZ_COUNTS)
    run()
    ran = {k: v - before[k] for k, v in FUZZ_COUNTS.items() if k.startswith(kind)}
    print(f"{kind} fuzz cases: " + ", ".join(f"{k} {v}" for k, v in sorted(ran.items())))
    assert ran[kind] >= examples // 2, ran  # hypothesis did run (it may stop early on dups)


def structured_cases(tmp: Path, examples: int) -> None:
    @fuzz_settings(examples)
    @given(document=scenario, as_json=st.booleans(), fmt=st.sampled_from(FORMATS))
    def cases(document: Any, as_json: bool, fmt: str) -> None:
        _structured(tmp, document, as_json, fmt)

    fuzz("structured", examples, cases)


def raw_cases(tmp: Path, examples: int) -> None:
    @fuzz_settings(examples)
    @given(content=raw_text)
    def cases(content: str | bytes) -> None:
        _raw(tmp, content)

    fuzz("raw", examples, cases)


def test_structured_scenarios_end_cleanly(fuzz_dir: Path) -> None:
    structured_cases(fuzz_dir, 120)


def test_raw_yaml_ends_cleanly(fuzz_dir: Path) -> None:
    raw_cases(fuzz_dir, 60)


@pytest.mark.slow
def test_structured_scenarios_end_cleanly_many(fuzz_dir: Path) -> None:
    structured_cases(fuzz_dir, 3000)


@pytest.mark.slow
def test_raw_yaml_ends_cleanly_many(fuzz_dir: Path) -> None:
    raw_cases(fuzz_dir, 1500)


# --- raw files: bombs, nesting, sizes, encodings -----------------------------------------------

VALID = (
    "workload: {requests_per_month: 1000, input_tokens: 100, output_tokens: 50}\n"
    "strategies: [{name: a, single: {model: openai/gpt-5.4-mini}}]\n"
)


def billion_laughs(levels: int = 9, fan: int = 10) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels + 1):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * fan) + "]")
    return "\n".join(lines) + "\n"


def bomb_in_a_field() -> str:
    """Fewer than 100 aliases, but each expands into a 30,000-pair histogram."""
    pairs = ", ".join(f"[{n}, 1]" for n in range(1, 30_001))
    refs = ", ".join("{name: f%d, fusion: {panel_output_tokens: *h}}" % n for n in range(45))  # noqa: UP031
    return (
        f"workload: {{requests_per_month: 1, input_tokens: &h {{histogram: [{pairs}]}}, "
        f"output_tokens: *h, reasoning_tokens: *h}}\nstrategies: [{refs}]\n"
    )


RAW_CASES: dict[str, Any] = {
    "billion-laughs": billion_laughs,
    "billion-laughs-under-strategies": lambda: (
        billion_laughs(8, 11).replace("a0:", "x0:") + "strategies: *a8\n"
    ),
    "alias-fan-out-into-valid-fields": bomb_in_a_field,
    "recursive-alias": lambda: "workload: &w {input_tokens: *w}\n" + VALID,
    "recursive-alias-list": lambda: "strategies: &s [*s]\n",
    "nested-lists-10000": lambda: "[" * 10_000 + "]" * 10_000,
    "nested-maps-5000": lambda: "a: " + "{a: " * 5_000 + "1" + "}" * 5_000,
    "nested-block-lists-900": lambda: "".join("  " * n + "-\n" for n in range(900)),
    "one-million-values": lambda: "x: [" + ",".join(["1"] * 900_000) + "]\n",
    "huge-int-5000-digits": lambda: VALID.replace("1000", "9" * 5000),
    "huge-int-400-digits-tokens": lambda: VALID.replace("100,", "1" + "0" * 400 + ","),
    "huge-float": lambda: VALID.replace("1000", "1e999"),
    "bad-date": lambda: "name: 2026-13-45\n" + VALID,
    "python-tag": lambda: "name: !!python/object/apply:os.system ['echo pwned']\n" + VALID,
    "unhashable-key": lambda: "? [a, b]\n: 1\n" + VALID,
    "merge-key-bomb": lambda: (
        "base: &b {x: 1}\n" + "".join(f"m{n}: {{<<: *b}}\n" for n in range(200))
    ),
    "three-megabytes": lambda: VALID + "# " + "x" * (3 << 20) + "\n",
    "two-megabytes-of-comment": lambda: VALID + "#" + "x" * ((2 << 20) - 400) + "\n",
    "not-utf8": lambda: VALID.encode() + b"name: \xff\xfe caf\xe9\n",
    "utf16": lambda: VALID.encode("utf-16"),
    "nul-bytes": lambda: VALID.encode() + b"\x00\x00\x00",
    "empty": lambda: "",
    "only-a-list": lambda: "- 1\n- 2\n",
    "multi-document": lambda: VALID + "---\n" + VALID,
    "key-with-newline-and-escapes": lambda: '"bad\\nkey\\e[2J\\x9b": 1\n' + VALID,
    "ten-kb-name": lambda: f"name: {BIG_TEXT}\n" + VALID,
}


EXIT_0 = {"two-megabytes-of-comment": 0}  # under the 2 MB cap and valid: priced; others exit 2


@pytest.mark.parametrize("case", sorted(RAW_CASES))
def test_raw_bombs_end_cleanly_in_bounded_memory(case: str, tmp_path: Path) -> None:
    content = RAW_CASES[case]()
    path = write(tmp_path / "bomb.yaml", content)
    outcome = run_limited(["estimate", str(path), "--samples", "50"])
    FUZZ_COUNTS["raw-file"] += 1
    assert_clean(outcome)
    # the interpreter's start-up (imports) is part of a subprocess case: allow it
    assert outcome.seconds < 5.0 + 3.0, outcome.describe()
    assert outcome.code == EXIT_0.get(case, 2), outcome.describe()


def test_error_messages_name_the_file_and_line(tmp_path: Path) -> None:
    cases = {
        "huge-int": (VALID.replace("1000", "9" * 5000), ":1: YAML", "cannot read this value"),
        "bad-date": ("name: 2026-13-45\n" + VALID, ":1: YAML", "month must be in 1..12"),
        "bomb": (billion_laughs(), ": ", "YAML values once aliases are expanded"),
    }
    for name, (text, where, what) in cases.items():
        path = write(tmp_path / f"{name}.yaml", text)
        outcome = run_cli(*["estimate", str(path)])
        assert outcome.code == 2, outcome.describe()
        assert outcome.err.startswith(f"fusion-cost: error: {path}{where}"), outcome.err
        assert what in outcome.err, outcome.err


def test_hostile_keys_do_not_reach_the_terminal(tmp_path: Path) -> None:
    path = write(tmp_path / "k.yaml", '"a\\nb\\e[2J\\e]0;t\\a\\x9b": 1\n' + VALID)
    outcome = run_cli(*["estimate", str(path)])
    assert outcome.code == 2
    assert outcome.err.count("\n") == 1 and not CONTROL.search(outcome.err), repr(outcome.err)
