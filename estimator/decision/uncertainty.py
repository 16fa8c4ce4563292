"""How sure the verdict is, when error rates come with evidence: graded samples
(`{wrong: 12, of: 200}`, a Beta(1 + wrong, 1 + of - wrong) posterior from a uniform prior) or
ranges (`{low, high}`, uniform).

- `p_best`: for each strategy, the probability that it has the lowest expected total per
  request (cost + error rate x cost per error + latency cost, costs at their expected values,
  error rates drawn from their beliefs: seeded Monte Carlo, independent strategies).
- the break-even cost per wrong answer of each premium strategy against each other one, as a
  5%-95% interval over the same draws (no upper end when the premium may not be better at all).
- samples to settle: how many more graded answers per graded strategy would make the leader
  (lowest total at the point rates) 90% likely to be best, if those answers show the same
  error rates as the ones graded so far (the posterior narrows; its centre stays). None when
  no graded strategy would move it within 1,000,000 more answers.

Why Monte Carlo and not a closed form: the forms mix (a rate, a range, counts), and the
probability that one of several strategies is best has no closed form beyond two Betas.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np

from estimator.decision.context import Context
from estimator.decision.quality import Quality, quality
from estimator.documents.decision import BreakEvenInterval, ExpectedCost, Uncertainty
from estimator.strategies.registry import is_premium
from estimator.workload.rates import Belief

SAMPLES = 200_000
SEARCH_SAMPLES = 40_000  # per step of the samples-to-settle search (about 20 steps)
SEED = 20260819
SETTLE = 0.9
MAX_MORE = 1_000_000
METHOD = (
    "error rates drawn from their beliefs (graded {{wrong, of}}: Beta(1 + wrong, 1 + of - "
    "wrong); {{low, high}}: uniform), costs at their expected values; {samples:,} seeded draws"
)


def _draw(belief: Belief, rng: np.random.Generator, n: int, scale: float = 1.0) -> np.ndarray:
    """`n` draws of one error rate; `scale` grows a graded sample at the same observed rate."""
    if belief.form == "counted":
        wrong, right = (belief.a - 1) * scale, (belief.b - 1) * scale
        return rng.beta(1 + wrong, 1 + right, n)
    if belief.form == "range":
        return rng.uniform(belief.a, belief.b, n)
    return np.full(n, belief.point)


def _rates(
    bought: Quality,
    rows: list[ExpectedCost],
    scale: dict[str, float] | None = None,
    samples: int = SAMPLES,
) -> np.ndarray:
    """Each row's error rate, drawn: every belief once, in the scenario's order, then mixed
    the way the strategy bought it (decision/quality.py), so a Fusion strategy run on a share
    of requests and the single strategy of its outer model share their draws."""
    rng = np.random.default_rng(SEED)  # the same draws for every call: comparisons are fair
    drawn = {
        name: _draw(belief, rng, samples, (scale or {}).get(name, 1.0))
        for name, belief in bought.beliefs.items()
    }
    mixed = []
    for row in rows:
        mix = bought.mixes[row.strategy]
        own = drawn[mix.own]
        mixed.append(
            own if mix.plain is None else mix.rate * own + (1 - mix.rate) * drawn[mix.plain]
        )
    return np.stack(mixed)


def p_best(rows: list[ExpectedCost], cost_per_error: float, draws: np.ndarray) -> dict[str, float]:
    """The share of draws in which each strategy has the lowest expected total."""
    fixed = np.array([float(r.per_request_usd + r.latency_cost_per_request_usd) for r in rows])[
        :, None
    ]
    totals = fixed + cost_per_error * draws
    best = np.bincount(np.argmin(totals, axis=0), minlength=len(rows))
    return {r.strategy: float(count) / draws.shape[1] for r, count in zip(rows, best, strict=True)}


def _intervals(rows: list[ExpectedCost], draws: np.ndarray) -> list[BreakEvenInterval]:
    index = {r.strategy: i for i, r in enumerate(rows)}
    out = []
    for premium in (r for r in rows if is_premium(r.kind)):
        for other in (r for r in rows if not is_premium(r.kind)):
            extra = float(
                premium.per_request_usd
                - other.per_request_usd
                + premium.latency_cost_per_request_usd
                - other.latency_cost_per_request_usd
            )
            gap = draws[index[other.strategy]] - draws[index[premium.strategy]]
            with np.errstate(divide="ignore", invalid="ignore"):
                per_error = np.where(gap > 0, np.maximum(extra, 0.0) / gap, np.inf)
            low = float(np.quantile(per_error, 0.05, method="lower"))
            high = float(np.quantile(per_error, 0.95, method="higher"))
            out.append(
                BreakEvenInterval(
                    premium=premium.strategy,
                    versus=other.strategy,
                    low_usd=None if math.isinf(low) else Decimal(repr(low)),
                    high_usd=None if math.isinf(high) else Decimal(repr(high)),
                    p_better=float(np.mean(gap > 0)),
                )
            )
    return out


def _settle(
    rows: list[ExpectedCost], bought: Quality, cost_per_error: float, leader: str
) -> int | None:
    """The fewest more graded answers per graded strategy that make `leader` 90% likely best."""
    graded = {n: b for n, b in bought.beliefs.items() if b.form == "counted"}

    def sure(more: int) -> bool:
        scale = {n: (b.a + b.b - 2 + more) / (b.a + b.b - 2) for n, b in graded.items()}
        draws = _rates(bought, rows, scale, SEARCH_SAMPLES)
        return p_best(rows, cost_per_error, draws)[leader] >= SETTLE

    if not graded or not sure(MAX_MORE):
        return None
    if sure(0):
        return 0
    low, high = 0, 1
    while not sure(high):
        low, high = high, high * 2
    while high - low > max(1, high // 50):  # to 2%: an answer count, not a measurement
        middle = (low + high) // 2
        low, high = (low, middle) if sure(middle) else (middle, high)
    return high


def uncertainty(
    ctx: Context, expected: list[ExpectedCost], bought: Quality | None = None
) -> Uncertainty | None:
    bought = bought or quality(ctx)
    used = {m for mix in bought.mixes.values() for m in (mix.own, mix.plain) if m is not None}
    if not any(b.uncertain for name, b in bought.beliefs.items() if name in used):
        return None
    rows = [r for r in expected if r.error_rate is not None]  # credited strategies only
    if not rows:
        return None
    draws = _rates(bought, rows)
    cost_per_error = ctx.spec.cost_per_error_usd
    best = leader = more = None
    if cost_per_error is not None:
        best = p_best(rows, cost_per_error, draws)
        leader = min(rows, key=lambda r: r.total_per_request_usd or Decimal(0)).strategy
        more = _settle(rows, bought, cost_per_error, leader)
    return Uncertainty(
        method=METHOD.format(samples=SAMPLES),
        samples=SAMPLES,
        seed=SEED,
        p_best=best,
        leader=leader,
        leader_probability=None if best is None or leader is None else best[leader],
        settle_target=SETTLE,
        more_samples_to_settle=more,
        break_even=_intervals(rows, draws),
    )
