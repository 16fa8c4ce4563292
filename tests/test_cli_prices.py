"""`fusion-cost prices show|import|diff` in-process, plus subprocess checks (no traceback, a
fast `--help` that does not import pandas, httpx, pydantic, duckdb, sqlglot or pyspark)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest

from estimator.pricing.refresh import import_file
from estimator.renderers.output import emit_csv
from estimator.renderers.safe import csv_cell
from tests.cli import Outcome, run_cli
from tests.conftest import PAYLOAD
from tests.pricing_helpers import (
    ADDED_ID,
    CHANGED_ID,
    REMOVED_ID,
    changed_payload,
    dir_bytes,
    payload,
    row_index,
    with_price,
    write_json,
)

HEAVY = ("pandas", "httpx", "pydantic", "pydantic_core", "duckdb", "sqlglot", "pyspark")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Outcome:
    return run_cli(*argv)


def show_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    code, out, err = run(capsys, "prices", "show", *argv, "--format", "json")
    assert code == 0, err
    return json.loads(out)


# --- prices show -------------------------------------------------------------------------------


def test_show_json_prices_per_million_and_catalog_provenance(
    capsys: pytest.CaptureFixture[str],
) -> None:
    document = show_json(capsys, "anthropic/claude-opus-5")
    (row,) = document["models"]
    assert row["id"] == "anthropic/claude-opus-5"
    assert row["per_million_tokens"]["prompt"] == 5
    assert row["per_million_tokens"]["completion"] == 25
    assert row["per_million_tokens"]["input_cache_read"] == 0.5
    assert row["per_unit"]["web_search"] == 0.01
    assert row["dynamic"] is False
    catalog = document["catalog"]
    assert catalog["fetched_at"].startswith("2026-08-19")
    assert catalog["age_days"] == 98.5  # FUSION_COST_NOW is 2026-11-25T12:00Z
    assert catalog["stale"] is True
    assert catalog["model_count"] == 549
    assert catalog["source"].startswith("https://openrouter.ai/api/v1/models")


def test_show_json_alias_and_tier(capsys: pytest.CaptureFixture[str]) -> None:
    document = show_json(capsys, "~anthropic/claude-opus-latest", "openai/gpt-5.6-sol")
    alias, sol = document["models"]
    assert (alias["id"], alias["alias"], alias["resolved_via"]) == (
        "anthropic/claude-opus-5",
        "~anthropic/claude-opus-latest",
        "alias",
    )
    (tier,) = sol["tiers"]
    assert tier["min_prompt_tokens"] == 272_000
    assert tier["per_million_tokens"]["prompt"] == 5
    assert tier["per_million_tokens"]["completion"] == 22.5


def test_show_dynamic_router_has_null_prices(capsys: pytest.CaptureFixture[str]) -> None:
    (row,) = show_json(capsys, "openrouter/auto")["models"]
    assert row["dynamic"] is True
    assert row["per_million_tokens"] == {"prompt": None, "completion": None}
    assert "strategy" in row["note"]
    code, out, err = run(capsys, "prices", "show", "openrouter/auto")
    assert code == 0
    assert "dynamic" in out
    assert "-1" not in out
    assert "dynamic price" in err


def test_show_all_models_resolves_every_row(capsys: pytest.CaptureFixture[str]) -> None:
    models = show_json(capsys)["models"]
    assert len(models) == 549
    for row in models:
        for value in row["per_million_tokens"].values():
            assert value is None or value >= 0, row["id"]
        if row["dynamic"]:
            assert row["per_million_tokens"]["prompt"] is None, row["id"]


def test_unknown_model_exits_2_with_one_line_did_you_mean(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "prices", "show", "anthropic/claude-opus5", "--format", "json")
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "did you mean" in err
    assert "anthropic/claude-opus-5" in err
    assert "Traceback" not in err


def test_globs_select_matching_ids_sorted(capsys: pytest.CaptureFixture[str]) -> None:
    ids = [row["id"] for row in payload()["data"]]
    wanted = sorted(i for i in ids if fnmatch(i, "anthropic/claude-opus-*"))
    assert len(wanted) > 5
    document = show_json(capsys, "anthropic/claude-opus-*")
    assert [row["requested"] for row in document["models"]] == wanted

    aliases = show_json(capsys, "~*-latest")["models"]
    assert len(aliases) == sum(1 for i in ids if i.startswith("~"))
    assert all(row["resolved_via"] == "alias" and row["alias"] for row in aliases)
    assert all(not row["id"].startswith("~") for row in aliases)

    code, _, err = run(capsys, "prices", "show", "nobody/*")
    assert code == 2
    assert "unknown model 'nobody/*'" in err


def test_table_names_catalog_date_and_warns_when_stale(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "prices", "show", "anthropic/claude-opus-5")
    assert code == 0
    assert "anthropic/claude-opus-5" in out
    line = next(line for line in out.splitlines() if "anthropic/claude-opus-5" in line)
    cells = [cell.strip() for cell in line.split("│")]
    assert "5" in cells
    assert "25" in cells
    assert "catalog: 2026-08-19 (98.5 days old, 549 models)" in err
    assert "warning: the catalog is 98.5 days old, older than 7 days" in err
    assert "catalog: 2026" not in out  # provenance goes to stderr: stdout stays a clean table

    code, _, err = run(capsys, "prices", "show", "anthropic/claude-opus-5", "--max-age-days", "100")
    assert code == 0
    assert "catalog: 2026-08-19" in err
    assert "warning" not in err


def test_max_age_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FUSION_COST_MAX_AGE_DAYS", "120")
    _, _, err = run(capsys, "prices", "show", "anthropic/claude-opus-5")
    assert "warning" not in err
    monkeypatch.setenv("FUSION_COST_MAX_AGE_DAYS", "30")
    _, _, err = run(capsys, "prices", "show", "anthropic/claude-opus-5")
    assert "older than 30 days" in err


# --- CSV ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK()"])
def test_csv_cell_neutralises_formulas(text: str) -> None:
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["a=b", "anthropic/claude-opus-5", "", 5, None, 0.5])
def test_csv_cell_leaves_everything_else(value: object) -> None:
    assert csv_cell(value) == value


def test_emit_csv_quotes_and_neutralises() -> None:
    stream = io.StringIO()
    emit_csv([{"name": '=cmd|" /c calc"!A0', "n": 3}], stream)
    (row,) = csv.DictReader(io.StringIO(stream.getvalue()))
    assert row == {"name": '\'=cmd|" /c calc"!A0', "n": "3"}


def test_show_csv_neutralises_a_hostile_model_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = payload()
    document["data"][row_index(document, "anthropic/claude-opus-5")]["name"] = (
        '=HYPERLINK("http://evil.example","click")'
    )
    cache = tmp_path / "c"
    import_file(write_json(tmp_path / "evil.json", document), cache)
    code, out, err = run(
        capsys, "prices", "show", "anthropic/claude-opus-5", "openrouter/auto",
        "--format", "csv", "--cache-dir", str(cache),
    )  # fmt: skip
    assert code == 0, err
    opus, auto = csv.DictReader(io.StringIO(out))
    assert opus["name"] == '\'=HYPERLINK("http://evil.example","click")'
    assert (opus["input_per_1m"], opus["output_per_1m"]) == ("5", "25")
    assert (auto["input_per_1m"], auto["output_per_1m"]) == ("dynamic", "dynamic")
    assert auto["dynamic"] == "True"


# --- prices diff -------------------------------------------------------------------------------


@pytest.fixture
def old_new(tmp_path: Path) -> tuple[Path, Path]:
    return PAYLOAD, write_json(tmp_path / "new.json", changed_payload())


def test_diff_json_reports_added_removed_changed(
    old_new: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "prices", "diff", *map(str, old_new), "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert result["added"] == [ADDED_ID]
    assert result["removed"] == [REMOVED_ID]
    assert result["changed"] == [
        {"id": CHANGED_ID, "key": "prompt", "old": 5, "new": 6, "change_pct": 20.0}
    ]
    assert (result["old"]["model_count"], result["new"]["model_count"]) == (549, 549)


def test_diff_table_shows_percent_change(
    old_new: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "prices", "diff", *map(str, old_new))
    assert code == 0, err
    assert ADDED_ID in out
    assert REMOVED_ID in out
    changed = next(line for line in out.splitlines() if CHANGED_ID in line)
    assert "5 -> 6" in changed
    assert "+20.0%" in changed
    assert "549 models" in err


def test_diff_of_the_cache_history(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cache = tmp_path / "c"
    import_file(PAYLOAD, cache)
    import_file(write_json(tmp_path / "models-2026-08-20.json", changed_payload()), cache)
    code, out, err = run(capsys, "prices", "diff", "--cache-dir", str(cache), "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert result["old"]["fetched_at"].startswith("2026-08-19")
    assert result["new"]["fetched_at"].startswith("2026-08-20")
    assert (result["added"], result["removed"]) == ([ADDED_ID], [REMOVED_ID])


def test_diff_without_history_exits_2_helpfully(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "prices", "diff")
    assert code == 2
    assert out == ""
    assert "needs two catalogs" in err
    assert "prices diff OLD.json NEW.json" in err
    assert "Traceback" not in err

    code, _, err = run(capsys, "prices", "diff", str(PAYLOAD))
    assert code == 2
    assert "two files" in err


# --- prices import -----------------------------------------------------------------------------


def test_import_of_a_bad_file_names_file_and_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "c"
    import_file(PAYLOAD, cache)
    before = dir_bytes(cache)
    index = row_index(payload(), "openai/gpt-5.6-sol")
    bad = write_json(tmp_path / "bad.json", with_price("openai/gpt-5.6-sol", "completion", "abc"))
    code, _, err = run(capsys, "prices", "import", str(bad), "--cache-dir", str(cache))
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert str(bad) in err
    assert f"data[{index}] (openai/gpt-5.6-sol): pricing.completion" in err
    assert "'abc' is not a decimal number" in err
    assert "Traceback" not in err
    assert dir_bytes(cache) == before


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b'{"data": [', "not valid JSON"), (b"{}", "'data' list"), (b'{"data": []}', "no models")],
)
def test_import_of_a_broken_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, reason: str
) -> None:
    bad = tmp_path / "broken.json"
    bad.write_bytes(content)
    code, _, err = run(capsys, "prices", "import", str(bad), "--cache-dir", str(tmp_path / "c"))
    assert code == 2
    assert str(bad) in err
    assert reason in err
    assert not (tmp_path / "c" / "catalog.json").exists()


# JSON that parses (or nearly) but breaks Python: each of these was a traceback.
HOSTILE_JSON = {
    "huge-integer": (
        lambda body: body.replace(
            b'"context_length": ', b'"context_length": ' + b"7" * 5000 + b', "x": ', 1
        ),
        "5000 digits",
    ),
    "deep-nesting": (lambda body: b"[" * 100_000 + b"]" * 100_000, "nested more than 64 levels"),
    "deep-inside-a-row": (
        lambda body: body.replace(
            b'"context_length": ', b'"x": ' + b"[" * 900 + b"]" * 900 + b', "context_length": ', 1
        ),
        "nested more than 64 levels",
    ),
    "nan": (
        lambda body: body.replace(b'"context_length": ', b'"context_length": NaN, "x": ', 1),
        "NaN is not a number",
    ),
    "overflowing-float": (
        lambda body: body.replace(b'"context_length": ', b'"context_length": 1e999, "x": ', 1),
        "out of range",
    ),
}


def assert_one_error_line(code: int, err: str, expected: int, *needles: str) -> None:
    assert code == expected, err
    assert "Traceback" not in err
    (line,) = [line for line in err.splitlines() if line.startswith("fusion-cost: error: ")]
    assert err.strip().endswith(line)  # the last line: notes ("fetching ...") may come before
    for needle in needles:
        assert needle in line, (needle, line)


@pytest.mark.parametrize("case", sorted(HOSTILE_JSON))
def test_hostile_json_in_an_import_a_refresh_and_a_cached_catalog(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    from tests.fault_helpers import RawServer, head

    damage, needle = HOSTILE_JSON[case]
    body = damage(PAYLOAD.read_bytes())
    assert body != PAYLOAD.read_bytes()
    bad = tmp_path / "hostile.json"
    bad.write_bytes(body)
    cache = tmp_path / "c"
    import_file(PAYLOAD, cache)
    before = dir_bytes(cache)

    code, _, err = run(capsys, "prices", "import", str(bad), "--cache-dir", str(cache))
    assert_one_error_line(code, err, 2, str(bad), needle)
    assert dir_bytes(cache) == before

    def handler(conn: Any, request: Any, stop: Any) -> None:
        conn.sendall(head(Content_Type="application/json", Content_Length=len(body)) + body)

    with RawServer(handler) as server:
        code, _, err = run(
            capsys, "prices", "refresh", "--base-url", server.url(), "--cache-dir", str(cache),
            "--retries", "0", "--timeout", "10", "--force",
        )  # fmt: skip
    assert_one_error_line(code, err, 3, needle)
    assert dir_bytes(cache) == before

    catalog = cache / "catalog.json"
    catalog.write_bytes(damage(catalog.read_bytes()))
    assert catalog.read_bytes() != before["catalog.json"]
    code, _, err = run(capsys, "prices", "show", CHANGED_ID, "--cache-dir", str(cache))
    assert_one_error_line(code, err, 2, str(catalog), needle)


def test_an_oversized_import_is_refused_before_it_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sparse = tmp_path / "models-2026-08-20.json"
    with sparse.open("wb") as handle:
        handle.truncate(64 * 1024 * 1024 + 1)  # sparse: refused by its size, nothing is read
    code, _, err = run(capsys, "prices", "import", str(sparse), "--cache-dir", str(tmp_path / "c"))
    assert_one_error_line(code, err, 2, str(sparse), "larger than 64 MiB")
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize("keep", ["abc", "-5", "0", "1.5", "99999999999999999999"])
def test_a_garbage_history_keep_is_refused_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, keep: str
) -> None:
    cache = tmp_path / "c"
    import_file(PAYLOAD, cache)
    before = dir_bytes(cache)
    new = write_json(tmp_path / "new.json", changed_payload())
    monkeypatch.setenv("FUSION_COST_HISTORY_KEEP", keep)
    code, _, err = run(capsys, "prices", "import", str(new), "--cache-dir", str(cache))
    assert_one_error_line(code, err, 2, "FUSION_COST_HISTORY_KEEP", "whole number")
    assert dir_bytes(cache) == before
    monkeypatch.setenv("FUSION_COST_HISTORY_KEEP", "1")
    code, _, err = run(capsys, "prices", "import", str(new), "--cache-dir", str(cache))
    assert code == 0, err
    assert len(list((cache / "history").iterdir())) == 1


def test_import_of_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "prices", "import", str(tmp_path / "gone.json"))
    assert code == 2
    assert "gone.json: cannot read" in err


def test_import_then_show_uses_the_imported_catalog(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "c"
    new = write_json(tmp_path / "new.json", changed_payload())
    code, _, err = run(
        capsys, "prices", "import", str(new), "--cache-dir", str(cache),
        "--fetched-at", "2026-11-20", "--source", "test mirror",
    )  # fmt: skip
    assert code == 0, err
    assert "imported 549 models (catalog of 2026-11-20)" in err
    document = show_json(capsys, CHANGED_ID, "--cache-dir", str(cache))
    assert document["models"][0]["per_million_tokens"]["prompt"] == 6
    assert document["catalog"]["source"] == "test mirror"
    assert document["catalog"]["age_days"] == 5.5
    assert document["catalog"]["stale"] is False

    code, _, err = run(capsys, "prices", "import", str(new), "--fetched-at", "yesterday")
    assert code == 2
    assert "--fetched-at 'yesterday' is not an ISO date" in err


# --- subprocesses ------------------------------------------------------------------------------


def imported_modules(*argv: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "estimator", *argv],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "usage: fusion-cost" in done.stdout
    lines = [line for line in done.stderr.splitlines() if line.startswith("import time:")]
    return {line.rsplit("|", 1)[-1].strip() for line in lines}


@pytest.mark.parametrize("argv", [("--help",), ("prices", "show", "--help")])
def test_help_does_not_import_heavy_modules(argv: tuple[str, ...]) -> None:
    modules = imported_modules(*argv)
    assert "estimator.cli" in modules  # the import log was parsed
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert heavy == []


def test_subprocess_unknown_model_has_no_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "estimator", "prices", "show", "nobody/nothing"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("fusion-cost: error: unknown model 'nobody/nothing'")
    assert "Traceback" not in done.stderr
