"""`fusion-cost sql`: every dialect's query parses in that dialect and keeps exact types; the
ClickHouse one runs for real in embedded ClickHouse (chDB) and replays like the log itself;
--out writes the band table and its DDL; --verify compares with the Decimal path."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlglot

from estimator.api import sql_for
from estimator.cli import main
from estimator.logs import replay
from estimator.logs.engines.query import DIALECTS
from estimator.logs.synthlog import generate
from tests.test_engines import assert_same, comparable
from tests.test_replay import strategies

EXACT_TYPES = {  # what keeps a price per million tokens with 18 decimals in each dialect
    "duckdb": "DECIMAL(38, 18)",
    "spark": "DECIMAL(38, 18)",
    "clickhouse": "Decimal(38, 18)",
    "bigquery": "BIGNUMERIC",
    "snowflake": "DECIMAL(38, 18)",
}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_dialect_parses_and_keeps_exact_prices(catalog, dialect) -> None:
    emitted = sql_for(catalog, strategies(catalog), dialect)
    for sql in (emitted.aggregate, emitted.rows, emitted.ddl):
        assert sqlglot.parse_one(sql, read=dialect) is not None
    assert EXACT_TYPES[dialect] in emitted.ddl
    if dialect == "bigquery":
        assert "NUMERIC(" not in emitted.ddl and " NUMERIC" not in emitted.ddl  # 9 decimals
    # prices come from the joined band table, never from one CASE per model
    assert "openai/gpt-5.4-mini" not in emitted.aggregate
    assert emitted.aggregate.count(" JOIN ") == 1
    assert len(emitted.aggregate) < 40_000  # well under warehouses' query-size limits


def test_out_writes_the_band_table_and_the_queries(tmp_path, catalog, capsys) -> None:
    out = tmp_path / "warehouse"
    argv = ["sql", "--dialect", "bigquery", "--single", "openai/gpt-5.4-mini", "--out", str(out)]
    assert main(argv) == 0
    names = {p.name for p in out.iterdir()}
    assert names == {"aggregate.sql", "rows.sql", "bands.sql", "bands.csv", "bands.parquet"}
    table = pq.read_table(out / "bands.parquet")
    mini = [r for r in table.to_pylist() if r["name"] == "openai/gpt-5.4-mini"]
    assert [(r["prompt"], r["completion"]) for r in mini] == [
        (Decimal("0.75"), Decimal("4.5"))  # USD per million tokens, as the catalog says
    ]
    header = (out / "aggregate.sql").read_text().splitlines()[:6]
    assert catalog.meta.sha256 in header[1] and "replay --stats" in header[4]
    assert "wrote" in capsys.readouterr().err


def test_verify_reproduces_the_decimal_path(tmp_path, catalog, capsys) -> None:
    log = tmp_path / "activity.parquet"
    pq.write_table(generate(800, 5, catalog), log)
    argv = ["sql", "--verify", str(log), "--single", "openai/gpt-5.4-mini", "--fusion"]
    assert main([*argv, "general-high"]) == 0
    out = capsys.readouterr().out
    assert "rows repriced by the SQL and by the rule in Decimal: 800, differing: 0" in out
    assert out.count("(equal)") == 2 and "verified" in out


def test_verify_fails_when_a_row_differs(tmp_path, catalog, capsys, monkeypatch) -> None:
    import estimator.logs.engines.verify as verify

    log = tmp_path / "activity.parquet"
    pq.write_table(generate(50, 5, catalog), log)
    real = verify.micro_to_usd
    monkeypatch.setattr(verify, "micro_to_usd", lambda v: real(v) + Decimal("1e-18"))
    assert main(["sql", "--verify", str(log), "--single", "openai/gpt-5.4-mini"]) == 1
    out = capsys.readouterr().out
    assert "differing: 50" in out and "NOT verified" in out


def _clickhouse_stats(directory: Path, catalog, log: Path, chosen) -> Path:  # type: ignore[no-untyped-def]
    from chdb import session

    emitted = sql_for(catalog, chosen, "clickhouse", "activity")
    for name, body in emitted.files().items():
        (directory / name).write_bytes(body.encode() if isinstance(body, str) else body)
    db = session.Session()
    db.query("SET session_timezone = 'UTC'")
    db.query((directory / "bands.sql").read_text().rstrip().rstrip(";") + " ENGINE = Memory")
    db.query(f"INSERT INTO bands SELECT * FROM file('{directory / 'bands.parquet'}', Parquet)")
    db.query(f"CREATE TABLE activity ENGINE = Memory AS SELECT * FROM file('{log}', Parquet)")
    result = db.query((directory / "aggregate.sql").read_text().rstrip().rstrip(";"), "Parquet")
    stats = directory / "stats.parquet"
    stats.write_bytes(result.bytes())
    return stats


def test_the_clickhouse_query_runs_in_chdb_and_replays_like_the_log(tmp_path, catalog) -> None:
    """The ClickHouse SQL, run by ClickHouse itself on a typed table (dates as timestamps,
    cost as a decimal), gives the statistics of the same replay."""
    table = generate(1500, 6, catalog)
    created = pa.compute.strptime(table["created_at"], "%Y-%m-%d %H:%M:%S", "s", "UTC")
    table = table.set_column(table.schema.get_field_index("created_at"), "created_at", created)
    cost = pa.compute.cast(table["cost_total"], pa.decimal128(18, 12))
    table = table.set_column(table.schema.get_field_index("cost_total"), "cost_total", cost)
    log = tmp_path / "activity.parquet"
    pq.write_table(table, log)
    chosen = strategies(catalog)
    stats = _clickhouse_stats(tmp_path, catalog, log, chosen)
    from_clickhouse = replay(stats, catalog, chosen, stats=stats)
    assert from_clickhouse.engine == "stats" and from_clickhouse.rows_used == 1500
    assert_same(comparable(from_clickhouse), comparable(replay(log, catalog, chosen)))
    json.dumps(from_clickhouse.model_dump(mode="json"), allow_nan=False)
