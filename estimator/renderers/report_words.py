"""The report's words: chart titles that say what the reader should see, and the assumptions
in human words (names without dots and underscores, values without Python's dict text)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from estimator.documents.estimate import Assumption, Estimate, StrategyResult
from estimator.renderers.fmt import usd


def _name(key: str) -> str:
    """`fusion.tool_steps` -> `Fusion: tool steps`."""
    head, _, rest = key.partition(".")
    if not rest:
        return head.replace("_", " ")
    return f"{head.replace('_', ' ').capitalize()}: {rest.replace('_', ' ').replace('.', ', ')}"


def value_text(value: Any) -> str:
    """A default's value as a reader says it."""
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float | Decimal):
        return f"{float(value):,g}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list | tuple):
        return ", ".join(value_text(v) for v in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{k.replace('_', ' ')}: {value_text(v)}" for k, v in value.items())
    return str(value)


def assumption_rows(assumptions: list[Assumption]) -> list[dict[str, Any]]:
    """Our assumptions first (what a reviewer should question), then documented defaults."""
    ordered = sorted(assumptions, key=lambda a: a.documented)
    return [
        {
            "name": _name(a.name),
            "key": a.name,
            "value": value_text(a.value),
            "documented": a.documented,
            "source": a.source,
            "used_by": ", ".join(a.used_by),
        }
        for a in ordered
    ]


def stage_title(fusions: list[StrategyResult]) -> str:
    first = fusions[0]
    top = max(first.by_stage, key=lambda c: c.cost_usd)
    share = float(top.cost_usd / first.per_request_usd) if first.per_request_usd else 0.0
    return f"{first.name}: {top.stage} is {share:.0%} of the cost of a request"


def model_title(fusions: list[StrategyResult]) -> str:
    first = fusions[0]
    parts: dict[str, Decimal] = {}
    for row in first.breakdown:
        parts[row.model] = parts.get(row.model, Decimal(0)) + row.cost_usd
    model = max(parts, key=lambda m: parts[m])
    share = float(parts[model] / first.per_request_usd) if first.per_request_usd else 0.0
    return f"{model} takes {share:.0%} of {first.name}'s cost"


def projection_title(e: Estimate) -> str:
    last = e.projection[-1]
    name = max(last.cost_usd, key=lambda n: last.cost_usd[n])
    return f"{name} reaches {usd(last.cost_usd[name])} a month by month {last.month}"


def latency_title(e: Estimate) -> str:
    d = e.decision
    assert d is not None
    slow = max(d.latency_s, key=lambda n: d.latency_s[n].p50_s)
    fast = min(d.latency_s, key=lambda n: d.latency_s[n].p50_s)
    times = d.latency_s[slow].p50_s / d.latency_s[fast].p50_s if d.latency_s[fast].p50_s else 0
    return f"{slow} takes {d.latency_s[slow].p50_s:.0f} s at p50, {times:.0f}x {fast}"


def tornado_title(e: Estimate) -> str:
    d = e.decision
    assert d is not None and d.sensitivity is not None
    sens = d.sensitivity
    if not sens.tornado:
        return f"What moves {sens.premium}'s monthly premium"
    top = sens.tornado[0]
    return (
        f"{top.driver} moves {sens.premium}'s premium the most: "
        f"{usd(top.low_monthly_delta_usd)} to {usd(top.high_monthly_delta_usd)} a month"
    )


def panel_title(e: Estimate) -> str:
    d = e.decision
    assert d is not None and d.sensitivity is not None
    sweep = d.sensitivity.panel_sweep
    if len(sweep) < 2:
        return "Monthly cost by panel size"
    step = (sweep[-1].monthly_usd - sweep[0].monthly_usd) / (len(sweep) - 1)
    return f"Each panel member adds about {usd(step)} a month"
