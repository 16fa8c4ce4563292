"""`replay`: every input format, mapping, bad rows, calibration, profile round trip, chunking."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from estimator.cli import main
from estimator.logs import exact_totals, replay
from estimator.logs.synthlog import generate, write
from estimator.scenario.build import build_all
from estimator.scenario.io import validate_scenario

ROWS = 3000


def strategies(catalog: Any, *specs: dict[str, Any]) -> list[Any]:
    chosen = list(specs) or [
        {"name": "single", "single": {"model": "openai/gpt-5.4-mini"}},
        {"name": "auto", "auto": {"cost_tier": "medium"}},
        {"name": "fusion", "fusion": {"preset": "general-high"}},
        {"name": "windows", "single": {"model": "deepseek/deepseek-v4-pro"}},
    ]
    scenario = validate_scenario(
        {
            "workload": {"requests_per_month": 0, "input_tokens": 0, "output_tokens": 0},
            "strategies": chosen,
        },
        "test",
    )
    return build_all(scenario, catalog)


@pytest.fixture(scope="module")
def clean_csv(tmp_path_factory, catalog) -> Path:  # type: ignore[no-untyped-def]
    return write(tmp_path_factory.mktemp("logs") / "activity.csv", ROWS, 3, catalog)


def totals(result: Any) -> dict[str, float]:
    return {s.name: s.total_usd for s in result.strategies}


@pytest.mark.parametrize(
    "name", ["activity.csv.gz", "activity.parquet", "activity.jsonl", "activity.jsonl.gz"]
)
def test_every_format_gives_the_csv_totals(tmp_path, catalog, clean_csv, name) -> None:
    chosen = strategies(catalog)
    expected = replay(clean_csv, catalog, chosen)
    other = replay(write(tmp_path / name, ROWS, 3, catalog), catalog, chosen)
    assert other.rows_used == expected.rows_used == ROWS
    for key, value in totals(expected).items():
        assert totals(other)[key] == pytest.approx(value, rel=1e-12)
    assert other.calibration.agreement == pytest.approx(1.0, rel=1e-12)


def test_column_mapping_on_a_generic_csv(tmp_path, catalog, clean_csv) -> None:
    table = pacsv.read_csv(clean_csv)
    renamed = table.select(
        ["tokens_prompt", "tokens_completion", "model_permaslug", "created_at"]
    ).rename_columns(["in", "out", "m", "when"])
    path = tmp_path / "generic.csv"
    pacsv.write_csv(renamed, path)
    chosen = strategies(catalog)
    mapped = replay(
        path,
        catalog,
        chosen,
        columns="tokens_prompt=in,tokens_completion=out,model=m,created_at=when",
    )
    # no reasoning or cached columns: compare with the original log stripped of them
    stripped = tmp_path / "stripped.csv"
    pacsv.write_csv(table.drop_columns(["tokens_reasoning", "tokens_cached"]), stripped)
    reference = replay(stripped, catalog, chosen)
    assert totals(mapped) == pytest.approx(totals(reference), rel=1e-12)
    assert mapped.calibration.rows_compared == ROWS


def test_missing_columns_name_them_and_suggest_a_mapping(tmp_path, capsys) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("a,b\n1,2\n")
    assert main(["replay", str(path)]) == 2
    err = capsys.readouterr().err
    assert "'tokens_prompt'" in err and "--columns" in err and "Traceback" not in err


def test_bad_rows_are_counted_with_line_numbers(tmp_path, catalog) -> None:
    table = generate(2000, 5, catalog, bad=0.05)
    path = tmp_path / "bad.csv"
    pacsv.write_csv(table, path)
    prompt = table.column("tokens_prompt").to_pylist()
    created = table.column("created_at").to_pylist()
    broken = [
        i
        for i, (p, c) in enumerate(zip(prompt, created, strict=True))
        if p is None or p < 0 or c == "not a date"
    ]
    result = replay(path, catalog, strategies(catalog))
    assert len(broken) > 50
    assert result.bad_rows.count == len(broken)
    assert result.rows_used == 2000 - len(broken)
    assert result.bad_rows.first_lines == [i + 2 for i in broken[:5]]  # header is line 1
    assert set(result.bad_rows.by_reason) == {
        "missing or non-numeric tokens_prompt",
        "negative tokens_prompt",
        "unparseable created_at",
    }


def test_malformed_lines_giant_fields_and_bad_encoding_are_skipped(
    tmp_path, catalog, clean_csv
) -> None:
    lines = clean_csv.read_bytes().splitlines(keepends=True)
    lines[3] = b'"x","2026-08-01 00:00:00",1,2\n'  # too few columns
    lines[5] = lines[5].replace(b"synthetic", b"s" * 200_000)  # a giant (but valid) field
    lines[7] = lines[7].replace(b"Provider", b"Prov\xff\xfeder")  # not UTF-8 in a column we skip
    path = tmp_path / "dirty.csv"
    path.write_bytes(b"".join(lines))
    result = replay(path, catalog, strategies(catalog))
    assert result.bad_rows.by_reason.get("malformed line") == 1
    assert 4 in result.bad_rows.first_lines
    assert result.rows_used == ROWS - 1


def test_calibration_exact_on_a_catalog_priced_log(catalog, clean_csv) -> None:
    result = replay(clean_csv, catalog, strategies(catalog))
    cal = result.calibration
    assert cal.flagged_rows == 0
    assert cal.repriced_usd == pytest.approx(cal.logged_usd, rel=1e-12)
    assert {m.model for m in cal.by_model} == {
        "openai/gpt-5.4-mini",
        "anthropic/claude-sonnet-5",
        "google/gemini-3.7-flash",
        "deepseek/deepseek-v4-pro",
        "anthropic/claude-opus-5",
    }


def test_calibration_flags_perturbed_costs(tmp_path, catalog) -> None:
    table = generate(2000, 9, catalog, perturb=0.1)
    clean = generate(2000, 9, catalog)
    off = int(
        np.sum(
            np.abs(table.column("cost_total").to_numpy() - clean.column("cost_total").to_numpy())
            > 1e-12
        )
    )
    path = tmp_path / "perturbed.csv"
    pacsv.write_csv(table, path)
    cal = replay(path, catalog, strategies(catalog)).calibration
    assert off > 100
    assert cal.flagged_rows == off
    # the activity export has no prompt/completion split: prices cannot be told from tokens
    assert cal.flagged_by_reason == {
        "price or tokens differ (the log has no prompt/completion split)": off
    }
    assert cal.agreement < 1.0


def test_flag_reasons_web_search_byok_cancelled(tmp_path, catalog) -> None:
    table = generate(300, 4, catalog)
    cost = table.column("cost_total").to_numpy().copy()
    web = np.zeros(300)
    byok = np.zeros(300)
    cancelled = np.zeros(300, dtype=bool)
    cost[0:10] += 0.02
    web[0:10] = 0.02
    cost[10:15] = 0.0
    byok[10:15] = 0.01
    cost[15:18] *= 0.5
    cancelled[15:18] = True
    for name, values in (
        ("cost_total", cost),
        ("cost_web_search", web),
        ("byok_usage_inference", byok),
        ("cancelled", cancelled),
    ):
        table = table.set_column(table.schema.get_field_index(name), name, pa.array(values))
    path = tmp_path / "reasons.csv"
    pacsv.write_csv(table, path)
    cal = replay(path, catalog, strategies(catalog)).calibration
    # web search fees are separated from the token cost, not blamed on anything
    assert cal.flagged_by_reason == {"BYOK": 5, "cancelled": 3}
    (web,) = cal.separated
    assert (web.kind, web.rows) == ("web search fee", 10)
    assert web.usd == pytest.approx(10 * 0.02)
    # what the rows cost their users: the tokens (the BYOK rows' provider charge of $0.01
    # included: OpenRouter's fee on them is $0) and the web fees
    assert cal.logged_total_usd == pytest.approx(cal.logged_usd + 0.2)


def test_unknown_models_are_listed_with_row_counts(tmp_path, catalog, clean_csv) -> None:
    text = clean_csv.read_text().replace("anthropic/claude-opus-5", "acme/secret-model")
    path = tmp_path / "unknown.csv"
    path.write_text(text)
    result = replay(path, catalog, strategies(catalog))
    opus_rows = clean_csv.read_text().count("anthropic/claude-opus-5")
    assert result.unknown_models == {"acme/secret-model": opus_rows}
    assert result.rows_used == ROWS  # strategies still reprice those rows


def test_chunking_gives_the_same_totals(catalog, clean_csv, tmp_path) -> None:
    chosen = strategies(catalog)
    whole = replay(clean_csv, catalog, chosen)
    small = replay(clean_csv, catalog, chosen, block_bytes=16_384)  # many CSV blocks
    parquet = write(tmp_path / "a.parquet", ROWS, 3, catalog)
    chunked = replay(parquet, catalog, chosen, chunk_rows=250)
    assert totals(small) == pytest.approx(totals(whole), rel=1e-12)
    assert totals(chunked) == pytest.approx(totals(whole), rel=1e-12)
    assert small.calibration.logged_usd == pytest.approx(whole.calibration.logged_usd)


def test_vectorised_totals_match_the_exact_path(tmp_path, catalog) -> None:
    path = write(tmp_path / "sample.csv", 400, 21, catalog)
    chosen = strategies(catalog)
    exact = exact_totals(path, catalog, chosen)
    fast = replay(path, catalog, chosen)
    for s in fast.strategies:
        assert abs(Decimal(repr(s.total_usd)) - exact[s.name]) <= Decimal("0.01")
        assert s.total_usd == pytest.approx(float(exact[s.name]), rel=1e-9)


def test_since_and_until_filter_days(catalog, clean_csv) -> None:
    from datetime import date

    august = replay(
        clean_csv, catalog, strategies(catalog), since=date(2026, 8, 10), until=date(2026, 8, 19)
    )
    assert 0 < august.rows_used < ROWS
    assert august.rows_used + august.rows_outside_dates == ROWS
    assert august.period["first"] >= "2026-08-10" and august.period["last"] < "2026-08-20"


@pytest.mark.parametrize(
    "spec",
    [
        {"name": "s", "single": {"model": "openai/gpt-5.4-mini"}},
        # reasoning pinned: replay gives a logged model the row's own reasoning on its rows
        # and its profile on the others, the profile its logged mean on all (as documented)
        {
            "name": "f",
            "fusion": {
                "preset": "general-budget",
                "reasoning": {"outer": 0, "panel": 0, "analyst": 0},
            },
        },
    ],
)
def test_profile_round_trip_reproduces_the_per_request_mean(
    tmp_path, catalog, clean_csv, capsys, spec
) -> None:
    profile = tmp_path / "workload.yaml"
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        json.dumps(
            {
                "name": "round trip",
                "workload": {"requests_per_month": 1, "input_tokens": 1, "output_tokens": 1},
                "strategies": [spec],
            }
        )
    )
    assert (
        main(
            [
                "replay",
                str(clean_csv),
                "--strategies",
                str(scenario),
                "--profile-out",
                str(profile),
                "--format",
                "json",
            ]
        )
        == 0
    )
    replayed = json.loads(capsys.readouterr().out)["strategies"][0]["per_request_usd"]
    assert (
        main(
            [
                "estimate",
                str(scenario),
                "--workload-from",
                str(profile),
                "--format",
                "json",
                "--samples",
                "200",
            ]
        )
        == 0
    )
    estimated = json.loads(capsys.readouterr().out)["strategies"][0]["per_request_usd"]
    assert estimated == pytest.approx(replayed, rel=0.01)


def test_cli_prints_totals_calibration_and_bad_rows(tmp_path, catalog, capsys) -> None:
    path = tmp_path / "a.csv.gz"
    table = generate(1500, 2, catalog, bad=0.01)
    with gzip.open(path, "wb") as handle:
        pacsv.write_csv(table, handle)
    assert (
        main(
            [
                "replay",
                str(path),
                "--single",
                "openai/gpt-5.4-mini",
                "--fusion",
                "general-high",
                "--auto",
                "medium",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "openai/gpt-5.4-mini" in out and "fusion-general-high" in out and "auto-medium" in out
    assert "calibration: token cost repriced" in out and "agreement 1.000000" in out
    assert "bad rows:" in out and "first at lines" in out
    for fmt in ("json", "csv", "markdown"):
        assert main(["replay", str(path), "--single", "openai/gpt-5.4-mini", "--format", fmt]) == 0
        assert capsys.readouterr().out.strip()


def test_missing_log_is_exit_2(capsys) -> None:
    assert main(["replay", "nope.csv"]) == 2
    assert "no such log file" in capsys.readouterr().err
