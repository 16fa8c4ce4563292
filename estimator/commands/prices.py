"""`fusion-cost prices show|refresh|import|diff`."""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from estimator.errors import UserError
from estimator.renderers.console import note, print_table


def _load(args: argparse.Namespace) -> Any:
    from estimator.pricing.store import load_catalog

    return load_catalog(args.cache_dir)


def _money(value: Decimal | None) -> str:
    return "dynamic" if value is None else f"{value:f}"


def show(args: argparse.Namespace) -> int:
    from estimator.pricing.describe import (
        catalog_line,
        describe_catalog,
        describe_model,
        select,
    )
    from estimator.renderers.output import emit_csv, emit_json

    catalog = _load(args)
    info = describe_catalog(catalog, args.max_age_days)
    rows = [describe_model(r) for r in select(catalog, args.models)]
    if args.format == "json":
        emit_json({"catalog": info, "models": rows})
        return 0
    if args.format == "csv":
        emit_csv(_flat_rows(rows))
        return 0
    note(catalog_line(info))
    _print_show_table(rows)
    return 0


def _tier_text(row: dict[str, Any]) -> str:
    parts = []
    for tier in row["tiers"]:
        token = tier["per_million_tokens"]
        parts.append(
            f">={tier['min_prompt_tokens']:,} prompt tok: "
            f"{_money(token.get('prompt'))}/{_money(token.get('completion'))}"
        )
    for window in row["windows"]:
        token = window["per_million_tokens"]
        parts.append(
            f"{window['utc_window']} UTC: {_money(token.get('prompt'))}/"
            f"{_money(token.get('completion'))}"
        )
    return "\n".join(parts)


def _print_show_table(rows: list[dict[str, Any]]) -> None:
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
    print_table(
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
    if any(row["dynamic"] for row in rows):
        note(next(row["note"] for row in rows if row["dynamic"]))


def _flat_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
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
    return flat


def _base_url(args: argparse.Namespace) -> str:
    """--base-url, else $FUSION_COST_BASE_URL (empty: unset), else the real API; checked."""
    from estimator.cli import BASE_URL_VARIABLE
    from estimator.pricing.fetch import DEFAULT_BASE_URL, check_base_url

    if args.base_url is not None:
        return check_base_url(args.base_url, "--base-url")
    from_env = os.environ.get(BASE_URL_VARIABLE)
    if from_env:
        return check_base_url(from_env, BASE_URL_VARIABLE)
    return DEFAULT_BASE_URL


def _settings(args: argparse.Namespace, base_url: str) -> Any:
    from estimator.pricing.fetch import FetchSettings
    from estimator.pricing.secrets import API_KEY_VARIABLE, clean_api_key

    return FetchSettings(
        base_url=base_url,
        api_key=clean_api_key(os.environ.get(API_KEY_VARIABLE)),
        connect_timeout_s=args.connect_timeout,
        read_timeout_s=min(args.read_timeout, args.timeout),
        total_timeout_s=args.timeout,
        retries=args.retries,
    )


def refresh(args: argparse.Namespace) -> int:
    from estimator.pricing.fetch import insecure_url_warning
    from estimator.pricing.refresh import refresh as run_refresh

    if args.timeout <= 0 or args.retries < 0:
        raise UserError("--timeout must be positive and --retries not negative")
    base_url = _base_url(args)
    settings = _settings(args, base_url)  # a key that cannot be sent fails here, before a note
    warning = insecure_url_warning(base_url)
    if warning:
        note(warning)
    note(f"fetching {base_url.rstrip('/')}/models ...")
    outcome = run_refresh(args.cache_dir, settings, force=args.force)
    if not outcome.changed:
        note(f"catalog unchanged; {outcome.model_count} models in {outcome.path}")
        return 0
    before = f" (was {outcome.previous_count})" if outcome.previous_count else ""
    note(
        f"stored {outcome.model_count} models{before} from {outcome.pages} page(s) "
        f"in {outcome.path}"
    )
    return 0


def import_(args: argparse.Namespace) -> int:
    from estimator.pricing.refresh import import_file

    fetched_at = None
    if args.fetched_at:
        try:
            fetched_at = datetime.fromisoformat(args.fetched_at)
        except ValueError:
            raise UserError(f"--fetched-at {args.fetched_at!r} is not an ISO date") from None
        fetched_at = fetched_at if fetched_at.tzinfo else fetched_at.replace(tzinfo=UTC)
    outcome = import_file(args.file, args.cache_dir, fetched_at, args.source, args.force)
    note(
        f"imported {outcome.model_count} models (catalog of "
        f"{outcome.meta.fetched_at:%Y-%m-%d}) into {outcome.path}"
    )
    return 0


def diff(args: argparse.Namespace) -> int:
    from estimator.pricing.diff import diff_catalogs, pick_pair
    from estimator.renderers.output import emit_json

    old, new = pick_pair(args.files, args.cache_dir)
    result = diff_catalogs(old, new)
    if args.format == "json":
        emit_json(result)
        return 0
    note(
        f"old: {result['old']['fetched_at'][:10]} ({result['old']['model_count']} models, "
        f"{result['old']['label']})"
    )
    note(
        f"new: {result['new']['fetched_at'][:10]} ({result['new']['model_count']} models, "
        f"{result['new']['label']})"
    )
    rows = [["added", m, "", "", ""] for m in result["added"]]
    rows += [["removed", m, "", "", ""] for m in result["removed"]]
    rows += [
        [
            "changed",
            c["id"],
            c["key"],
            f"{_money(c['old'])} -> {_money(c['new'])}",
            "" if c["change_pct"] is None else f"{c['change_pct']:+.1f}%",
        ]
        for c in result["changed"]
    ]
    if not rows:
        note("no differences")
        return 0
    print_table(
        "Catalog changes (USD per 1M tokens; per unit for request/search)",
        ["", "model", "price", "old -> new", "change"],
        rows,
        left=["", "model", "price", "old -> new"],
    )
    return 0
