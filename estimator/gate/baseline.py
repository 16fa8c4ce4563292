"""The baseline a check compares against: the parts of a saved `estimate --format json` (from
the main branch) it needs, read leniently (newer keys are ignored) but strictly sized and typed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, FiniteFloat, ValidationError

from estimator.documents.estimate import SCHEMA_VERSION
from estimator.errors import UserError
from estimator.pricing.payload import loads_strict, read_limited

REGENERATE = "fusion-cost estimate SCENARIO --format json > baseline.json (on the main branch)"
MAX_BASELINE_BYTES = 16 * 1024 * 1024  # an estimate's JSON is well under 1 MiB
# estimate schema versions whose strategies, breakdown and prices read the same way
READABLE_VERSIONS = (1, 2, 3, 4, SCHEMA_VERSION)


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class BaselineRow(_Lenient):
    model: str
    cost_usd: FiniteFloat


class BaselineDistribution(_Lenient):
    p95_usd: FiniteFloat | None = None


class BaselineStrategy(_Lenient):
    name: str
    kind: str = ""
    per_request_usd: FiniteFloat
    monthly_usd: FiniteFloat
    breakdown: list[BaselineRow] = []
    distribution: BaselineDistribution = BaselineDistribution()


class BaselineDecision(_Lenient):
    """The verdict a baseline reached: a check says when it flips."""

    verdict: str
    chosen_strategy: str
    subset_share: FiniteFloat | None = None
    rest_strategy: str | None = None


class BaselinePricing(_Lenient):
    fetched_at: str
    sha256: str = ""


class Baseline(_Lenient):
    """The parts of a saved `estimate --format json` that a check compares against."""

    schema_version: int
    scenario: dict[str, Any] = {}  # {name, source}
    pricing: BaselinePricing
    strategies: list[BaselineStrategy]
    prices_used: dict[str, dict[str, FiniteFloat | None]] = {}
    decision: BaselineDecision | None = None
    inputs: dict[str, Any] = {}  # schema 4+: the scenario as validated (input diffs)

    @property
    def name(self) -> str | None:
        found = self.scenario.get("name")
        return found if isinstance(found, str) else None


def load_baseline(path: str | Path) -> Baseline:
    """A baseline file, or exit 2 naming the file and the command that regenerates it."""
    source = Path(path)
    try:
        document = loads_strict(read_limited(source, MAX_BASELINE_BYTES))
    except FileNotFoundError:
        raise UserError(f"{source}: baseline file not found; create it with {REGENERATE}") from None
    except OSError as exc:
        raise UserError(
            f"{source}: cannot read the baseline ({exc.strerror or exc}); "
            f"regenerate it with {REGENERATE}"
        ) from None
    except ValueError as exc:  # bad JSON or encoding, NaN, huge numbers, deep nesting
        raise UserError(
            f"{source}: not a readable JSON baseline ({exc}); regenerate it with {REGENERATE}"
        ) from None
    if not isinstance(document, dict) or "schema_version" not in document:
        raise UserError(f"{source}: not a fusion-cost estimate; regenerate it with {REGENERATE}")
    if document["schema_version"] not in READABLE_VERSIONS:
        readable = " or ".join(str(v) for v in READABLE_VERSIONS)
        raise UserError(
            f"{source}: schema_version {document['schema_version']!r} is not a supported one "
            f"({readable}); regenerate it with {REGENERATE}"
        )
    try:
        return Baseline.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UserError(
            f"{source}: {where}: {first['msg']}; regenerate it with {REGENERATE}"
        ) from None
