"""The statistics a log reduces to (the result of `query.aggregate`): rows keyed by grouping
set and keys, with counts, exact token sums and exact money. Statistics of two parts of a log
add up (counts and sums add, maxima and minima combine), so chunks, files and partitions
merge; a statistics file written by a warehouse reads back into the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from estimator.errors import UserError
from estimator.logs.engines.query import AGGREGATES

TEXT_KEY = re.compile(r".*_g[0-9]+$")  # attribution columns are text
MAXIMA = ("max_diff", "max_ts")
MINIMA = ("first_agree", "min_ts")
META = ("spec", "grouping_set")


def _exact(value: Any) -> Any:
    """A number as the statistics keep it: ints stay ints, others Decimal (exact)."""
    if value is None or isinstance(value, int | Decimal | bool):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        return Decimal(value) if value else None
    return Decimal(str(value))


def _combine(name: str, old: Any, new: Any) -> Any:
    if old is None:
        return new
    if new is None:
        return old
    if name in MAXIMA:
        return max(old, new)
    if name in MINIMA:
        return min(old, new)
    return old + new


@dataclass
class Stats:
    """Grouping set -> {keys: {aggregate: value}}."""

    spec: str = ""
    sets: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = field(default_factory=dict)

    def add_row(self, row: dict[str, Any], key_columns: Iterable[str]) -> None:
        name = row["grouping_set"]
        prefix = f"{name}_"
        keys = tuple(row[c] for c in key_columns if c.startswith(prefix))
        if name != "all" and keys and keys[0] is None:
            return  # rows outside the set (its first key is NULL there)
        values = {a: _exact(row.get(a)) for a in AGGREGATES}
        if row.get("spec"):
            self.spec = row["spec"]
        bucket = self.sets.setdefault(name, {})
        if keys in bucket:
            old = bucket[keys]
            bucket[keys] = {a: _combine(a, old[a], values[a]) for a in AGGREGATES}
        else:
            bucket[keys] = values

    def merge(self, other: Stats) -> None:
        for name, bucket in other.sets.items():
            mine = self.sets.setdefault(name, {})
            for keys, values in bucket.items():
                if keys in mine:
                    mine[keys] = {a: _combine(a, mine[keys][a], values[a]) for a in AGGREGATES}
                else:
                    mine[keys] = dict(values)
        self.spec = self.spec or other.spec

    def get(self, name: str) -> dict[tuple[Any, ...], dict[str, Any]]:
        return self.sets.get(name, {})

    def total(self) -> dict[str, Any]:
        return self.get("all").get((), dict.fromkeys(AGGREGATES))

    def value(self, name: str) -> int:
        return int(self.total().get(name) or 0)


def from_rows(columns: list[str], rows: Iterable[tuple[Any, ...]]) -> Stats:
    stats = Stats()
    keys = [c for c in columns if c not in META and c not in AGGREGATES]
    for row in rows:
        stats.add_row(dict(zip(columns, row, strict=True)), keys)
    return stats


def _typed(column: str, text: str) -> Any:
    """A CSV cell of a statistics file, as the query returned it."""
    if text == "":
        return None
    if (
        column in META
        or column in ("bad_bad", "mix_model", "cells_model")
        or TEXT_KEY.match(column)
    ):
        return text
    if text in ("true", "false", "True", "False"):
        return text.lower() == "true"
    try:
        return int(text)
    except ValueError:
        return Decimal(text)


def read_file(path: Path) -> Stats:
    """A statistics file: the query's result saved as CSV or Parquet."""
    if not path.is_file():
        raise UserError(f"{path}: no such statistics file")
    if path.name.lower().endswith(".parquet"):
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        columns = [c.to_pylist() for c in table.columns]
        return from_rows(table.column_names, zip(*columns, strict=True))
    import csv

    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise UserError(f"{path}: empty statistics file") from None
        if "grouping_set" not in header:
            raise UserError(f"{path}: not the result of `fusion-cost sql` (no grouping_set column)")
        return from_rows(header, (tuple(map(_typed, header, row)) for row in reader))


def rows_of(stats: Stats, key_columns: list[str]) -> Iterator[dict[str, Any]]:
    """The statistics as rows of the query's result (to write a statistics file)."""
    for name, bucket in stats.sets.items():
        prefix = f"{name}_"
        own = [c for c in key_columns if c.startswith(prefix)]
        for keys, values in bucket.items():
            row: dict[str, Any] = dict.fromkeys(key_columns)
            row.update(zip(own, keys, strict=True))
            yield {"spec": stats.spec, "grouping_set": name, **row, **values}
