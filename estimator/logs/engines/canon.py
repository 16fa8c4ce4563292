"""A log's columns in SQL, as the canonical row every engine aggregates.

Three kinds of source reach an engine:
- `text`: every column is text (a CSV read by DuckDB or Spark, a warehouse table of strings);
- `typed`: columns of their own types (Parquet, a warehouse table);
- `canonical`: rows `rows.parse` already validated (the python reader), passed through.

For the first two the projection validates each cell as `rows.parse` does and names the first
reason a row is bad with the same words ("missing or non-numeric tokens_prompt", "negative
...", "... above 1,000,000,000,000", "unparseable created_at", "created_at outside 1970-9999").
It also marks a row `lax` when a cell is in a form whose reading is not obviously the same in
every engine (a token count that is not plain digits, a date that is not plain ISO 8601 or an
epoch, a cost that is not a plain number): the embedded engine reads such a file again with
the python reader, whose rules are the contract; Spark and warehouses count the bad rows.

Token counts are whole numbers (a fractional count is truncated, as the exact path does);
dates become whole seconds since the epoch, UTC (a fraction of a second is dropped); money is
read twice, as a DOUBLE for the per-row comparison and as DECIMAL(38, 12) for the sums.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from estimator.logs.records import FUSION_MODELS, FUSION_ROUTERS
from estimator.logs.rows import COUNT_COLUMNS, MAX_USD, MONEY_COLUMNS, TOKEN_COLUMNS
from estimator.workload.spec import MAX_TOKENS

EXACT_MONEY = "DECIMAL(38, 12)"
FAST_MONEY = "DECIMAL(18, 12)"  # the same values below $1,000,000, parsed much faster
TRUE_WORDS = ("true", "1", "yes", "t")  # rows._truthy
# pyarrow's CSV null values (the python reader reads these cells of a CSV as empty)
CSV_NULLS = (
    "",
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "n/a",
    "nan",
    "null",
)
DIGITS = "^[0-9]+$"
EXPORT_DATE = "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$"  # the activity export's
NUMBER = "^-?[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?$"
ISO = (
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,9})?)?"
    "(Z|[+-][0-9]{2}:?[0-9]{2})?$"
)
FIRST_SECOND, END_SECOND = 0, 253_402_300_800  # rows.FIRST_SECOND, rows.END_SECOND
EPOCH_UNITS = ((1e9, 1e11, 1), (1e12, 1e14, 1e3), (1e15, 1e17, 1e6), (1e18, 1e19, 1e9))
EXACT_COSTS = ("cost_total", "cost_upstream_prompt", "cost_upstream_completion")  # summed exactly
TEXT_COLUMNS = ("model", "provider", "web_search_engine", "router", "generation_id", "request_id")
FLAGS = ("cancelled", "is_byok", "fusion")

# the canonical row: name -> SQL type
CANONICAL: dict[str, str] = {
    **{name: "VARCHAR" for name in TEXT_COLUMNS},
    "p": "BIGINT",
    "c": "BIGINT",
    "r": "BIGINT",
    "k": "BIGINT",
    "w": "BIGINT",
    "ts": "BIGINT",
    **{name: "DOUBLE" for name in MONEY_COLUMNS},
    **{f"{name}_x": EXACT_MONEY for name in ("cost_total", "cost_upstream_prompt")},
    "cost_upstream_completion_x": EXACT_MONEY,  # (EXACT_COSTS)
    **{name: "BOOLEAN" for name in FLAGS},
    **{name: "DOUBLE" for name in COUNT_COLUMNS},
}
SHORT = dict(zip(TOKEN_COLUMNS, ("p", "c", "r", "k", "w"), strict=True))


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def text(values: Sequence[str]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


@dataclass(frozen=True)
class Source:
    """A relation of log rows and how to read it."""

    relation: str  # SQL: a table name, a view, or a table function (read_csv(...))
    kind: str  # "text", "typed" or "canonical"
    columns: dict[str, str]  # canonical name -> source column (the columns present)
    types: dict[str, str] = field(default_factory=dict)  # typed: canonical -> type family
    groups: tuple[str, ...] = ()  # attribution columns (source names), read as text
    csv_nulls: bool = False  # text read from a CSV: pyarrow's null values are empty


MAX_DOUBLE = "1.7976931348623157e308"


class _Projection:
    """The canonical columns and the validation of one source, as SQL text (DuckDB), in two
    steps: `cells` parses each cell once (from `src`), `values` and `reasons` read those."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.digits: list[tuple[str, bool]] = []  # token cells that must be plain digits
        self.fine: list[str] = []  # cheap conditions that together mean "no reason applies"
        self.texts: dict[str, str] = {}
        self.cells: dict[str, str] = {}
        self.reasons: list[tuple[str, str]] = []  # (condition, reason), first wins
        self.lax: list[str] = []
        self.values: dict[str, str] = {}

    def raw(self, canonical: str) -> str | None:
        """The cell as read (text cells once, in the `texts` step: pyarrow's CSV null
        values already empty)."""
        column = self.source.columns.get(canonical)
        if column is None:
            return None
        ref = f"src.{quote(column)}"
        if self.family(canonical) != "text":
            self.texts[canonical] = ref
            return f"t.{quote(canonical)}"
        if self.source.kind == "typed":
            ref = f"CAST({ref} AS VARCHAR)"
        if self.source.csv_nulls and canonical in TEXT_COLUMNS:
            # pyarrow's null values read as no name (numbers and dates come out the same
            # either way; the longest null value has 8 characters)
            ref = (
                f"(CASE WHEN LENGTH({ref}) <= 8 AND {ref} IN {text(CSV_NULLS)} THEN NULL "
                f"ELSE {ref} END)"
            )
        self.texts[canonical] = ref
        return f"t.{quote(canonical)}"

    def family(self, canonical: str) -> str:
        return self.source.types.get(canonical, "text") if self.source.kind == "typed" else "text"

    def number(self, canonical: str, raw: str) -> str:
        if self.family(canonical) == "text":
            return f"TRY_CAST({raw} AS DOUBLE)"
        return f"CAST({raw} AS DOUBLE)"

    # -- tokens ----------------------------------------------------------------------------------

    def tokens(self, canonical: str) -> None:
        short = SHORT[canonical]
        raw = self.raw(canonical)
        required = canonical in ("tokens_prompt", "tokens_completion")
        if raw is None:
            self.values[short] = "CAST(0 AS BIGINT)"
            return
        self.cells[f"{short}_n"] = self.number(canonical, raw)
        empty = f"({raw} IS NULL)"
        if self.family(canonical) == "text":
            empty = f"({raw} IS NULL OR TRIM({raw}) = '')"
            self.digits.append((raw, required))
        self.cells[f"{short}_e"] = empty
        n = f"{short}_n"
        finite = f"({n} IS NOT NULL AND ABS({n}) <= {MAX_DOUBLE})"
        missing = f"NOT {finite}" if required else f"NOT {short}_e AND NOT {finite}"
        fine = f"({n} >= 0 AND {n} <= {MAX_TOKENS})"
        self.fine.append(fine if required else f"({n} IS NULL AND {short}_e OR {fine})")
        self.reasons += [
            (missing, f"missing or non-numeric {canonical}"),
            (f"{finite} AND {n} < 0", f"negative {canonical}"),
            (f"{finite} AND {n} > {MAX_TOKENS}", f"{canonical} above {MAX_TOKENS:,}"),
        ]
        self.values[short] = f"(CASE WHEN {finite} THEN CAST(FLOOR({n}) AS BIGINT) ELSE 0 END)"

    # -- dates -----------------------------------------------------------------------------------

    def created(self) -> None:
        raw = self.raw("created_at")
        if raw is None:
            self.values["ts"] = "CAST(NULL AS BIGINT)"
            return
        family = self.family("created_at")
        if family in ("timestamp", "date"):
            seconds = f"FLOOR(EPOCH({raw}))"
        elif family in ("int", "float", "decimal"):
            seconds = _epoch(f"CAST({raw} AS DOUBLE)")
        else:
            export = f"REGEXP_MATCHES({raw}, '{EXPORT_DATE}')"  # the common form, parsed fast
            iso = f"REGEXP_MATCHES({raw}, '{ISO}')"
            digits = f"REGEXP_MATCHES({raw}, '{DIGITS}')"
            self.lax.append(f"(CASE WHEN {export} THEN FALSE ELSE NOT ({iso} OR {digits}) END)")
            seconds = (
                f"(CASE WHEN {export} THEN EPOCH(TRY_CAST({raw} AS TIMESTAMP)) "
                f"WHEN {iso} THEN FLOOR(EPOCH(TRY_CAST({raw} AS TIMESTAMPTZ))) "
                f"WHEN {digits} THEN {_epoch(f'TRY_CAST({raw} AS DOUBLE)')} END)"
            )
        self.cells["ts_s"] = seconds
        self.fine.append(f"(ts_s >= {FIRST_SECOND} AND ts_s < {END_SECOND})")
        self.reasons += [
            ("ts_s IS NULL", "unparseable created_at"),
            (f"(ts_s < {FIRST_SECOND} OR ts_s >= {END_SECOND})", "created_at outside 1970-9999"),
        ]
        self.values["ts"] = "CAST(ts_s AS BIGINT)"

    # -- money, flags, names, counts -------------------------------------------------------------

    def money(self, canonical: str) -> None:
        raw = self.raw(canonical)
        exact = f"{canonical}_x" in CANONICAL
        if raw is None:
            self.values[canonical] = "CAST(NULL AS DOUBLE)"
            if exact:
                self.values[f"{canonical}_x"] = f"CAST(NULL AS {EXACT_MONEY})"
            return
        n = f"{canonical}_n"
        self.cells[n] = self.number(canonical, raw)
        ok = f"({n} IS NOT NULL AND ABS({n}) <= {MAX_USD:.0f})"
        fill = "0" if canonical in ("cost_web_search", "byok_usage_inference") else "NULL"
        self.values[canonical] = f"(CASE WHEN {ok} THEN {n} ELSE {fill} END)"
        if not exact:
            return
        from_number = f"CAST({n} AS {EXACT_MONEY})"
        if self.family(canonical) == "decimal":  # parsed exactly by the reader
            self.cells[f"{canonical}_t"] = f"CAST({raw} AS {EXACT_MONEY})"
            from_number = f"{canonical}_t"
        if self.family(canonical) == "text":
            self.lax.append(f"CONTAINS({raw}, '_')")  # 1_000: DuckDB reads 1000, pyarrow no
            self.cells[f"{canonical}_t"] = (
                f"COALESCE(TRY_CAST({raw} AS {FAST_MONEY}), TRY_CAST({raw} AS {EXACT_MONEY}))"
            )
            from_number = f"COALESCE({canonical}_t, {from_number})"
        self.values[f"{canonical}_x"] = f"(CASE WHEN {ok} THEN {from_number} END)"

    def line_safe(self, raw: str) -> None:
        """A CR or LF inside a cell of a CSV: DuckDB reads it as data (RFC 4180), the python
        reader as a line end; the python reader's reading is the contract."""
        if self.source.csv_nulls:
            self.lax.append(f"(CONTAINS({raw}, CHR(13)) OR CONTAINS({raw}, CHR(10)))")

    def flag(self, canonical: str) -> None:
        raw = self.raw(canonical)
        if raw is None:
            self.cells[canonical] = "FALSE"
        elif self.family(canonical) == "bool":
            self.cells[canonical] = f"COALESCE({raw}, FALSE)"
        else:
            cell = raw if self.family(canonical) == "text" else f"CAST({raw} AS VARCHAR)"
            self.cells[canonical] = f"COALESCE(LOWER({cell}) IN {text(TRUE_WORDS)}, FALSE)"
            self.line_safe(cell)
        self.values[canonical] = canonical

    def name(self, canonical: str) -> None:
        raw = self.raw(canonical)
        self.cells[canonical] = "CAST(NULL AS VARCHAR)" if raw is None else raw
        if raw is not None:
            self.line_safe(raw)
        self.values[canonical] = canonical

    def count(self, canonical: str) -> None:
        raw = self.raw(canonical)
        if raw is None:
            self.cells[canonical] = "CAST(NULL AS DOUBLE)"
        else:
            n = self.number(canonical, raw)
            ok = f"({n} >= 0 AND {n} <= {MAX_TOKENS})"
            self.cells[canonical] = f"(CASE WHEN {ok} THEN {n} ELSE 0 END)"
        self.values[canonical] = canonical


def _digits(cells: list[tuple[str, bool]]) -> str:
    """One test that every token cell is plain digits (optional ones may be empty): anything
    else ('12.5', ' 12', '1e3', '0x10') is read by the python reader, whose rules decide."""
    if not cells:
        return "FALSE"
    joined = " || ',' || ".join(f"COALESCE({raw}, '')" for raw, _ in cells)
    pattern = ",".join("[0-9]+" if required else "[0-9]*" for _, required in cells)
    return f"NOT REGEXP_MATCHES({joined}, '^{pattern}$')"


def _epoch(number: str) -> str:
    """Seconds from an epoch number in s, ms, us or ns, told from its size (rows.EPOCH_UNITS)."""
    cases = " ".join(
        f"WHEN ABS({number}) >= {low:.0f} AND ABS({number}) < {high:.0f} "
        f"THEN FLOOR({number} / {per:.0f})"
        for low, high, per in EPOCH_UNITS
    )
    return f"(CASE {cases} END)"


def projection(source: Source) -> str:
    """SELECT of the canonical row, `bad` (the first reason, or NULL), `lax`, and the
    attribution columns `g0`, `g1`, ... from `source`."""
    if source.kind == "canonical":
        names = ", ".join(quote(name) for name in CANONICAL)
        groups = "".join(f", src.{quote(g)} AS g{i}" for i, g in enumerate(source.groups))
        return (
            f"SELECT {names}, CAST(NULL AS VARCHAR) AS bad, FALSE AS lax{groups} "
            f"FROM {source.relation} AS src"
        )
    build = _Projection(source)
    for canonical in TOKEN_COLUMNS:
        build.tokens(canonical)
    build.created()
    for canonical in MONEY_COLUMNS:
        build.money(canonical)
    for canonical in FLAGS:
        build.flag(canonical)
    for canonical in TEXT_COLUMNS:
        build.name(canonical)
    for canonical in COUNT_COLUMNS:
        build.count(canonical)
    return _select(build, source)


def _select(build: _Projection, source: Source) -> str:
    values = build.values
    # rows.parse's clipping: cached within prompt, reasoning within completion, written
    # within what is not cached
    clipped = dict(values)
    clipped["k"] = f"LEAST({values['k']}, {values['p']})"
    clipped["r"] = f"LEAST({values['r']}, {values['c']})"
    clipped["w"] = f"LEAST({values['w']}, {values['p']} - LEAST({values['k']}, {values['p']}))"
    bad = " ".join(f"WHEN {condition} THEN '{reason}'" for condition, reason in build.reasons)
    fine = " AND ".join(build.fine) or "TRUE"
    # the reasons are looked for only where the cheap test fails
    bad_sql = f"(CASE WHEN {fine} THEN NULL {bad} END)" if bad else "CAST(NULL AS VARCHAR)"
    lax = " OR ".join(f"COALESCE({c}, FALSE)" for c in [*build.lax, _digits(build.digits)])
    groups = [f"CAST(src.{quote(g)} AS VARCHAR) AS g{i}" for i, g in enumerate(source.groups)]
    texts = [f"{sql} AS {quote(name)}" for name, sql in build.texts.items()]
    first = ", ".join([*texts, *groups]) or "1 AS one"
    carried = [f"g{i}" for i in range(len(source.groups))]
    cells = [f"{sql} AS {quote(name)}" for name, sql in build.cells.items()]
    inner = ", ".join([*cells, f"({lax}) AS lax", *carried])
    outer = ", ".join(f"{clipped[name]} AS {quote(name)}" for name in CANONICAL)
    kept = "".join(f", {g}" for g in carried)
    return (
        f"SELECT {outer}, {bad_sql} AS bad, lax{kept} FROM (SELECT {inner} FROM "
        f"(SELECT {first} FROM {source.relation} AS src) AS t) AS cells"
    )


def fusion_condition() -> str:
    """A Fusion response or a generation routed by Fusion (kept apart from the strategies)."""
    return (
        f"(fusion OR COALESCE(model IN {text(sorted(FUSION_MODELS))}, FALSE) "
        f"OR COALESCE(router IN {text(FUSION_ROUTERS)}, FALSE))"
    )
