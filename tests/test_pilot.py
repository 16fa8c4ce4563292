"""The pilot against a local double of OpenRouter (tests/openrouter_double.py): it runs, stays
under its cap under concurrency and retries, resumes after a kill without paying twice, never
writes the key, and its records become a calibration, a fitted scenario, a review page and
counted error rates."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal as D

import pytest
import yaml

from estimator.cli import main
from tests.browser import browser  # noqa: F401  (fixture)
from tests.conftest import CANARY
from tests.pilot_helpers import MODELS, SCENARIO, files, make_double, pilot, records, set_fresh

fresh = pytest.fixture(autouse=True)(set_fresh)
double = pytest.fixture(make_double)


def test_a_pilot_runs_under_its_cap_and_writes_its_evidence(tmp_path, double, capsys) -> None:
    scenario, prompts = files(tmp_path)
    out = tmp_path / "pilot"
    assert pilot(double, scenario, prompts, out, "--max-spend", "2") == 0
    printed = capsys.readouterr().out
    done = [r for r in records(out) if r["event"] == "done"]
    assert len(done) == 90 and len(double.requests) == 90
    counted = sum(D(r["charged_usd"]) for r in done)
    assert counted == sum(D(str(r["usage"]["cost"])) for r in done)  # what was billed
    assert abs(counted - double.billed) < D("1e-12") and counted <= 2
    assert "pilot finished: 90 of 90 calls done" in printed
    calibration = {r["strategy"]: r for r in json.loads((out / "calibration.json").read_text())}
    # the double bills list prices: the cost model reproduces single and Auto calls exactly
    assert calibration["mini"]["billed_vs_estimate"] == pytest.approx(1, abs=1e-9)
    assert calibration["auto"]["billed_vs_estimate"] == pytest.approx(1, abs=1e-9)
    assert (
        calibration["fusion"]["invoked_share"] == 1 and not calibration["fusion"]["stages_visible"]
    )
    fitted = yaml.safe_load((out / "fitted-scenario.yaml").read_text())
    assert (
        fitted["decision"]["pilot"]["prompts"] == 30 and fitted["decision"]["pilot"]["calls"] == 90
    )
    # the observed prompt: the double bills 7 + len(messages JSON) // 4 tokens for each
    billed = {r["usage"]["prompt_tokens"] for r in done if r["strategy"] != "fusion"}
    observed = fitted["workload"]["input_tokens"]
    values = {t for t, _ in observed["histogram"]} if isinstance(observed, dict) else {observed}
    assert values <= billed | {v + 1 for v in billed}
    auto = next(s for s in fitted["strategies"] if s["name"] == "auto")["auto"]
    assert sum(auto["weights"].values()) == pytest.approx(1)
    assert main(["estimate", str(out / "fitted-scenario.yaml"), "--samples", "200"]) == 0
    assert (out / "review.html").exists() and (out / "review-key.json").exists()


def test_the_cap_holds_under_concurrency_and_retries(tmp_path, double, capsys) -> None:
    """Rate limits are waited out within a reservation; server errors count their bound;
    with a cap of a few calls' worth, the run stops before the next worst case would cross."""
    scenario, prompts = files(tmp_path)
    out = tmp_path / "pilot"
    double.faults = ["429", "500", "429", "no-usage", "500"] + ["slow"] * 6
    assert (
        main(
            [
                "pilot",
                str(prompts),
                "--scenario",
                str(scenario),
                "--max-spend",
                "0.3",
                "--dry-run",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    dry = capsys.readouterr().out
    assert "the pilot would stop at the cap before finishing" in dry
    assert pilot(double, scenario, prompts, out, "--max-spend", "0.3", "--concurrency", "8") == 0
    printed = capsys.readouterr().out
    rows = records(out)
    settled = [r for r in rows if r["event"] in ("done", "unsettled", "failed")]
    assert sum(D(r["charged_usd"]) for r in settled) <= D("0.3")
    assert double.billed <= D("0.3")  # what the double really billed is under the cap too
    assert "stopped at the cap" in printed and "finishing: about" in printed
    failed = [r for r in settled if r["event"] == "failed"]
    assert failed and all(D(r["charged_usd"]) == D(r["bound_usd"]) for r in failed)
    no_usage = [r for r in settled if r["event"] == "unsettled"]  # a 200 without a bill
    assert no_usage and all(D(r["charged_usd"]) == D(r["bound_usd"]) for r in no_usage)
    assert all(r["maybe_billed"] and r["answer"] for r in no_usage)  # in doubt, answer kept
    assert any(r.get("rate_limited_waits_s") for r in settled)


def test_a_killed_pilot_resumes_and_never_pays_twice(tmp_path, double) -> None:
    scenario, prompts = files(tmp_path, prompts=20)
    out = tmp_path / "pilot"
    double.delay_s = 0.05
    env = {**os.environ, "OPENROUTER_API_KEY": CANARY}
    command = [
        sys.executable,
        "-m",
        "estimator",
        "pilot",
        str(prompts),
        "--scenario",
        str(scenario),
        "--out",
        str(out),
        "--base-url",
        double.url,  # type: ignore[attr-defined]
        "--max-spend",
        "2",
        "--concurrency",
        "2",
    ]
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if (out / "records.jsonl").exists() and len(records(out)) > 20:
            break
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    first = len(double.requests)
    assert 0 < first < 60
    double.delay_s = 0
    assert pilot(double, scenario, prompts, out, "--max-spend", "2") == 0
    rows = records(out)
    done = {(r["prompt_id"], r["strategy"]) for r in rows if r["event"] == "done"}
    in_doubt = 60 - len(done)
    assert in_doubt <= 2  # at most the calls in flight when it died
    for prompt in {r["body"]["messages"][-1]["content"] for r in double.requests}:
        for model in MODELS.values():
            assert double.sent(prompt, model) <= 1  # no pair was sent twice
    if in_doubt:
        assert pilot(double, scenario, prompts, out, "--max-spend", "2", "--retry-in-doubt") == 0
        assert (
            len({(r["prompt_id"], r["strategy"]) for r in records(out) if r["event"] == "done"})
            == 60
        )


def test_the_key_is_never_written(tmp_path, double, capsys) -> None:
    scenario, prompts = files(tmp_path, prompts=3)
    out = tmp_path / "pilot"
    assert pilot(double, scenario, prompts, out, "--max-spend", "1") == 0
    assert double.keys_seen == {f"Bearer {CANARY}"}
    for path in out.rglob("*"):
        assert CANARY.encode() not in path.read_bytes(), path
    assert CANARY not in capsys.readouterr().out


def test_a_pilot_without_a_key_is_bad_input(tmp_path, double, capsys, monkeypatch) -> None:
    monkeypatch.delenv("OPENROUTER_API_KEY")
    scenario, prompts = files(tmp_path, prompts=2)
    assert pilot(double, scenario, prompts, tmp_path / "p", "--max-spend", "1") == 2
    assert "OPENROUTER_API_KEY" in capsys.readouterr().err and not double.requests


def test_review_page_grades_feed_grade_and_the_report(tmp_path, double, capsys, browser) -> None:  # noqa: F811
    """Grade in Chromium, export, reload (progress kept), `grade` the export: counted rates
    in the scenario, p_best in the estimate, the pilot named in the report."""
    from tests.browser import Page

    scenario, prompts = files(tmp_path, prompts=4)
    out = tmp_path / "pilot"
    assert pilot(double, scenario, prompts, out, "--max-spend", "1") == 0
    page = Page(browser, out / "review.html")
    try:
        assert page.errors == []
        boxes = page.page.eval_on_selector_all("[data-token]", "els => els.length")
        assert boxes == 12
        text = page.page.inner_text("body")  # what the reviewer sees
        source = (out / "review.html").read_text()  # and what the page holds
        for name in ("mini", 'fusion"', "gpt-5.4", "deepseek", "openrouter/"):
            assert name not in text and name not in source, name
        page.page.eval_on_selector_all(
            "[data-token]",
            """els => els.forEach((el, i) => el.querySelector(
                   'button[data-grade=' + (i % 3 === 0 ? 'wrong' : 'best') + ']').click())""",
        )
        page.page.reload()
        assert page.page.text_content("#progress") == "12 of 12 answers graded"
        with page.page.expect_download() as download:
            page.page.click("#export")
        grades = tmp_path / "grades.json"
        download.value.save_as(str(grades))
    finally:
        page.close()
    assert main(["grade", str(out), str(grades)]) == 0
    graded = out / "graded-scenario.yaml"
    printed = capsys.readouterr().out
    assert "wrong of 4 graded" in printed
    args = [
        "estimate",
        str(graded),
        "--cost-per-error",
        "5",
        "--format",
        "json",
        "--samples",
        "200",
    ]
    assert main(args) == 0
    found = json.loads(capsys.readouterr().out)
    rates = {r["strategy"]: r["error_rate"] for r in found["decision"]["expected"]}
    exported = json.loads(grades.read_text())["grades"]
    key = json.loads((out / "review-key.json").read_text())["answers"]
    for name, rate in rates.items():
        mine = [g for g in exported if key[g["token"]] == name]
        assert rate == sum(g["grade"] == "wrong" for g in mine) / len(mine)
    assert found["decision"]["uncertainty"]["p_best"] is not None
    assert found["decision"]["pilot"]["graded"] == 12
    html = tmp_path / "r.html"
    args = ["report", str(graded), "-o", str(html), "--samples", "200", "--cost-per-error", "5"]
    assert main(args) == 0
    page_text = html.read_text()
    assert "Your pilot:" in page_text and "12 answers graded blind" in page_text
    assert 'id="how-sure"' in page_text and "probability" in page_text  # p_best, worded


def test_grades_from_another_page_are_refused(tmp_path, double, capsys) -> None:
    scenario, prompts = files(tmp_path, prompts=2)
    out = tmp_path / "pilot"
    assert pilot(double, scenario, prompts, out, "--max-spend", "1") == 0
    other = tmp_path / "g.json"
    other.write_text(json.dumps({"pilot": "someone-else", "grades": []}))
    assert main(["grade", str(out), str(other)]) == 2
    assert "another review page" in capsys.readouterr().err


def test_a_bill_above_its_bound_stops_the_pilot(tmp_path, double, capsys) -> None:
    scenario, prompts = files(tmp_path, prompts=10)
    out = tmp_path / "pilot"
    double.faults = ["overbill"]  # the first call bills $0.25, far above a mini call's bound
    assert pilot(double, scenario, prompts, out, "--max-spend", "2", "--concurrency", "1") == 0
    printed = capsys.readouterr().out
    assert "a call was billed above its worst case" in printed
    assert len(double.requests) == 1  # nothing more was sent


def test_calls_that_may_have_been_billed_are_not_resent_unasked(tmp_path, double, capsys) -> None:
    """A server error may have been billed (web fees are): it counts its bound, for good, and
    the pair waits for --retry-in-doubt."""
    scenario, prompts = files(tmp_path, prompts=1)
    out = tmp_path / "pilot"
    double.faults = ["500"]
    assert pilot(double, scenario, prompts, out, "--max-spend", "2", "--concurrency", "1") == 0
    assert len(double.requests) == 3
    assert pilot(double, scenario, prompts, out, "--max-spend", "2") == 0
    assert len(double.requests) == 3  # not sent again
    assert "calls in doubt" in capsys.readouterr().out
    failed = next(r for r in records(out) if r["event"] == "failed")
    assert pilot(double, scenario, prompts, out, "--max-spend", "2", "--retry-in-doubt") == 0
    assert len(double.requests) == 4
    from estimator.pilot.ledger import Ledger

    with Ledger.open(out, D(2)) as ledger:  # the failed attempt's bound stays counted
        done = [r for r in records(out) if r["event"] == "done"]
        billed = sum(D(r["charged_usd"]) for r in done)
        assert ledger.spent == billed + D(failed["bound_usd"])
        assert not ledger.in_doubt


def test_a_call_in_flight_at_two_kills_stays_counted(tmp_path) -> None:
    """Started twice, finished never, then done: both unfinished attempts stay counted."""
    from estimator.pilot.ledger import Ledger

    path = tmp_path / "records.jsonl"
    start = {"prompt_id": "1", "strategy": "s", "event": "started", "bound_usd": "0.4"}
    done = {**start, "event": "done", "charged_usd": "0.1", "prompt_tokens": 3}
    lines = [start, start, done]
    path.write_text("".join(json.dumps(r) + "\n" for r in lines) + '{"prompt_id": "2", "str')
    with Ledger.open(tmp_path, D(2)) as ledger:
        assert ledger.spent == D("0.4") + D("0.1") and not ledger.in_doubt
    assert path.read_text().endswith("}\n")  # the torn line is gone


def test_duplicate_prompt_ids_are_refused(tmp_path, double, capsys) -> None:
    scenario, _ = files(tmp_path, prompts=1)
    prompts = tmp_path / "p.jsonl"
    prompts.write_text('{"id": "a", "prompt": "x"}\n{"id": "a", "prompt": "y"}\n')
    assert pilot(double, scenario, prompts, tmp_path / "o", "--max-spend", "1") == 2
    assert "p.jsonl:2: prompt id 'a' is also line 1's" in capsys.readouterr().err
    assert not double.requests


def test_one_pilot_at_a_time_per_directory(tmp_path, double, capsys) -> None:
    from estimator.pilot.ledger import Ledger

    scenario, prompts = files(tmp_path, prompts=1)
    out = tmp_path / "pilot"
    with Ledger.open(out, D(1)):
        assert pilot(double, scenario, prompts, out, "--max-spend", "1") == 2
    assert "another pilot is running" in capsys.readouterr().err and not double.requests


def test_the_key_goes_only_over_https_or_to_this_machine(tmp_path, capsys) -> None:
    scenario, prompts = files(tmp_path, prompts=1)
    args = ["pilot", str(prompts), "--scenario", str(scenario), "--max-spend", "1"]
    assert (
        main([*args, "--base-url", "http://mirror.example/api/v1", "--out", str(tmp_path / "o")])
        == 2
    )
    assert "only sent over https" in capsys.readouterr().err


def test_the_dry_run_says_which_calls_no_cap_fits(tmp_path, capsys) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        SCENARIO.replace("      max_completion_tokens: 800\n", "")
        + "  - {name: mini-x3, self_consistency: {model: openai/gpt-5.4-mini}}\n"
    )
    _, prompts = files(tmp_path, prompts=2)
    args = ["pilot", str(prompts), "--scenario", str(scenario), "--max-spend", "0.05"]
    assert main([*args, "--dry-run", "--out", str(tmp_path / "o")]) == 0
    err = capsys.readouterr().err
    assert "note: mini-x3 (self_consistency) is left out" in err
    assert "warning: fusion's worst case is" in err and "it can never run" in err
