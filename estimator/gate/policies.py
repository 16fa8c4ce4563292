"""The policy gates: each limit the policy sets, on each strategy it applies to (a limit may
be one number or a per-strategy mapping). A gate passes at its limit (<=) and fails above it;
increase gates need a baseline and apply only to strategies present in both."""

from __future__ import annotations

from decimal import Decimal

from estimator.documents.check import PolicyResult, StrategyDelta, Unit
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


def _strategy_gates(current: Estimate, policy: Policy, s: StrategyResult) -> list[PolicyResult]:
    found = []
    budget = _limit(policy.monthly_budget_usd, s.name)
    if budget is not None:
        found.append(
            gate("monthly_budget_usd", s.name, "monthly cost", s.monthly_usd, budget, "usd")
        )
    per_request = _limit(policy.max_per_request_usd, s.name)
    if per_request is not None:
        found.append(
            gate(
                "max_per_request_usd",
                s.name,
                "cost per request",
                s.per_request_usd,
                per_request,
                "usd",
            )
        )
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


def _increase_gates(policy: Policy, row: StrategyDelta) -> list[PolicyResult]:
    found: list[PolicyResult] = []
    if row.status not in ("changed", "unchanged") or row.delta_usd is None:
        return found
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


def evaluate(
    current: Estimate, policy: Policy, rows: list[StrategyDelta], has_baseline: bool
) -> list[PolicyResult]:
    """Every gate the policy sets, for every strategy it applies to."""
    results: list[PolicyResult] = []
    if policy.max_catalog_age_days is not None:
        results.append(
            gate(
                "max_catalog_age_days",
                None,
                "catalog age",
                current.pricing.age_days,
                policy.max_catalog_age_days,
                "days",
            )
        )
    for s in current.strategies:
        results += _strategy_gates(current, policy, s)
    if has_baseline:
        for row in rows:
            results += _increase_gates(policy, row)
    return results


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
