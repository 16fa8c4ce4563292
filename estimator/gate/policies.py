"""The policy gates: each limit the policy sets, on each strategy it applies to (a limit may
be one number or a per-strategy mapping). A gate passes at its limit (<=) and fails above it.
Increase gates need a baseline; a strategy the baseline does not have is new: its whole month
is its increase in dollars, and a percentage of nothing is skipped. Every limit that is set
but cannot be checked is listed as skipped, with why: nothing is left out without a word."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from estimator.documents.check import (
    PolicyResult,
    SkippedPolicy,
    StrategyDelta,
    Unit,
    VerdictChange,
)
from estimator.documents.estimate import Estimate, StrategyResult
from estimator.scenario.spec import Policy


def _limit(limits: float | dict[str, float] | None, name: str) -> float | None:
    """A policy limit for one strategy: the same for all, or its own from a mapping."""
    if isinstance(limits, dict):
        return limits.get(name)
    return limits


def _number(value: Decimal | float) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def gate(
    policy: str,
    strategy: str | None,
    measure: str,
    actual: Decimal | float,
    limit: float,
    unit: Unit,
) -> PolicyResult:
    measured, allowed = _number(actual), _number(limit)
    return PolicyResult(
        policy=policy,
        strategy=strategy,
        passed=measured <= allowed,
        measure=measure,
        actual=measured,
        limit=allowed,
        unit=unit,
    )


# the money gates on each strategy: (policy field, what is measured, the figure)
MONEY_GATES: tuple[tuple[str, str, Callable[[StrategyResult], Decimal]], ...] = (
    # the month with OpenRouter's fees when billing is set: what the decision's budget holds
    ("monthly_budget_usd", "monthly cost", lambda s: s.monthly_paid_usd),
    ("max_per_request_usd", "cost per request", lambda s: s.per_request_usd),
    ("max_p95_request_usd", "p95 cost of one request", lambda s: s.distribution.p95_usd),
)


def _strategy_gates(current: Estimate, policy: Policy, s: StrategyResult) -> list[PolicyResult]:
    found = []
    for name, measure, figure in MONEY_GATES:
        limit = _limit(getattr(policy, name), s.name)
        if limit is not None:
            found.append(gate(name, s.name, measure, figure(s), limit, "usd"))
    multiplier = policy.max_multiplier_vs_baseline
    if (
        multiplier is not None
        and s.name != current.baseline
        and s.multiplier_vs_baseline is not None
    ):
        found.append(
            gate(
                "max_multiplier_vs_baseline",
                s.name,
                f"cost vs {current.baseline}",
                s.multiplier_vs_baseline,
                multiplier,
                "x",
            )
        )
    if policy.fail_on_context_overflow and s.context.overflows:
        overflow = gate(
            "fail_on_context_overflow",
            s.name,
            "context overflows",
            len(s.context.overflows),
            0,
            "count",
        )
        found.append(overflow.model_copy(update={"detail": s.context.overflows[0]}))
    return found


def _new_strategy_gates(
    policy: Policy, row: StrategyDelta, skipped: list[SkippedPolicy]
) -> list[PolicyResult]:
    """A strategy the baseline does not have: all of its month is the increase."""
    found: list[PolicyResult] = []
    if policy.max_increase_usd is not None and row.after_usd is not None:
        increase = gate(
            "max_increase_usd",
            row.name,
            "monthly increase (new: all of its month)",
            row.after_usd,
            policy.max_increase_usd,
            "usd",
        )
        found.append(increase.model_copy(update={"new": True}))
    if policy.max_increase_pct is not None:
        skipped.append(
            SkippedPolicy(
                policy="max_increase_pct",
                strategy=row.name,
                why="new: the baseline has no cost for it to take a percentage of",
            )
        )
    return found


def _increase_gates(
    policy: Policy, row: StrategyDelta, skipped: list[SkippedPolicy]
) -> list[PolicyResult]:
    found: list[PolicyResult] = []
    if row.status == "added":
        return _new_strategy_gates(policy, row, skipped)
    if row.status not in ("changed", "unchanged") or row.delta_usd is None:
        return found
    if policy.max_increase_pct is not None and row.delta_pct is None:
        skipped.append(
            SkippedPolicy(
                policy="max_increase_pct",
                strategy=row.name,
                why="its baseline cost is $0: no percentage to take",
            )
        )
    if policy.max_increase_pct is not None and row.delta_pct is not None:
        found.append(
            gate(
                "max_increase_pct",
                row.name,
                "monthly increase",
                row.delta_pct,
                policy.max_increase_pct,
                "pct",
            )
        )
    if policy.max_increase_usd is not None:
        found.append(
            gate(
                "max_increase_usd",
                row.name,
                "monthly increase",
                row.delta_usd,
                policy.max_increase_usd,
                "usd",
            )
        )
    return found


INCREASES = ("max_increase_pct", "max_increase_usd")
PER_STRATEGY = tuple(name for name, _, _ in MONEY_GATES)


def _unlimited(current: Estimate, policy: Policy) -> list[SkippedPolicy]:
    """Strategies a per-strategy mapping does not name, and the baseline's own multiplier."""
    skipped = []
    for name in PER_STRATEGY:
        limits = getattr(policy, name)
        if isinstance(limits, dict):
            skipped += [
                SkippedPolicy(policy=name, strategy=s.name, why=f"policy.{name} names no limit")
                for s in current.strategies
                if s.name not in limits
            ]
    if policy.max_multiplier_vs_baseline is not None:
        skipped.append(
            SkippedPolicy(
                policy="max_multiplier_vs_baseline",
                strategy=current.baseline,
                why="it is the baseline (1x by definition)",
            )
        )
    return skipped


def evaluate(
    current: Estimate, policy: Policy, rows: list[StrategyDelta], has_baseline: bool
) -> tuple[list[PolicyResult], list[SkippedPolicy]]:
    """Every gate the policy sets, for every strategy it applies to, and every limit that is
    set but could not be checked, with why."""
    results: list[PolicyResult] = []
    skipped = _unlimited(current, policy)
    if policy.max_catalog_age_days is not None:
        reviewed = current.pricing.review_age_days  # a reviewed lock: the age of the review
        results.append(
            gate(
                "max_catalog_age_days",
                None,
                "catalog age" if reviewed is None else "days since the prices were reviewed",
                current.pricing.age_days if reviewed is None else reviewed,
                policy.max_catalog_age_days,
                "days",
            )
        )
    for s in current.strategies:
        results += _strategy_gates(current, policy, s)
    if has_baseline:
        for row in rows:
            results += _increase_gates(policy, row, skipped)
    else:
        skipped += [
            SkippedPolicy(
                policy=name,
                strategy=None,
                why="needs --baseline FILE: a saved `estimate --format json` of the main branch",
            )
            for name in (*INCREASES, "fail_on_verdict_change")
            if getattr(policy, name) not in (None, False)
        ]
    return results, skipped


def verdict_gate(change: VerdictChange | None) -> PolicyResult:
    """`fail_on_verdict_change`: the verdict (and its choice) must be the baseline's."""
    return PolicyResult(
        policy="fail_on_verdict_change",
        strategy=None,
        passed=change is None,
        measure="verdict",
        actual=None,
        limit=None,
        unit="",
    )


def dynamic_price(strategy: str, message: str, fail: bool) -> PolicyResult:
    """A strategy left out because a model it calls has no fixed price."""
    return PolicyResult(
        policy="fail_on_dynamic_price",
        strategy=strategy,
        passed=not fail,
        measure="price",
        actual=None,
        limit=None,
        unit="",
        detail=message,
    )
