"""The engines agree: DuckDB reading the file, the python reader feeding DuckDB, and the
statistics a warehouse computes with the generated query give the same replay; and every
strategy's total from the statistics equals the rows priced one by one in Decimal, to the last
digit, also at every tier threshold, context limit, output cap and time window.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from estimator.cli import main
from estimator.logs import exact_totals, replay
from estimator.logs.engines.cells import cell_spec
from estimator.logs.synthlog import write
from tests.test_replay import strategies

ROWS = 3000
HEADER = "created_at,model_permaslug,tokens_prompt,tokens_completion,tokens_reasoning,cost_total\n"
FLOATS = ("max_difference_usd", "max_row_difference_usd", "elapsed_s")


def comparable(result: Any) -> dict[str, Any]:
    """The whole document but what says which engine read it and how long it took."""
    data = result.model_dump(mode="json")
    for key in ("engine", "elapsed_s", "log", "rows_read"):
        data.pop(key)
    data["profile"].pop("source", None)
    return data


def assert_same(a: Any, b: Any, path: str = "") -> None:
    """Equal, except the largest per-row float differences (the engines compute each row's
    float repricing from the same exact prices, by one or two roundings)."""
    if isinstance(a, dict):
        assert set(a) == set(b), path
        for key in a:
            assert_same(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{path}[{i}]")
    elif path.rsplit(".", 1)[-1] in FLOATS:
        assert a == pytest.approx(b, abs=1e-15), path
    else:
        assert a == b, path


@pytest.fixture(scope="module")
def logs(tmp_path_factory, catalog) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    directory = tmp_path_factory.mktemp("engine-logs")
    return {
        kind: write(directory / f"activity.{kind}", ROWS, 3, catalog)
        for kind in ("csv", "parquet", "jsonl")
    }


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_duckdb_reads_a_clean_log_itself_and_agrees_with_the_python_reader(
    catalog, logs, kind
) -> None:
    chosen = strategies(catalog)
    native = replay(logs[kind], catalog, chosen)
    python = replay(logs[kind], catalog, chosen, engine="python")
    assert native.engine == "duckdb" and python.engine == "python"
    assert native.rows_used == ROWS and native.calibration.flagged_rows == 0
    assert_same(comparable(native), comparable(python))


def test_every_format_gives_the_same_exact_totals(catalog, logs) -> None:
    chosen = strategies(catalog)
    exact = {
        kind: {s.name: s.total_exact for s in replay(path, catalog, chosen).strategies}
        for kind, path in logs.items()
    }
    assert exact["csv"] == exact["parquet"] == exact["jsonl"]


def test_totals_equal_the_decimal_path_to_the_last_digit(tmp_path, catalog) -> None:
    path = write(tmp_path / "sample.csv", 400, 21, catalog)
    chosen = strategies(catalog)
    expected = exact_totals(path, catalog, chosen)
    for total in replay(path, catalog, chosen).strategies:
        assert Decimal(total.total_exact) == expected[total.name].quantize(Decimal("1e-15"))


def _edge_rows(catalog: Any, chosen: Any) -> list[tuple[int, int, int, int]]:
    """(prompt, completion, reasoning, cached) rows on and one token past every cut of the
    strategies' cells: tier thresholds through every call, context limits, output caps."""
    rows = []
    for form in cell_spec(chosen, catalog).forms:
        p_, c_, r_ = (int(x) for x in form.coef[:3])
        for edge in form.edges:
            for past in (0, 1):
                target = int(edge) + past
                if (p_, c_, r_) == (0, 0, 1):  # reasoning alone
                    rows.append((2000, target + 300, target, 0))
                elif (p_, c_, r_) == (0, 1, 0):  # completion alone
                    rows.append((2000, target, 100, 0))
                elif p_ == 1:  # the prompt, the rest fixed: c=500, r=100
                    prompt = target - (c_ * 500 + r_ * 100)
                    if 0 < prompt < 2_000_000:
                        rows.append((prompt, 500, 100, prompt // 3))
    return rows


def _log(rows: list[tuple[int, int, int, int]], minutes: list[int] | None = None) -> str:
    text = io.StringIO()
    text.write("created_at,model_permaslug,tokens_prompt,tokens_completion,")
    text.write("tokens_reasoning,tokens_cached\n")
    for i, (p, c, r, k) in enumerate(rows):
        minute = (minutes or [i * 7 % 1440])[i % len(minutes or [1])] if minutes else i * 7 % 1440
        text.write(f"2026-08-01 {minute // 60:02d}:{minute % 60:02d}:00,openai/gpt-5.4-mini,")
        text.write(f"{p},{c},{r},{k}\n")
    return text.getvalue()


def test_exact_at_every_cut_of_every_strategy(tmp_path, catalog) -> None:
    """Rows exactly on each tier threshold (through each Fusion call's prompt), context limit
    (the Auto Router's pool), output cap (Fusion's 16,000) and one token past it, at minutes
    around the day (time windows): the statistics' totals are the Decimal path's."""
    chosen = strategies(catalog)
    rows = _edge_rows(catalog, chosen)
    assert len(rows) > 200
    path = tmp_path / "edges.csv"
    path.write_text(_log(rows))
    expected = exact_totals(path, catalog, chosen)
    result = replay(path, catalog, chosen)
    assert result.rows_used == len(rows)
    for total in result.strategies:
        assert Decimal(total.total_exact) == expected[total.name].quantize(Decimal("1e-15"))


tokens = st.one_of(
    st.integers(0, 3000),
    st.sampled_from([1023, 1024, 1025, 14799, 14800, 14801, 15999, 16000, 16001]),
    st.integers(120_000, 280_000),
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(tokens, tokens, tokens, tokens), min_size=1, max_size=25))
def test_exact_on_random_requests(tmp_path, catalog, drawn) -> None:
    """Any requests (reasoning within completion, cached within prompt)."""
    # (a log of empty requests has no Auto Router pool: every model costs nothing for it)
    rows = [(p + 1, c + 1, min(r, c + 1), min(k, p + 1)) for p, c, r, k in drawn]
    path = tmp_path / "random.csv"
    path.write_text(_log(rows))
    chosen = strategies(catalog)
    expected = exact_totals(path, catalog, chosen)
    for total in replay(path, catalog, chosen).strategies:
        assert Decimal(total.total_exact) == expected[total.name].quantize(Decimal("1e-15"))


# cells DuckDB and the python reader might read differently: the python reader's reading holds
CELLS = st.sampled_from(
    [
        "12",
        " 12",
        "12 ",
        "12.5",
        "1e3",
        "+12",
        "-5",
        "0x10",
        "1_000",
        "",
        "NaN",
        "null",
        "ten",
        "1e400",
        "9" * 30,
        "\u0661\u0662",
        "007",
    ]
)
DATES = st.sampled_from(
    [
        "2026-08-01 10:00:00",
        "2026-08-01T10:00:00Z",
        "2026-08-01T10:00:00+02:00",
        "2026-8-1 10:00",
        "2026-02-30 10:00:00",
        "1786084072",
        "1786084072000",
        "",
        "2026-08-01",
        "soon",
        " 2026-08-01 10:00:00",
    ]
)
COSTS = st.sampled_from(["0.00165", "1e-05", "", "NaN", "1_0", "-0.1", "1.7e308", "abc", "2"])


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(DATES, CELLS, CELLS, CELLS, COSTS), min_size=1, max_size=8))
def test_duckdb_never_reads_a_cell_differently_from_the_python_reader(
    tmp_path, catalog, drawn
) -> None:
    text = HEADER + "".join(
        f"{d},openai/gpt-5.4-mini,{p},{c},{r},{cost}\n" for d, p, c, r, cost in drawn
    )
    path = tmp_path / "cells.csv"
    path.write_text(text, encoding="utf-8")
    chosen = strategies(catalog, {"name": "s", "single": {"model": "openai/gpt-5.4-mini"}})
    try:
        python = replay(path, catalog, chosen, engine="python")
    except Exception as exc:  # a file the python reader refuses is refused by both
        with pytest.raises(type(exc)):
            replay(path, catalog, chosen)
        return
    assert_same(comparable(replay(path, catalog, chosen)), comparable(python))


# --- statistics from a warehouse ------------------------------------------------------------


def _warehouse_stats(tmp_path: Path, catalog: Any, log: Path, chosen: Any, **options: Any) -> Path:
    """Run the generated DuckDB query over the log loaded as a typed warehouse table, the way
    a user runs it in theirs, and save its result as CSV."""
    import duckdb

    from estimator.api import sql_for

    emitted = sql_for(catalog, chosen, "duckdb", "activity", **options)
    out = tmp_path / "warehouse"
    out.mkdir()
    for name, body in emitted.files().items():
        (out / name).write_bytes(body.encode() if isinstance(body, str) else body)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute((out / "bands.sql").read_text())
    con.execute(f"INSERT INTO bands SELECT * FROM read_parquet('{out / 'bands.parquet'}')")
    con.execute(  # as a warehouse keeps it: dates as timestamps
        "CREATE TABLE activity AS SELECT * REPLACE (CAST(created_at AS TIMESTAMP) AS "
        f"created_at) FROM read_parquet('{log}')"
    )
    query = (out / "aggregate.sql").read_text().rstrip().rstrip(";")
    stats = tmp_path / "stats.csv"
    con.execute(f"COPY ({query}) TO '{stats}' (HEADER)")
    return stats


def test_the_warehouse_path_gives_the_same_replay(tmp_path, catalog, logs) -> None:
    chosen = strategies(catalog)
    stats = _warehouse_stats(tmp_path, catalog, logs["parquet"], chosen)
    # PR-sized: cells x days x logged models (a row's reasoning is its own model's)
    assert len(stats.read_text().splitlines()) < 2500
    from_stats = replay(stats, catalog, chosen, stats=stats)
    assert from_stats.engine == "stats"
    assert_same(comparable(from_stats), comparable(replay(logs["parquet"], catalog, chosen)))
    done = main(["replay", "--stats", str(stats), "--single", "openai/gpt-5.4-mini"])
    assert done == 2  # other strategies than the query was made for: refused, one line


def test_statistics_for_other_strategies_are_refused(tmp_path, catalog, logs, capsys) -> None:
    chosen = strategies(catalog, {"name": "s", "single": {"model": "openai/gpt-5.4-mini"}})
    stats = _warehouse_stats(tmp_path, catalog, logs["parquet"], chosen)
    argv = ["replay", "--stats", str(stats), "--single", "openai/gpt-5.4-mini"]
    assert main([*argv, "--format", "json"]) == 0
    capsys.readouterr()
    assert main(["replay", "--stats", str(stats), "--fusion", "general-high"]) == 2
    err = capsys.readouterr().err
    assert "made for other the strategies" in err and "fusion-cost sql" in err
    assert len(err.splitlines()) == 1


# --- attribution and FOCUS ------------------------------------------------------------------


def test_groups_add_up_to_the_totals(tmp_path, catalog) -> None:
    table = pacsv.read_csv(write(tmp_path / "a.csv", 600, 8, catalog))
    users = pa.array([f"user-{i % 7}" for i in range(table.num_rows)])
    table = table.set_column(table.schema.get_field_index("user"), "user", users)
    path = tmp_path / "users.csv"
    pacsv.write_csv(table, path)
    chosen = strategies(catalog)
    result = replay(path, catalog, chosen, group_by=["user", "app_name"])
    assert len(result.groups) == 7
    assert sum(g.requests for g in result.groups) == result.rows_used
    billed = sum(Decimal(g.logged_usd or 0) for g in result.groups)
    assert float(billed) == pytest.approx(result.period["logged_cost_usd"], rel=1e-12)
    for total in result.strategies:
        by_group = sum(Decimal(g.strategies[total.name]) for g in result.groups)
        assert abs(by_group - Decimal(total.total_exact)) <= Decimal("1e-14")
    assert main(["replay", str(path), "--group-by", "nope"]) == 2


def test_focus_rows_are_the_log_and_each_counterfactual(tmp_path, catalog, logs) -> None:
    focus = tmp_path / "focus.csv"
    argv = ["replay", str(logs["csv"]), "--single", "openai/gpt-5.4-mini", "--no-history"]
    assert (
        main([*argv, "--focus-out", str(focus), "-o", str(tmp_path / "r.json"), "--format", "json"])
        == 0
    )
    result = json.loads((tmp_path / "r.json").read_text())
    rows = list(csv.DictReader(io.StringIO(focus.read_text())))
    assert {
        "BilledCost",
        "EffectiveCost",
        "ListCost",
        "ChargePeriodStart",
        "ChargePeriodEnd",
        "ServiceName",
        "ResourceId",
        "x_Strategy",
    } <= set(rows[0])
    billed = [r for r in rows if r["x_Strategy"] == "as-billed"]
    strategy = [r for r in rows if r["x_Strategy"] == "openai/gpt-5.4-mini"]
    assert len(strategy) == 30 and {r["ResourceId"] for r in billed} == {
        m["model"] for m in result["calibration"]["by_model"]
    }
    # exact decimal strings: they add up to the replay's own figures
    assert sum(Decimal(r["BilledCost"]) for r in billed) == pytest.approx(
        Decimal(str(result["period"]["logged_cost_usd"])), abs=Decimal("1e-12")
    )
    assert sum(Decimal(r["ListCost"]) for r in billed) == pytest.approx(
        Decimal(str(result["calibration"]["repriced_usd"])), abs=Decimal("1e-12")
    )
    assert sum(Decimal(r["BilledCost"]) for r in strategy) == Decimal(
        result["strategies"][0]["total_exact"]
    )
    assert all(r["ChargePeriodEnd"] > r["ChargePeriodStart"] for r in rows)


def test_the_cli_offers_every_engine() -> None:
    from estimator.cli import build_parser
    from estimator.logs.run import ENGINES

    replay_parser = build_parser()._subparsers._group_actions[0].choices["replay"]
    engine = next(a for a in replay_parser._actions if a.dest == "engine")
    assert tuple(engine.choices) == ENGINES


def test_rows_out_keeps_the_attribution_columns(tmp_path, catalog, logs) -> None:
    rows = tmp_path / "rows.csv"
    argv = ["replay", str(logs["csv"]), "--single", "openai/gpt-5.4-mini", "--no-history"]
    assert main([*argv, "--group-by", "app_name", "--rows-out", str(rows), "-o", "-"]) == 0
    lines = list(csv.reader(io.StringIO(rows.read_text())))
    assert lines[0][-2:] == ["reason", "app_name"] and len(lines) == ROWS + 1
    assert {line[-1] for line in lines[1:]} == {"synthetic"}


def test_the_warehouse_path_keeps_the_groups(tmp_path, catalog, logs) -> None:
    chosen = strategies(catalog, {"name": "s", "single": {"model": "openai/gpt-5.4-mini"}})
    stats = _warehouse_stats(tmp_path, catalog, logs["parquet"], chosen, group_by=["app_name"])
    from_stats = replay(stats, catalog, chosen, stats=stats, group_by=["app_name"])
    direct = replay(logs["parquet"], catalog, chosen, group_by=["app_name"])
    assert from_stats.groups == direct.groups and len(direct.groups) == 1
    with pytest.raises(Exception, match="--group-by"):  # made with groups: replayed with them
        replay(stats, catalog, chosen, stats=stats)


OTHER_KINDS = [
    {
        "name": "sc",
        "self_consistency": {
            "model": "openai/gpt-5.4-mini",
            "samples": 3,
            "select": {"model": "anthropic/claude-opus-5"},
        },
    },
    {
        "name": "panel",
        "diy_panel": {
            "models": ["openai/gpt-5.4-mini", "deepseek/deepseek-v4-flash"],
            "judge": {"model": "anthropic/claude-opus-5"},
            "web": {"engine": "exa"},
        },
    },
    {"name": "budget", "fusion": {"preset": "general-budget"}},
    {"name": "fast", "fusion": {"preset": "general-fast", "panel_output_tokens": 800}},
]


@pytest.mark.parametrize("spec", OTHER_KINDS, ids=lambda s: s["name"])
def test_exact_at_the_cuts_of_every_kind(tmp_path, catalog, spec) -> None:
    chosen = strategies(catalog, spec)
    rows = [*_edge_rows(catalog, chosen), (900, 300, 50, 100), (250_000, 17_000, 16_500, 0)]
    path = tmp_path / "kind.csv"
    path.write_text(_log(rows))
    expected = exact_totals(path, catalog, chosen)
    (total,) = replay(path, catalog, chosen).strategies
    assert Decimal(total.total_exact) == expected[total.name].quantize(Decimal("1e-15"))
