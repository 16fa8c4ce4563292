"""The CallPlan: the calls OpenRouter bills for one request, as plain data.

A plan is a set of mutually exclusive *branches* (fusion invoked with 1 tool step, with 2,
not invoked; or which pool model the Auto Router picked), each with its probability and the
calls it makes. Token counts are exact (`Decimal`) for the mean request, or numpy arrays when a
plan is expanded for many sampled requests at once: the same expansion code serves both.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from estimator.workload.request import Tokens


@dataclass(frozen=True)
class Call:
    """One billed round trip of one model."""

    stage: str  # a row of strategies/stages.py
    model: str
    input_tokens: Tokens
    output_tokens: Tokens
    reasoning_tokens: Tokens = Decimal(0)
    searches: Decimal = Decimal(0)
    search_engine: str | None = None  # "native" or a key of pricing.fees.SEARCH_FEES
    search_results: int = 0
    fetches: Decimal = Decimal(0)
    fetch_engine: str | None = None
    max_output_tokens: Tokens | None = None  # the most this call may emit (context checks)
    step: int = 0  # round trip index within a tool loop
    member: str = ""  # the panel member or role this call belongs to
    cached_tokens: Tokens = Decimal(0)  # of input_tokens, read from the prompt cache
    written_tokens: Tokens = Decimal(0)  # of input_tokens, written to the prompt cache
    cache_ttl: Literal["5m", "1h"] = "5m"


@dataclass(frozen=True)
class Branch:
    probability: Tokens  # Decimal; an array (one per request) when it depends on the request
    calls: tuple[Call, ...]
    label: str = ""


@dataclass(frozen=True)
class CallPlan:
    strategy: str
    kind: str  # a registered strategy kind (strategies/registry.py)
    branches: tuple[Branch, ...]
    # the branches are models a router picks among per request, only those whose context
    # holds it (the Auto Router): the plan fits when one branch fits, not every one
    routed: bool = False

    @property
    def calls_per_request(self) -> Decimal:
        return sum((b.probability * len(b.calls) for b in self.branches), Decimal(0))


def smaller(a: Tokens, b: Tokens) -> Tokens:
    """min() for Decimals and numpy arrays alike."""
    if isinstance(a, Decimal | int) and isinstance(b, Decimal | int):
        return min(a, b)
    import numpy as np

    return np.minimum(a, b)


def step_mixture(mean_steps: float) -> list[tuple[int, Decimal]]:
    """A mean number of tool steps as two whole-step outcomes with exact probabilities."""
    mean = Decimal(str(mean_steps))
    low = int(mean)
    frac = mean - low
    if frac == 0:
        return [(low, Decimal(1))]
    return [(low, 1 - frac), (low + 1, frac)]
