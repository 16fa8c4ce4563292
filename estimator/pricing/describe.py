"""Plain-data descriptions of models and catalogs, shared by `prices show`, `diff` and reports."""

from __future__ import annotations

import fnmatch
from decimal import Decimal
from typing import Any

from estimator.errors import UnknownModelError
from estimator.pricing.catalog import Catalog, Resolution
from estimator.pricing.models import ModelInfo, PriceOverride
from estimator.pricing.price import Price

UNIT_PRICE_KEYS = ("request", "web_search", "image")
DYNAMIC_NOTE = (
    "dynamic price: billed at the rate of the model the router picks; "
    "price it as a strategy with `fusion-cost estimate`"
)


def per_million(price: Price) -> Decimal | None:
    return None if price.is_dynamic else price.per_million()


def unit(price: Price) -> Decimal | None:
    return None if price.is_dynamic else price.value.normalize()


def _price_set(prices: dict[str, Price]) -> dict[str, Any]:
    token = {k: per_million(p) for k, p in prices.items() if k not in UNIT_PRICE_KEYS}
    units = {k: unit(p) for k, p in prices.items() if k in UNIT_PRICE_KEYS}
    return {"per_million_tokens": token, "per_unit": units}


def _hhmm(value: int | None) -> str:
    return "" if value is None else f"{value // 100:02d}:{value % 100:02d}"


def describe_override(override: PriceOverride) -> dict[str, Any]:
    described: dict[str, Any] = {}
    if override.min_prompt_tokens is not None:
        described["min_prompt_tokens"] = override.min_prompt_tokens
    if override.has_window:
        described["utc_window"] = f"{_hhmm(override.utc_start)}-{_hhmm(override.utc_end)}"
    return {**described, **_price_set(override.prices)}


def describe_model(resolution: Resolution) -> dict[str, Any]:
    """One model as plain data: prices per 1M tokens (exact Decimals), limits, tiers, windows."""
    model: ModelInfo = resolution.model
    pricing = model.pricing
    return {
        "requested": resolution.requested,
        "id": model.id,
        "resolved_via": resolution.via,
        "alias": resolution.alias,
        "name": model.name,
        "dynamic": pricing.is_dynamic,
        "note": DYNAMIC_NOTE if pricing.is_dynamic else None,
        **_price_set(pricing.prices),
        "context_length": model.max_context,
        "max_completion_tokens": model.max_completion_tokens,
        "tokenizer": model.architecture.tokenizer,
        "tiers": [describe_override(o) for o in pricing.tiers()],
        "windows": [describe_override(o) for o in pricing.windows()],
        "other_overrides": [
            describe_override(o)
            for o in pricing.overrides
            if not o.has_window and o.min_prompt_tokens is None
        ],
        "expiration_date": model.expiration_date,
    }


def select(catalog: Catalog, patterns: list[str]) -> list[Resolution]:
    """Resolve names and globs in order; an unknown plain name raises with suggestions."""
    if not patterns:
        return [catalog.resolve(model_id) for model_id in catalog.ids]
    chosen: list[Resolution] = []
    for pattern in patterns:
        if any(ch in pattern for ch in "*?["):
            hits = fnmatch.filter(catalog.ids, pattern)
            if not hits:
                raise UnknownModelError(pattern, catalog.suggest(pattern.strip("*?[]")))
            chosen += [catalog.resolve(hit) for hit in sorted(hits)]
        else:
            chosen.append(catalog.resolve(pattern))
    return chosen


def describe_catalog(catalog: Catalog, max_age_days: float) -> dict[str, Any]:
    """Provenance for every priced output: source, date, age, and whether it is stale."""
    from estimator.clock import now_utc

    now = now_utc()
    age = catalog.age_days(now)
    review = catalog.review  # a reviewed lock: the age that matters counts from the review
    reviewed = None if review is None else (now - review.reviewed_at).total_seconds() / 86400
    return {
        "source": catalog.meta.source,
        "fetched_at": catalog.meta.fetched_at.isoformat(),
        "age_days": round(age, 1),
        "stale": (age if reviewed is None else reviewed) > max_age_days,
        "max_age_days": max_age_days,
        "model_count": len(catalog),
        "sha256": catalog.meta.sha256,
        "location": str(catalog.location) if catalog.location else None,
        "lock": None if review is None else str(review.path),
        "reviewed_at": None if review is None else review.reviewed_at.isoformat(),
        "reviewed_by": None if review is None else review.reviewed_by,
        "review_age_days": None if reviewed is None else round(reviewed, 1),
    }


def catalog_line(info: dict[str, Any]) -> str:
    """`catalog: 2026-08-19 (98.2 days old) from … — warning: …` for the terminal."""
    line = (
        f"catalog: {info['fetched_at'][:10]} ({info['age_days']:g} days old, "
        f"{info['model_count']} models) from {info['source']}"
    )
    if info.get("lock"):
        line += f"\n{review_words(info)}"
    if info["stale"]:
        line += f"\nwarning: {stale_words(info)}"
    return line


def review_words(info: dict[str, Any]) -> str:
    """`locked in fusion-cost.lock: reviewed 2026-12-04 by alice (0 days ago)`."""
    by = f" by {info['reviewed_by']}" if info.get("reviewed_by") else ""
    return (
        f"locked in {info['lock']}: reviewed {str(info['reviewed_at'])[:10]}{by} "
        f"({info['review_age_days']:g} days ago)"
    )


def stale_words(info: dict[str, Any]) -> str:
    """What is old, by how much, and the command that fixes it."""
    if info.get("lock"):
        return (
            f"the locked prices were reviewed {info['review_age_days']:g} days ago (more than "
            f"{info['max_age_days']:g}): refresh, review `fusion-cost prices diff` and lock "
            "again (`fusion-cost prices refresh`, then `fusion-cost prices lock`)"
        )
    return (
        f"the catalog is {info['age_days']:g} days old, older than {info['max_age_days']:g} "
        "days: prices may have changed (run `fusion-cost prices refresh`, or review and lock "
        "a catalog: `fusion-cost prices lock`)"
    )


def quoted_prices(catalog: Catalog, model_id: str) -> dict[str, Decimal | None]:
    """A model's base prices as quoted (per 1M tokens; per unit for request/search/image)."""
    prices = catalog.get_exact(model_id).pricing.prices
    return {
        key: unit(price) if key in UNIT_PRICE_KEYS else per_million(price)
        for key, price in sorted(prices.items())
    }
