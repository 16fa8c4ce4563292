"""Token profiles and traffic: what one request looks like, and how many there are.

A token count is a plain number, a lognormal given by its mean and p95, or a histogram. The
exact path prices the *mean* request; Monte Carlo samples these distributions for percentiles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

Z95 = 1.6448536269514722  # the standard normal's 95th percentile
AUTO_CACHE_MIN_TOKENS = 1024  # OpenAI caches (and so writes) prompts of 1,024 tokens or more
MAX_LOG_RATIO = Z95**2 / 2  # a lognormal's p95/mean cannot exceed exp(Z95^2 / 2) ~ 3.87


@dataclass(frozen=True)
class TokenDistribution:
    """A distribution of token counts per request (or per call, for reasoning)."""

    kind: str  # "fixed" | "lognormal" | "histogram"
    mean: Decimal
    p95: Decimal | None = None
    sigma: float = 0.0
    points: tuple[tuple[int, float], ...] = ()

    @classmethod
    def fixed(cls, tokens: int) -> TokenDistribution:
        return cls("fixed", Decimal(tokens), Decimal(tokens))

    @classmethod
    def lognormal(cls, mean: int, p95: int) -> TokenDistribution:
        """The lognormal with this mean and p95 (p95 between mean and ~3.87 x mean)."""
        if p95 == mean or mean == 0:
            return cls.fixed(mean)
        log_ratio = math.log(p95 / mean)
        if not 0 < log_ratio <= MAX_LOG_RATIO:
            raise ValueError(
                f"p95 {p95} must lie between the mean {mean} and "
                f"{math.exp(MAX_LOG_RATIO):.2f} x the mean for a lognormal; use a histogram"
            )
        sigma = Z95 - math.sqrt(Z95**2 - 2 * log_ratio)
        return cls("lognormal", Decimal(mean), Decimal(p95), sigma)

    @classmethod
    def histogram(cls, points: list[tuple[int, float]]) -> TokenDistribution:
        total = sum(weight for _, weight in points)
        mean = sum(Decimal(t) * Decimal(str(w)) for t, w in points) / Decimal(str(total))
        normalized = tuple((t, w / total) for t, w in points)
        dist = cls("histogram", mean, None, 0.0, normalized)
        return cls("histogram", mean, Decimal(dist.quantile(0.95)), 0.0, normalized)

    def quantile(self, q: float) -> float:
        if self.kind == "fixed":
            return float(self.mean)
        if self.kind == "lognormal":
            mu = math.log(float(self.mean)) - self.sigma**2 / 2
            return math.exp(mu + self.sigma * _normal_ppf(q))
        cumulative = 0.0
        for tokens, weight in sorted(self.points):
            cumulative += weight
            if cumulative >= q - 1e-12:
                return float(tokens)
        return float(max(t for t, _ in self.points))

    def share_above(self, tokens: float) -> float:
        """The probability of more than `tokens` tokens."""
        if self.kind == "fixed":
            return 1.0 if float(self.mean) > tokens else 0.0
        if self.kind == "histogram":
            return float(sum(w for t, w in self.points if t > tokens))
        if tokens <= 0:
            return 1.0
        if math.isinf(tokens):
            return 0.0
        mu = math.log(float(self.mean)) - self.sigma**2 / 2
        from statistics import NormalDist

        return 1.0 - NormalDist().cdf((math.log(tokens) - mu) / self.sigma)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        import numpy as np

        if self.kind == "fixed":
            return np.full(size, float(self.mean))
        if self.kind == "lognormal":
            mu = math.log(float(self.mean)) - self.sigma**2 / 2
            return np.rint(rng.lognormal(mu, self.sigma, size))
        tokens = np.array([t for t, _ in self.points], dtype=float)
        weights = np.array([w for _, w in self.points])
        return rng.choice(tokens, size=size, p=weights)

    def scaled(self, factor: Decimal) -> TokenDistribution:
        """The same shape with every count multiplied (for sensitivity analysis)."""
        if self.kind == "histogram":
            points = tuple((round(t * float(factor)), w) for t, w in self.points)
            return TokenDistribution.histogram(list(points))
        mean = self.mean * factor
        p95 = None if self.p95 is None else self.p95 * factor
        return TokenDistribution(self.kind, mean, p95, self.sigma)

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {"kind": self.kind, "mean": self.mean}
        if self.p95 is not None:
            described["p95"] = self.p95
        if self.points:
            described["histogram"] = [[t, w] for t, w in self.points]
        return described


def _normal_ppf(q: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(q)


def hour_weights(spec: str | list[float]) -> tuple[Decimal, ...]:
    """24 hourly traffic shares summing to 1, exactly (as Decimals)."""
    if spec == "uniform":
        return tuple(Decimal(1) / Decimal(24) for _ in range(24))
    raw = [Decimal(str(w)) for w in spec]
    total = sum(raw)
    return tuple(w / total for w in raw)


def auto_written(prompt: Any, cached: Any, share: Any, arith: Any) -> Any:
    """What a model that writes to the prompt cache on its own writes of a call's prompt:
    `share` of it, at most what is not read from the cache, only from 1,024 tokens up.
    Works on Decimals and numpy arrays alike (`arith` from `pricing.rules`)."""
    zero = arith.constant(Decimal(0))
    room = prompt - cached
    wanted = prompt * share
    written = arith.select(wanted < room, wanted, room)
    return arith.select(prompt >= AUTO_CACHE_MIN_TOKENS, written, zero)
