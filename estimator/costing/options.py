"""How an estimate is run: Monte Carlo samples and seed, projection months, catalog age limit."""

from __future__ import annotations

import math
from dataclasses import dataclass

from estimator.defaults import MAX_CATALOG_AGE_DAYS, default
from estimator.errors import UserError

MAX_SAMPLES = 1_000_000


@dataclass(frozen=True)
class Options:
    samples: int = default("estimate.samples")
    seed: int = default("estimate.seed")
    months: int = default("estimate.months")
    max_age_days: float = MAX_CATALOG_AGE_DAYS
    what_if: bool = False  # precompute the report's slider grid (decision/whatif.py)

    def __post_init__(self) -> None:
        if not 1 <= self.samples <= MAX_SAMPLES:
            raise UserError(f"samples must be 1 to {MAX_SAMPLES:,}, not {self.samples}")
        if not 0 <= self.seed < 2**63:
            raise UserError(f"seed must be a whole number from 0, not {self.seed}")
        if not 1 <= self.months <= 120:
            raise UserError(f"months must be 1 to 120, not {self.months}")
        if not (math.isfinite(self.max_age_days) and self.max_age_days >= 0):
            raise UserError(f"max_age_days must be a number of days, not {self.max_age_days}")
