"""The replay's queries, generated once (DuckDB's SQL) and transpiled to each dialect.

`aggregate` reads a log and returns its *sufficient statistics* in one pass (GROUPING SETS):
- `cells`: per strategy cell (cells.py), time piece, day, lane and attribution group: the row
  count and token sums the strategies are priced from (lane 1: rows whose cost is logged, for
  the comparison with the bill; 2: rows the embedded engines calibrate one by one);
- `cal`: per price band, day, coverage and class, the token sums of the rows of known models
  (their repricing is the rule applied to the sums: exact), the logged token cost, the largest
  difference and the first agreeing row of those compared here (not hard);
- `hour`, `mix`, `hist_p`, `hist_v`: the workload profile (hours; model mix by day, with the
  rows of unknown models; log2 histograms of prompt and visible output, 8 bins per doubling
  as `profile.py`);
- `bad`: rows skipped, by reason; `group`: what each attribution group was billed; `all`: the
  totals, the span of dates, and how many rows need the per-row path (`hard`).
A row is *hard* when it is Fusion traffic or when its bill is not just its tokens at one
band's prices (BYOK, web fees, tools, a provider split that does not add up) or differs from
them: the embedded engines fetch those rows (`hard_rows`) and calibrate them in Python.

`rows` is the per-row repricing (exact decimals), for `sql --verify` and a warehouse's own use.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlglot
from sqlglot import exp

from estimator.logs.calibration import TOLERANCE_REL, TOLERANCE_USD
from estimator.logs.engines.bands import PRICE_COLUMNS, PRICE_SCALE
from estimator.logs.engines.canon import CANONICAL, Source, fusion_condition, projection, quote
from estimator.logs.engines.cells import COORDS, CellSpec
from estimator.logs.engines.sqlrule import auto_writes, column, literal, per_token, repriced
from estimator.logs.profile import HIST_BINS, HIST_SIZE
from estimator.pricing.rules import Usage

DIALECTS = ("duckdb", "spark", "clickhouse", "bigquery", "snowflake")
AUTO = "DECIMAL(18, 3)"  # auto writes: tokens (at most 1e12) x a share with 3 decimals
SETS = ("cells", "cal", "hour", "mix", "hist_p", "hist_v", "bad", "group")


@dataclass(frozen=True)
class QuerySpec:
    """Everything a query depends on besides the log's rows."""

    source: Source
    cells: CellSpec
    share: Decimal  # workload.auto_cache_write_share
    has_writes: bool  # the log reports cache writes (else auto writes are inferred)
    has_cost: bool  # the log has a cost column (else nothing is compared)
    since: int | None = None  # epoch seconds, inclusive
    until: int | None = None  # exclusive
    bands: str = "bands"  # the price-band table's name
    undated_at: int = 0  # BandTable.undated_at: the date key of rows without a date


def _form(coef: tuple[Decimal, ...], auto: str) -> str:
    names = [auto if name == "a" else name for name in COORDS]
    terms = [
        name if c == 1 else f"{literal(c).sql('duckdb')} * {name}"
        for c, name in zip(coef, names, strict=True)
        if c
    ]
    return " + ".join(terms)


def _index(value: str, edges: tuple[Decimal, ...] | tuple[int, ...], op: str = ">") -> str:
    if not edges:
        return "0"
    return " + ".join(
        f"(CASE WHEN {value} {op} {literal(Decimal(e)).sql('duckdb')} THEN 1 ELSE 0 END)"
        for e in edges
    )


def _derived(spec: QuerySpec) -> str:
    """Flags and derived values of each canonical row (`rows`)."""
    use = "(bad IS NULL AND NOT outside)"
    share_a = auto_writes(column("p"), column("k"), spec.share).sql("duckdb")
    auto = f"CAST(w AS {AUTO})" if spec.has_writes else f"CAST({share_a} AS {AUTO})"
    hist = "LEAST({hi}, GREATEST(0, CAST(FLOOR(LOG2({x} + 1) * {bins}) AS BIGINT)))".format
    forms = ", ".join(
        f"CAST({_index(_form(f.coef, auto), f.edges)} AS BIGINT) AS f{i}"
        for i, f in enumerate(spec.cells.forms)
    )
    piece = _index("(ts % 86400) // 60", spec.cells.minute_edges, ">=")
    return ", ".join(
        filter(
            None,
            [
                f"{use} AS use",
                f"({use} AND NOT {fusion_condition()}) AS plain",
                f"({use} AND {fusion_condition()}) AS fusion_row",
                f"{auto} AS a",
                f"CAST(CASE WHEN ts IS NULL THEN -1 ELSE {piece} END AS BIGINT) AS piece",
                "COALESCE((ts % 86400) // 3600, -1) AS hour",
                "COALESCE(ts // 86400, -1) AS day",
                hist(hi=HIST_SIZE - 1, x="p", bins=HIST_BINS) + " AS hp",
                hist(hi=HIST_SIZE - 1, x="(c - r)", bins=HIST_BINS) + " AS hv",
                forms,
            ],
        )
    )


def _dates(spec: QuerySpec) -> str:
    parts = []
    if spec.since is not None:
        parts.append(f"ts < {spec.since}")
    if spec.until is not None:
        parts.append(f"ts >= {spec.until}")
    if not parts:
        return "FALSE"
    return f"(bad IS NULL AND ts IS NOT NULL AND ({' OR '.join(parts)}))"


def _band_join(spec: QuerySpec) -> str:
    """Each row's band: its name, and its date, prompt size and minute inside the band's
    ranges (plain comparisons, so engines hash on the name and filter)."""
    return (
        f"LEFT JOIN {spec.bands} AS b ON b.name = r.model "
        f"AND COALESCE(r.ts, {spec.undated_at}) >= b.valid_from "
        f"AND COALESCE(r.ts, {spec.undated_at}) < b.valid_to "
        "AND r.p > b.prompt_above AND r.p <= b.prompt_upto "
        "AND COALESCE((r.ts % 86400) // 60, -1) >= b.minute_from "
        "AND COALESCE((r.ts % 86400) // 60, -1) < b.minute_to"
    )


def _repriced_double() -> str:
    usage = Usage(column("p", "r"), column("c", "r"), column("r", "r"), column("k", "r"))
    usage = Usage(usage.prompt, usage.completion, usage.reasoning, usage.cached, column("w", "r"))
    return repriced(usage, per_token("b", PRICE_COLUMNS, double=True)).sql("duckdb")


def priced(spec: QuerySpec) -> str:
    """The canonical rows with their band, repricing and flags (`priced` CTE body)."""
    simple = (
        "(NOT (r.is_byok OR COALESCE(r.byok_usage_inference, 0) > 0) "
        "AND COALESCE(r.web_search_results, 0) = 0 AND COALESCE(r.fetches, 0) = 0 "
        "AND COALESCE(r.cost_web_search, 0) = 0 AND (NOT r.split OR r.cost_total IS NULL "
        "OR ABS(r.cost_total - (r.cost_upstream_prompt + r.cost_upstream_completion)) < 1e-12))"
    )
    compared = "(r.logged IS NOT NULL)" if spec.has_cost else "FALSE"
    return (
        f"SELECT r.*, b.band_id, (r.ts IS NOT NULL AND r.ts >= b.covered_from) AS covered, "
        f"{compared} AS compared, {simple} AS simple, "
        f"ABS({_repriced_double()} - r.logged) AS diff "
        f"FROM logrows AS r {_band_join(spec)}"
    )


def _logged() -> str:
    """The logged token cost of a simple row (calibration.ledger): the provider's split when
    the log has it, else the cost (a simple row has no fees)."""
    return (
        "CASE WHEN split THEN cost_upstream_prompt + cost_upstream_completion "
        "ELSE cost_total END AS logged, "
        "CASE WHEN split THEN cost_upstream_prompt_x + cost_upstream_completion_x "
        "ELSE cost_total_x END AS logged_x"
    )


def _ctes(spec: QuerySpec) -> str:
    return (
        f"WITH canon AS ({projection(spec.source)}), "
        f"flagged AS (SELECT *, {_dates(spec)} AS outside, (cost_upstream_prompt IS NOT NULL "
        "AND cost_upstream_completion IS NOT NULL) AS split FROM canon), "
        f"logrows AS (SELECT *, {_derived(spec)}, {_logged()} FROM flagged), "
        f"priced AS ({priced(spec)}), "
        f"agreed AS (SELECT *, (diff <= GREATEST({TOLERANCE_USD}, {TOLERANCE_REL} * "
        "ABS(logged))) AS agree FROM priced), "
        "classed AS (SELECT *, (fusion_row OR (plain AND model IS NOT NULL AND band_id IS NOT "
        "NULL AND NOT (simple AND (NOT compared OR agree))) OR (plain AND NOT simple)) AS hard, "
        "cost_total_x IS NOT NULL AS costed, CASE WHEN plain THEN hp END AS hp_k, "
        "CASE WHEN plain THEN hv END AS hv_k FROM agreed)"
    )


def _keys(spec: QuerySpec, groups: int) -> dict[str, list[str]]:
    g = [f"g{i}" for i in range(groups)]
    forms = [f"f{i}" for i in range(len(spec.cells.forms))]
    scoped = {
        # the logged model last: its reasoning is its own (a target model's is its profile)
        "cells": ["piece", *forms, "lane", "day", *g, "model"],
        "cal": ["band_id", "covered", "compared", "hard", "day"],
        "hour": ["hour"],
        "mix": ["model", "known", "day"],
        "hist_p": ["hp"],
        "hist_v": ["hv"],
        "bad": ["bad"],
        "group": g,
    }
    if not groups:
        del scoped["group"]
    return scoped


def _scope(set_name: str) -> str:
    fine = "k_part = 'fine'"
    return {
        "cells": f"{fine} AND k_plain",
        "cal": f"{fine} AND k_plain AND k_band_id IS NOT NULL AND k_model IS NOT NULL",
        "hour": f"{fine} AND k_plain",
        "mix": f"{fine} AND k_plain",
        "hist_p": "k_part = 'hp'",
        "hist_v": "k_part = 'hv'",
        "bad": f"{fine} AND k_bad IS NOT NULL",
        "group": f"{fine} AND k_use",
    }[set_name]


# the keys of the first grouping (raw values of each row; the sets are cut from it)
def _fine_keys(spec: QuerySpec, groups: int) -> list[str]:
    flags = ["use", "plain", "fusion_row", "hard", "lax", "outside", "compared", "costed"]
    forms = [f"f{i}" for i in range(len(spec.cells.forms))]
    keys = [*flags, "bad", "model", "band_id", "covered", "piece", *forms, "day", "hour"]
    return keys + [f"g{i}" for i in range(groups)]


FIRST = {  # per row, summed in the first grouping (named apart from the sets' aggregates:
    # ClickHouse resolves an alias anywhere in its SELECT)
    "f_n": "COUNT(*)",
    **{f"f_s{x}": f"SUM({x})" for x in COORDS},
    "f_cost": "SUM(cost_total_x)",
    "f_logged": "SUM(logged_x)",
    "f_max_diff": "MAX(diff)",
    "f_first_agree": "MIN(CASE WHEN agree THEN ts END)",
    "f_min_ts": "MIN(ts)",
    "f_max_ts": "MAX(ts)",
}
AGGREGATES = {  # per set, from the first grouping's groups
    "n": "SUM(f_n)",
    "rows": "SUM(CASE WHEN k_part = 'fine' THEN f_n ELSE 0 END)",  # (`all` adds the histograms')
    "used": "SUM(CASE WHEN k_use THEN f_n ELSE 0 END)",
    "outside": "SUM(CASE WHEN k_outside THEN f_n ELSE 0 END)",
    "hard": "SUM(CASE WHEN k_hard THEN f_n ELSE 0 END)",
    "lax": "SUM(CASE WHEN k_lax THEN f_n ELSE 0 END)",
    "fusion": "SUM(CASE WHEN k_fusion_row THEN f_n ELSE 0 END)",
    **{f"s{x}": f"SUM(CASE WHEN k_use THEN f_s{x} END)" for x in COORDS},
    "cost": "SUM(CASE WHEN k_use THEN f_cost END)",
    "logged": "SUM(CASE WHEN k_compared AND NOT k_hard THEN f_logged END)",
    "max_diff": "MAX(CASE WHEN k_compared AND NOT k_hard THEN f_max_diff END)",
    "first_agree": "MIN(CASE WHEN k_compared AND NOT k_hard THEN f_first_agree END)",
    "min_ts": "MIN(CASE WHEN k_use THEN f_min_ts END)",
    "max_ts": "MAX(CASE WHEN k_use THEN f_max_ts END)",
    "dated": "SUM(CASE WHEN k_use AND k_day >= 0 THEN f_n ELSE 0 END)",
    "unknown": "SUM(CASE WHEN k_plain AND k_model IS NOT NULL AND k_band_id IS NULL AND NOT k_hard "
    "THEN f_n ELSE 0 END)",
}
SCOPED = {
    "lane": "CASE WHEN k_hard THEN 2 WHEN k_costed THEN 1 ELSE 0 END",
    "known": "k_band_id IS NOT NULL",
}


def _first(spec: QuerySpec, groups: int) -> str:
    """One grouping over the rows by every key (few groups), and the two histograms; its
    columns are named apart (k_, f_) from the sets' (ClickHouse resolves an alias anywhere
    in its SELECT)."""
    keys = _fine_keys(spec, groups)
    listed = ", ".join(keys)
    named = ", ".join(f"{key} AS k_{key}" for key in keys)
    sums = ", ".join(f"{sql} AS {name}" for name, sql in FIRST.items())
    return (
        "first AS (SELECT CASE WHEN GROUPING(hp_k) = 0 THEN 'hp' WHEN GROUPING(hv_k) = 0 "
        f"THEN 'hv' ELSE 'fine' END AS k_part, {named}, hp_k AS k_hp, hv_k AS k_hv, {sums} "
        f"FROM classed GROUP BY GROUPING SETS (({listed}), (hp_k), (hv_k)))"
    )


def aggregate(spec: QuerySpec, fingerprint: str = "") -> str:
    """The statistics query (DuckDB SQL): the rows grouped once by every key, then the
    grouping sets cut from those groups."""
    groups = len(spec.source.groups)
    keys = _keys(spec, groups)
    scoped = ", ".join(
        f"CASE WHEN {_scope(name)} THEN {SCOPED.get(key, 'k_' + key)} END AS {name}_{key}"
        for name, columns in keys.items()
        for key in columns
    )
    sets = ", ".join(
        "(" + ", ".join(f"{name}_{key}" for key in columns) + ")" for name, columns in keys.items()
    )
    which = " ".join(
        f"WHEN GROUPING({name}_{columns[0]}) = 0 THEN '{name}'" for name, columns in keys.items()
    )
    key_columns = ", ".join(f"{name}_{key}" for name, columns in keys.items() for key in columns)
    aggregates = ", ".join(f"{sql} AS {name}" for name, sql in AGGREGATES.items())
    return (
        f"{_ctes(spec)}, {_first(spec, groups)}, "
        f"scoped AS (SELECT *, {scoped} FROM first) "
        f"SELECT '{fingerprint}' AS spec, CASE {which} ELSE 'all' END AS grouping_set, "
        f"{key_columns}, {aggregates} FROM scoped GROUP BY GROUPING SETS ({sets}, ())"
    )


def hard_rows(spec: QuerySpec) -> str:
    """The canonical columns of the hard rows (their attribution columns too)."""
    names = ", ".join(quote(name) for name in CANONICAL)
    groups = "".join(f", g{i}" for i in range(len(spec.source.groups)))
    return f"{_ctes(spec)} SELECT {names}{groups} FROM classed WHERE hard"


def _repriced_exact() -> str:
    usage = Usage(column("p", "r"), column("c", "r"), column("r", "r"), column("k", "r"))
    usage = Usage(usage.prompt, usage.completion, usage.reasoning, usage.cached, column("w", "r"))
    rates = per_token("b", PRICE_COLUMNS, double=False)
    return repriced(usage, rates).sql("duckdb")


def rows(spec: QuerySpec) -> str:
    """Every used row with its tokens, band and exact repricing in millionths of a dollar
    (`repriced_micro`, DECIMAL(38, 18): divide by 10^6 for USD), Fusion traffic left out."""
    money = f"DECIMAL(38, {PRICE_SCALE})"
    return (
        f"{_ctes(spec)} SELECT r.generation_id, r.ts, r.model, r.band_id, r.p, r.c, r.r, r.k, "
        f"r.w, r.a, CAST({_repriced_exact()} AS {money}) AS repriced_micro, "
        f"r.logged_x AS logged_usd FROM classed AS r LEFT JOIN {spec.bands} AS b "
        "ON b.band_id = r.band_id WHERE r.plain"
    )


def render(sql: str, dialect: str) -> str:
    """`sql` (DuckDB) in another dialect, checked to parse back in it."""
    if dialect == "duckdb":
        return sql
    tree = sqlglot.parse_one(sql, read="duckdb")
    tree = tree.transform(lambda node: _portable(node, dialect))
    out = tree.sql(dialect=dialect)
    sqlglot.parse_one(out, read=dialect)
    return out


def _portable(node: exp.Expression, dialect: str) -> exp.Expression:
    """Functions sqlglot leaves unknown in a dialect, spelled as that dialect does; and every
    decimal in BigQuery a BIGNUMERIC (its NUMERIC keeps 9 decimals: it would round prices)."""
    if (
        dialect == "bigquery"
        and isinstance(node, exp.DataType)
        and node.this == exp.DataType.Type.DECIMAL
    ):
        return exp.DataType.build("BIGNUMERIC", dialect="bigquery")
    if isinstance(node, exp.TimeToUnix):
        name = {"bigquery": "UNIX_SECONDS", "clickhouse": "toUnixTimestamp"}.get(dialect)
        if name:
            return exp.Anonymous(this=name, expressions=[node.this])
    return node
