"""Human formatting of money, counts and ratios (renderers share these)."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

# One rounding rule everywhere money is shown: half away from zero on the decimal value (the
# report's script applies the same rule, so a figure reads the same before and after it runs).
_PLACES = {0: Decimal(1), 2: Decimal("0.01"), 4: Decimal("0.0001"), 6: Decimal("0.000001")}
PERCENT_PLACES = Decimal("0.1")


def rounded(amount: Decimal, places: int) -> Decimal:
    # enough precision for any amount (the default 28 digits would refuse a 10^30 USD figure)
    context = Context(prec=max(28, amount.adjusted() + places + 2))
    return amount.quantize(_PLACES[places], rounding=ROUND_HALF_UP, context=context)


MINUS = "\u2212"  # a minus sign, before the dollar: -$32,710, never $-32,710


def usd(value: Decimal | float | None) -> str:
    """$49,443 for big sums, $1,117.23 for dollars, $0.002473 for fractions of a cent: the
    decimals follow the magnitude alone, and a negative amount reads -$32,710."""
    if value is None:
        return "-"
    amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    magnitude = abs(amount)
    if magnitude >= Decimal("999.5"):
        text = f"{rounded(magnitude, 0):,}"
    elif magnitude >= Decimal("0.995"):
        text = f"{rounded(magnitude, 2):,}"
    elif magnitude == 0:
        return "$0"
    elif magnitude >= Decimal("0.00995"):
        text = f"{rounded(magnitude, 4)}"
    else:
        text = f"{rounded(magnitude, 6)}"
    return f"{MINUS if amount < 0 else ''}${text}"


def usd_apart(a: Decimal | None, b: Decimal | None) -> tuple[str, str]:
    """Two amounts a reader compares: with more decimals when the usual rule would print two
    different amounts alike ($1.2725 vs $1.2745, not $1.27 vs $1.27)."""
    shown = usd(a), usd(b)
    if a is None or b is None or a == b or shown[0] != shown[1]:
        return shown
    for places in (4, 6):
        pair = tuple(f"{MINUS if v < 0 else ''}${rounded(abs(v), places):,}" for v in (a, b))
        if pair[0] != pair[1]:
            return pair[0], pair[1]
    return shown


def signed_pct(value: float) -> str:
    """A change in percent: +5.0%, -35.0% (the minus sign of money), 0.0%."""
    text = f"{abs(value):.1f}%"
    return ("+" if value > 0 else MINUS if value < 0 else "") + text


def signed_usd(value: Decimal | float) -> str:
    """A change: +$4,000, -$32,710, $0."""
    amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    return ("+" if amount > 0 else "") + usd(amount)


def percent(share: float, places: int = 1) -> str:
    """0.0425 -> 4.3% (half away from zero on the decimal value, as money is rounded)."""
    value = (Decimal(str(share)) * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{MINUS if value < 0 else ''}{abs(value)}%"


def tokens(value: Decimal | float | int | None) -> str:
    return "-" if value is None else f"{Decimal(str(value)):,.0f}"


def ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}x" if value < 100 else f"{value:,.0f}x"


def number(value: Decimal | float) -> str:
    return f"{Decimal(str(value)).normalize():,f}"


BAND_LABEL = "range (your inputs)"  # the monthly band's column: it comes only from input ranges


def band_text(band: Any) -> str:
    """`$30,000-$70,000` for a Band, `-` without one (no input ranges given)."""
    return "-" if band is None else f"{usd(band.p5_usd)}-{usd(band.p95_usd)}"


def up_to(share: float) -> str:
    """A share of traffic as an "up to" figure: rounded down, so routing it keeps within the
    budget the share was computed for (34.69% -> 34%, never 35%)."""
    return f"{math.floor(share * 100 + 1e-9):.0f}%"


def share_words(share: float | None, rest: str | None) -> str:
    """` for up to 34% of traffic, single-opus for the rest`, or for a subset only latency
    stops, ` for the requests that can wait, single-opus for the rest`; '' without a rest."""
    if rest is None:
        return ""
    if share is None:
        return f" for the requests that can wait, {rest} for the rest"
    return f" for up to {up_to(share)} of traffic, {rest} for the rest"


def choice_text(verdict: str, chosen: str, share: float | None, rest: str | None) -> str:
    """`fusion-for-a-subset -> fusion-quality for up to 34% of traffic, single-opus for the
    rest`: a verdict and its choice, as every output says it."""
    return f"{verdict} -> {chosen}{share_words(share, rest)}"


SMALL_SHARE = 1e-4  # under 0.01%: shown as such, not worded


def share_text(share: float) -> str:
    """2.7% for a share of requests; small ones keep two significant digits (0.012%), tiny
    ones <0.01%."""
    pct = share * 100
    if 0 < share < SMALL_SHARE:
        return "<0.01%"
    return f"{pct:.1f}%" if pct >= 0.1 or pct == 0 else f"{pct:.2g}%"


def cannot_run_cell(context: Any) -> str:
    """The table cell beside `monthly`: the share of requests that cannot run, or `-`."""
    return share_text(context.cannot_run_share) if context.cannot_run_share > 0 else "-"


def cannot_run_text(name: str, context: Any) -> str | None:
    """The sentence beside a strategy's monthly cost when some requests cannot run: they are
    not billed past the call that fails, so not in its monthly; and their cost on the
    declared `context_fallback`, if any."""
    if context.cannot_run_share < SMALL_SHARE:
        return None
    text = (
        f"{name}: {share_text(context.cannot_run_share)} of requests cannot run "
        f"({context.binding_call} holds prompts up to {tokens(context.max_prompt_tokens)} "
        "tokens): a request stops at the call that does not fit, unbilled from there on, so "
        "its monthly counts only what ran"
    )
    fallback = context.fallback
    if fallback is None:
        return text + "; set context_fallback to price them on another strategy"
    return (
        f"{text}; on {fallback.strategy} they would cost {usd(fallback.monthly_usd)} a month "
        f"more ({share_text(fallback.runs_share)} of them fit it)"
    )
