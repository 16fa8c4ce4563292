"""One replay's plan (what it reads and prices with, before any row is read) and what an
engine returns (`Outcome`): shared by the driver (logs/run.py) and the engines."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from estimator.logs.calibration import Calibrator
from estimator.logs.engines.bands import BandTable
from estimator.logs.engines.cells import CellSpec
from estimator.logs.engines.frames import from_arrow
from estimator.logs.engines.query import QuerySpec
from estimator.logs.engines.stats import Stats
from estimator.logs.observed import AUTO_WRITE_SHARE
from estimator.logs.reader import BLOCK_BYTES, CHUNK_ROWS, ReadStats
from estimator.logs.rows import BadRows
from estimator.logs.summary import HardPart
from estimator.logs.timeline import Timeline
from estimator.pricing.catalog import Catalog
from estimator.strategies.base import Strategy

HARD_BATCH = 100_000  # hard rows are calibrated in batches of this many


@dataclass
class Plan:
    """What one replay reads and prices with, before any row is read."""

    log: Path
    catalog: Catalog
    strategies: list[Strategy]
    mapping: dict[str, str]
    groups: tuple[str, ...]
    timeline: Timeline
    bands: BandTable
    cells: CellSpec
    since: int | None
    until: int | None
    chunk_rows: int = CHUNK_ROWS
    block_bytes: int = BLOCK_BYTES
    rows_out: Any = None  # a csv.writer: every row is calibrated one by one
    focus: IO[str] | None = None  # FinOps FOCUS rows (day grain) go here
    stats_file: Path | None = None  # read these statistics instead of a log

    def query(self, present: set[str], source: Any) -> QuerySpec:
        return QuerySpec(
            source,
            self.cells,
            AUTO_WRITE_SHARE,
            has_writes="tokens_cache_write" in present,
            has_cost="cost_total" in present,
            since=self.since,
            until=self.until,
            undated_at=self.bands.undated_at,
        )


@dataclass
class Outcome:
    """What an engine returns: statistics, hard rows (as calibrated), and how it read."""

    stats: Stats = field(default_factory=Stats)
    hard: HardPart = field(default_factory=HardPart)
    read: ReadStats = field(default_factory=ReadStats)
    bad: BadRows | None = None  # the python reader's (else the statistics' `bad` set)
    present: set[str] = field(default_factory=set)
    engine: str = "duckdb"
    warnings: list[str] = field(default_factory=list)

    def add_hard_table(
        self,
        table: Any,
        has_writes: bool,
        calibrator: Calibrator | None,
        present: set[str] | None = None,
    ) -> None:
        """Hard rows an engine returned (Arrow), into the Fusion sums and (unless None) the
        calibration, in batches of HARD_BATCH rows."""
        for start in range(0, table.num_rows, HARD_BATCH):
            part = table.slice(start, HARD_BATCH)
            rows = from_arrow(part, self.present if present is None else present, has_writes)
            self.hard.add(rows, calibrator)
