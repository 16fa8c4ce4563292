"""The replay document: what a log would have cost under each strategy, and how well the
billing rule reproduces what was billed. Money is float USD (sums over many rows).

`schema_version` 2: the calibration compares like with like (`logged_usd` is the logged
*token* cost; fees and Fusion's inner calls are in `separated`), and Fusion traffic is its own
section. 3: `engine` (which engine read the log), each strategy's `total_exact` (the exact
decimal the float rounds), and `groups` (attribution: `--group-by`).
"""

from __future__ import annotations

from typing import Any, Final, Literal

from estimator.documents.common import Doc, KindName

SCHEMA_VERSION: Final = 3  # 3: engines (engine), attribution groups, exact totals; calibration
# .inferred_writes_rows (cache writes from the cost)


class StrategyTotal(Doc):
    name: str
    kind: KindName
    total_usd: float
    total_exact: str = ""  # the exact total (USD, a decimal string) the float rounds
    per_request_usd: float
    vs_logged: float | None  # total / the logged cost of the same requests
    requests: int = 0  # requests repriced (Fusion requests are shown apart, not repriced)
    notes: list[str] = []  # e.g. the Auto Router pool, ranked for the log's own requests


class ModelCalibration(Doc):
    model: str
    rows: int
    logged_usd: float
    repriced_usd: float
    agreement: float | None
    flagged: int
    max_difference_usd: float = 0.0


class FlagDetail(Doc):
    """Rows one reason explains, by model and provider, with how their bill compares."""

    reason: str
    model: str
    provider: str
    rows: int
    billed_vs_list_min: float | None  # logged / repriced token cost
    billed_vs_list_max: float | None


class Separated(Doc):
    """What rows were billed besides their tokens, by kind (never compared with token prices)."""

    kind: str
    rows: int
    usd: float


class CatalogUse(Doc):
    """A catalog that priced some rows; `covered_rows` of them are dated at or after it (it
    was in force then), the others are older than every catalog (prices may have changed)."""

    fetched_at: str
    source: str
    rows: int
    covered_rows: int
    models_changed_since: list[str] = []  # priced models whose prices differ from today's


class WebFees(Doc):
    rows: int
    usd: float
    matching_dated_exa_fee: int  # whole multiples of Exa's per-search fee on the row's date


class Calibration(Doc):
    rows_compared: int
    logged_usd: float  # the logged token cost (provider split, or cost minus separated fees)
    repriced_usd: float
    agreement: float | None
    flagged_rows: int
    flagged_by_reason: dict[str, int]
    tolerance: str
    by_model: list[ModelCalibration]
    logged_total_usd: float = 0.0  # everything the compared rows were billed
    separated: list[Separated] = []
    flag_details: list[FlagDetail] = []
    catalogs: list[CatalogUse] = []
    max_row_difference_usd: float = 0.0
    web_fees: WebFees | None = None
    inferred_writes_rows: int = 0  # rows without a cache-write count whose cost pinned it


class BadRowReport(Doc):
    count: int
    by_reason: dict[str, int]
    first_lines: list[int]


class FusionObserved(Doc):
    """Fusion traffic as billed: never repriced as one plain call nor re-expanded."""

    requests: int
    rows: int
    logged_usd: float
    per_request_usd: float | None
    outer_usd: float | None = None  # what the outer model's own tokens cost, where visible
    inner_usd: float | None = None  # panel, analyst and tools (cost minus the outer part)
    ungrouped_rows: int = 0  # Fusion generations without a request id (each counted alone)


class GroupTotal(Doc):
    """One attribution group (`--group-by` columns): its requests, what it was billed and
    what each strategy would have cost it (exact decimal strings)."""

    group: dict[str, str | None]
    requests: int
    logged_usd: str | None
    strategies: dict[str, str]


class ReplayResult(Doc):
    schema_version: Literal[3] = SCHEMA_VERSION
    # duckdb, python (the python reader, aggregated by DuckDB), spark, stats (a file)
    engine: str = "duckdb"
    log: str
    log_kind: str = "columns"
    rows_read: int
    rows_used: int
    rows_outside_dates: int
    bad_rows: BadRowReport
    unknown_models: dict[str, int]
    period: dict[str, Any]
    strategies: list[StrategyTotal]
    calibration: Calibration | None
    fusion: FusionObserved | None = None
    profile: dict[str, Any]
    pricing: dict[str, Any]
    groups: list[GroupTotal] = []
    warnings: list[str] = []
    elapsed_s: float
