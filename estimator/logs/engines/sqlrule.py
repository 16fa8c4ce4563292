"""The billing rule and the automatic cache writes, compiled to SQL expressions.

`pricing.rules` computes through an `Arithmetic` (Decimals for one call, numpy for many); this
one builds SQL expression trees (sqlglot) instead, so the very functions that price a call in
Python write the per-row SQL: `token_charges` gives the repricing of a log row from its tokens
and its band's prices, `workload.distributions.auto_written` the cache writes of a model that
writes on its own. Nothing here restates either formula.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlglot import exp

from estimator.pricing.rules import Arithmetic, Coefficients, Usage, token_charges
from estimator.workload.distributions import auto_written


def literal(value: Decimal | int | float) -> exp.Expression:
    """An exact SQL number (a Decimal keeps every digit)."""
    if isinstance(value, Decimal):
        return exp.Literal.number(format(value.normalize(), "f") if value else "0")
    return exp.Literal.number(value)


class SqlArithmetic(Arithmetic):
    """Numbers as SQL expressions; a choice between two values is a CASE."""

    exact = True

    def constant(self, value: Decimal) -> Any:
        return literal(value)

    def select(self, condition: Any, new: Any, old: Any) -> Any:
        if isinstance(condition, bool):
            return new if condition else old
        return exp.Case(ifs=[exp.If(this=condition, true=new)], default=old)


SQL = SqlArithmetic()


def column(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table)


def as_double(expression: exp.Expression) -> exp.Expression:
    return exp.cast(expression, exp.DataType.build("DOUBLE"))


def repriced(usage: Usage, rates: Coefficients) -> exp.Expression:
    """The token cost of a row (the rule's `token_charges(...).tokens`) as one expression."""
    tokens: exp.Expression = token_charges(usage, rates).tokens
    return tokens


def per_token(band: str, names: tuple[str, ...], double: bool) -> Coefficients:
    """A band's prices as the rule's coefficients: the float64 ones per unit of the vectorised
    path (`<name>_usd`), or exact per *million* units (the rule is linear: the result is then
    in millionths of a dollar, exact in DECIMAL(38, 18), and divided by 10^6 outside SQL,
    where a division cannot round)."""

    def rate(name: str) -> exp.Expression:
        return column(f"{name}_usd" if double else name, band)

    return Coefficients(*(rate(name) for name in names))


def auto_writes(prompt: exp.Expression, cached: exp.Expression, share: Decimal) -> exp.Expression:
    """What a model that writes to the cache on its own writes of a row's prompt (exact)."""
    written: exp.Expression = auto_written(prompt, cached, literal(share), SQL)
    return written
