"""Prices: the catalog of OpenRouter models (Decimal prices, aliases, tiers, time windows),
where it comes from (the models API, an imported payload) and where it is kept (an atomic cache
with dated history); the one billing rule every path prices with (`rules`); the fees OpenRouter
charges besides tokens (`fees`). Knows nothing of strategies or scenarios.

May import: errors, clock, defaults.
"""
