"""One price from the models API: an exact `Decimal`, or *dynamic* (`"-1"`), which has no number.

OpenRouter publishes prices as decimal strings in USD per unit (token, request, search...).
Routers carry `"-1"`: their price depends on the model they pick. Reading it as -1 (a negative
cost) or as 0 is the classic silent bug of LLM cost tools, so a dynamic `Price` refuses to be a
number: `.value` raises `DynamicPriceError`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from estimator.errors import DynamicPriceError

DYNAMIC_RAW = "-1"
MILLION = Decimal(1_000_000)
# No real price comes near this (the dearest unit in 2026 is well under 1 USD); it keeps every
# product with token counts finite, in floats (Monte Carlo) and in Decimal (no Overflow trap).
MAX_PRICE = Decimal(10**9)


class Price:
    """USD per unit, parsed from the API's decimal string; never a float."""

    __slots__ = ("_value", "raw")

    def __init__(self, raw: str) -> None:
        if not isinstance(raw, str):
            raise ValueError(f"price must be a decimal string, got {type(raw).__name__}")
        text = raw.strip()
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"price {raw!r} is not a decimal number") from None
        if not value.is_finite():
            raise ValueError(f"price {raw!r} is not a finite number")
        if value == -1:
            self.raw, self._value = DYNAMIC_RAW, None
            return
        if value < 0:
            raise ValueError(f"price {raw!r} is negative (only -1, 'dynamic', is allowed)")
        if value > MAX_PRICE:
            raise ValueError(f"price {raw!r} is above {MAX_PRICE:,} USD per unit")
        self.raw, self._value = text, value

    @property
    def is_dynamic(self) -> bool:
        return self._value is None

    @property
    def value(self) -> Decimal:
        """USD per unit; raises for a dynamic price instead of pretending it is a number."""
        if self._value is None:
            raise DynamicPriceError("dynamic price (-1) has no fixed value")
        return self._value

    def per_million(self) -> Decimal:
        """USD per 1M units, the way people quote token prices."""
        return (self.value * MILLION).normalize()

    def __eq__(self, other: object) -> bool:
        """Equal by value: "0.5" and "0.50" are the same price."""
        return isinstance(other, Price) and self._value == other._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return "Price(dynamic)" if self.is_dynamic else f"Price({self.raw!r})"

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            lambda v: v if isinstance(v, Price) else cls(v),
            serialization=core_schema.plain_serializer_function_ser_schema(lambda p: p.raw),
            json_schema_input_schema=core_schema.str_schema(),
        )
