"""`fusion-cost sql`: the price-band table and the statistics query for your own warehouse.

The query is the one the embedded engine runs (query.py), over your table instead of a file,
transpiled by sqlglot to the dialect, with exact types per dialect: DECIMAL(38, 18) prices per
million units (BigQuery: BIGNUMERIC, which keeps them; NUMERIC would round; Spark: run it with
spark.sql.decimalOperations.allowPrecisionLoss=false). Its result (a few hundred rows: counts,
token sums, exact costs; no prompt, no user id unless you group by it) is what
`fusion-cost replay --stats FILE` replays offline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from estimator.errors import UserError
from estimator.logs.engines.bands import COLUMNS, BandTable
from estimator.logs.engines.canon import EXACT_COSTS, Source
from estimator.logs.engines.cells import cell_spec
from estimator.logs.engines.query import DIALECTS, QuerySpec, aggregate, render, rows
from estimator.logs.engines.spec import spec_text
from estimator.logs.reader import OPENROUTER_COLUMNS, parse_mapping
from estimator.logs.rows import COUNT_COLUMNS, MONEY_COLUMNS, TOKEN_COLUMNS
from estimator.logs.timeline import Timeline
from estimator.pricing.catalog import Catalog
from estimator.strategies.base import Strategy

# the columns of a log table `sql` assumes (OpenRouter's activity-export names; --columns adds
# or renames, --without drops)
DEFAULT_COLUMNS = (
    "generation_id",
    "created_at",
    "model",
    "provider",
    "tokens_prompt",
    "tokens_completion",
    "tokens_reasoning",
    "tokens_cached",
    "cost_total",
)
# the type family a warehouse column has (a typed table); --text reads every column as text
TABLE_FAMILIES = {
    **dict.fromkeys(TOKEN_COLUMNS, "int"),
    "created_at": "timestamp",
    **dict.fromkeys(MONEY_COLUMNS, "float"),
    **dict.fromkeys(EXACT_COSTS, "decimal"),
    **dict.fromkeys(COUNT_COLUMNS, "int"),
}


@dataclass(frozen=True)
class Emitted:
    """What `sql` writes: the query, the per-row repricing, the band table and its DDL."""

    dialect: str
    header: str
    aggregate: str
    rows: str
    ddl: str
    bands: BandTable
    spec: QuerySpec

    def files(self) -> dict[str, str | bytes]:
        return files(self)


def table_columns(columns: str | None, without: Sequence[str]) -> dict[str, str]:
    """canonical -> column of the warehouse table: the defaults, --columns, minus --without."""
    mapping = parse_mapping(columns)
    given = {c for c in OPENROUTER_COLUMNS if mapping.get(c) != OPENROUTER_COLUMNS[c]}
    chosen = {c: mapping[c] for c in (*DEFAULT_COLUMNS, *sorted(given)) if c in mapping}
    for name in without:
        if name not in OPENROUTER_COLUMNS:
            raise UserError(f"--without {name!r}: not a column name ({', '.join(chosen)})")
        chosen.pop(name, None)
    for required in ("tokens_prompt", "tokens_completion"):
        if required not in chosen:
            raise UserError(f"--without {required}: replay cannot do without it")
    return chosen


def emit(
    catalog: Catalog,
    strategies: Sequence[Strategy],
    dialect: str,
    table: str,
    columns: dict[str, str],
    text: bool = False,
    groups: Sequence[str] = (),
    since: int | None = None,
    until: int | None = None,
) -> Emitted:
    """The statistics query of `table` for `strategies`, in `dialect`."""
    from estimator.logs.observed import AUTO_WRITE_SHARE

    if dialect not in DIALECTS:
        raise UserError(f"--dialect {dialect!r}: expected one of {', '.join(DIALECTS)}")
    families = {} if text else {c: TABLE_FAMILIES.get(c, "text") for c in columns}
    source = Source(table, "text" if text else "typed", columns, families, tuple(groups))
    bands = BandTable(Timeline(catalog))
    spec = QuerySpec(
        source,
        cell_spec(strategies, catalog),
        AUTO_WRITE_SHARE,
        has_writes="tokens_cache_write" in columns,
        has_cost="cost_total" in columns,
        since=since,
        until=until,
        undated_at=bands.undated_at,
    )
    text_spec = spec_text(spec, bands, catalog.meta.sha256)
    query = render(aggregate(spec, text_spec), dialect)
    header = _header(catalog, dialect, table, text_spec, strategies)
    return Emitted(dialect, header, query, render(rows(spec), dialect), ddl(dialect), bands, spec)


def ddl(dialect: str, table: str = "bands") -> str:
    text = f"CREATE TABLE {table} (" + ", ".join(f"{n} {t}" for n, t in COLUMNS) + ")"
    return render(text, dialect)


def _header(
    catalog: Catalog, dialect: str, table: str, spec: str, strategies: Sequence[Strategy]
) -> str:
    names = ", ".join(s.name for s in strategies)
    return "\n".join(
        f"-- {line}"
        for line in (
            f"fusion-cost statistics query ({dialect}) of the log table {table}",
            f"catalog sha256 {catalog.meta.sha256} ({catalog.meta.source}, fetched "
            f"{catalog.meta.fetched_at.date().isoformat()})",
            f"strategies: {names}",
            "needs the table `bands` (bands.csv or bands.parquet, its DDL in bands.sql);",
            "save the result as CSV or Parquet and run: fusion-cost replay --stats FILE "
            "with the same strategies",
            f"spec {spec}",
        )
    )


def files(emitted: Emitted) -> dict[str, str | bytes]:
    """What `sql --out DIR` writes: the query, the per-row repricing, the band table's DDL,
    the band table as CSV and as Parquet."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    text = io.StringIO()
    emitted.bands.write_csv(text)
    parquet = pa.BufferOutputStream()
    pq.write_table(emitted.bands.arrow(), parquet)
    return {
        "aggregate.sql": f"{emitted.header}\n{emitted.aggregate};\n",
        "rows.sql": f"{emitted.header}\n-- per-row repricing (repriced_micro / 1e6 = USD)\n"
        f"{emitted.rows};\n",
        "bands.sql": f"{emitted.ddl};\n",
        "bands.csv": text.getvalue(),
        "bands.parquet": parquet.getvalue().to_pybytes(),
    }


def micro_to_usd(value: Any) -> Decimal:
    """A `repriced_micro` value (millionths of a dollar) in USD, exactly."""
    return Decimal(value).scaleb(-6)
