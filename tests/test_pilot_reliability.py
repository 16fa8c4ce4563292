"""The pilot's promises against the faults of issue 23, one test per hole (each failed on the
code before the fix): a cap that holds when names are long, bills come through a BYOK key or
cannot be read; the key in no file; records that keep every billed answer and refuse a
foreign file; prompts keyed by content; the review key replaced atomically; a whole-call
deadline and an answer size cap; a catalog that must be fresh; and the last exit-4 paths.

Everything runs through the CLI against the local double (tests/openrouter_double.py)."""

from __future__ import annotations

import json
import os
import stat
import time
from decimal import Decimal as D
from pathlib import Path

import pytest
import yaml

from estimator.cli import main
from estimator.pricing.secrets import Secrets
from tests.conftest import CANARY, FIXED_NOW
from tests.pilot_helpers import files, make_double, pilot, records, set_fresh

fresh = pytest.fixture(autouse=True)(set_fresh)
double = pytest.fixture(make_double)

MINI_ONLY = """
name: mini only
workload: {requests_per_month: 1000, input_tokens: 200, output_tokens: 100}
strategies:
  - {name: mini, single: {model: openai/gpt-5.4-mini}}
"""


def mini(tmp_path: Path) -> Path:
    scenario = tmp_path / "mini.yaml"
    scenario.write_text(MINI_ONLY)
    return scenario


def jsonl(tmp_path: Path, rows: list[dict], name: str = "p.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def counted(out: Path) -> D:
    """What the records count as spent, read back as a rerun reads them."""
    from estimator.pilot.ledger import Ledger

    return Ledger.open(out, D(1), read_only=True).spent


# --- H1: the bound is of the body as sent -----------------------------------------------------


def test_a_long_name_is_in_the_bound_and_the_cap_holds(tmp_path, double, capsys) -> None:
    """8 prompts with a 60,000-character name (sent and billed: the double bills the whole
    messages JSON): the bound counts it, so the cap holds under concurrency."""
    name = "n" * 60_000
    rows = [{"messages": [{"role": "user", "content": f"q{i}", "name": name}]} for i in range(8)]
    prompts = jsonl(tmp_path, rows)
    out = tmp_path / "out"
    code = pilot(double, mini(tmp_path), prompts, out, "--max-spend", "0.02", "--concurrency", "8")
    assert code == 0
    # a call bills (7 + len(messages JSON) // 4) x $0.75/M + 100 x $4.5/M: about $0.0118
    assert double.billed <= D("0.02")
    assert counted(out) >= double.billed


def test_a_bill_above_its_bound_stops_every_later_run_until_accepted(
    tmp_path, double, capsys
) -> None:
    """The over-bound stop is remembered: a rerun with a higher cap sends nothing, and says
    what was learned; --accept-over-bound goes on with that strategy's bounds raised."""
    scenario = mini(tmp_path)
    _, prompts = files(tmp_path, prompts=6)
    out = tmp_path / "out"
    double.faults = ["overbill"]
    assert pilot(double, scenario, prompts, out, "--max-spend", "2", "--concurrency", "1") == 0
    assert len(double.requests) == 1
    capsys.readouterr()
    assert pilot(double, scenario, prompts, out, "--max-spend", "7") == 2
    err = capsys.readouterr().err
    assert len(double.requests) == 1  # nothing sent
    assert "billed above their worst case" in err and "--accept-over-bound" in err
    assert "higher --max-spend" not in err
    code = pilot(double, scenario, prompts, out, "--max-spend", "7", "--accept-over-bound")
    assert code == 0 and len(double.requests) == 6
    accepted = [r for r in records(out) if r["event"] == "accepted"]
    first = next(r for r in records(out) if r["event"] == "done")
    ratio = D(first["charged_usd"]) / D(first["bound_usd"])
    assert D(accepted[0]["ratios"]["mini"]) >= ratio  # later bounds raised by what was seen
    later = [r for r in records(out) if r["event"] == "started"][1:]
    assert all(D(r["bound_usd"]) >= D(first["bound_usd"]) * ratio for r in later)
    assert pilot(double, scenario, prompts, out, "--max-spend", "7") == 0  # accepted for good


# --- H2: every bill counts, whoever bills it --------------------------------------------------


def test_byok_bills_count_the_providers_bill_and_stop_unless_allowed(
    tmp_path, double, capsys
) -> None:
    """BYOK: usage.cost is OpenRouter's 5% and the provider bills the rest: both count, and
    the run stops until --allow-byok."""
    scenario = mini(tmp_path)
    _, prompts = files(tmp_path, prompts=40)
    out = tmp_path / "out"
    double.faults = ["byok"] * 40
    assert pilot(double, scenario, prompts, out, "--max-spend", "0.01", "--concurrency", "4") == 0
    assert double.billed <= D("0.01")
    assert counted(out) >= double.billed
    sent = len(double.requests)
    assert sent <= 4  # the calls in flight when the first BYOK bill came back
    assert "BYOK" in capsys.readouterr().out
    assert pilot(double, scenario, prompts, out, "--max-spend", "0.01") == 2
    assert "--allow-byok" in capsys.readouterr().err and len(double.requests) == sent
    code = pilot(double, scenario, prompts, out, "--max-spend", "0.01", "--allow-byok")
    assert code == 0 and double.billed <= D("0.01") and counted(out) >= double.billed
    assert len(double.requests) > sent


# --- H3: a billed 200 that cannot be read -----------------------------------------------------


@pytest.mark.parametrize("fault", ["cut", "sse", "list", "bignum", "nan", "inf", "error200"])
def test_a_billed_answer_that_cannot_be_read_counts_its_bound_and_is_not_resent(
    tmp_path, double, capsys, fault
) -> None:
    scenario = mini(tmp_path)
    _, prompts = files(tmp_path, prompts=5)
    out = tmp_path / "out"
    double.faults = [fault] * 5
    for _ in range(3):
        assert pilot(double, scenario, prompts, out, "--max-spend", "1") == 0
    assert len(double.requests) == 5  # each pair sent once, never again unasked
    unsettled = [r for r in records(out) if r["event"] == "unsettled"]
    assert len(unsettled) == 5
    assert all(D(r["charged_usd"]) == D(r["bound_usd"]) for r in unsettled)
    assert counted(out) >= double.billed
    assert "in doubt" in capsys.readouterr().out


# --- H4: the key in no file -------------------------------------------------------------------


def test_an_answer_quoting_the_key_leaves_it_in_no_file(tmp_path, double, capsys) -> None:
    """The answer, the model, the provider and an error body quote the key (raw, percent-
    encoded, as HTML references and escapes): records, page, calibration and fitted scenario
    hold none of them, nor does the graded scenario."""
    scenario, prompts = files(tmp_path, prompts=4)
    out = tmp_path / "out"
    double.faults = ["echo-key"] * 10 + ["400"] * 2
    assert pilot(double, scenario, prompts, out, "--max-spend", "2") == 0
    secrets = Secrets.of(CANARY)
    for path in out.iterdir():
        data = path.read_bytes()
        assert CANARY.encode() not in data, path.name
        assert secrets.found_in(data) is None, path.name
    fitted = yaml.safe_load((out / "fitted-scenario.yaml").read_text())
    auto = next(s for s in fitted["strategies"] if s["name"] == "auto")["auto"]
    assert all(not m.startswith("Bearer") for m in auto.get("allowed_models", []))
    assert "[API key]" in (out / "records.jsonl").read_text()  # redacted, not dropped


# --- H5: report --pdf through the one writer --------------------------------------------------


def test_report_pdf_never_writes_through_a_planted_temp_symlink(tmp_path, capsys) -> None:
    pytest.importorskip("playwright")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    pdf = tmp_path / "r.pdf"
    (tmp_path / ".r.pdf.tmp").symlink_to(victim)  # the old fixed temp name
    args = ["report", "-o", str(tmp_path / "r.html"), "--pdf", str(pdf), "--samples", "200"]
    assert main(args) == 0
    assert victim.read_text() == "keep me"
    assert pdf.read_bytes().startswith(b"%PDF")
    planted = tmp_path / ".r.pdf.tmp"
    assert planted.is_symlink()  # left alone, and no temp of ours left behind
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".r.pdf.")] == [planted]
    link = tmp_path / "link.pdf"
    link.symlink_to(tmp_path / "target.pdf")
    assert main([*args[:3], "--pdf", str(link), "--samples", "200"]) == 0
    assert link.is_symlink() and (tmp_path / "target.pdf").read_bytes().startswith(b"%PDF")


def test_report_pdf_writes_a_fifo_in_place(tmp_path, capsys) -> None:
    pytest.importorskip("playwright")
    import threading

    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    args = ["report", "-o", str(tmp_path / "r.html"), "--pdf", str(fifo), "--samples", "200"]
    assert main(args) == 0
    reader.join(30)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still a FIFO, never renamed over
    assert got and got[0].startswith(b"%PDF")


# --- M1: freshness ----------------------------------------------------------------------------


def test_a_stale_catalog_is_refused_unless_allowed_and_then_bounds_carry_a_margin(
    tmp_path, double, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("FUSION_COST_NOW", FIXED_NOW)  # 98 days after the shipped catalog
    scenario = mini(tmp_path)
    _, prompts = files(tmp_path, prompts=2)
    out = tmp_path / "out"
    assert pilot(double, scenario, prompts, out, "--max-spend", "1", "--max-age-days", "30") == 2
    err = capsys.readouterr().err
    assert "warning: the catalog is 98.5 days old" in err and "--allow-stale" in err
    assert not double.requests
    dry = ["--max-spend", "1", "--dry-run", "--max-age-days"]
    assert pilot(double, scenario, prompts, out, *dry, "120") == 0
    fresh_bound = capsys.readouterr().out.split("worst case ")[1].split(" ")[0]
    assert pilot(double, scenario, prompts, out, *dry, "30") == 0
    stale_bound = capsys.readouterr().out.split("worst case ")[1].split(" ")[0]
    assert D(stale_bound.strip("$")) == 2 * D(fresh_bound.strip("$"))
    code = pilot(double, scenario, prompts, out, "--max-spend", "1", "--allow-stale")
    assert code == 0 and len(double.requests) == 2


# --- M2: a foreign records.jsonl --------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b'{"level": "info", "msg": "another tool"}\n{"level": "warn"',
        b"plain text log\nno newline at the end",
        b'{"prompt_id": "1", "strategy": "s", "event": "done"}\n',  # ours in shape, not in fields
        b"only one torn line",
    ],
)
def test_a_foreign_records_file_is_left_untouched(tmp_path, double, capsys, content) -> None:
    scenario = mini(tmp_path)
    _, prompts = files(tmp_path, prompts=2)
    out = tmp_path / "out"
    out.mkdir()
    (out / "records.jsonl").write_bytes(content)
    assert pilot(double, scenario, prompts, out, "--max-spend", "1") == 2
    assert "not a fusion-cost pilot record" in capsys.readouterr().err
    assert (out / "records.jsonl").read_bytes() == content and not double.requests


def test_a_records_symlink_is_refused(tmp_path, double, capsys) -> None:
    scenario = mini(tmp_path)
    _, prompts = files(tmp_path, prompts=1)
    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "bashrc"
    elsewhere.write_text("export X=1\n")
    (out / "records.jsonl").symlink_to(elsewhere)
    assert pilot(double, scenario, prompts, out, "--max-spend", "1") == 2
    assert elsewhere.read_text() == "export X=1\n" and not double.requests


# --- M3: prompts without an id are keyed by content -------------------------------------------


def test_adding_a_line_never_mispairs_or_pays_twice(tmp_path, double, capsys) -> None:
    scenario = mini(tmp_path)
    prompts = tmp_path / "p.txt"
    prompts.write_text("".join(f"question number {i}\n" for i in range(4)))
    out = tmp_path / "out"
    assert pilot(double, scenario, prompts, out, "--max-spend", "1") == 0
    prompts.write_text("a brand new first question\n" + prompts.read_text())
    assert pilot(double, scenario, prompts, out, "--max-spend", "1") == 0
    sent = [r["body"]["messages"][-1]["content"] for r in double.requests]
    assert sorted(sent) == sorted(prompts.read_text().splitlines())  # each once, the new one too
    # the double answers "answer N: <the end of the messages JSON>": each answer is its prompt's
    for row in records(out):
        if row["event"] == "done":
            question = row["request"]["messages"][-1]["content"]
            assert question[-10:] in row["answer"], (question, row["answer"])
    page = (out / "review.html").read_text()
    for block in page.split('<section class="prompt">')[1:]:
        question = block.split("<p>")[1].split("</p>")[0]
        assert question[-10:] in block.split('class="answer"')[1]


# --- M4: the review key -----------------------------------------------------------------------


def test_the_review_key_is_replaced_atomically_and_never_silently_renewed(
    tmp_path, double, capsys
) -> None:
    scenario = mini(tmp_path)
    _, prompts = files(tmp_path, prompts=2)
    out = tmp_path / "out"
    assert pilot(double, scenario, prompts, out, "--max-spend", "1") == 0
    key = out / "review-key.json"
    first = json.loads(key.read_text())["pilot"]
    os.link(key, tmp_path / "old-key.json")  # a hard link sees an in-place write
    _, more = files(tmp_path, prompts=3)
    assert pilot(double, scenario, more, out, "--max-spend", "1") == 0
    assert json.loads(key.read_text())["pilot"] == first
    assert (tmp_path / "old-key.json").read_text() != key.read_text()  # a new file, replaced
    key.write_text(key.read_text()[:40])  # a torn key (a failed in-place write)
    sent = len(double.requests)
    more.write_text(more.read_text() + "one more question\n")  # a call to make
    assert pilot(double, scenario, more, out, "--max-spend", "1") == 2
    assert "review-key.json: not a review key" in capsys.readouterr().err
    assert len(double.requests) == sent  # refused before anything was sent


# --- M5, M6: answers and usage values of any shape --------------------------------------------


def test_every_billed_answer_is_kept_whatever_its_shape(tmp_path, double, capsys) -> None:
    scenario = mini(tmp_path)
    _, prompts = files(tmp_path, prompts=3)
    out = tmp_path / "out"
    double.faults = ["surrogate", "cost-true", "message-str"]
    assert pilot(double, scenario, prompts, out, "--max-spend", "1", "--concurrency", "1") == 0
    settled = {r["prompt_id"]: r for r in records(out) if r["event"] in ("done", "unsettled")}
    assert len(settled) == 3
    answers = [r["answer"] for r in settled.values()]
    assert any("\ud800" in a for a in answers)  # the lone surrogate, kept as it came
    assert "a bare string message" in answers
    assert all(a for a in answers)
    assert "\ufffd" in (out / "review.html").read_text()  # shown, as a replacement character


@pytest.mark.parametrize(
    "fault", ["cost-abc", "cost-negative", "tokens-null", "tokens-text", "tokens-missing"]
)
def test_an_odd_usage_value_never_breaks_a_later_run(tmp_path, double, capsys, fault) -> None:
    scenario, prompts = files(tmp_path, prompts=3)
    out = tmp_path / "out"
    double.faults = [fault] * 9
    for _ in range(2):
        assert pilot(double, scenario, prompts, out, "--max-spend", "2") == 0
    printed = capsys.readouterr().out
    assert "$-" not in printed and "nan" not in printed.lower()
    calibration = (out / "calibration.json").read_text()
    from estimator.pricing.payload import loads_strict

    loads_strict(calibration)  # no NaN, no Infinity
    assert counted(out) >= double.billed


# --- M7, M8: the deadline and the size cap ----------------------------------------------------


def test_a_drip_fed_answer_ends_at_the_calls_deadline(tmp_path, double, capsys) -> None:
    scenario = mini(tmp_path)
    _, prompts = files(tmp_path, prompts=1)
    out = tmp_path / "out"
    double.faults = ["drip"]
    start = time.monotonic()
    assert pilot(double, scenario, prompts, out, "--max-spend", "1", "--timeout", "1") == 0
    assert time.monotonic() - start < 5  # the answer would drip for minutes
    row = next(r for r in records(out) if r["event"] in ("unsettled", "failed"))
    assert row["maybe_billed"] and D(row["charged_usd"]) == D(row["bound_usd"])


def test_a_huge_answer_is_cut_at_its_cap(tmp_path, double, capsys) -> None:
    scenario = mini(tmp_path)
    _, prompts = files(tmp_path, prompts=1)
    out = tmp_path / "out"
    double.faults = ["huge"]  # 40 MiB, for an answer of at most 200 tokens
    assert pilot(double, scenario, prompts, out, "--max-spend", "1") == 0
    assert (out / "records.jsonl").stat().st_size < 1024 * 1024
    assert (out / "review.html").stat().st_size < 1024 * 1024
    row = next(r for r in records(out) if r["event"] == "unsettled")
    assert "over" in row["error"] and D(row["charged_usd"]) == D(row["bound_usd"])


# --- lows -------------------------------------------------------------------------------------


def test_a_pilot_with_no_call_done_does_not_say_finished(tmp_path, double, capsys) -> None:
    scenario = mini(tmp_path)
    _, prompts = files(tmp_path, prompts=3)
    out = tmp_path / "out"
    double.faults = ["400"] * 3
    assert pilot(double, scenario, prompts, out, "--max-spend", "1") == 0
    printed = capsys.readouterr().out
    assert "finished" not in printed and "0 of 3 calls done" in printed


def test_a_malformed_first_line_does_not_turn_jsonl_into_text(tmp_path, double, capsys) -> None:
    prompts = tmp_path / "p.jsonl"
    prompts.write_text('{"prompt": "a", \n{"prompt": "b"}\n{"prompt": "c"}\n')
    assert pilot(double, mini(tmp_path), prompts, tmp_path / "o", "--max-spend", "1") == 2
    assert "p.jsonl:1: not a JSON object" in capsys.readouterr().err and not double.requests


def test_a_lone_surrogate_prompt_is_one_line_even_in_a_dry_run(tmp_path, capsys) -> None:
    prompts = tmp_path / "p.jsonl"
    prompts.write_text('{"prompt": "fine"}\n{"prompt": "broken \\ud800 escape"}\n')
    args = ["pilot", str(prompts), "--scenario", str(mini(tmp_path)), "--max-spend", "1"]
    assert main([*args, "--dry-run", "--out", str(tmp_path / "o")]) == 2
    assert "p.jsonl:2: a lone surrogate (\\ud800)" in capsys.readouterr().err


def test_counting_a_huge_line_encodes_it_a_chunk_at_a_time(monkeypatch) -> None:
    """A 1 MiB prompt without a space is never handed to the tokenizer whole (BPE on one huge
    piece takes minutes and gigabytes at 64 MiB); ordinary text counts as it would whole."""
    from estimator.workload import prompts as module

    real = module._encoding("o200k_base")
    seen: list[int] = []

    class Spy:
        def encode_ordinary(self, text: str) -> list[int]:
            seen.append(len(text))
            return real.encode_ordinary(text)

    monkeypatch.setattr(module, "_encoding", lambda name: Spy())
    sample = module.PromptSample("1", 1, text="a" * (1024 * 1024))
    assert module.count_tokens([sample]).input == [len(real.encode_ordinary("a" * 1024 * 1024))]
    assert max(seen) <= 64 * 1024
    words = " ".join(f"word{i % 97} and, more: text." for i in range(30_000))
    seen.clear()
    spaced = module.count_tokens([module.PromptSample("2", 1, text=words)]).input
    assert spaced == [len(real.encode_ordinary(words))] and max(seen) <= 64 * 1024


@pytest.mark.parametrize(
    "field",
    [
        "requests_per_month: {low: -5, high: 5}",
        "input_tokens: {low: -100, high: 300}",
        "output_tokens: {mean: {low: -50, high: 250}, p95: 300}",
    ],
)
def test_a_range_whose_end_is_invalid_is_bad_input(tmp_path, capsys, field) -> None:
    base = {
        "requests_per_month": "requests_per_month: 1000",
        "input_tokens": "input_tokens: 200",
        "output_tokens": "output_tokens: 100",
    }
    base[field.split(":")[0]] = field
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "name: r\nworkload:\n"
        + "".join(f"  {line}\n" for line in base.values())
        + "strategies:\n  - {name: a, single: {model: openai/gpt-5.4-mini}}\n"
    )
    assert main(["estimate", str(scenario), "--samples", "200"]) == 2
    err = capsys.readouterr().err
    assert "s.yaml:" in err and "the range's low end" in err


def test_a_range_in_a_strategy_is_checked_at_both_ends(tmp_path, capsys) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "name: r\nworkload: {requests_per_month: 1000, input_tokens: 200, output_tokens: 100}\n"
        "strategies:\n  - name: f\n    fusion:\n      preset: general-budget\n"
        "      invocation_rate: {low: 0.5, high: 1.5}\n"
    )
    assert main(["estimate", str(scenario), "--samples", "200"]) == 2
    assert "s.yaml:7: strategies[0].fusion.invocation_rate: the range's high end 1.5" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize(
    "command",
    [
        ["estimate"],
        ["report", "-o", "r.html"],
        ["check"],
        ["prices", "show"],
        ["presets"],
        ["replay", "LOG"],
        ["pilot", "PROMPTS", "--scenario", "SCENARIO", "--max-spend", "1", "--dry-run"],
    ],
)
@pytest.mark.parametrize("now", ["9999-12-31", "0001-01-01", "9999-12-31T23:59:59-12:00"])
def test_a_far_fixed_now_is_bad_input_in_every_command(
    tmp_path, capsys, monkeypatch, command, now
) -> None:
    from tests.conftest import REAL

    _, prompts = files(tmp_path, prompts=1)
    names = {
        "LOG": str(REAL / "openrouter-usage-2026-08.jsonl"),
        "PROMPTS": str(prompts),
        "SCENARIO": str(mini(tmp_path)),
    }
    monkeypatch.setenv("FUSION_COST_NOW", now)
    assert main([names.get(a, a) for a in command]) == 2
    assert "FUSION_COST_NOW" in capsys.readouterr().err


def test_a_one_letter_url_password_is_not_redacted_letter_by_letter(capsys) -> None:
    assert Secrets.of(None, "http://u:p@host/x").redact("please stop, u:p") == (
        "please stop, [URL credentials]"
    )
    assert main(["prices", "refresh", "--base-url", "http://u:p@127.0.0.1:9/x"]) == 2
    err = capsys.readouterr().err
    assert "[URL credentials]" not in err and "process lists" in err


def test_two_non_ascii_names_get_two_reports(tmp_path, capsys) -> None:
    written = []
    for name in ("成本", "費用"):
        scenario = tmp_path / f"{len(written)}.yaml"
        scenario.write_text(MINI_ONLY.replace("name: mini only", f"name: {name}"))
        assert main(["report", str(scenario), "--samples", "200"]) == 0
        written.append(capsys.readouterr().out.splitlines()[0])
    assert written[0] != written[1] and all(Path(p).exists() for p in written)


def test_grade_finishes_when_the_scenario_has_a_kind_the_pilot_cannot_send(
    tmp_path, double, capsys
) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        MINI_ONLY + "  - {name: x3, self_consistency: {model: openai/gpt-5.4-mini}}\n"
    )
    _, prompts = files(tmp_path, prompts=2)
    out = tmp_path / "out"
    assert pilot(double, scenario, prompts, out, "--max-spend", "1") == 0
    key = json.loads((out / "review-key.json").read_text())
    grades = tmp_path / "g.json"
    marks = [{"token": t, "grade": "best"} for t in key["answers"]]
    grades.write_text(json.dumps({"pilot": key["pilot"], "grades": marks}))
    assert main(["grade", str(out), str(grades)]) == 2
    err = capsys.readouterr().err
    assert "x3: not piloted" in err and "decision.error_rate.x3" in err
    fitted = yaml.safe_load((out / "fitted-scenario.yaml").read_text())
    fitted["decision"]["error_rate"] = {"mini": 0.1, "x3": {"low": 0.02, "high": 0.08}}
    given = tmp_path / "given.yaml"
    given.write_text(yaml.safe_dump(fitted))
    assert main(["grade", str(out), str(grades), "--scenario", str(given)]) == 0
    graded = yaml.safe_load((out / "graded-scenario.yaml").read_text())
    assert graded["decision"]["error_rate"]["mini"] == {"wrong": 0, "of": 2}
    assert graded["decision"]["error_rate"]["x3"] == {"low": 0.02, "high": 0.08}


def test_records_keyed_by_line_number_are_not_paid_again(tmp_path, double, capsys) -> None:
    """Records an older version wrote (prompts without an id keyed by their line, the raw
    usage only): the same prompts, now keyed by content, are not sent again."""
    from estimator.api import load_catalog, load_scenario, pilot_plan

    scenario = mini(tmp_path)
    _, prompts = files(tmp_path, prompts=3)
    pairs = pilot_plan(prompts, load_scenario(scenario), load_catalog())
    out = tmp_path / "out"
    out.mkdir()
    legacy = []
    for pair in pairs:
        row = {
            "prompt_id": str(pair.sample.line),
            "strategy": pair.strategy,
            "prompt_tokens": pair.prompt_tokens,
            "request": pair.body,
        }
        usage = {"prompt_tokens": 20, "completion_tokens": 9, "cost": 0.0001}
        legacy.append({**row, "event": "started", "bound_usd": str(pair.bound)})
        done = {**row, "status": 200, "ok": True, "usage": usage, "answer": "old answer"}
        legacy.append(
            {**done, "event": "done", "bound_usd": str(pair.bound), "charged_usd": "0.0001"}
        )
    (out / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in legacy))
    assert pilot(double, scenario, prompts, out, "--max-spend", "1") == 0
    assert not double.requests
    assert "3 of 3 calls done" in capsys.readouterr().out
