"""Replay: reprice a real log under each strategy, calibrate it against what was billed, and
profile its workload.

Modules: `reader` (streamed CSV/JSONL/Parquet, the canonical columns), `records` (usage and
generation records as the API returns them), `rows` (validated numpy rows), `calibration`
(like-with-like comparison with the bill, causes), `profile` (the workload in scenario form),
`result` (the document), `run` (the driver). They may import `pricing`, `costing`, `callplan`,
`strategies` and `workload`, never `renderers`.
"""

from estimator.documents.replay import ReplayResult
from estimator.replay.run import exact_totals, replay

__all__ = ["ReplayResult", "exact_totals", "replay"]
