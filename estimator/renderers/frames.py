"""pandas views of results, for notebooks: one tidy DataFrame per table of an Estimate.

    from estimator import load_catalog, load_scenario, estimate
    from estimator.renderers.frames import estimate_frames
    frames = estimate_frames(estimate(load_scenario(), load_catalog()))
    frames["breakdown"].pivot_table(index="model", columns="strategy", values="cost_usd")

Money columns are floats here (pandas has no decimal dtype); the Estimate keeps exact Decimals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from estimator.documents.estimate import Estimate
    from estimator.documents.replay import ReplayResult


def _floats(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from decimal import Decimal

    return [{k: float(v) if isinstance(v, Decimal) else v for k, v in row.items()} for row in rows]


def estimate_frames(estimate: Estimate) -> dict[str, pd.DataFrame]:
    """strategies, breakdown, calls and projection tables of an Estimate."""
    import pandas as pd

    strategies = [
        {
            "strategy": s.name,
            "kind": s.kind,
            "per_request_usd": s.per_request_usd,
            "monthly_usd": s.monthly_usd,
            "p50_usd": s.distribution.p50_usd,
            "p95_usd": s.distribution.p95_usd,
            "calls_per_request": s.calls_per_request,
            "multiplier_vs_baseline": s.multiplier_vs_baseline,
            "max_prompt_tokens": s.context.max_prompt_tokens,
            "cannot_run_share": s.context.cannot_run_share,
            "context_fallback_monthly_usd": (
                None if s.context.fallback is None else s.context.fallback.monthly_usd
            ),
        }
        for s in estimate.strategies
    ]
    breakdown = [
        {"strategy": s.name, **row.model_dump()} for s in estimate.strategies for row in s.breakdown
    ]
    calls = [
        {"strategy": s.name, **row.model_dump()} for s in estimate.strategies for row in s.calls
    ]
    projection = [
        {
            "month": row.month,
            "requests": row.requests,
            "strategy": name,
            "cost_usd": cost,
            "p5_usd": None if row.p5_usd is None else row.p5_usd[name],
            "p95_usd": None if row.p95_usd is None else row.p95_usd[name],
        }
        for row in estimate.projection
        for name, cost in row.cost_usd.items()
    ]
    return {
        name: pd.DataFrame(_floats(rows))
        for name, rows in (
            ("strategies", strategies),
            ("breakdown", breakdown),
            ("calls", calls),
            ("projection", projection),
        )
    }


def replay_frame(result: ReplayResult) -> pd.DataFrame:
    """One row per strategy of a replay: total, per request, against the logged cost."""
    import pandas as pd

    frame = pd.DataFrame([s.model_dump() for s in result.strategies])
    frame["rows"] = result.rows_used
    return frame
