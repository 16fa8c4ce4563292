"""Canonical rows between Python and the engines, as Arrow tables.

The python reader's validated rows (`rows.Rows`) go into an engine as a canonical table; the
rows an engine hands back (the hard rows) come out as `Rows` again, for the calibration and
the Fusion sums, which work row by row.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from estimator.logs.engines.canon import CANONICAL, FLAGS, SHORT
from estimator.logs.records import FUSION_MODELS, FUSION_ROUTERS
from estimator.logs.rows import COUNT_COLUMNS, EXTRA, MONEY_COLUMNS, Rows, Text

GROUP = EXTRA  # the reader's key for an attribution column ("group:user")


def _arrow_type(sql: str) -> Any:
    import pyarrow as pa

    return {
        "VARCHAR": pa.string(),
        "BIGINT": pa.int64(),
        "DOUBLE": pa.float64(),
        "BOOLEAN": pa.bool_(),
        "DECIMAL(38, 12)": pa.decimal128(38, 12),
    }[sql]


def _names(index: np.ndarray | None, names: list[str], n: int) -> list[str | None]:
    if index is None:
        return [None] * n
    table = [*names, None]
    return [table[i] for i in index]


def _text(column: Text | None, n: int) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    if column is None:
        return pa.nulls(n, pa.string())
    array = column.array
    if pa.types.is_string(array.type):
        return array
    try:
        return pc.cast(array, pa.string())
    except pa.ArrowInvalid:  # bytes that are not UTF-8
        return pa.array(column.values(), pa.string())


def _money(values: np.ndarray | None, n: int) -> Any:
    import pyarrow as pa

    if values is None:
        return pa.nulls(n, pa.float64())
    return pa.array(values, pa.float64(), mask=np.isnan(values))


def _exact(values: np.ndarray | None, n: int) -> Any:
    """Floats as DECIMAL(38, 12) through their shortest text (the cell as it was written)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if values is None:
        return pa.nulls(n, pa.decimal128(38, 12))
    text = pc.cast(_money(values, n), pa.string())
    as_number = pc.cast(pc.cast(text, pa.float64()), pa.decimal128(38, 12), safe=False)
    return as_number


def to_arrow(rows: Rows, groups: list[Text] | None = None) -> Any:
    """The canonical table of validated rows (`groups`: attribution columns, g0, g1, ...)."""
    import pyarrow as pa

    n = len(rows)
    seconds = None if rows.days is None else np.rint(rows.days * 86400)
    columns: dict[str, Any] = {
        "model": pa.array(_names(rows.model, rows.models, n), pa.string()),
        "provider": pa.array(_names(rows.provider, rows.providers, n), pa.string()),
        "web_search_engine": pa.array(_names(rows.engine, rows.engines, n), pa.string()),
        "router": _routers(rows.fusion_member, n),
        "generation_id": _text(rows.generation_id, n),
        "request_id": _text(rows.request_id, n),
    }
    for canonical, short in SHORT.items():
        columns[short] = pa.array(np.floor(getattr(rows, _FIELD[canonical])), pa.int64())
    columns["ts"] = pa.nulls(n, pa.int64()) if seconds is None else pa.array(seconds, pa.int64())
    money = _money_fields(rows)
    for canonical in MONEY_COLUMNS:
        columns[canonical] = _money(money[canonical], n)
    for canonical in ("cost_total", "cost_upstream_prompt", "cost_upstream_completion"):
        columns[f"{canonical}_x"] = _exact(money[canonical], n)
    flags = {"cancelled": rows.cancelled, "is_byok": rows.is_byok, "fusion": rows.fusion}
    for canonical in FLAGS:
        values = flags[canonical]
        columns[canonical] = pa.array(np.zeros(n, bool) if values is None else values)
    counts = {"web_search_results": rows.search_results, "fetches": rows.fetches}
    for canonical in COUNT_COLUMNS:
        values = counts[canonical]
        columns[canonical] = pa.nulls(n, pa.float64()) if values is None else pa.array(values)
    table = {name: columns[name].cast(_arrow_type(CANONICAL[name])) for name in CANONICAL}
    for i, text in enumerate(groups or []):
        table[f"g{i}"] = _text(text, n)
    return pa.table(table)


_FIELD = {
    "tokens_prompt": "prompt",
    "tokens_completion": "completion",
    "tokens_reasoning": "reasoning",
    "tokens_cached": "cached",
    "tokens_cache_write": "written",
}


def _money_fields(rows: Rows) -> dict[str, np.ndarray | None]:
    return {
        "cost_total": rows.cost_total,
        "cost_web_search": rows.web_search,
        "byok_usage_inference": rows.byok,
        "cost_upstream": rows.upstream,
        "cost_upstream_prompt": rows.upstream_prompt,
        "cost_upstream_completion": rows.upstream_completion,
    }


def _routers(member: np.ndarray | None, n: int) -> Any:
    """The router column as far as replay reads it: Fusion's for routed generations."""
    import pyarrow as pa

    if member is None:
        return pa.nulls(n, pa.string())
    return pa.array([FUSION_ROUTERS[0] if m else None for m in member], pa.string())


class _Columns:
    """Canonical columns of an Arrow table as `Rows` wants them (absent ones stay None)."""

    def __init__(self, table: Any, present: set[str]) -> None:
        self.table, self.present = table, present

    def numbers(self, name: str) -> np.ndarray:
        import pyarrow.compute as pc

        values = pc.fill_null(self.table[name], 0).to_numpy(zero_copy_only=False)
        return np.asarray(values, dtype=float)

    def money(self, name: str) -> np.ndarray | None:
        if name not in self.present:
            return None
        return np.asarray(self.table[name].to_numpy(zero_copy_only=False), dtype=float)

    def flag(self, name: str) -> np.ndarray | None:
        import pyarrow.compute as pc

        if name not in self.present:
            return None
        values = pc.fill_null(self.table[name], False).to_numpy(zero_copy_only=False)
        return np.asarray(values, dtype=bool)

    def encoded(self, name: str) -> tuple[np.ndarray | None, list[str]]:
        import pyarrow.compute as pc

        if name not in self.present:
            return None, []
        dictionary = pc.dictionary_encode(self.table[name].combine_chunks())
        index = pc.fill_null(dictionary.indices, -1).to_numpy(zero_copy_only=False)
        return np.asarray(index), [str(v) for v in dictionary.dictionary.to_pylist()]

    def text(self, name: str) -> Text | None:
        return Text(self.table[name]) if name in self.present else None


def _fusion(
    columns: _Columns, model: np.ndarray | None, models: list[str]
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(Fusion responses: flagged or under a Fusion model id; generations Fusion routed)."""
    fusion = columns.flag("fusion")
    if models and model is not None and any(name in FUSION_MODELS for name in models):
        named = np.array([name in FUSION_MODELS for name in models] + [False])[model]
        fusion = named if fusion is None else fusion | named
    member = None
    if "router" in columns.present:
        routers = columns.table["router"].to_pylist()
        member = np.array([r in FUSION_ROUTERS for r in routers], dtype=bool)
    return fusion, member


def from_arrow(table: Any, present: set[str], has_writes: bool) -> Rows:
    """`Rows` of canonical rows an engine returned; `present`: the canonical columns the log
    has (a column the log lacks stays None, as the python reader leaves it)."""
    columns = _Columns(table, present)
    model, models = columns.encoded("model")
    provider, providers = columns.encoded("provider")
    engine, engines = columns.encoded("web_search_engine")
    ts = columns.numbers("ts") if "created_at" in present else None
    fusion, member = _fusion(columns, model, models)
    return Rows(
        prompt=columns.numbers("p"),
        completion=columns.numbers("c"),
        reasoning=columns.numbers("r"),
        cached=columns.numbers("k"),
        written=columns.numbers("w"),
        minutes=None if ts is None else (ts % 86400) // 60,
        days=None if ts is None else ts / 86400,
        model=model,
        models=models,
        cost_total=columns.money("cost_total"),
        web_search=columns.money("cost_web_search"),
        byok=columns.money("byok_usage_inference"),
        cancelled=columns.flag("cancelled"),
        upstream=columns.money("cost_upstream"),
        upstream_prompt=columns.money("cost_upstream_prompt"),
        upstream_completion=columns.money("cost_upstream_completion"),
        is_byok=columns.flag("is_byok"),
        fusion=fusion,
        fusion_member=member,
        provider=provider,
        providers=providers,
        generation_id=columns.text("generation_id"),
        request_id=columns.text("request_id"),
        has_writes=has_writes,
        search_results=columns.money("web_search_results"),
        fetches=columns.money("fetches"),
        engine=engine,
        engines=engines,
    )
