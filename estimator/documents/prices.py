"""What `prices show` and `prices diff` produce: plain records of the catalog (its prices stay
exact `Decimal`s; JSON prints them as numbers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PriceList:
    """The catalog's summary and the selected models' prices (pricing/describe.py)."""

    catalog: dict[str, Any]
    models: list[dict[str, Any]]


@dataclass(frozen=True)
class CatalogDiff:
    """Two catalogs compared: models added and removed, and every price that changed."""

    old: dict[str, Any]
    new: dict[str, Any]
    added: list[str]
    removed: list[str]
    changed: list[dict[str, Any]]
