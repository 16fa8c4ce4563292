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


def load_any(path: Path, need_date: bool = False) -> Catalog:
    """A fusion-cost catalog file or a raw models-API payload (dated by a YYYY-MM-DD in its
    name; `need_date`: refuse a payload whose date cannot be told)."""
    from estimator.pricing.payload import parse_json, read_limited, rows_of, validate_rows
    from estimator.pricing.store import FORMAT, check_fetched_at, date_from_name, decode, new_meta

    try:
        body = read_limited(path)
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror})") from None
    document = parse_json(body, str(path))
    if isinstance(document, dict) and document.get("format") == FORMAT:
        return decode(body, str(path), path)
    models = validate_rows(rows_of(document, str(path)), str(path))
    dated = date_from_name(path)
    if dated is not None:
        check_fetched_at(dated, str(path), UserError)
    if dated is None and need_date:
        raise UserError(
            f"{path}: cannot tell when these prices were in force: put the date in the file "
            "name (models-2026-08-01.json) or import it with `fusion-cost prices import "
            "--fetched-at DATE`"
        )
    meta = new_meta(f"file:{path.name}", dated).model_copy(update={"model_count": len(models)})
    return Catalog(models, meta, path)


def pick_pair(
    files: list[str], cache_dir: str | os.PathLike[str] | None
) -> tuple[Catalog, Catalog]:
    """The two catalogs to compare: the ones named, or the two newest in the cache's history."""
    from estimator.pricing.store import history_files

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
    label = lambda c: str(c.location) if c.location else c.meta.source  # noqa: E731
    return {
        "old": {
            "fetched_at": old.meta.fetched_at.isoformat(),
            "model_count": len(old),
            "label": label(old),
        },
        "new": {
            "fetched_at": new.meta.fetched_at.isoformat(),
            "model_count": len(new),
            "label": label(new),
        },
        "added": sorted(new_ids - old_ids),
        "removed": sorted(old_ids - new_ids),
        "changed": changed,
    }
