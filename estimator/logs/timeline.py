"""Which catalog priced a row: the one in force at the row's date.

Catalogs come from the cache's history (loaded only when a row needs one: a history of 100
catalogs costs its file headers, not 100 validations) and from files the user names. A row is
priced with the newest catalog fetched at or before its date. Whether that catalog's price was
really the one in force depends on what comes next: after the newest catalog, or when the next
catalog lists the model at the same price, it was; when the next one differs, the price changed
somewhere in between, and the row may match either. A row older than every catalog gets the
oldest, and its price may have changed since.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from estimator.errors import PricingUnavailable, UnknownModelError, UserError
from estimator.pricing.catalog import Catalog
from estimator.pricing.fees import days_since_epoch

HEAD_BYTES = 64 * 1024  # our catalog files write their meta before the models


def _given(catalog: Catalog) -> Callable[[], Catalog]:
    """The loader of a catalog already in memory."""
    return lambda: catalog


@dataclass
class Entry:
    """A catalog known by its date, loaded on first use."""

    fetched_at: datetime
    identity: str
    load: Callable[[], Catalog]
    loaded: Catalog | None = field(default=None, repr=False)

    def catalog(self) -> Catalog:
        if self.loaded is None:
            self.loaded = self.load()
        return self.loaded


def _peek(path: Path) -> tuple[datetime, str] | None:
    """(fetched_at, sha256) from a catalog file's head, without reading its models."""
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES).decode("utf-8", "replace")
        start = head.index('"meta"')
        meta, _ = json.JSONDecoder().raw_decode(head, head.index("{", start))
        return datetime.fromisoformat(meta["fetched_at"]), str(meta.get("sha256", ""))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _lazy(path: Path) -> Callable[[], Catalog]:
    def load() -> Catalog:
        from estimator.pricing.store import read_catalog_file

        return read_catalog_file(path)

    return load


class Timeline:
    def __init__(
        self,
        current: Catalog,
        history: Sequence[Catalog] = (),
        history_files: Sequence[Path] = (),
    ) -> None:
        entries: dict[tuple[str, str], Entry] = {}

        def add(entry: Entry) -> None:
            entries.setdefault((entry.identity, entry.fetched_at.isoformat()), entry)

        add(Entry(current.meta.fetched_at, current.meta.sha256, lambda: current, current))
        for catalog in history:
            add(Entry(catalog.meta.fetched_at, catalog.meta.sha256, _given(catalog), catalog))
        for path in history_files:
            head = _peek(path)
            if head is not None:
                add(Entry(head[0], head[1], _lazy(path)))
        self.entries = sorted(entries.values(), key=lambda e: e.fetched_at)
        self.current = current
        self.current_index = next(i for i, e in enumerate(self.entries) if e.loaded is current)
        self.days = np.array([days_since_epoch(e.fetched_at) for e in self.entries])
        self._ids: dict[tuple[int, str], tuple[int, str] | None] = {}
        self._same: dict[tuple[int, str], bool] = {}

    def catalog(self, index: int) -> Catalog | None:
        """The catalog at `index`; None when its file no longer reads (it then prices nothing)."""
        try:
            return self.entries[index].catalog()
        except (PricingUnavailable, UserError):
            return None

    def locate(self, days: np.ndarray | None, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(catalog index, dated at or after it) per row; no dates: today's, not covered."""
        if days is None:
            return np.full(n, self.current_index), np.zeros(n, dtype=bool)
        index = np.searchsorted(self.days, days, side="right") - 1
        return np.maximum(index, 0), index >= 0

    def model(self, index: int, name: str) -> tuple[int, str] | None:
        """(catalog index actually used, model id): an older catalog that lacks the model (or
        no longer reads) falls back to today's; None when no catalog knows the name."""
        key = (index, name)
        if key not in self._ids:
            found: tuple[int, str] | None = None
            for candidate in (index, self.current_index):
                catalog = self.catalog(candidate)
                if catalog is None:
                    continue
                try:
                    found = (candidate, catalog.resolve(name).id)
                    break
                except (UnknownModelError, UserError):
                    continue
            self._ids[key] = found
        return self._ids[key]

    def next_differs(self, index: int, model_id: str) -> int | None:
        """The next catalog's index when it prices `model_id` differently (the price changed
        between the two), else None."""
        following = index + 1
        if following >= len(self.entries):
            return None
        key = (index, model_id)
        if key not in self._same:
            here, there = self.catalog(index), self.catalog(following)
            same = True
            if here is not None and there is not None and model_id in there:
                same = here.get_exact(model_id).pricing == there.get_exact(model_id).pricing
            self._same[key] = same
        return None if self._same[key] else following

    def describe(self, index: int) -> dict[str, Any]:
        entry = self.entries[index]
        catalog = entry.loaded
        source = catalog.meta.source if catalog is not None else "history"
        return {"fetched_at": entry.fetched_at.isoformat(), "source": source}
