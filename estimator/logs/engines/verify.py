"""`fusion-cost sql --verify LOG`: run the generated SQL in embedded DuckDB on a log (or its
first rows) and compare it with the Decimal path, row by row and strategy by strategy.

- each row's repricing by the SQL (`query.rows`: the rule compiled with the band's exact
  prices) against the rule itself in Decimal (`pricing.rules.charges`, the model's prices in
  force at the row's date): equal to the last digit, or the row is reported;
- each strategy's total from the statistics (`query.aggregate`, priced from cells) against the
  same rows priced one by one in Decimal (the exact path of `estimate`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from estimator.clock import now_utc
from estimator.costing.plans import expected_cost, priced_plan
from estimator.costing.pricer import Pricer
from estimator.logs.engines.bands import BandTable
from estimator.logs.engines.cells import UNIFORM_HOURS, CellPricer, request_at
from estimator.logs.engines.duck import DuckEngine, native_source
from estimator.logs.engines.emit import micro_to_usd
from estimator.logs.engines.query import QuerySpec, rows
from estimator.logs.observed import AUTO_WRITE_SHARE
from estimator.logs.reader import parse_mapping
from estimator.logs.summary import cell_classes, mean_request, strategies_for
from estimator.logs.timeline import Timeline
from estimator.pricing.catalog import Catalog
from estimator.pricing.rules import EXACT, NO_TOOLS, Usage, charges
from estimator.strategies.base import Strategy
from estimator.workload.distributions import auto_written

SAMPLE_ROWS = 20_000


@dataclass
class Verification:
    rows: int = 0
    rows_differing: int = 0
    first_differences: list[str] = field(default_factory=list)
    strategies: dict[str, tuple[str, str]] = field(default_factory=dict)  # name: (sql, exact)

    @property
    def ok(self) -> bool:
        return not self.rows_differing and all(a == b for a, b in self.strategies.values())

    def lines(self) -> list[str]:
        out = [
            f"rows repriced by the SQL and by the rule in Decimal: {self.rows:,}, "
            f"differing: {self.rows_differing:,}",
            *(f"  {d}" for d in self.first_differences),
        ]
        for name, (sql, exact) in self.strategies.items():
            mark = "equal" if sql == exact else "DIFFERENT"
            out.append(f"{name}: statistics {sql} USD, row by row {exact} USD ({mark})")
        out.append("verified: the SQL reproduces the Decimal path" if self.ok else "NOT verified")
        return out


def _sample(source: Any, limit: int | None) -> Any:
    if limit is None:
        return source
    from dataclasses import replace

    return replace(source, relation=f"(SELECT * FROM {source.relation} LIMIT {int(limit)})")


def verify(
    log: Path,
    catalog: Catalog,
    strategies: Sequence[Strategy],
    columns: str | None = None,
    limit: int | None = SAMPLE_ROWS,
) -> Verification:
    """The generated SQL (DuckDB's) on the first `limit` rows of `log` against Decimal."""
    from estimator.logs.engines.cells import cell_spec

    source = native_source(log, parse_mapping(columns), (), 4 << 20)
    if source is None:
        from estimator.errors import UserError

        raise UserError(f"{log}: --verify reads a CSV or Parquet log DuckDB can read itself")
    bands = BandTable(Timeline(catalog))
    spec = QuerySpec(
        _sample(source, limit),
        cell_spec(strategies, catalog),
        AUTO_WRITE_SHARE,
        has_writes="tokens_cache_write" in source.columns,
        has_cost="cost_total" in source.columns,
        undated_at=bands.undated_at,
    )
    duck = DuckEngine(bands)
    duck.con.execute("SET preserve_insertion_order = true")  # LIMIT takes the first rows
    cursor = duck.con.execute(rows(spec))
    names = [d[0] for d in cursor.description]
    found = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    result = Verification()
    _compare_rows(found, bands, result)
    _compare_strategies(found, duck, spec, catalog, strategies, result)
    return result


def _exact_row(row: dict[str, Any], bands: BandTable) -> Decimal | None:
    """The rule in Decimal on one row, with the model's prices in force at its date."""
    band = bands.by_id.get(row["band_id"]) if row["band_id"] is not None else None
    if band is None:
        return None
    catalog = bands.timeline.catalog(band.used)
    assert catalog is not None
    model = catalog.get_exact(band.model_id)
    minute = None if row["ts"] is None else (int(row["ts"]) % 86400) // 60
    p, c, r, k, w = (Decimal(int(row[x])) for x in ("p", "c", "r", "k", "w"))
    usage = Usage(p, c, r, k, w)
    return Decimal(charges(usage, NO_TOOLS, model.pricing, minute, None, EXACT, model.id).tokens)


def _compare_rows(found: list[dict[str, Any]], bands: BandTable, result: Verification) -> None:
    for row in found:
        exact = _exact_row(row, bands)
        if exact is None:
            continue
        result.rows += 1
        sql = micro_to_usd(row["repriced_micro"])
        if sql != exact:
            result.rows_differing += 1
            if len(result.first_differences) < 5:
                result.first_differences.append(
                    f"{row['generation_id'] or row['model']}: SQL {sql} vs rule {exact}"
                )


def _compare_strategies(
    found: list[dict[str, Any]],
    duck: DuckEngine,
    spec: QuerySpec,
    catalog: Catalog,
    strategies: Sequence[Strategy],
    result: Verification,
) -> None:
    from estimator.logs.attribution import money_text

    stats = duck.statistics(spec)
    classes, totals = cell_classes(stats, len(spec.cells.forms))
    when = now_utc()
    for strategy in strategies_for(strategies, mean_request(totals), catalog):
        from_stats = sum(
            CellPricer(strategy, catalog, spec.cells, when).totals(classes).values(), Decimal(0)
        )
        one_by_one = sum(
            (_row_cost(strategy, catalog, row, when, spec.has_writes) for row in found),
            Decimal(0),
        )
        result.strategies[strategy.name] = (money_text(from_stats), money_text(one_by_one))


def _row_cost(
    strategy: Strategy, catalog: Catalog, row: dict[str, Any], when: datetime, writes: bool
) -> Decimal:
    """One row priced alone in Decimal (the exact path), as `exact_totals` prices it: its
    automatic cache writes are the rule's own (`auto_written`), not the SQL's."""
    minute = None if row["ts"] is None else (int(row["ts"]) % 86400) // 60
    pricer = Pricer(catalog, UNIFORM_HOURS, when, minute, windows=minute is not None)
    p, c, r, k, w = (Decimal(int(row[name])) for name in ("p", "c", "r", "k", "w"))
    auto = w if writes else auto_written(p, k, AUTO_WRITE_SHARE, EXACT)
    return expected_cost(priced_plan(strategy.expand(request_at([p, c, r, k, w, auto])), pricer))
