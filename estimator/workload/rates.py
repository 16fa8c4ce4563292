"""Error rates in the forms people have them: a rate (`0.05`), a range they believe
(`{low: 0.03, high: 0.08}`), or graded samples (`{wrong: 12, of: 200}`).

The verdict uses each rate's point value (the rate; a range's midpoint; the observed share
wrong / of). The uncertainty (decision/uncertainty.py) uses the belief behind it: none for a
rate, uniform over a range, and for graded samples the Beta(1 + wrong, 1 + of - wrong)
posterior of a uniform prior (Bayes-Laplace: every rate equally likely before grading).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field, model_validator

from estimator.workload.spec import Share, Strict

Count = Annotated[int, Field(ge=0, le=10**9, strict=True)]


class Counted(Strict):
    """Graded answers: `wrong` of `of` were wrong."""

    wrong: Count
    of: Annotated[int, Field(ge=1, le=10**9, strict=True)]

    @model_validator(mode="after")
    def _within(self) -> Counted:
        if self.wrong > self.of:
            raise ValueError(f"wrong ({self.wrong}) cannot exceed of ({self.of})")
        return self


class RateRange(Strict):
    """A rate somewhere in [low, high], every value in it equally believable."""

    low: Share
    high: Share

    @model_validator(mode="after")
    def _ordered(self) -> RateRange:
        if self.low > self.high:
            raise ValueError(f"a range needs low <= high (got {self.low:g} > {self.high:g})")
        return self


Rate = Share | Counted | RateRange


@dataclass(frozen=True)
class Belief:
    """What is believed about one error rate: its point value and the shape around it."""

    form: Literal["point", "counted", "range"]
    point: float
    a: float = 0.0  # counted: the Beta posterior's parameters; range: low and high
    b: float = 0.0

    @property
    def uncertain(self) -> bool:
        return self.form != "point" and not (self.form == "range" and self.a == self.b)


def belief(rate: Rate, accuracy: bool = False) -> Belief:
    """The belief behind a rate (`accuracy`: the value is a share right, not wrong)."""
    if isinstance(rate, Counted):  # graded samples count wrong answers (error_rate only)
        return Belief("counted", rate.wrong / rate.of, 1 + rate.wrong, 1 + rate.of - rate.wrong)
    if isinstance(rate, RateRange):
        low, high = (1 - rate.high, 1 - rate.low) if accuracy else (rate.low, rate.high)
        return Belief("range", (low + high) / 2, low, high)
    return Belief("point", 1 - rate if accuracy else float(rate))
