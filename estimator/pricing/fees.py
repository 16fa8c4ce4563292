"""Web tool fees by engine and by date: what OpenRouter charges per search and per fetch.

A fee is a list of (in force since, USD) steps, oldest first; the fee for a call is the last
step whose date is at or before the call's. Sources (OpenRouter's web-search and web-fetch
server-tool pages; real bills in tests/data/real/):
- Exa: $0.007 per search request (instant/fast/auto), $0.012 deep-lite/deep, $0.015
  deep-reasoning; it was $0.005 until 2026-08-07 ~23:56 UTC (real bills show both). Up to 10
  results included, then $0.001 per extra result.
- Parallel: $0.001 per request in turbo/fast mode, $0.005 in basic/advanced; the default mode
  is basic since 2026-08-11 (turbo before). Up to 10 results, then $0.001 per extra result.
- Perplexity: $0.005 per request. Firecrawl: the user's own credits (no OpenRouter charge).
- Fetches: Exa or Parallel $1 per 1,000; the OpenRouter engine is free; a native fetch is
  passed through at the provider's price, taken here as Exa's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

INCLUDED_RESULTS = 10
EXTRA_RESULT_USD = Decimal("0.001")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Step:
    since: datetime  # in force from this moment (UTC) until the next step
    usd: Decimal


def _steps(*pairs: tuple[str, str]) -> tuple[Step, ...]:
    return tuple(Step(datetime.fromisoformat(since), Decimal(usd)) for since, usd in pairs)


ALWAYS = "1970-01-01T00:00:00+00:00"
EXA_RAISE = "2026-08-07T23:56:00+00:00"
PARALLEL_BASIC_DEFAULT = "2026-08-11T00:00:00+00:00"

SEARCH_FEES: dict[str, tuple[Step, ...]] = {
    "exa": _steps((ALWAYS, "0.005"), (EXA_RAISE, "0.007")),
    "exa-deep": _steps((ALWAYS, "0.012")),
    "exa-deep-reasoning": _steps((ALWAYS, "0.015")),
    # the default mode: turbo ($0.001) before 2026-08-11, basic ($0.005) since
    "parallel": _steps((ALWAYS, "0.001"), (PARALLEL_BASIC_DEFAULT, "0.005")),
    "parallel-fast": _steps((ALWAYS, "0.001")),
    "perplexity": _steps((ALWAYS, "0.005")),
}
# engines that include 10 results and charge for each one more
PER_RESULT_ENGINES = ("exa", "exa-deep", "exa-deep-reasoning", "parallel", "parallel-fast")

FETCH_FEES: dict[str, tuple[Step, ...]] = {
    "exa": _steps((ALWAYS, "0.001")),
    "parallel": _steps((ALWAYS, "0.001")),
    "openrouter": _steps((ALWAYS, "0")),
    "native": _steps((ALWAYS, "0.001")),  # passed through; assumed at Exa's price
}


def extra_results_usd(engine: str, results: int) -> Decimal:
    """The per-result fee past the 10 included results, for engines that charge it."""
    if engine not in PER_RESULT_ENGINES:
        return Decimal(0)
    return max(0, results - INCLUDED_RESULTS) * EXTRA_RESULT_USD


def changes(table: dict[str, tuple[Step, ...]], engine: str) -> tuple[Step, ...]:
    """The dated steps of one engine's fee (a `KeyError` names an unknown engine)."""
    return table[engine]


def days_since_epoch(moment: datetime) -> float:
    return (moment - EPOCH).total_seconds() / 86400


# -- what OpenRouter charges besides tokens (FAQ; guides/overview/auth/byok) ---------------------

CARD_FEE = Decimal("0.055")  # of each credit purchase by card...
CARD_MINIMUM_USD = Decimal("0.80")  # ...at least this much per purchase
CRYPTO_FEE = Decimal("0.05")
BYOK_FEE = Decimal("0.05")  # of what the same usage would cost on OpenRouter...
BYOK_ALLOWANCE_USD = {  # ...above this much list-price BYOK usage a month (since 2026-08-10)
    "pay-as-you-go": Decimal(25_000),
    "enterprise": Decimal(200_000),
}


def byok_fee(byok_usage: Decimal, plan: str) -> Decimal:
    """OpenRouter's monthly fee on BYOK usage (list price) above the plan's allowance."""
    return BYOK_FEE * max(Decimal(0), byok_usage - BYOK_ALLOWANCE_USD[plan])


def credit_purchase_fee(amount: Decimal, method: str, purchases: int) -> Decimal:
    """The fee on buying `amount` USD of credits a month in `purchases` equal purchases."""
    if amount <= 0 or method == "none":
        return Decimal(0)
    each = amount / purchases
    if method == "crypto":
        return CRYPTO_FEE * amount
    return purchases * max(CARD_MINIMUM_USD, CARD_FEE * each)
