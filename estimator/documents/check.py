"""The CheckResult: what `check` found, as one typed document (JSON schema
`estimator/schemas/check.schema.json`, generated from these models).

Policies are data: the measured figure, the limit and their unit; `message` is their wording,
filled in by the renderers (renderers/check_output.py) so every output says the same thing.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from estimator.documents.common import Count, Doc, Money

SCHEMA_VERSION: Final = 4
# 4: what changed in the inputs (input_changes: scenario fields, catalog date) and in the
#    verdict (verdict_change); policies max_p95_request_usd and fail_on_verdict_change
# 3: skipped policies with why; new strategies marked; sources
# 2: policies carry numbers (actual, limit, unit) beside their wording

Unit = Literal["usd", "pct", "days", "x", "count", ""]


class StrategyDelta(Doc):
    name: str
    status: Literal["changed", "unchanged", "added", "removed"]
    before_usd: Money | None
    after_usd: Money | None
    delta_usd: Money | None
    delta_pct: float | None


class PolicyResult(Doc):
    """One gate on one strategy (or on the catalog): passes at its limit, fails above it."""

    policy: str
    strategy: str | None
    passed: bool
    measure: str  # what was measured ("monthly cost", "catalog age", ...)
    actual: Count | None  # None when the measure is not a number (a dynamic price)
    limit: Count | None
    unit: Unit
    detail: str | None = None  # why, when the figures cannot say it (the overflowing call)
    new: bool = False  # a strategy the baseline does not have (its whole month is its increase)
    source: str = "policy"  # where the limit comes from: policy, a flag, or the decision budget
    message: str | None = None  # the wording (renderers)


class SkippedPolicy(Doc):
    """A policy that is set but could not be checked here, and why."""

    policy: str
    strategy: str | None
    why: str


class PriceChange(Doc):
    model: str
    key: str
    old: Money | None
    new: Money | None
    change_pct: float | None


class ModelMove(Doc):
    strategy: str
    model: str
    before_usd: Money
    after_usd: Money
    delta_usd: Money


class InputChange(Doc):
    """One input that differs from the baseline's: a scenario field (`workload.
    requests_per_month`, `strategies[fusion-quality].fusion.tool_steps`) or the catalog."""

    input: str
    before: Any
    after: Any


class VerdictAt(Doc):
    """A verdict and its choice (with a share, where the rest goes)."""

    verdict: str
    chosen: str
    share: float | None = None
    rest: str | None = None


class VerdictChange(Doc):
    before: VerdictAt
    after: VerdictAt


class CheckResult(Doc):
    schema_version: Literal[4] = SCHEMA_VERSION
    scenario: str
    passed: bool
    failed: int
    catalog: dict[str, Any]
    baseline_catalog: dict[str, Any] | None
    strategies: list[StrategyDelta]
    policies: list[PolicyResult]
    skipped: list[SkippedPolicy] = []
    price_changes: list[PriceChange]
    moved_by: list[ModelMove]
    input_changes: list[InputChange] = []  # what changed in the inputs, first
    verdict: VerdictAt | None = None  # this estimate's
    verdict_change: VerdictChange | None = None
    notes: list[str] = []

    @property
    def moved(self) -> bool:
        """Anything to comment on: money, an input, the verdict, or a failed policy."""
        return (
            not self.passed
            or bool(self.input_changes)
            or self.verdict_change is not None
            or any(s.status != "unchanged" for s in self.strategies)
        )


class PolicyFlip(Doc):
    """A policy the new prices make pass or fail where it did the opposite."""

    policy: str
    strategy: str | None
    passed_before: bool
    passed: bool


class ScenarioImpact(Doc):
    scenario: str
    file: str
    strategies: list[StrategyDelta]  # before: the old catalog; after: the new one
    policy_flips: list[PolicyFlip]
    verdict_before: VerdictAt | None
    verdict_after: VerdictAt | None

    @property
    def verdict_flipped(self) -> bool:
        return self.verdict_before != self.verdict_after


class Proposal(Doc):
    """What a price refresh does to the committed scenarios (a pull request's body)."""

    schema_version: Literal[1] = 1
    old_catalog: dict[str, Any]
    new_catalog: dict[str, Any]
    price_changes: list[PriceChange]  # of the models the scenarios use
    models_added: int
    models_removed: int
    scenarios: list[ScenarioImpact]
