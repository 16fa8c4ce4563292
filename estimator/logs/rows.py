"""Turn a chunk of raw log columns (Arrow arrays of text) into validated numpy arrays.

Clean chunks take the fast path (one Arrow cast per column); a chunk with bad cells falls
back to validating each cell, so one bad row is counted and skipped, never fatal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from estimator.logs.records import FUSION_MODELS, FUSION_ROUTERS
from estimator.workload.spec import MAX_TOKENS

NUMBER = r"^\s*-?[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?\s*$"
TOKEN_COLUMNS = (
    "tokens_prompt",
    "tokens_completion",
    "tokens_reasoning",
    "tokens_cached",
    "tokens_cache_write",
)
COUNT_COLUMNS = ("web_search_results", "fetches")  # tool use (a bad cell counts as none)
# money read as NaN when missing (a missing cost is unknown, not zero)
MONEY_COLUMNS = (
    "cost_total",
    "cost_web_search",
    "byok_usage_inference",
    "cost_upstream",
    "cost_upstream_prompt",
    "cost_upstream_completion",
)
FLAG_COLUMNS = ("cancelled", "is_byok", "fusion")
TEXT_COLUMNS = ("model", "provider", "web_search_engine")  # dictionary-encoded: few values
FIRST_LINES = 5
EXTRA = "group:"  # a column read for attribution (`--group-by`), kept as text per row
MAX_USD = 1e9  # per request; the catalog refuses prices above 1e9 USD per unit too


@dataclass
class BadRows:
    """Rows skipped, by reason, with the first few line numbers."""

    count: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    first_lines: list[int] = field(default_factory=list)

    def add(self, reason: str, mask: np.ndarray, first_line: int) -> None:
        n = int(mask.sum())
        if not n:
            return
        self.count += n
        self.by_reason[reason] = self.by_reason.get(reason, 0) + n

    def lines(self, skipped: np.ndarray, first_line: int) -> None:
        """Remember the first line numbers among this chunk's skipped rows (chunks in order)."""
        if len(self.first_lines) < FIRST_LINES and skipped.any():
            lines = np.flatnonzero(skipped)[: FIRST_LINES - len(self.first_lines)] + first_line
            self.first_lines += [int(x) for x in lines]


class Text:
    """A text column kept as Arrow data and decoded only for the rows that are read (request
    and generation ids: needed for --rows-out lines and Fusion grouping, not for the sums; a
    per-row decode of every id cost more than repricing the rows)."""

    def __init__(self, array: Any) -> None:
        self.array = array

    def __len__(self) -> int:
        return len(self.array)

    def __getitem__(self, keep: np.ndarray) -> Text:
        """The rows where the boolean mask `keep` holds, still undecoded."""
        import pyarrow as pa

        if len(keep) == len(self.array) and keep.all():
            return self
        return Text(self.array.filter(pa.array(keep)))

    def values(self) -> list[str | None]:
        """Every row decoded (bytes that are not UTF-8 become U+FFFD)."""
        return [None if v is None else _decode(v) for v in self.array.to_pylist()]


@dataclass
class Rows:
    """The valid rows of one chunk, as numpy arrays, in the bill's conventions: `completion`
    includes `reasoning` (clipped to it), `prompt` includes `cached` and `written`."""

    prompt: np.ndarray
    completion: np.ndarray
    reasoning: np.ndarray
    cached: np.ndarray
    written: np.ndarray
    minutes: np.ndarray | None  # minute of day (UTC); None when the log has no timestamps
    days: np.ndarray | None  # days since the epoch (float), for spans and --since/--until
    model: np.ndarray | None  # index into `models` per row (-1: no model)
    models: list[str]  # the distinct model names of this chunk
    cost_total: np.ndarray | None
    web_search: np.ndarray | None
    byok: np.ndarray | None
    cancelled: np.ndarray | None
    upstream: np.ndarray | None = None  # what the provider billed (NaN: not given)
    upstream_prompt: np.ndarray | None = None
    upstream_completion: np.ndarray | None = None
    is_byok: np.ndarray | None = None
    fusion: np.ndarray | None = None  # a Fusion response: cost covers it all, tokens the outer
    fusion_member: np.ndarray | None = None  # a generation routed by openrouter/fusion
    provider: np.ndarray | None = None  # index into `providers` (-1: none)
    providers: list[str] = field(default_factory=list)
    generation_id: Text | None = None  # None: not in the log
    request_id: Text | None = None
    has_writes: bool = False  # the log reports cache writes at all
    search_results: np.ndarray | None = None  # generation records: results of its searches
    fetches: np.ndarray | None = None
    engine: np.ndarray | None = None  # index into `engines` (-1: none)
    engines: list[str] = field(default_factory=list)
    extra: dict[str, Text] = field(default_factory=dict)  # other columns asked for, as text

    def __len__(self) -> int:
        return len(self.prompt)

    def subset(self, keep: np.ndarray) -> Rows:
        """The rows where `keep` holds (same distinct names)."""
        fields_: dict[str, Any] = {
            name: (value[keep] if isinstance(value, np.ndarray | Text) else value)
            for name, value in self.__dict__.items()
        }
        fields_["extra"] = {name: text[keep] for name, text in self.extra.items()}
        return Rows(**fields_)


def _plain(array: Any) -> Any:
    """A dictionary-encoded column (pandas' categoricals in Parquet) as its plain values."""
    import pyarrow as pa

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    return array


def _as_text(array: Any) -> Any:
    """The column as Arrow text, or None when it holds no text (lists, structs, ...): every
    cell of it is then a bad cell. Bytes that are not UTF-8 become U+FFFD."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_string(array.type):
        return array
    try:  # large or view strings, bytes, numbers, dates: one kind of text for the kernels
        return pc.cast(array, pa.string())
    except pa.ArrowInvalid:  # bytes that are not UTF-8: decode cell by cell (hostile input only)
        values = array.to_pylist()
        return pa.array([None if v is None else _decode(v) for v in values], pa.string())
    except pa.ArrowNotImplementedError:  # a list, a struct, a map: no text
        return None


def _numbers(array: Any) -> tuple[np.ndarray, np.ndarray]:
    """(float values, valid mask); empty cells are invalid (NaN)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = array.type
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        # unsafe: a uint64 of 2**64 - 1 becomes 1.8e19 (refused as too many tokens), not an error
        values = pc.cast(array, pa.float64(), safe=False).to_numpy(zero_copy_only=False)
        return values, np.isfinite(values)  # inf, 1e400: not a number
    text = _as_text(array)
    if text is None:  # a list or a struct is not a token count
        values = np.full(len(array), np.nan)
        return values, np.zeros(len(array), dtype=bool)
    try:
        values = pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        ok = pc.fill_null(pc.match_substring_regex(text, NUMBER), False)
        cleaned = pc.if_else(ok, pc.utf8_trim_whitespace(text), pa.scalar(None, pa.string()))
        values = pc.cast(cleaned, pa.float64()).to_numpy(zero_copy_only=False)
    return values, np.isfinite(values)  # inf, 1e400: not a number


def _timestamps(array: Any) -> np.ndarray:
    """Whole seconds since the epoch, UTC (NaN: not a date), from ISO 8601 text with or
    without a zone offset, an Arrow timestamp (any unit; Arrow keeps instants in UTC, and a
    timestamp without a zone is read as UTC), an Arrow date, or an epoch number."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = array.type
    if pa.types.is_timestamp(kind):
        return _floor(pc.cast(array, pa.int64()), TIME_UNITS[kind.unit])
    if pa.types.is_date(kind):
        days = pc.cast(pc.cast(array, pa.date32(), safe=False), pa.int32())
        return _floats(days) * 86400
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return _epoch(_floats(pc.cast(array, pa.float64(), safe=False)))
    text = _as_text(array)
    if text is None:
        return np.full(len(array), np.nan)
    # fast paths (Arrow's vectorised parser): every cell without a zone, or every cell with one
    for target in (pa.timestamp("us"), pa.timestamp("us", "UTC")):
        try:
            return _floor(pc.cast(pc.cast(text, target), pa.int64()), 1_000_000)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
    return _parse_dates(text)


# an ISO 8601 date and time, a fraction of a second (dropped) and a zone (Z, UTC or an offset)
ISO_DATE = (
    r"^\s*(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"(?:[T ](?P<h>[0-9]{2}):(?P<m>[0-9]{2})(?::(?P<s>[0-9]{2}))?(?:[.,][0-9]*)?)?"
    r"\s*(?P<zone>[Zz]|UTC|GMT|[+-][0-9]{2}(?::?[0-9]{2})?)?\s*$"
)
ZONE = r"^(?P<sign>[+-])(?P<zh>[0-9]{2}):?(?P<zm>[0-9]{2})?$"
TIME_UNITS = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
# An epoch number's unit, told from its size: 10-11 digits are seconds, 13-14 milliseconds,
# 16-17 microseconds, 19 nanoseconds. Each range starts on 2001-09-09 and they do not overlap,
# so a date after that is never misread; other sizes (8 digits: 20260819) are not dates.
EPOCH_UNITS = ((1e9, 1e11, 1), (1e12, 1e14, 1e3), (1e15, 1e17, 1e6), (1e18, 1e19, 1e9))
# dates are accepted from 1970-01-01 to 9999-12-31 (UTC); others are broken cells
FIRST_SECOND, END_SECOND = 0, 253_402_300_800


def _floats(array: Any) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    return cast(
        np.ndarray, pc.cast(array, pa.float64(), safe=False).to_numpy(zero_copy_only=False)
    )  # nulls: NaN


def _floor(ticks: Any, per_second: int) -> np.ndarray:
    """Whole seconds from integer ticks (exact integer division, nulls kept as NaN)."""
    import pyarrow.compute as pc

    seconds = pc.divide(ticks, per_second)  # truncates: the floor for dates after 1970
    negative = pc.fill_null(pc.less(ticks, 0), False).to_numpy(zero_copy_only=False)
    values = _floats(seconds)
    return np.where(negative, np.floor(_floats(ticks) / per_second), values)


def _epoch(values: np.ndarray) -> np.ndarray:
    """Epoch numbers in seconds, milliseconds, microseconds or nanoseconds (see EPOCH_UNITS)."""
    seconds = np.full(len(values), np.nan)
    size = np.abs(values)
    for low, high, per_second in EPOCH_UNITS:
        unit = (size >= low) & (size < high)
        seconds = np.where(unit, np.floor(values / per_second), seconds)
    return seconds


def _parse_dates(text: Any) -> np.ndarray:
    """The slow path, still vectorised: ISO dates with any zone offset, and epoch numbers."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def number(part: Any) -> np.ndarray:  # "" (an optional part left out) is 0
        return _floats(pc.if_else(pc.equal(part, ""), "0", part))

    parts = pc.extract_regex(text, ISO_DATE)
    date = pc.struct_field(parts, "date")
    day = pc.strptime(date, format="%Y-%m-%d", unit="s", error_is_null=True)
    real = pc.equal(pc.strftime(day, format="%Y-%m-%d"), date)  # 2026-02-30 is not a day
    day = pc.if_else(real, day, pa.scalar(None, day.type))
    hour, minute = number(pc.struct_field(parts, "h")), number(pc.struct_field(parts, "m"))
    second = number(pc.struct_field(parts, "s"))
    zone = pc.extract_regex(pc.struct_field(parts, "zone"), ZONE)
    west = pc.fill_null(pc.equal(pc.struct_field(zone, "sign"), "-"), False)
    zone_h = np.nan_to_num(number(pc.struct_field(zone, "zh")))  # Z, UTC or none: 0
    zone_m = np.nan_to_num(number(pc.struct_field(zone, "zm")))
    offset = np.where(west.to_numpy(zero_copy_only=False), -1, 1) * (zone_h * 3600 + zone_m * 60)
    valid = (hour < 24) & (minute < 60) & (second <= 60) & (zone_h < 24) & (zone_m < 60)
    seconds = _floats(pc.cast(day, pa.int64())) + hour * 3600 + minute * 60 + second - offset
    seconds = np.where(valid, seconds, np.nan)
    numeric = pc.fill_null(pc.match_substring_regex(text, NUMBER), False)
    cells = pc.if_else(numeric, pc.utf8_trim_whitespace(text), pa.scalar(None, pa.string()))
    epoch = _epoch(_floats(cells))
    return np.where(np.isnan(seconds), epoch, seconds)


def _truthy(array: Any) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_boolean(array.type):
        return cast(np.ndarray, pc.fill_null(array, False).to_numpy(zero_copy_only=False))
    text = _as_text(array)
    if text is None:  # a list or a struct is not a flag
        return np.zeros(len(array), dtype=bool)
    hit = pc.is_in(pc.utf8_lower(text), value_set=pa.array(["true", "1", "yes", "t"]))
    return cast(np.ndarray, pc.fill_null(hit, False).to_numpy(zero_copy_only=False))


def _decode(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _encoded(array: Any) -> tuple[np.ndarray, list[str]]:
    """Dictionary-encode a text column: (index per row, -1 for none; the distinct values).
    Bytes that are not UTF-8 become U+FFFD: a bad name marks itself, it does not fail."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (pa.types.is_binary(array.type) or pa.types.is_string(array.type)):
        text = _as_text(array)
        if text is None:  # a list or a struct is not a name: no name
            return np.full(len(array), -1), []
        array = text
    encoded = pc.dictionary_encode(array)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    index = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    return index, [_decode(v) for v in encoded.dictionary.to_pylist()]


def _kept_text(column: Text | None, keep: np.ndarray) -> Text | None:
    return None if column is None else column[keep]


def _fusion_rows(
    flagged: np.ndarray | None, model: np.ndarray | None, models: list[str]
) -> np.ndarray | None:
    """Fusion responses: flagged by the log, or logged under a Fusion model id."""
    if model is None or not any(name in FUSION_MODELS for name in models):
        return flagged
    named = np.array([name in FUSION_MODELS for name in models] + [False], dtype=bool)[model]
    return cast(np.ndarray, named if flagged is None else flagged | named)


def parse(columns: dict[str, Any], first_line: int, bad: BadRows) -> Rows:
    """Validate a chunk; bad rows are recorded in `bad` and dropped."""
    columns = {name: _plain(array) for name, array in columns.items()}
    n = len(columns["tokens_prompt"])
    keep = np.ones(n, dtype=bool)
    values = _token_values(columns, n, keep, first_line, bad)
    seconds = _created_seconds(columns, keep, first_line, bad)
    money = _money(columns)
    encoded = {name: _encoded(columns[name]) for name in TEXT_COLUMNS if name in columns}
    flags = {name: _truthy(columns[name]) for name in FLAG_COLUMNS if name in columns}
    ids = {name: Text(columns[name]) for name in ("generation_id", "request_id") if name in columns}
    extra = {name: Text(array) for name, array in columns.items() if name.startswith(EXTRA)}
    member = _fusion_members(columns)

    bad.lines(~keep, first_line)

    def kept(array: np.ndarray | None) -> np.ndarray | None:
        return None if array is None else array[keep]

    prompt = values["tokens_prompt"][keep]
    completion = values["tokens_completion"][keep]
    cached = np.minimum(values["tokens_cached"][keep], prompt)
    model, models = encoded.get("model", (None, []))
    provider, providers = encoded.get("provider", (None, []))
    engine, engines = encoded.get("web_search_engine", (None, []))
    counts = _counts(columns)
    return Rows(
        prompt=prompt,
        completion=completion,
        # completion includes reasoning: never more reasoning than completion is billed
        reasoning=np.minimum(values["tokens_reasoning"][keep], completion),
        cached=cached,
        written=np.minimum(values["tokens_cache_write"][keep], prompt - cached),
        minutes=None if seconds is None else ((seconds[keep] % 86400) // 60),
        days=None if seconds is None else seconds[keep] / 86400,
        model=kept(model),
        models=models,
        cost_total=kept(money["cost_total"]),
        web_search=kept(money["cost_web_search"]),
        byok=kept(money["byok_usage_inference"]),
        cancelled=kept(flags.get("cancelled")),
        upstream=kept(money["cost_upstream"]),
        upstream_prompt=kept(money["cost_upstream_prompt"]),
        upstream_completion=kept(money["cost_upstream_completion"]),
        is_byok=kept(flags.get("is_byok")),
        fusion=kept(_fusion_rows(flags.get("fusion"), model, models)),
        fusion_member=kept(member),
        provider=kept(provider),
        providers=providers,
        generation_id=_kept_text(ids.get("generation_id"), keep),
        request_id=_kept_text(ids.get("request_id"), keep),
        has_writes="tokens_cache_write" in columns,
        search_results=kept(counts.get("web_search_results")),
        fetches=kept(counts.get("fetches")),
        engine=kept(engine),
        engines=engines,
        extra={name: text[keep] for name, text in extra.items()},
    )


def _token_values(
    columns: dict[str, Any], n: int, keep: np.ndarray, first_line: int, bad: BadRows
) -> dict[str, np.ndarray]:
    """Each token column as numbers (an absent one as zeros); rows with a bad count are
    recorded in `bad` and cleared from `keep` in place."""
    values: dict[str, np.ndarray] = {}
    for name in TOKEN_COLUMNS:
        if name not in columns:
            values[name] = np.zeros(n)
            continue
        numbers, ok = _numbers(columns[name])
        required = name in ("tokens_prompt", "tokens_completion")
        missing = ~ok if required else np.zeros(n, dtype=bool)
        if not required:
            present = ~_empty(columns[name])
            missing = present & ~ok
            numbers = np.where(ok, numbers, 0.0)
        negative = ok & (numbers < 0)
        bad.add(f"missing or non-numeric {name}", missing & keep, first_line)
        keep &= ~missing
        bad.add(f"negative {name}", negative & keep, first_line)
        keep &= ~negative
        huge = ok & (numbers > MAX_TOKENS)  # 1e300 tokens would overflow the totals
        bad.add(f"{name} above {MAX_TOKENS:,}", huge & keep, first_line)
        keep &= ~huge
        values[name] = numbers
    return values


def _created_seconds(
    columns: dict[str, Any], keep: np.ndarray, first_line: int, bad: BadRows
) -> np.ndarray | None:
    """`created_at` in seconds since the epoch (None without the column); rows without a
    date in 1970-9999 are recorded in `bad` and cleared from `keep` in place."""
    seconds = None
    if "created_at" in columns:
        seconds = _timestamps(columns["created_at"])
        parsed = ~np.isnan(seconds)
        bad.add("unparseable created_at", ~parsed & keep, first_line)
        keep &= parsed
        inside = (seconds >= FIRST_SECOND) & (seconds < END_SECOND)
        bad.add("created_at outside 1970-9999", ~inside & keep, first_line)
        keep &= inside
    return seconds


def _money(columns: dict[str, Any]) -> dict[str, np.ndarray | None]:
    """Each money column in USD (None when absent); a bad cell is unknown (NaN), except in
    the web search and BYOK usage columns, where it is zero."""
    money: dict[str, np.ndarray | None] = {}
    for name in MONEY_COLUMNS:
        if name in columns:
            numbers, ok = _numbers(columns[name])
            ok &= np.abs(numbers) <= MAX_USD  # 1e308 USD is a broken cell, not a cost
            unknown = np.nan if name != "cost_web_search" and name != "byok_usage_inference" else 0
            money[name] = np.where(ok, numbers, unknown)
        else:
            money[name] = None
    return money


def _fusion_members(columns: dict[str, Any]) -> np.ndarray | None:
    """Generations routed by a Fusion router (None when the log has no `router` column)."""
    member = None
    if "router" in columns:
        index, names = _encoded(columns["router"])
        routed = np.array([name in FUSION_ROUTERS for name in names] + [False], dtype=bool)
        member = routed[index]  # index -1 (no router) picks the trailing False
    return member


def _counts(columns: dict[str, Any]) -> dict[str, np.ndarray]:
    """Tool-use counts per row; a bad, negative or huge cell counts as none."""
    counts = {}
    for name in COUNT_COLUMNS:
        if name in columns:
            numbers, ok = _numbers(columns[name])
            counts[name] = np.where(ok & (numbers >= 0) & (numbers <= MAX_TOKENS), numbers, 0.0)
    return counts


def _empty(array: Any) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        blank = pc.equal(pc.utf8_trim_whitespace(array), "")
        return cast(
            np.ndarray,
            pc.fill_null(pc.or_(pc.is_null(array), blank), True).to_numpy(zero_copy_only=False),
        )
    return cast(np.ndarray, pc.is_null(array).to_numpy(zero_copy_only=False))
