"""`check`: policy gates for CI, and the diff against a baseline estimate from the main branch.

A policy passes at its limit (<=) and fails above it. Increases are measured on monthly cost
against the baseline file's strategy of the same name; percent change is empty when the
baseline is zero (only the USD gate applies then). Added and removed strategies are reported,
never gated on increase.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, FiniteFloat, ValidationError

from estimator.documents.estimate import SCHEMA_VERSION, Estimate, Money
from estimator.errors import UserError
from estimator.scenario.spec import Policy

REGENERATE = "fusion-cost estimate SCENARIO --format json > baseline.json (on the main branch)"
MAX_BASELINE_BYTES = 16 * 1024 * 1024  # an estimate's JSON is well under 1 MiB


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class BaselineRow(_Lenient):
    model: str
    cost_usd: FiniteFloat


class BaselineStrategy(_Lenient):
    name: str
    kind: str = ""
    per_request_usd: FiniteFloat
    monthly_usd: FiniteFloat
    breakdown: list[BaselineRow] = []


class BaselinePricing(_Lenient):
    fetched_at: str
    sha256: str = ""


class Baseline(_Lenient):
    """The parts of a saved `estimate --format json` that a check compares against."""

    schema_version: int
    pricing: BaselinePricing
    strategies: list[BaselineStrategy]
    prices_used: dict[str, dict[str, FiniteFloat | None]] = {}


def load_baseline(path: str | Path) -> Baseline:
    """A baseline file, or exit 2 naming the file and the command that regenerates it."""
    from estimator.pricing.payload import loads_strict, read_limited

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
    if document["schema_version"] != SCHEMA_VERSION:
        raise UserError(
            f"{source}: schema_version {document['schema_version']!r} is not the supported "
            f"{SCHEMA_VERSION}; regenerate it with {REGENERATE}"
        )
    try:
        return Baseline.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UserError(
            f"{source}: {where}: {first['msg']}; regenerate it with {REGENERATE}"
        ) from None


class StrategyDelta(BaseModel):
    name: str
    status: Literal["changed", "unchanged", "added", "removed"]
    before_usd: Money | None
    after_usd: Money | None
    delta_usd: Money | None
    delta_pct: float | None


class PolicyResult(BaseModel):
    policy: str
    strategy: str | None
    passed: bool
    actual: str
    limit: str
    message: str


class PriceChange(BaseModel):
    model: str
    key: str
    old: Money | None
    new: Money | None
    change_pct: float | None


class ModelMove(BaseModel):
    strategy: str
    model: str
    before_usd: Money
    after_usd: Money
    delta_usd: Money


class CheckResult(BaseModel):
    schema_version: Literal[1] = SCHEMA_VERSION
    scenario: str
    passed: bool
    failed: int
    catalog: dict[str, Any]
    baseline_catalog: dict[str, Any] | None
    strategies: list[StrategyDelta]
    policies: list[PolicyResult]
    price_changes: list[PriceChange]
    moved_by: list[ModelMove]
    notes: list[str] = []


def _usd(value: Decimal | float) -> str:
    from estimator.renderers.fmt import usd

    return usd(value)


def _limit(limits: Any, name: str) -> float | None:
    if isinstance(limits, dict):
        return limits.get(name)
    return limits


def _pct(before: Decimal, after: Decimal) -> float | None:
    return None if before == 0 else float((after - before) / before * 100)


def deltas(current: Estimate, baseline: Baseline | None) -> list[StrategyDelta]:
    if baseline is None:
        return [
            StrategyDelta(
                name=s.name,
                status="unchanged",
                before_usd=None,
                after_usd=s.monthly_usd,
                delta_usd=None,
                delta_pct=None,
            )
            for s in current.strategies
        ]
    before = {s.name: Decimal(repr(s.monthly_usd)) for s in baseline.strategies}
    rows = []
    for s in current.strategies:
        if s.name not in before:
            rows.append(
                StrategyDelta(
                    name=s.name,
                    status="added",
                    before_usd=None,
                    after_usd=s.monthly_usd,
                    delta_usd=None,
                    delta_pct=None,
                )
            )
            continue
        old = before[s.name]
        new = Decimal(repr(float(s.monthly_usd)))
        rows.append(
            StrategyDelta(
                name=s.name,
                status="unchanged" if abs(new - old) < Decimal("0.005") else "changed",
                before_usd=old,
                after_usd=new,
                delta_usd=new - old,
                delta_pct=_pct(old, new),
            )
        )
    names = {s.name for s in current.strategies}
    rows += [
        StrategyDelta(
            name=name,
            status="removed",
            before_usd=value,
            after_usd=None,
            delta_usd=None,
            delta_pct=None,
        )
        for name, value in before.items()
        if name not in names
    ]
    return rows


def evaluate(
    current: Estimate, policy: Policy, rows: list[StrategyDelta], has_baseline: bool
) -> list[PolicyResult]:
    """Every gate the policy sets, for every strategy it applies to."""
    results: list[PolicyResult] = []

    def gate(
        policy_name: str,
        strategy: str | None,
        actual: float,
        limit: float,
        shown: tuple[str, str],
        what: str,
    ) -> None:
        passed = actual <= limit
        verb = "within" if passed else "over"
        results.append(
            PolicyResult(
                policy=policy_name,
                strategy=strategy,
                passed=passed,
                actual=shown[0],
                limit=shown[1],
                message=f"{strategy + ': ' if strategy else ''}{what} {shown[0]} is {verb} "
                f"the limit {shown[1]}",
            )
        )

    if policy.max_catalog_age_days is not None:
        age = current.pricing.age_days
        gate(
            "max_catalog_age_days",
            None,
            age,
            policy.max_catalog_age_days,
            (f"{age:g} days", f"{policy.max_catalog_age_days:g} days"),
            "catalog age",
        )
    for s in current.strategies:
        budget = _limit(policy.monthly_budget_usd, s.name)
        if budget is not None:
            gate(
                "monthly_budget_usd",
                s.name,
                float(s.monthly_usd),
                budget,
                (_usd(s.monthly_usd), _usd(budget)),
                "monthly cost",
            )
        per_request = _limit(policy.max_per_request_usd, s.name)
        if per_request is not None:
            gate(
                "max_per_request_usd",
                s.name,
                float(s.per_request_usd),
                per_request,
                (_usd(s.per_request_usd), _usd(per_request)),
                "cost per request",
            )
        if (
            policy.max_multiplier_vs_baseline is not None
            and s.name != current.baseline
            and s.multiplier_vs_baseline is not None
        ):
            gate(
                "max_multiplier_vs_baseline",
                s.name,
                s.multiplier_vs_baseline,
                policy.max_multiplier_vs_baseline,
                (f"{s.multiplier_vs_baseline:.2f}x", f"{policy.max_multiplier_vs_baseline:g}x"),
                f"cost vs {current.baseline}",
            )
        if policy.fail_on_context_overflow and s.context.overflows:
            results.append(
                PolicyResult(
                    policy="fail_on_context_overflow",
                    strategy=s.name,
                    passed=False,
                    actual=f"{len(s.context.overflows)} overflow(s)",
                    limit="none",
                    message=f"{s.name}: {s.context.overflows[0]}",
                )
            )
    if has_baseline:
        for row in rows:
            if row.status not in ("changed", "unchanged") or row.delta_usd is None:
                continue
            if policy.max_increase_pct is not None and row.delta_pct is not None:
                gate(
                    "max_increase_pct",
                    row.name,
                    row.delta_pct,
                    policy.max_increase_pct,
                    (f"{row.delta_pct:+.2f}%", f"{policy.max_increase_pct:+g}%"),
                    "monthly increase",
                )
            if policy.max_increase_usd is not None:
                gate(
                    "max_increase_usd",
                    row.name,
                    float(row.delta_usd),
                    policy.max_increase_usd,
                    (_usd(row.delta_usd), _usd(policy.max_increase_usd)),
                    "monthly increase",
                )
    return results


def price_changes(current: Estimate, baseline: Baseline) -> list[PriceChange]:
    changes = []
    for model, prices in sorted(current.prices_used.items()):
        old = baseline.prices_used.get(model)
        if old is None:
            continue
        for key in sorted(set(prices) | set(old)):
            new_value = prices.get(key)
            old_value = old.get(key)
            a = None if old_value is None else Decimal(repr(old_value))
            b = None if new_value is None else Decimal(repr(float(new_value)))
            if a == b:
                continue
            pct = None if a in (None, 0) or b is None else float((b - a) / a * 100)
            changes.append(PriceChange(model=model, key=key, old=a, new=b, change_pct=pct))
    return changes


def moved_by(current: Estimate, baseline: Baseline) -> list[ModelMove]:
    """Per strategy and model, how the monthly cost moved (from the breakdown rows)."""

    def per_model(rows: list[Any], monthly_factor: Decimal) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for row in rows:
            model = row["model"] if isinstance(row, dict) else row.model
            cost = row["cost_usd"] if isinstance(row, dict) else row.cost_usd
            totals[model] = totals.get(model, Decimal(0)) + Decimal(repr(float(cost)))
        return {m: v * monthly_factor for m, v in totals.items()}

    old = {s.name: s for s in baseline.strategies}
    requests = Decimal(repr(current.workload.requests_per_month))
    moves = []
    for s in current.strategies:
        if s.name not in old or not old[s.name].per_request_usd:
            continue
        before_requests = Decimal(repr(old[s.name].monthly_usd)) / Decimal(
            repr(old[s.name].per_request_usd)
        )
        before = per_model(old[s.name].breakdown, before_requests)
        after = per_model(s.breakdown, requests)
        for model in sorted(set(before) | set(after)):
            b, a = before.get(model, Decimal(0)), after.get(model, Decimal(0))
            if abs(a - b) >= Decimal("0.01"):
                moves.append(
                    ModelMove(
                        strategy=s.name, model=model, before_usd=b, after_usd=a, delta_usd=a - b
                    )
                )
    return sorted(moves, key=lambda m: abs(m.delta_usd), reverse=True)


def check(
    current: Estimate,
    policy: Policy,
    baseline: Baseline | None = None,
    notes: list[str] | None = None,
    extra: list[PolicyResult] | None = None,
) -> CheckResult:
    """Evaluate `policy` on an estimate (and its diff against `baseline`)."""
    rows = deltas(current, baseline)
    policies = list(extra or []) + evaluate(current, policy, rows, baseline is not None)
    changed_catalog = baseline is not None and baseline.pricing.sha256 != current.pricing.sha256
    failed = sum(not p.passed for p in policies)
    return CheckResult(
        scenario=current.scenario["name"],
        passed=failed == 0,
        failed=failed,
        catalog={
            "fetched_at": current.pricing.fetched_at,
            "age_days": current.pricing.age_days,
            "stale": current.pricing.stale,
            "sha256": current.pricing.sha256,
            "source": current.pricing.source,
        },
        baseline_catalog=None
        if baseline is None
        else {"fetched_at": baseline.pricing.fetched_at, "sha256": baseline.pricing.sha256},
        strategies=rows,
        policies=policies,
        price_changes=price_changes(current, baseline) if changed_catalog and baseline else [],
        moved_by=moved_by(current, baseline) if baseline else [],
        notes=list(notes or []),
    )
