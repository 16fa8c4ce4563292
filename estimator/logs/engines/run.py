"""Which engine reads a log, and how: DuckDB on the file itself, the python reader feeding
DuckDB chunk by chunk, or Spark. Each returns the same `Outcome`: statistics, hard rows
(calibrated and summed as they come), and what the reading saw."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from estimator.errors import UserError
from estimator.logs.calibration import Calibrator
from estimator.logs.engines.canon import Source
from estimator.logs.engines.duck import DuckEngine, native_source
from estimator.logs.engines.frames import GROUP, to_arrow
from estimator.logs.engines.plan import Outcome, Plan
from estimator.logs.reader import ReadStats, read_batches
from estimator.logs.rows import BadRows, parse


def run_engine(
    plan: Plan,
    engine: str,
    calibrator: Calibrator,
    progress: Callable[[ReadStats], None] | None,
) -> Outcome:
    if plan.stats_file is not None:
        return from_stats_file(plan)
    if engine == "spark":
        from estimator.logs.engines.spark import run_spark

        return run_spark(plan, calibrator)
    duck = DuckEngine(plan.bands)
    if engine == "duckdb" and plan.rows_out is None:
        outcome = _native(plan, duck, calibrator)
        if outcome is not None:
            return outcome
    return _python(plan, duck, calibrator, progress)


def from_stats_file(plan: Plan) -> Outcome:
    """Statistics a warehouse computed (`fusion-cost sql`): no rows come back, so the rows
    that need the per-row path (Fusion traffic, BYOK, fees, differing rows) are counted, not
    calibrated one by one."""
    from estimator.logs.engines.spec import check_spec, read_spec, spec_text
    from estimator.logs.engines.stats import read_file

    assert plan.stats_file is not None
    where = str(plan.stats_file)
    stats = read_file(plan.stats_file)
    found = read_spec(stats.spec, where)
    present = {"cost_total"} if found.get("cost") else set()
    if found.get("writes"):
        present.add("tokens_cache_write")
    source = Source("log", "typed", {}, groups=plan.groups)
    expected = read_spec(
        spec_text(plan.query(present, source), plan.bands, plan.catalog.meta.sha256), where
    )
    check_spec(found, expected, where)
    outcome = Outcome(stats=stats, present=present, engine="stats")
    outcome.read.rows = stats.value("rows")
    hard = stats.value("hard")
    if hard:
        outcome.warnings.append(
            f"{hard:,} rows need the per-row path (Fusion traffic, BYOK, web fees or rows that "
            "differ from their bill): their repricing is in the totals, but they are not "
            "calibrated here; replay a sample of them from a file for their causes"
        )
    return outcome


def _mapping(plan: Plan) -> dict[str, str]:
    columns = dict(plan.mapping)
    for name in plan.groups:
        columns[GROUP + name] = name
    return columns


def _native(plan: Plan, duck: DuckEngine, calibrator: Calibrator) -> Outcome | None:
    """DuckDB reads the file; None when the python reader must (a bad row, a cell whose
    reading is not plain, no rows, or a file DuckDB cannot read)."""
    import duckdb

    source = native_source(plan.log, plan.mapping, plan.groups, plan.block_bytes)
    if source is None:
        return None
    present = set(source.columns)
    spec = plan.query(present, source)
    try:
        stats = duck.statistics(spec)
        if stats.value("lax") or stats.get("bad") or not stats.value("rows"):
            return None
        outcome = Outcome(stats=stats, present=present, engine="duckdb")
        outcome.read.rows = stats.value("rows")
        if stats.value("hard"):
            table = duck.hard(spec)
            outcome.add_hard_table(table, spec.has_writes, calibrator)
    except duckdb.Error:
        return None  # the python reader reads it, or says in one line why it cannot
    return outcome


def _python(
    plan: Plan,
    duck: DuckEngine,
    calibrator: Calibrator,
    progress: Callable[[ReadStats], None] | None,
) -> Outcome:
    """The python reader (bounded lines, every format, bad rows with their line numbers)
    validates the rows; DuckDB aggregates them chunk by chunk."""
    outcome = Outcome(bad=BadRows(), engine="python")
    bad = outcome.bad
    assert bad is not None
    groups = tuple(f"g{i}" for i in range(len(plan.groups)))

    def validated(line: int, chunk: dict[str, Any]) -> Any:
        return parse(chunk, line, bad), set(chunk)

    read = outcome.read
    for _, (rows, keys) in read_batches(
        plan.log, _mapping(plan), read, plan.chunk_rows, plan.block_bytes, validated
    ):
        missing = [g for g in plan.groups if GROUP + g not in keys]
        if missing:
            raise UserError(f"{plan.log}: --group-by {', '.join(missing)}: no such column")
        present = {k for k in keys if not k.startswith(GROUP)}
        outcome.present |= present
        source = Source("chunk", "canonical", {k: k for k in present}, groups=groups)
        spec = plan.query(present, source)
        texts = [rows.extra[GROUP + g] for g in plan.groups]
        stats, hard = duck.on_table(spec, to_arrow(rows, texts))
        outcome.stats.merge(stats)
        if plan.rows_out is not None:
            calibrator.add(rows)
        if hard is not None:
            target = None if plan.rows_out is not None else calibrator
            outcome.add_hard_table(hard, spec.has_writes, target, present)
        if progress is not None:
            progress(read)
    return outcome
