"""DuckDB, the embedded engine: multi-threaded, nothing to start, reads CSV, Parquet and .gz.

A CSV or Parquet log is read by DuckDB itself (`native_source`) after the python reader's own
checks of what comes first (the file, its header: the same one-line errors). The first query
returns the statistics and says whether any row was bad or read in a form whose meaning is
not plain (`lax`): then the log is read again by the python reader, whose rules, line numbers
and limits are the contract (hostile logs are re-read, clean ones are not). JSONL logs (and
usage or generation records) always come through the python reader; its validated rows are
aggregated by the same query, chunk by chunk.

The connection is bounded (`MEMORY_LIMIT`, two threads by default): the statistics are small,
whatever the size of the log.
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from estimator.errors import UserError
from estimator.logs.engines.bands import BandTable
from estimator.logs.engines.canon import Source
from estimator.logs.engines.query import QuerySpec, aggregate, hard_rows
from estimator.logs.engines.stats import Stats, from_rows
from estimator.logs.reader import (
    CSV_LINE_BLOCKS,
    MAX_HEADER_BYTES,
    ReadStats,
    _check_required,
    _header,
    _Lines,
    log_format,
)
from estimator.logs.rows import COUNT_COLUMNS, MONEY_COLUMNS, TOKEN_COLUMNS

MEMORY_LIMIT = "1GB"
THREADS = 2


def connect(threads: int = THREADS) -> Any:
    """A bounded in-memory connection (UTC; no async I/O threads: each reserves address space,
    and logs are local files)."""
    import duckdb

    config: dict[str, Any] = {
        "threads": threads,
        "memory_limit": MEMORY_LIMIT,
        "preserve_insertion_order": False,
    }
    try:
        con = duckdb.connect(config={**config, "async_threads": 0})
    except duckdb.Error:  # a DuckDB without async I/O threads
        con = duckdb.connect(config=config)
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    # the band table is small and the log large, but a CSV's size is unknown to the planner
    # (it may build the join's hash table on the log): keep the written order
    con.execute("SET disabled_optimizers = 'join_order,build_side_probe_side'")
    return con


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ends_lines_with_lf(path: Path, limit: int) -> bool:
    """Whether the header ends with a lone LF. DuckDB is only trusted with LF line ends: with
    CRLF or CR it can stop early at an over-long line without an error, so those files go
    to the python reader."""
    opener: Any = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as handle:
        head = handle.read(limit + 2)
    lf, cr = head.find(b"\n"), head.find(b"\r")
    return bool(lf >= 0 and (cr < 0 or cr > lf))


def _csv_source(
    path: Path, columns: dict[str, str], groups: Sequence[str], block_bytes: int
) -> Source | None:
    import zlib

    from estimator.logs.reader import _open

    stats = ReadStats()
    try:
        with _open(path) as raw:
            lines = _Lines(raw, stats, block_bytes, CSV_LINE_BLOCKS * block_bytes)
            header = _header(lines.header(path), path)
        lf = _ends_lines_with_lf(path, MAX_HEADER_BYTES)
    except (EOFError, OSError, zlib.error):
        return None  # the python reader says why in one line
    if not lf:
        return None
    available = _check_required(header, columns, path)
    _check_groups(groups, header, path)
    if len(set(header)) != len(header) or not header:
        return None  # a repeated name: the python reader takes the first
    types, families = _csv_types(header, available)
    listed = ", ".join(f"{_literal(name)}: '{types[name]}'" for name in header)
    # the python reader's longest line, its end included; DuckDB misreads valid files when its
    # buffer is under about four lines of that size, and holds more memory above
    limit = CSV_LINE_BLOCKS * block_bytes
    relation = (
        f"read_csv({_literal(str(path))}, header = true, auto_detect = false, "
        f"columns = {{{listed}}}, delim = ',', quote = '\"', escape = '\"', "
        "new_line = '\\n', "
        f"max_line_size = {limit - 1}, buffer_size = {4 * limit}, strict_mode = true)"
    )
    return Source(relation, "typed", available, families, tuple(groups), csv_nulls=True)


# what DuckDB's CSV reader parses each canonical column as (a cell it cannot parse fails the
# read, and the python reader reads the file): counts as numbers; token counts, money and
# dates as text, which canon.py reads as the python reader does (a token
# count that is not plain digits, a number written 1_000, which DuckDB would read as 1000 and
# pyarrow as no number, send the file to the python reader); the rest as text
READER_TYPES = {
    **dict.fromkeys(TOKEN_COLUMNS, ("VARCHAR", "text")),
    "created_at": ("VARCHAR", "text"),  # DuckDB's own parse takes 2026-8-1 as a date
    **dict.fromkeys(MONEY_COLUMNS, ("VARCHAR", "text")),
    **dict.fromkeys(COUNT_COLUMNS, ("DOUBLE", "float")),
}


def _csv_types(
    header: list[str], available: dict[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """(column -> SQL type, canonical -> type family); a column two names read differently
    stays text."""
    wanted: dict[str, set[tuple[str, str]]] = {}
    for canonical, column in available.items():
        wanted.setdefault(column, set()).add(READER_TYPES.get(canonical, ("VARCHAR", "text")))
    types = {name: "VARCHAR" for name in header}
    families = {}
    for canonical, column in available.items():
        chosen = wanted[column]
        sql, family = next(iter(chosen)) if len(chosen) == 1 else ("VARCHAR", "text")
        types[column] = sql
        families[canonical] = family
    return types, families


def _check_groups(groups: Sequence[str], present: Sequence[str], path: Path) -> None:
    missing = [g for g in groups if g not in present]
    if missing:
        raise UserError(
            f"{path}: --group-by {', '.join(missing)}: no such column (the log has: "
            f"{', '.join(list(present)[:15])})"
        )


def _family(arrow_type: Any) -> str | None:
    """How canon.py reads a Parquet column of this type (None: the python reader must)."""
    import pyarrow as pa

    t = arrow_type
    if pa.types.is_dictionary(t):
        t = t.value_type
    checks = (
        (pa.types.is_boolean, "bool"),
        (pa.types.is_integer, "int"),
        (pa.types.is_floating, "float"),
        (pa.types.is_decimal, "float"),
        (pa.types.is_string, "text"),
        (pa.types.is_large_string, "text"),
        (pa.types.is_timestamp, "timestamp"),
        (pa.types.is_date, "date"),
    )
    return next((family for check, family in checks if check(t)), None)


def _parquet_source(path: Path, columns: dict[str, str], groups: Sequence[str]) -> Source | None:
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except Exception:  # not Parquet: the python reader says so in its words
        return None
    names = schema.names
    available = _check_required(names, columns, path)
    _check_groups(groups, names, path)
    types: dict[str, str] = {}
    for canonical, column in available.items():
        if names.count(column) > 1:
            return None
        family = _family(schema.field(column).type)
        if family is None:
            return None  # bytes, lists, structs: bad cells the python reader counts
        types[canonical] = family
    relation = f"read_parquet({_literal(str(path))})"
    return Source(relation, "typed", available, types, tuple(groups))


def native_source(
    path: Path, columns: dict[str, str], groups: Sequence[str], block_bytes: int
) -> Source | None:
    """The log as DuckDB reads it, or None when the python reader must read it."""
    if not path.is_file():
        raise UserError(f"{path}: no such log file")
    kind = log_format(path)
    if kind == "csv":
        return _csv_source(path, columns, groups, block_bytes)
    if kind == "parquet":
        return _parquet_source(path, columns, groups)
    return None


def load_bands(con: Any, bands: BandTable) -> None:
    """The price bands as a DuckDB table, through a JSON-lines file DuckDB parses (building
    them from Python values would cost more than replaying a small log; JSON carries any model
    name, quotes and line ends included; prices travel as exact decimal strings)."""
    import json
    import tempfile

    from estimator.logs.engines.bands import COLUMNS

    with tempfile.TemporaryDirectory(prefix="fusion-cost-") as directory:
        path = Path(directory) / "bands.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for row in bands.rows():
                handle.write(json.dumps(row) + "\n")
        types = ", ".join(f"{_literal(name)}: '{sql}'" for name, sql in COLUMNS)
        con.execute(
            f"CREATE TABLE bands AS SELECT * FROM read_json({_literal(str(path))}, "
            f"format = 'newline_delimited', columns = {{{types}}})"
        )


def arrow_of(relation: Any) -> Any:
    """A relation's rows as an Arrow table (DuckDB 2 names it to_arrow_table, 1.x arrow)."""
    fetch = getattr(relation, "to_arrow_table", None) or relation.arrow
    return fetch()


class DuckEngine:
    """One DuckDB connection with the price bands registered."""

    def __init__(self, bands: BandTable, threads: int = THREADS) -> None:
        self.con = connect(threads)
        load_bands(self.con, bands)

    def statistics(self, spec: QuerySpec, fingerprint: str = "") -> Stats:
        cursor = self.con.execute(aggregate(spec, fingerprint))
        columns = [d[0] for d in cursor.description]
        return from_rows(columns, cursor.fetchall())

    def hard(self, spec: QuerySpec) -> Any:
        return arrow_of(self.con.sql(hard_rows(spec)))

    def on_table(self, spec: QuerySpec, table: Any, fingerprint: str = "") -> tuple[Stats, Any]:
        """Statistics and hard rows of one canonical Arrow table (a chunk of the python
        reader)."""
        self.con.register("chunk", table)
        try:
            local = replace(spec, source=replace(spec.source, relation="chunk"))
            stats = self.statistics(local, fingerprint)
            hard = self.hard(local) if stats.value("hard") else None
        finally:
            self.con.unregister("chunk")
        return stats, hard
