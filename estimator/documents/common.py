"""What every result document shares: money as exact `Decimal` in Python and a JSON number (USD)
in JSON, and a base model whose every key is always printed (so the generated schema requires
it: CI users diff these files)."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainSerializer, WithJsonSchema

from estimator.strategies.registry import KINDS, verdicts

Money = Annotated[Decimal, PlainSerializer(lambda v: float(v), return_type=float, when_used="json")]
Count = Annotated[Decimal, PlainSerializer(lambda v: float(v), return_type=float, when_used="json")]


class Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)


def _one_of(allowed: list[str], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"{value!r} is not a {what} (one of {', '.join(allowed)})")
        return value

    return AfterValidator(check)


# a registered strategy kind and a verdict one of them can reach: the schemas list them, from
# the kind registry
KindName = Annotated[
    str,
    _one_of(list(KINDS), "strategy kind"),
    WithJsonSchema({"type": "string", "enum": list(KINDS)}),
]
VerdictName = Annotated[
    str, _one_of(verdicts(), "verdict"), WithJsonSchema({"type": "string", "enum": verdicts()})
]


def nice_max(value: float) -> float:
    """A round axis maximum at or above `value` (1, 2, 2.5, 5 x 10^n): shared by the charts and
    the decision's what-if grid, whose cost-per-error stops span the chart's axis."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate: float = step * 10**exponent  # an int when it is one: axis labels print 100
        if candidate >= value:
            return candidate
    top: float = 10 ** (exponent + 1)
    return top
