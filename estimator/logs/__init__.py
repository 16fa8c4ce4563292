"""Activity logs, for `replay`: reprice a real log under each strategy, calibrate it against
what was billed, and profile its workload.

Modules: `reader` (streamed CSV/JSONL/Parquet, the canonical columns), `records` (usage and
generation records as the API returns them), `rows` (validated numpy rows), `calibration`
(like-with-like comparison with the bill, causes), `profile` (the workload in scenario form),
`timeline` (the catalog in force at a row's date), `workload` (--workload-from), `run` (the
driver), `engines/` (where rows are aggregated: price bands, generated SQL, DuckDB, Spark),
`summary` (statistics to figures), `observed` (requests and Fusion traffic of rows),
`attribution` (--group-by), `focus` (--focus-out), `exact` (the Decimal reference path); the
document is `documents.replay`.

May import: errors, clock, defaults, pricing, workload, strategies, documents, scenario, costing.
"""

from estimator.documents.replay import ReplayResult
from estimator.logs.exact import exact_totals
from estimator.logs.run import replay

__all__ = ["ReplayResult", "exact_totals", "replay"]
