"""`prices diff`: what changed between two catalogs (added, removed, repriced)."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

from estimator.errors import UserError
from estimator.pricing.catalog import Catalog
from estimator.pricing.describe import UNIT_PRICE_KEYS, per_million, unit
from estimator.pricing.locations import candidate_dirs
from estimator.pricing.price import Price
from estimator.pricing.store import history_files, load_any


def pick_pair(
    files: list[str], cache_dir: str | os.PathLike[str] | None
) -> tuple[Catalog, Catalog]:
    """The two catalogs to compare: the ones named, or the two newest in the cache's history."""
    if len(files) == 2:
        return load_any(Path(files[0])), load_any(Path(files[1]))
    if files:
        raise UserError("prices diff takes two files (OLD NEW) or none")
    for directory in candidate_dirs(cache_dir):
        history = history_files(directory)
        if len(history) >= 2:
            return load_any(history[-2]), load_any(history[-1])
    raise UserError(
        "prices diff needs two catalogs: none of the cache dirs has two in its history; "
        "name two files: fusion-cost prices diff OLD.json NEW.json"
    )


def _value(key: str, price: Price) -> Decimal | None:
    return unit(price) if key in UNIT_PRICE_KEYS else per_million(price)


def _change_pct(old: Decimal | None, new: Decimal | None) -> float | None:
    if old is None or new is None or old == 0:
        return None
    return float((new - old) / old * 100)


def _label(catalog: Catalog) -> str:
    return str(catalog.location) if catalog.location else catalog.meta.source


def diff_catalogs(old: Catalog, new: Catalog) -> dict[str, Any]:
    old_ids, new_ids = set(old.ids), set(new.ids)
    changed = []
    for model_id in sorted(old_ids & new_ids):
        before = old.get_exact(model_id).pricing.prices
        after = new.get_exact(model_id).pricing.prices
        for key in sorted(set(before) | set(after)):
            if before.get(key) == after.get(key):
                continue
            a = _value(key, before[key]) if key in before else None
            b = _value(key, after[key]) if key in after else None
            changed.append(
                {"id": model_id, "key": key, "old": a, "new": b, "change_pct": _change_pct(a, b)}
            )
    return {
        "old": {
            "fetched_at": old.meta.fetched_at.isoformat(),
            "model_count": len(old),
            "label": _label(old),
        },
        "new": {
            "fetched_at": new.meta.fetched_at.isoformat(),
            "model_count": len(new),
            "label": _label(new),
        },
        "added": sorted(new_ids - old_ids),
        "removed": sorted(old_ids - new_ids),
        "changed": changed,
    }
