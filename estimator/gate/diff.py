"""What changed since the baseline: monthly cost per strategy (added and removed ones too),
the prices of the models used, and which models moved each strategy's cost."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from estimator.documents.check import (
    InputChange,
    ModelMove,
    PriceChange,
    StrategyDelta,
    VerdictAt,
    VerdictChange,
)
from estimator.documents.estimate import Estimate
from estimator.gate.baseline import Baseline


def _pct(before: Decimal, after: Decimal) -> float | None:
    """Rounded to 1e-9 points: a baseline's monthly figure went through a JSON float (~16
    digits), so anything finer is noise that would fail a limit the change meets exactly."""
    return None if before == 0 else round(float((after - before) / before * 100), 9)


def _one_side(
    name: str, status: Any, before: Decimal | None, after: Decimal | None
) -> StrategyDelta:
    """A strategy on one side only (or with no baseline at all): nothing to subtract."""
    return StrategyDelta(
        name=name, status=status, before_usd=before, after_usd=after, delta_usd=None, delta_pct=None
    )


def deltas(current: Estimate, baseline: Baseline | None) -> list[StrategyDelta]:
    if baseline is None:
        return [_one_side(s.name, "unchanged", None, s.monthly_usd) for s in current.strategies]
    before = {s.name: Decimal(repr(s.monthly_usd)) for s in baseline.strategies}
    rows = []
    for s in current.strategies:
        if s.name not in before:
            rows.append(_one_side(s.name, "added", None, s.monthly_usd))
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
        _one_side(name, "removed", value, None)
        for name, value in before.items()
        if name not in names
    ]
    return rows


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


def _flat(value: Any, path: str, out: dict[str, Any]) -> dict[str, Any]:
    """A scenario as `path: value` leaves; a list of named items (strategies) by name."""
    if isinstance(value, dict):
        for key, item in value.items():
            _flat(item, f"{path}.{key}" if path else str(key), out)
    elif (
        isinstance(value, list)
        and value
        and all(isinstance(v, dict) and isinstance(v.get("name"), str) for v in value)
    ):
        for item in value:
            _flat({k: v for k, v in item.items() if k != "name"}, f"{path}[{item['name']}]", out)
    else:
        out[path] = value
    return out


def input_changes(current: Estimate, baseline: Baseline) -> list[InputChange]:
    """Which inputs differ from the baseline's: the catalog's date, then every scenario field
    (a baseline of schema 3 or older carries no scenario: the catalog only)."""
    found = []
    if baseline.pricing.fetched_at != current.pricing.fetched_at:
        found.append(
            InputChange(
                input="catalog",
                before=baseline.pricing.fetched_at,
                after=current.pricing.fetched_at,
            )
        )
    if not baseline.inputs:
        return found
    before = _flat(baseline.inputs.get("scenario", {}), "", {})
    after = _flat(current.inputs.get("scenario", {}), "", {})
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            found.append(InputChange(input=key, before=before.get(key), after=after.get(key)))
    return found


def verdict_of(current: Estimate) -> VerdictAt | None:
    d = current.decision
    if d is None:
        return None
    return VerdictAt(
        verdict=d.verdict, chosen=d.chosen_strategy, share=d.subset_share, rest=d.rest_strategy
    )


def verdict_change(current: Estimate, baseline: Baseline) -> VerdictChange | None:
    """The verdict against the baseline's, when it changed (None: same, or not recorded)."""
    after, old = verdict_of(current), baseline.decision
    if after is None or old is None:
        return None
    before = VerdictAt(
        verdict=old.verdict,
        chosen=old.chosen_strategy,
        share=old.subset_share,
        rest=old.rest_strategy,
    )
    return None if before == after else VerdictChange(before=before, after=after)
