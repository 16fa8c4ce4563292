"""The pilot's central promise as a property: generated pilots (scenarios of the three kinds a
pilot sends, prompts with long names and characters that normalisation lengthens, caps,
concurrency, reruns with and without --retry-in-doubt and --allow-byok, kills between and
during calls) run against a fuzzing double of OpenRouter (tests/fuzzing_double.py: valid and
unreadable answers, costs up to every token at the dearest price, BYOK, 429/5xx/400, delays,
drip-fed and oversized answers, answers quoting the key). In every one:

- what the double billed is at most `--max-spend`, plus nothing;
- what the records count (read back as a rerun reads them) is at least what was billed;
- no pair that may have been billed is sent again unless a rerun asked for it
  (`--retry-in-doubt`);
- no file the pilot wrote holds the key, in any encoding the redactor knows.

And when the server bills above its own prices (the adversarial case, which no client can
prevent), the cap is crossed by at most what those calls billed above their bounds, and no
call starts after such a bill has been read.

The default run generates 500 honest pilots and 100 adversarial ones (in-process, through the
library the command uses, a 0.5 s deadline per call); `pytest -m slow` generates 3,000 and
500 with fresh seeds.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from estimator.api import (
    load_scenario,
    pilot_evidence,
    pilot_ledger,
    pilot_plan,
    pilot_run,
    pilot_sender,
)
from estimator.errors import UserError
from estimator.pricing.secrets import Secrets
from tests.conftest import CANARY
from tests.fuzzing_double import KINDS, FuzzDouble, Plan
from tests.pilot_helpers import set_fresh

fresh = pytest.fixture(autouse=True)(set_fresh)
TIMEOUT_S = 0.5
HONEST = int(__import__("os").environ.get("PILOT_PROPERTY_CASES", "500"))
SEEN: dict[str, int] = {}

STRATEGIES = {
    "mini": "{name: mini, single: {model: openai/gpt-5.4-mini}}",
    "flash": "{name: flash, single: {model: deepseek/deepseek-v4-flash}}",
    "opus": "{name: opus, single: {model: anthropic/claude-opus-5}}",
    "auto": "{name: auto, auto: {cost_tier: low, allowed_models: [openai/gpt-5.4-mini, "
    "'deepseek/*']}}",
    "tool": "{name: tool, fusion: {analysis_models: [deepseek/deepseek-v4-flash, "
    "google/gemini-3.7-flash], model: deepseek/deepseek-v4-flash, outer_model: "
    "deepseek/deepseek-v4-flash, max_tool_calls: 2, tool_steps: 1, analyst_tool_steps: 0, "
    "max_completion_tokens: 300}}",
    "plugin": "{name: plugin, fusion: {analysis_models: [openai/gpt-5.4-mini, "
    "deepseek/deepseek-v4-flash], model: google/gemini-3.7-flash, max_tool_calls: 1, "
    "tool_steps: 1, analyst_tool_steps: 0, max_completion_tokens: 200}}",
}
TEXT = st.text(
    st.sampled_from([*"abc xyz,.", "\ufdfa", "\ufb03", "\u0958", "é", "中", "🙂", "\u2028"]),
    min_size=1,
    max_size=40,
)


class Killed(BaseException):
    """The process died: nothing after it runs (not an Exception: nothing may catch it)."""


@dataclass
class Run:
    retry_in_doubt: bool
    allow_byok: bool
    concurrency: int
    kill_at: int | None  # the call at which the process dies
    kill_after_send: bool  # ... once the server has billed it, or before it left


@st.composite
def prompts(draw: Any) -> list[dict[str, Any]]:
    rows = []
    for i in range(draw(st.integers(1, 6))):
        row: dict[str, Any]
        if draw(st.booleans()):
            row = {"prompt": draw(TEXT)}
        else:
            message: dict[str, Any] = {"role": "user", "content": draw(TEXT)}
            if draw(st.booleans()):
                message["name"] = draw(TEXT) * draw(st.sampled_from([1, 50, 400]))
            row = {"messages": [{"role": "system", "content": draw(TEXT)}, message]}
        if draw(st.booleans()):
            row["id"] = f"p{i}"
        rows.append(row)
    return rows


def plans(adversarial: bool) -> st.SearchStrategy[Plan]:
    share = st.floats(0, 1)
    factor = st.floats(1, 3) if adversarial else st.floats(0.2, 1)
    return st.builds(
        Plan,
        kind=st.sampled_from(KINDS),
        prompt_share=share,
        answer_share=share,
        price_factor=factor,
        pick=st.integers(0, 20),
        delay_s=st.sampled_from([0.0, 0.0, 0.0, 0.01, 0.03]),
    )


@st.composite
def pilots(draw: Any, adversarial: bool) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(sorted(STRATEGIES)), min_size=1, max_size=3, unique=True))
    runs = [
        Run(
            draw(st.booleans()),
            draw(st.booleans()),
            draw(st.integers(1, 8)),
            draw(st.one_of(st.none(), st.integers(0, 6))),
            draw(st.booleans()),
        )
        for _ in range(draw(st.integers(1, 3)))
    ]
    return {
        "strategies": names,
        "prompts": draw(prompts()),
        "max_tokens": draw(st.integers(8, 300)),
        # the cap as a share of the pilot's whole worst case: from a call or two to all of it
        "cap_share": draw(st.sampled_from([1.5, 1.0, 0.6, 0.3, 0.1, 0.02])),
        "plans": draw(st.lists(plans(adversarial), max_size=40)),
        "runs": runs,
    }


class Sender:
    """The pilot's own sender (the command's), and a process that may die at a call."""

    def __init__(self, real: Any, run: Run) -> None:
        self.real, self.run, self.calls, self.dead = real, run, 0, False
        self.lock = threading.Lock()

    def __call__(self, request: Any) -> Any:
        with self.lock:
            n, self.calls = self.calls, self.calls + 1
            if self.dead or (n == self.run.kill_at and not self.run.kill_after_send):
                self.dead = True
                raise Killed
        outcome = self.real(request)
        with self.lock:
            if n == self.run.kill_at or self.dead:
                self.dead = True
                raise Killed
        return outcome


def _files(root: Path, case: dict[str, Any]) -> tuple[Path, Path]:
    scenario = root / "scenario.yaml"
    scenario.write_text(
        "name: property\nworkload: {requests_per_month: 1000, input_tokens: 100, "
        "output_tokens: 50}\nstrategies:\n"
        + "".join(f"  - {STRATEGIES[n]}\n" for n in case["strategies"])
    )
    lines = root / "prompts.jsonl"
    lines.write_text("".join(json.dumps(r) + "\n" for r in case["prompts"]))
    return scenario, lines


def _pilot(root: Path, case: dict[str, Any], double: FuzzDouble, url: str, catalog: Any) -> Any:
    """The case's runs, as the command runs them; returns the pairs and what stopped it."""
    scenario_path, prompts_path = _files(root, case)
    scenario = load_scenario(scenario_path)
    pairs = pilot_plan(prompts_path, scenario, catalog, case["max_tokens"])
    worst = sum((p.bound for p in pairs), D(0)) * D(str(case["cap_share"]))
    case["cap"] = str(max(D("0.000001"), worst.quantize(D("0.000001"))))
    out = root / "out"
    stops = []
    with httpx.Client(timeout=httpx.Timeout(TIMEOUT_S), follow_redirects=False) as client:
        for run in case["runs"]:
            send = Sender(pilot_sender(client, url, CANARY, TIMEOUT_S), run)
            try:
                with pilot_ledger(out, case["cap"], api_key=CANARY) as ledger:
                    ledger.allow_byok = run.allow_byok
                    ledger.start_check()
                    pilot_run(
                        pairs,
                        ledger,
                        send,
                        concurrency=run.concurrency,
                        retry_in_doubt=run.retry_in_doubt,
                    )
                    pilot_evidence(scenario, catalog, ledger, pairs, out)
                    stops.append(ledger.stopped or "ran")
            except Killed:
                stops.append("killed")
            except UserError as exc:  # a lesson not acknowledged: every later run stops too
                assert "worst case" in str(exc) or "BYOK" in str(exc), exc
                stops.append("blocked")
    return pairs, stops


def _check(
    root: Path, case: dict[str, Any], double: FuzzDouble, pairs: list[Any], adversarial: bool
) -> None:
    from estimator.pilot.ledger import Ledger

    out = root / "out"
    cap = D(case["cap"])
    bounds = {json.dumps(p.body, sort_keys=True): p.bound for p in pairs}
    excess = sum(
        (max(D(0), s.billed - bounds[json.dumps(s.body, sort_keys=True)]) for s in double.seen),
        D(0),
    )
    assert adversarial or excess == 0, excess  # an honest bill never exceeds its bound
    assert double.billed <= cap + excess, (double.billed, cap, excess)
    if not (out / "records.jsonl").exists():
        assert double.billed == 0
        return
    ledger = Ledger.open(out, cap, read_only=True)
    assert ledger.spent >= double.billed - excess, (ledger.spent, double.billed)
    retries = 1 + sum(r.retry_in_doubt for r in case["runs"])
    sent: dict[str, int] = {}
    for s in double.seen:
        if s.plan.kind not in ("429", "400"):  # a refusal is not billed: it may go again
            key = json.dumps(s.body, sort_keys=True)
            sent[key] = sent.get(key, 0) + 1
    pairs_of: dict[str, int] = {}  # a prompt given twice is two pairs with one body
    for p in pairs:
        key = json.dumps(p.body, sort_keys=True)
        pairs_of[key] = pairs_of.get(key, 0) + 1
    assert all(n <= retries * pairs_of[key] for key, n in sent.items()), sent
    secrets = Secrets.of(CANARY)
    for path in out.iterdir():
        data = path.read_bytes()
        assert CANARY.encode() not in data and secrets.found_in(data) is None, path.name
    if excess:  # nothing started after a bill above its bound was read
        lines = [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines()]
        over = next(
            (
                i
                for i, r in enumerate(lines)
                if r["event"] == "done" and D(r["charged_usd"]) > D(r["bound_usd"])
            ),
            len(lines),  # only bills that could not be read were above their bounds
        )
        assert not [r for r in lines[over:] if r["event"] == "started"]


@pytest.fixture(scope="module")
def fuzz_server() -> Any:
    import logging

    from pytest_httpserver import HTTPServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # thousands of requests
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    current: dict[str, FuzzDouble] = {}
    server.expect_request("/api/v1/chat/completions", method="POST").respond_with_handler(
        lambda request: current["double"].handler(request)
    )
    yield server, current
    server.clear()
    server.stop()


def _property(
    fuzz_server: Any,
    tmp_path: Path,
    catalog: Any,
    examples: int,
    adversarial: bool,
    derandomize: bool,
) -> None:
    server, current = fuzz_server
    url = server.url_for("/api/v1")
    counter = iter(range(10**9))
    tmp_path = tmp_path / ("adversarial" if adversarial else "honest")

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=derandomize,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(pilots(adversarial))
    def run(case: dict[str, Any]) -> None:
        root = tmp_path / f"case{next(counter)}"
        root.mkdir(parents=True)
        double = FuzzDouble(catalog, list(case["plans"]))
        current["double"] = double
        pairs, stops = _pilot(root, case, double, url, catalog)
        _check(root, case, double, pairs, adversarial)
        SEEN["pilots"] = SEEN.get("pilots", 0) + 1
        SEEN["requests"] = SEEN.get("requests", 0) + len(double.seen)
        for stop in stops:
            SEEN[stop] = SEEN.get(stop, 0) + 1

    run()


def _report(capsys: pytest.CaptureFixture[str], what: str) -> None:
    with capsys.disabled():
        print(f"\n{what}: {dict(sorted(SEEN.items()))}")


def test_the_cap_holds_in_generated_pilots(fuzz_server, tmp_path, catalog, capsys) -> None:
    SEEN.clear()
    _property(fuzz_server, tmp_path, catalog, HONEST, adversarial=False, derandomize=True)
    _report(capsys, "honest pilots")
    # the fuzzer reached kills, BYOK stops and runs that went through
    assert SEEN["pilots"] == HONEST and SEEN.get("killed") and SEEN.get("byok")
    assert SEEN.get("ran", 0) > HONEST // 5


def test_a_bill_above_its_bound_crosses_the_cap_by_its_excess_at_most(
    fuzz_server, tmp_path, catalog, capsys
) -> None:
    SEEN.clear()
    _property(fuzz_server, tmp_path, catalog, 100, adversarial=True, derandomize=True)
    _report(capsys, "adversarial pilots")
    assert SEEN["pilots"] == 100


@pytest.mark.slow
def test_the_cap_holds_in_generated_pilots_long(fuzz_server, tmp_path, catalog, capsys) -> None:
    SEEN.clear()
    _property(fuzz_server, tmp_path, catalog, 3000, adversarial=False, derandomize=False)
    _property(fuzz_server, tmp_path, catalog, 500, adversarial=True, derandomize=False)
    _report(capsys, "pilots")
