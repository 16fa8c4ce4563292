"""The price-band table: the catalog's prices as rows an engine joins, compiled from the rule.

An engine never prices. Prices reach it as *bands*: for one name a log may carry (a model id
or canonical slug), one catalog in force over a span of dates, one range of prompt sizes and
one range of UTC minutes, the coefficients the billing rule (`pricing.rules.coefficients`)
gives anywhere inside it. The rule is asked at a point inside each band, so this table never
restates it: a long-context tier (prompt *strictly above* its threshold, the whole call) and a
time window (start inclusive, end exclusive, wrapping midnight) are where the bands are cut,
and the rule says what the prices are there. One band per region, never a `CASE` per model
(a query with one branch per model outgrows warehouses' query-size limits).

Prices are stored in USD per *million* units (tokens, calls, searches), exact decimals with at
most `PRICE_SCALE` places, so an engine's `DECIMAL(38, 18)` holds them without rounding.

Which catalog priced a row follows `timeline.Timeline`: the newest one fetched at or before the
row's date (the oldest for older rows, today's for rows without a date), today's when that one
lacks the model; a row is *covered* when it is dated at or after the catalog that priced it.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass, fields
from decimal import Decimal
from itertools import pairwise
from typing import IO, Any

from estimator.errors import DynamicPriceError
from estimator.logs.timeline import Timeline
from estimator.pricing.catalog import Catalog
from estimator.pricing.models import MINUTES_PER_DAY, Pricing
from estimator.pricing.price import MILLION
from estimator.pricing.rules import EXACT, Coefficients, coefficients, window_edges

PRICE_SCALE = 18  # decimal places of a price per million units (the catalog's longest: 16)
EVER = 1 << 62  # an open end of a date span (epoch seconds), and "never covered"
NO_LIMIT = 10**15  # above any prompt size a row may have (rows.MAX_TOKENS is 1e12)
PRICE_COLUMNS = tuple(f.name for f in fields(Coefficients))
ANY_MINUTE, IN_WINDOW, NO_MINUTE = 0, 1, 2  # `timed`: which rows a band's minutes hold
UNDATED = -1  # the minute key of a row without a date: [-1, 1440) holds every row, [-1, 0)
# only rows without a date, [m, n) with m >= 0 rows dated in that piece of the day


@dataclass(frozen=True)
class ModelBand:
    """One region of one model's prices: prompt in (above, upto], the minute rule, the rates."""

    above: int
    upto: int
    timed: int
    minute_from: int
    minute_to: int
    rates: Coefficients  # exact Decimal USD per unit, from the rule

    @property
    def kind(self) -> str:
        tier = "tier" if self.above >= 0 else "base"
        return f"{tier}+window" if self.timed == IN_WINDOW else tier


@dataclass(frozen=True)
class Band:
    """A row of the price-band table."""

    id: int
    name: str
    model_id: str
    entry: int  # the catalog in force at the rows' dates (Timeline index)
    used: int  # the catalog whose prices these are
    valid_from: int  # epoch seconds, inclusive (-EVER: since ever)
    valid_to: int  # exclusive (EVER: open); rows without a date count as dated `undated_at`
    covered_from: int  # rows dated at or after this are covered (EVER: never)
    undated: bool  # the band of rows without a date (today's catalog)
    band: ModelBand

    def row(self) -> dict[str, Any]:
        """The table row: prices per million units, as exact decimal strings."""
        b = self.band
        prices = {name: per_million(getattr(b.rates, name)) for name in PRICE_COLUMNS}
        # the same per unit as float64, as the vectorised path has them (for the per-row
        # comparison with the bill, which is a float comparison there too)
        floats = {f"{name}_usd": float(getattr(b.rates, name)) for name in PRICE_COLUMNS}
        return {
            "band_id": self.id,
            "name": self.name,
            "model_id": self.model_id,
            "catalog_entry": self.entry,
            "catalog_used": self.used,
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
            "covered_from": self.covered_from,
            "undated": self.undated,
            "kind": b.kind,
            "prompt_above": b.above,
            "prompt_upto": b.upto,
            "timed": b.timed,
            "minute_from": b.minute_from,
            "minute_to": b.minute_to,
            **prices,
            **floats,
        }


def per_million(value: Decimal) -> str:
    """USD per unit as an exact decimal string per million units (refused if it would round)."""
    scaled = (value * MILLION).normalize()
    exponent = scaled.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > PRICE_SCALE:
        raise ValueError(f"price {value} has more than {PRICE_SCALE + 6} decimal places")
    return format(scaled, "f") if scaled else "0"


def _prompt_cuts(pricing: Pricing) -> list[int]:
    return sorted(
        {o.min_prompt_tokens for o in pricing.overrides if o.min_prompt_tokens is not None}
    )


def _minute_pieces(pricing: Pricing) -> list[tuple[int, int]]:
    edges = sorted({0, MINUTES_PER_DAY} | {e for e in window_edges(pricing) if 0 < e < 1440})
    return list(pairwise(edges))


def model_bands(pricing: Pricing, model_id: str) -> list[ModelBand]:
    """Every region of one model's prices, each priced by the rule at its first point.

    Raises DynamicPriceError for a router's dynamic price (it has no bands)."""
    cuts = _prompt_cuts(pricing)
    ranges = list(zip([-1, *cuts], [*cuts, NO_LIMIT], strict=True))
    timed = any(o.has_window for o in pricing.overrides)
    bands = []
    for above, upto in ranges:
        prompt = above + 1  # prompt sizes are whole tokens: (above, upto] starts at above + 1
        if not timed:
            rates = coefficients(pricing, Decimal(prompt), None, EXACT, model_id)
            bands.append(ModelBand(above, upto, ANY_MINUTE, UNDATED, MINUTES_PER_DAY, rates))
            continue
        for start, end in _minute_pieces(pricing):
            rates = coefficients(pricing, Decimal(prompt), start, EXACT, model_id)
            bands.append(ModelBand(above, upto, IN_WINDOW, start, end, rates))
        rates = coefficients(pricing, Decimal(prompt), None, EXACT, model_id)
        bands.append(ModelBand(above, upto, NO_MINUTE, UNDATED, 0, rates))
    return bands


def _names(catalog: Catalog | None) -> set[str]:
    if catalog is None:
        return set()
    names = {m.id for m in catalog}
    names |= {m.canonical_slug for m in catalog if m.canonical_slug}
    return names


def _seconds(day: float) -> int:
    return math.ceil(day * 86400)


class BandTable:
    """The bands of every catalog of a timeline, and their exact rates by band id."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self.bands: list[Band] = []
        # the date key of rows without a date: a second inside today's catalog's span
        current = timeline.current_index
        self.undated_at = 0 if current == 0 else _seconds(timeline.days[current])
        self._model: dict[tuple[int, str], list[ModelBand] | None] = {}
        for entry in range(len(timeline.entries)):
            self._add_entry(entry)
        self.by_id = {band.id: band for band in self.bands}

    def _bands_of(self, used: int, model_id: str) -> list[ModelBand] | None:
        key = (used, model_id)
        if key not in self._model:
            catalog = self.timeline.catalog(used)
            try:
                assert catalog is not None
                model = catalog.get_exact(model_id)
                self._model[key] = model_bands(model.pricing, model.id)
            except DynamicPriceError:
                self._model[key] = None  # a router: its rows are unknown models
        return self._model[key]

    def _add_entry(self, entry: int) -> None:
        timeline = self.timeline
        days = timeline.days
        valid_from = -EVER if entry == 0 else _seconds(days[entry])
        valid_to = EVER if entry + 1 == len(days) else _seconds(days[entry + 1])
        names = _names(timeline.catalog(entry)) | _names(timeline.current)
        for name in sorted(names):
            found = timeline.model(entry, name)
            if found is None:
                continue
            used, model_id = found
            bands = self._bands_of(used, model_id)
            if bands is None:
                continue
            covered = _seconds(days[entry]) if used == entry else EVER
            for band in bands:
                self.bands.append(
                    Band(
                        len(self.bands),
                        name,
                        model_id,
                        entry,
                        used,
                        valid_from,
                        valid_to,
                        covered,
                        entry == timeline.current_index,
                        band,
                    )
                )

    def rows(self) -> Iterator[dict[str, Any]]:
        for band in self.bands:
            yield band.row()

    def arrow(self) -> Any:
        """The table as Arrow (prices as DECIMAL(38, 18)), for files and Spark."""
        import pyarrow as pa

        types = {"BIGINT": pa.int64(), "VARCHAR": pa.string(), "BOOLEAN": pa.bool_()}
        types |= {"DOUBLE": pa.float64(), PRICE_TYPE: pa.decimal128(38, PRICE_SCALE)}
        schema = pa.schema([(name, types[sql]) for name, sql in COLUMNS])
        rows = list(self.rows())
        columns = {
            name: [Decimal(row[name]) if sql == PRICE_TYPE else row[name] for row in rows]
            for name, sql in COLUMNS
        }
        return pa.table(columns, schema=schema)

    def ddl(self, table: str = "bands") -> str:
        return f"CREATE TABLE {table} (" + ", ".join(f"{n} {t}" for n, t in COLUMNS) + ")"

    def write_csv(self, handle: IO[str]) -> None:
        """The table as CSV (prices as exact decimal strings per million units)."""
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([name for name, _ in COLUMNS])
        for row in self.rows():
            writer.writerow([_text(row[name]) for name, _ in COLUMNS])


PRICE_TYPE = f"DECIMAL(38, {PRICE_SCALE})"
COLUMNS: tuple[tuple[str, str], ...] = (
    ("band_id", "BIGINT"),
    ("name", "VARCHAR"),
    ("model_id", "VARCHAR"),
    ("catalog_entry", "BIGINT"),
    ("catalog_used", "BIGINT"),
    ("valid_from", "BIGINT"),
    ("valid_to", "BIGINT"),
    ("covered_from", "BIGINT"),
    ("undated", "BOOLEAN"),
    ("kind", "VARCHAR"),
    ("prompt_above", "BIGINT"),
    ("prompt_upto", "BIGINT"),
    ("timed", "BIGINT"),
    ("minute_from", "BIGINT"),
    ("minute_to", "BIGINT"),
    *((name, PRICE_TYPE) for name in PRICE_COLUMNS),
    *((f"{name}_usd", "DOUBLE") for name in PRICE_COLUMNS),
)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)
