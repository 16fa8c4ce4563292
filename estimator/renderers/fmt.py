"""Human formatting of money, counts and ratios (renderers share these)."""

from __future__ import annotations

from decimal import Decimal


def usd(value: Decimal | float | None) -> str:
    """$49,443 for big sums, $1,117.23 for dollars, $0.002473 for fractions of a cent."""
    if value is None:
        return "-"
    amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    magnitude = abs(amount)
    if magnitude >= 1000:
        return f"${amount:,.0f}"
    if magnitude >= 1:
        return f"${amount:,.2f}"
    if magnitude == 0:
        return "$0"
    if magnitude >= Decimal("0.01"):
        return f"${amount:.4f}"
    return f"${amount:.6f}"


def tokens(value: Decimal | float | int | None) -> str:
    return "-" if value is None else f"{Decimal(str(value)):,.0f}"


def ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}x" if value < 100 else f"{value:,.0f}x"


def number(value: Decimal | float) -> str:
    return f"{Decimal(str(value)).normalize():,f}"
