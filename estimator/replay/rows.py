"""Turn a chunk of raw log columns (Arrow arrays of text) into validated numpy arrays.

Clean chunks take the fast path (one Arrow cast per column); a chunk with bad cells falls
back to validating each cell, so one bad row is counted and skipped, never fatal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from estimator.replay.records import FUSION_MODELS, FUSION_ROUTERS
from estimator.scenario import MAX_TOKENS

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
    generation_id: np.ndarray | None = None  # object array of text (None: not in the log)
    request_id: np.ndarray | None = None
    has_writes: bool = False  # the log reports cache writes at all
    search_results: np.ndarray | None = None  # generation records: results of its searches
    fetches: np.ndarray | None = None
    engine: np.ndarray | None = None  # index into `engines` (-1: none)
    engines: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.prompt)

    def subset(self, keep: np.ndarray) -> Rows:
        """The rows where `keep` holds (same distinct names)."""
        fields_ = {
            name: (value[keep] if isinstance(value, np.ndarray) else value)
            for name, value in self.__dict__.items()
        }
        return Rows(**fields_)


def _numbers(array: Any) -> tuple[np.ndarray, np.ndarray]:
    """(float values, valid mask); empty cells are invalid (NaN)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_integer(array.type) or pa.types.is_floating(array.type):
        values = pc.cast(array, pa.float64()).to_numpy(zero_copy_only=False)
        return values, np.isfinite(values)  # inf, 1e400: not a number
    try:
        values = pc.cast(array, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        text = pc.cast(array, pa.string())
        ok = pc.fill_null(pc.match_substring_regex(text, NUMBER), False)
        cleaned = pc.if_else(ok, pc.utf8_trim_whitespace(text), pa.scalar(None, pa.string()))
        values = pc.cast(cleaned, pa.float64()).to_numpy(zero_copy_only=False)
    return values, np.isfinite(values)  # inf, 1e400: not a number


def _timestamps(array: Any) -> tuple[np.ndarray, np.ndarray]:
    """(seconds since the epoch, valid mask) from ISO-like text or an Arrow timestamp."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_timestamp(array.type):
        seconds = pc.cast(pc.cast(array, pa.timestamp("s")), pa.int64())
    else:
        try:  # fast path: every cell is ISO 8601 without a zone (Arrow's vectorised parser)
            parsed = pc.cast(pc.cast(array, pa.string()), pa.timestamp("us"))
            seconds = pc.divide(pc.cast(parsed, pa.int64()), 1_000_000)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            seconds = None
    if seconds is None:
        text = pc.utf8_slice_codeunits(pc.cast(array, pa.string()), 0, 19)
        text = pc.replace_substring(text, "T", " ")
        parsed = pc.strptime(text, format="%Y-%m-%d %H:%M:%S", unit="s", error_is_null=True)
        seconds = pc.cast(parsed, pa.int64())
    values = pc.cast(seconds, pa.float64()).to_numpy(zero_copy_only=False)
    return values, ~np.isnan(values)


def _truthy(array: Any) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.utf8_lower(pc.cast(array, pa.string()))
    hit = pc.is_in(text, value_set=pa.array(["true", "1", "yes", "t"]))
    return pc.fill_null(hit, False).to_numpy(zero_copy_only=False)


def _decode(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _encoded(array: Any) -> tuple[np.ndarray, list[str]]:
    """Dictionary-encode a text column: (index per row, -1 for none; the distinct values).
    Bytes that are not UTF-8 become U+FFFD: a bad name marks itself, it does not fail."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (pa.types.is_binary(array.type) or pa.types.is_string(array.type)):
        array = pc.cast(array, pa.string())
    encoded = pc.dictionary_encode(array)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    index = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    return index, [_decode(v) for v in encoded.dictionary.to_pylist()]


def _text(array: Any) -> np.ndarray:
    values = array.to_pylist()
    return np.asarray([None if v is None else _decode(v) for v in values], dtype=object)


def _fusion_rows(
    flagged: np.ndarray | None, model: np.ndarray | None, models: list[str]
) -> np.ndarray | None:
    """Fusion responses: flagged by the log, or logged under a Fusion model id."""
    if model is None or not any(name in FUSION_MODELS for name in models):
        return flagged
    named = np.array([name in FUSION_MODELS for name in models] + [False], dtype=bool)[model]
    return named if flagged is None else flagged | named


def parse(columns: dict[str, Any], first_line: int, bad: BadRows) -> Rows:
    """Validate a chunk; bad rows are recorded in `bad` and dropped."""
    n = len(columns["tokens_prompt"])
    keep = np.ones(n, dtype=bool)
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
    seconds = None
    if "created_at" in columns:
        seconds, ok = _timestamps(columns["created_at"])
        bad.add("unparseable created_at", ~ok & keep, first_line)
        keep &= ok
    money: dict[str, np.ndarray | None] = {}
    for name in MONEY_COLUMNS:
        if name in columns:
            numbers, ok = _numbers(columns[name])
            ok &= np.abs(numbers) <= MAX_USD  # 1e308 USD is a broken cell, not a cost
            unknown = np.nan if name != "cost_web_search" and name != "byok_usage_inference" else 0
            money[name] = np.where(ok, numbers, unknown)
        else:
            money[name] = None
    encoded = {name: _encoded(columns[name]) for name in TEXT_COLUMNS if name in columns}
    flags = {name: _truthy(columns[name]) for name in FLAG_COLUMNS if name in columns}
    ids = {
        name: _text(columns[name]) for name in ("generation_id", "request_id") if name in columns
    }
    member = None
    if "router" in columns:
        index, names = _encoded(columns["router"])
        routed = np.array([name in FUSION_ROUTERS for name in names] + [False], dtype=bool)
        member = routed[index]  # index -1 (no router) picks the trailing False

    bad.lines(~keep, first_line)

    def kept(array: np.ndarray | None) -> np.ndarray | None:
        return None if array is None else array[keep]

    prompt = values["tokens_prompt"][keep]
    completion = values["tokens_completion"][keep]
    cached = np.minimum(values["tokens_cached"][keep], prompt)
    model, models = encoded.get("model", (None, []))
    provider, providers = encoded.get("provider", (None, []))
    engine, engines = encoded.get("web_search_engine", (None, []))
    counts = {}
    for name in COUNT_COLUMNS:
        if name in columns:
            numbers, ok = _numbers(columns[name])
            counts[name] = np.where(ok & (numbers >= 0) & (numbers <= MAX_TOKENS), numbers, 0.0)
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
        generation_id=kept(ids.get("generation_id")),
        request_id=kept(ids.get("request_id")),
        has_writes="tokens_cache_write" in columns,
        search_results=kept(counts.get("web_search_results")),
        fetches=kept(counts.get("fetches")),
        engine=kept(engine),
        engines=engines,
    )


def _empty(array: Any) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        blank = pc.equal(pc.utf8_trim_whitespace(array), "")
        return pc.fill_null(pc.or_(pc.is_null(array), blank), True).to_numpy(zero_copy_only=False)
    return pc.is_null(array).to_numpy(zero_copy_only=False)
