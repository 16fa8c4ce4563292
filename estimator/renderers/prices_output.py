"""`prices show` and `prices diff` as a terminal table or CSV (JSON: renderers/output.py)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from estimator.documents.prices import CatalogDiff, PriceList
from estimator.renderers.console import table_text
from estimator.renderers.output import emit_csv


def _money(value: Decimal | None) -> str:
    return "dynamic" if value is None else f"{value:f}"


def _tier_text(row: dict[str, Any]) -> str:
    parts = []
    for tier in row["tiers"]:
        token = tier["per_million_tokens"]
        parts.append(
            f">{tier['min_prompt_tokens']:,} prompt tok: "
            f"{_money(token.get('prompt'))}/{_money(token.get('completion'))}"
        )
    for window in row["windows"]:
        token = window["per_million_tokens"]
        parts.append(
            f"{window['utc_window']} UTC: {_money(token.get('prompt'))}/"
            f"{_money(token.get('completion'))}"
        )
    return "\n".join(parts)


def render_table(prices: PriceList) -> str:
    """The prices of the selected models, one row each (tiers and time windows in the last
    column)."""
    rows = prices.models
    table = []
    for row in rows:
        token, units = row["per_million_tokens"], row["per_unit"]
        name = row["id"] if row["alias"] is None else f"{row['alias']} -> {row['id']}"
        table.append(
            [
                name,
                _money(token.get("prompt")),
                _money(token.get("completion")),
                _money(token["input_cache_read"]) if "input_cache_read" in token else "",
                _money(token["internal_reasoning"]) if "internal_reasoning" in token else "",
                _money(units["web_search"]) if "web_search" in units else "",
                _money(units["request"]) if "request" in units else "",
                f"{row['context_length']:,}" if row["context_length"] else "",
                f"{row['max_completion_tokens']:,}" if row["max_completion_tokens"] else "",
                _tier_text(row),
            ]
        )
    text = table_text(
        "Prices (USD per 1M tokens; web search and request per call)",
        [
            "model",
            "input",
            "output",
            "cache read",
            "reasoning",
            "search",
            "request",
            "context",
            "max out",
            "tiers / time windows",
        ],
        table,
        left=["model", "tiers / time windows"],
    )
    return text


def render_csv(prices: PriceList) -> str:
    """One row per model, prices as exact decimals."""
    rows = prices.models
    flat = []
    for row in rows:
        token, units = row["per_million_tokens"], row["per_unit"]
        flat.append(
            {
                "id": row["id"],
                "alias": row["alias"] or "",
                "name": row["name"],
                "dynamic": row["dynamic"],
                "input_per_1m": _money(token.get("prompt")),
                "output_per_1m": _money(token.get("completion")),
                "cache_read_per_1m": _money(token["input_cache_read"])
                if "input_cache_read" in token
                else "",
                "reasoning_per_1m": _money(token["internal_reasoning"])
                if "internal_reasoning" in token
                else "",
                "web_search_per_call": _money(units["web_search"]) if "web_search" in units else "",
                "request_fee": _money(units["request"]) if "request" in units else "",
                "context_length": row["context_length"] or "",
                "max_completion_tokens": row["max_completion_tokens"] or "",
                "tiers_and_windows": _tier_text(row).replace("\n", "; "),
            }
        )
    out = io.StringIO()
    emit_csv(flat, out)
    return out.getvalue()


def render_diff_table(diff: CatalogDiff) -> str:
    """Added, removed and changed prices, one row each ("" when the catalogs agree)."""
    rows = [["added", m, "", "", ""] for m in diff.added]
    rows += [["removed", m, "", "", ""] for m in diff.removed]
    rows += [
        [
            "changed",
            c["id"],
            c["key"],
            f"{_money(c['old'])} -> {_money(c['new'])}",
            "" if c["change_pct"] is None else f"{c['change_pct']:+.1f}%",
        ]
        for c in diff.changed
    ]
    if not rows:
        return ""
    return table_text(
        "Catalog changes (USD per 1M tokens; per unit for request/search)",
        ["", "model", "price", "old -> new", "change"],
        rows,
        left=["", "model", "price", "old -> new"],
    )
