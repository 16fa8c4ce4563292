"""Spark, for logs beyond one machine: the same generated SQL (transpiled to Spark's dialect)
through PySpark, on a Parquet, CSV or JSON-lines path or a table name.

The session is the active one, else Spark Connect at `SPARK_REMOTE`, else local mode
(`FUSION_COST_SPARK_MASTER`, default local[2]). Exact decimals: the session runs with
`spark.sql.decimalOperations.allowPrecisionLoss=false` (prices are DECIMAL(38, 18) per
million tokens, token sums integers: no product needs more than 38 digits) and dates in UTC.
Spark reads the file itself, so a bad row is counted with its reason (no line numbers), and
the rows that need the per-row path come back to the driver (at most `HARD_LIMIT`).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

from estimator.errors import UserError
from estimator.logs.calibration import Calibrator
from estimator.logs.engines.bands import COLUMNS, PRICE_TYPE
from estimator.logs.engines.canon import Source
from estimator.logs.engines.plan import Outcome, Plan
from estimator.logs.engines.query import aggregate, hard_rows, render
from estimator.logs.engines.stats import from_rows
from estimator.logs.reader import _check_required, log_format

HARD_LIMIT = 1_000_000  # rows brought back to the driver to be calibrated one by one
CONFIG = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.decimalOperations.allowPrecisionLoss": "false",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}


def session() -> Any:
    """The active session, Spark Connect (SPARK_REMOTE), or local mode."""
    try:
        return _session()
    except ImportError:
        raise UserError("--engine spark needs PySpark: pip install 'fusion-cost[spark]'") from None
    except Exception as exc:  # no Java, no Spark Connect server: one line, not a traceback
        if type(exc).__module__.startswith(("pyspark", "py4j")):
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise UserError(
                f"--engine spark: no Spark session ({first}); local mode needs a Java 17 "
                "runtime, Spark Connect a server at SPARK_REMOTE"
            ) from None
        raise


def _session() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyspark warns about the pandas it may not use
        from pyspark.sql import SparkSession

        active = SparkSession.getActiveSession()
        if active is not None:
            spark = active
        else:
            builder = SparkSession.builder.appName("fusion-cost")
            remote = os.environ.get("SPARK_REMOTE")
            if remote:
                builder = builder.remote(remote)
            else:
                builder = builder.master(os.environ.get("FUSION_COST_SPARK_MASTER", "local[2]"))
            for key, value in CONFIG.items():
                builder = builder.config(key, value)
            spark = builder.getOrCreate()
    for key in ("spark.sql.session.timeZone", "spark.sql.decimalOperations.allowPrecisionLoss"):
        spark.conf.set(key, CONFIG[key])
    return spark


def _family(spark_type: Any) -> str:
    name = type(spark_type).__name__
    return {
        "BooleanType": "bool",
        "ByteType": "int",
        "ShortType": "int",
        "IntegerType": "int",
        "LongType": "int",
        "FloatType": "float",
        "DoubleType": "float",
        "DecimalType": "decimal",
        "TimestampType": "timestamp",
        "TimestampNTZType": "timestamp",
        "DateType": "date",
    }.get(name, "text")


def _frame(spark: Any, log: Path) -> tuple[Any, bool]:
    """The log as a DataFrame, and whether its columns are text (CSV)."""
    if not log.exists():
        try:
            return spark.table(str(log)), False  # a table name
        except Exception:
            raise UserError(f"{log}: no such log file, nor a table Spark knows") from None
    kind = log_format(log)
    path = str(log)
    if kind == "parquet":
        return spark.read.parquet(path), False
    if kind == "jsonl":
        return spark.read.json(path), False
    reader = spark.read.option("header", True).option("escape", '"').option("inferSchema", False)
    return reader.csv(path), True


def _source(plan: Plan, frame: Any, text: bool) -> Source:
    names = list(frame.columns)
    available = _check_required(names, plan.mapping, plan.log)
    missing = [g for g in plan.groups if g not in names]
    if missing:
        raise UserError(f"{plan.log}: --group-by {', '.join(missing)}: no such column")
    if text:
        return Source("log_source", "text", available, groups=plan.groups, csv_nulls=True)
    fields = {f.name: f.dataType for f in frame.schema.fields}
    families = {c: _family(fields[col]) for c, col in available.items()}
    return Source("log_source", "typed", available, families, plan.groups)


def _bands_frame(spark: Any, plan: Plan) -> Any:
    from decimal import Decimal

    spark_types = {"BIGINT": "BIGINT", "VARCHAR": "STRING", "BOOLEAN": "BOOLEAN"}
    spark_types |= {"DOUBLE": "DOUBLE", PRICE_TYPE: "DECIMAL(38,18)"}
    schema = ", ".join(f"{name} {spark_types[sql]}" for name, sql in COLUMNS)
    rows = [
        tuple(Decimal(row[name]) if sql == PRICE_TYPE else row[name] for name, sql in COLUMNS)
        for row in plan.bands.rows()
    ]
    return spark.createDataFrame(rows, schema)


def run_spark(plan: Plan, calibrator: Calibrator) -> Outcome:
    spark = session()
    frame, text = _frame(spark, plan.log)
    source = _source(plan, frame, text)
    frame.createOrReplaceTempView("log_source")
    _bands_frame(spark, plan).createOrReplaceTempView("bands")
    present = set(source.columns)
    spec = plan.query(present, source)
    result = spark.sql(render(aggregate(spec), "spark"))
    columns = result.columns
    stats = from_rows(columns, (tuple(row) for row in result.collect()))
    outcome = Outcome(stats=stats, present=present, engine="spark")
    outcome.read.rows = stats.value("rows")
    hard = stats.value("hard")
    if hard:
        rows = spark.sql(render(hard_rows(spec), "spark")).limit(HARD_LIMIT)
        outcome.add_hard_table(rows.toArrow(), spec.has_writes, calibrator)
        if hard > HARD_LIMIT:
            outcome.warnings.append(
                f"{hard:,} rows need the per-row path; the first {HARD_LIMIT:,} were calibrated "
                "one by one (all are in the strategy totals)"
            )
    return outcome
