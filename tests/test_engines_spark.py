"""`replay --engine spark`, run for real in local mode (pyspark and a Java 17 runtime, which
.ci/run installs): the same generated SQL through Spark gives the embedded engine's replay,
and its totals are the Decimal path's to the last digit. The 10M-row variant runs with
`pytest -m slow`."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest

from estimator.logs import exact_totals, replay
from estimator.logs.synthlog import write
from tests.test_engines import assert_same, comparable
from tests.test_replay import strategies

MINI = "openai/gpt-5.4-mini"


@pytest.fixture(scope="module")
def spark() -> Any:
    """One local session for the module (startup takes seconds), stopped at its end."""
    from estimator.logs.engines.spark import session

    started = time.perf_counter()
    active = session()
    print(f"Spark session started in {time.perf_counter() - started:.1f} s")
    yield active
    active.stop()


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_spark_gives_the_embedded_replay_and_the_decimal_totals(
    tmp_path, catalog, spark, kind
) -> None:
    log = write(tmp_path / f"activity.{kind}", 1500, 11, catalog)
    chosen = strategies(catalog)
    on_spark = replay(log, catalog, chosen, engine="spark")
    assert on_spark.engine == "spark" and on_spark.rows_used == 1500
    assert_same(comparable(on_spark), comparable(replay(log, catalog, chosen)))
    expected = exact_totals(log, catalog, chosen)
    for total in on_spark.strategies:
        assert Decimal(total.total_exact) == expected[total.name].quantize(Decimal("1e-15"))


def test_spark_counts_bad_rows_by_reason(tmp_path, catalog, spark) -> None:
    log = tmp_path / "bad.csv"
    log.write_text(
        "created_at,model_permaslug,tokens_prompt,tokens_completion\n"
        "2026-08-01 10:00:00,openai/gpt-5.4-mini,1000,200\n"
        "2026-08-01 10:00:00,openai/gpt-5.4-mini,-5,200\n"
        "not a date,openai/gpt-5.4-mini,1000,200\n"
        "2026-08-01 10:00:00,openai/gpt-5.4-mini,,200\n"
    )
    chosen = strategies(catalog, {"name": MINI, "single": {"model": MINI}})
    result = replay(log, catalog, chosen, engine="spark")
    assert result.rows_used == 1 and result.rows_read == 4
    assert result.bad_rows.by_reason == {
        "negative tokens_prompt": 1,
        "unparseable created_at": 1,
        "missing or non-numeric tokens_prompt": 1,
    }
    assert result.strategies[0].total_usd == pytest.approx(1000 * 0.75e-6 + 200 * 4.5e-6)


def _hand_calculation(log: Path, catalog: Any) -> Decimal:
    """The single strategy of gpt-5.4-mini over a log, by hand: uncached prompt tokens x the
    prompt price, cached x the cache-read price, visible output (completion - reasoning: the
    model does not reason, so it would answer without thinking) x the completion price."""
    prices = catalog.get_exact(MINI).pricing.prices
    prompt, cached = prices["prompt"].value, prices["input_cache_read"].value
    completion = prices["completion"].value
    sums = np.zeros(3, dtype=np.int64)
    for batch in pq.ParquetFile(log).iter_batches(
        columns=["tokens_prompt", "tokens_completion", "tokens_reasoning", "tokens_cached"]
    ):
        p, c, r, k = (batch.column(i).to_numpy() for i in range(4))
        sums += [int((p - k).sum()), int(k.sum()), int((c - r).sum())]
    return sums[0] * prompt + sums[1] * cached + sums[2] * completion


@pytest.mark.slow
def test_spark_on_ten_million_rows_equals_the_decimal_path(tmp_path, catalog, spark) -> None:
    log = write(tmp_path / "ten-million.parquet", 10_000_000, 7, catalog)
    chosen = strategies(catalog, {"name": MINI, "single": {"model": MINI}})
    started = time.perf_counter()
    on_spark = replay(log, catalog, chosen, engine="spark")
    print(f"Spark, 10M rows: {time.perf_counter() - started:.1f} s")
    assert on_spark.rows_used == 10_000_000
    assert Decimal(on_spark.strategies[0].total_exact) == _hand_calculation(log, catalog)
    embedded = replay(log, catalog, chosen)
    assert on_spark.strategies[0].total_exact == embedded.strategies[0].total_exact
    assert on_spark.calibration.repriced_usd == embedded.calibration.repriced_usd
