"""`fusion-cost prices show|refresh|import|diff`."""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from typing import Any

from estimator.errors import UserError
from estimator.outputs import emit
from estimator.renderers.console import note
from estimator.renderers.registry import render


def _load(args: argparse.Namespace) -> Any:
    from estimator.commands import catalog_of

    return catalog_of(args)


def show(args: argparse.Namespace) -> int:
    from estimator.api import prices as price_list
    from estimator.pricing.describe import catalog_line

    prices = price_list(_load(args), args.models or [], args.max_age_days)
    if args.format == "table":
        note(catalog_line(prices.catalog))
    emit(render(prices, args.format), args.output)
    dynamic = [row["note"] for row in prices.models if row["dynamic"]]
    if args.format == "table" and dynamic:
        note(dynamic[0])  # after the table: what a -1 price means
    return 0


def _base_url(args: argparse.Namespace) -> str:
    """--base-url, else $FUSION_COST_BASE_URL (empty: unset), else the real API; checked."""
    from estimator.pricing.endpoint import BASE_URL_VARIABLE, DEFAULT_BASE_URL
    from estimator.pricing.fetch import check_base_url

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
    before = _load(args) if args.propose else None  # the locked (or cached) prices, for the PR
    outcome = run_refresh(args.cache_dir, settings, force=args.force)
    if before is not None:
        _propose(args, before, outcome.path)
    if not outcome.changed:
        note(f"catalog unchanged; {outcome.model_count} models in {outcome.path}")
        return 0
    before = f" (was {outcome.previous_count})" if outcome.previous_count else ""
    note(
        f"stored {outcome.model_count} models{before} from {outcome.pages} page(s) "
        f"in {outcome.path}"
    )
    return 0


PENDING = "pending: merging the pull request of `fusion-cost prices refresh --propose` accepts it"
SKIP_DIRS = frozenset({"node_modules", "site-packages", "pricing_cache", "reports", "venv"})
MAX_SCENARIOS = 200


def _propose(args: argparse.Namespace, before: Any, path: Any) -> None:
    """The pull request of a refresh: its body, and the lock moved to the new catalog."""
    from pathlib import Path

    from estimator.api import propose_prices
    from estimator.clock import now_utc
    from estimator.pricing.lock import write_lock
    from estimator.pricing.store import read_catalog_file

    after = read_catalog_file(Path(path))
    root = before.review.path.parent if before.review is not None else Path.cwd()
    named = [Path(f) for f in args.scenarios]
    scenarios = _scenarios(named or discover_scenarios(root), strict=bool(named))
    emit(render(propose_prices(scenarios, before, after), args.format), args.output)
    if before.review is not None:
        write_lock(before.review.path, after, now_utc(), PENDING)
        note(f"updated {before.review.path} to the new catalog: commit it with the catalog")


def discover_scenarios(root: Any) -> list[Any]:
    """The YAML files below `root` that could be scenarios (hidden, vendored and cache
    directories skipped); those that do not load as one are left out by `_scenarios`."""
    found = [
        path.relative_to(root) if not root.is_absolute() else _shown(path)
        for path in sorted([*root.rglob("*.yaml"), *root.rglob("*.yml")])
        if not any(p.startswith(".") or p in SKIP_DIRS for p in path.relative_to(root).parts)
    ]
    return found[:MAX_SCENARIOS]


def _shown(path: Any) -> Any:
    """A path as a reader knows it: relative to the working directory when below it."""
    from pathlib import Path

    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _scenarios(files: list[Any], strict: bool) -> list[tuple[str, Any]]:
    """Each file as a scenario; a file you named must be one, a discovered one may not."""
    from estimator.api import load_scenario

    loaded = []
    for path in files:
        try:
            loaded.append((str(path), load_scenario(path)))
        except UserError as exc:
            if strict:
                raise
            note(f"skipped {path}: not a scenario ({str(exc)[:200]})")
    return loaded


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


def lock(args: argparse.Namespace) -> int:
    """Lock the cache's catalog (copied beside the lock when it lives elsewhere) as reviewed."""
    from pathlib import Path

    from estimator.clock import now_utc
    from estimator.pricing.atomic import write_atomic
    from estimator.pricing.locations import CATALOG_FILE
    from estimator.pricing.lock import LOCK_FILE, write_lock
    from estimator.pricing.store import load_catalog, read_catalog_file

    path = Path(args.lock or LOCK_FILE)
    catalog = load_catalog(args.cache_dir)
    home = path.parent.resolve()
    if catalog.location is None or home not in catalog.location.resolve().parents:
        copy = home / "pricing_cache" / CATALOG_FILE
        copy.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(copy, Path(str(catalog.location)).read_bytes())
        note(f"copied {catalog.location} to {copy} (a lock names a file beside it)")
        catalog = read_catalog_file(copy)
    locked = write_lock(path, catalog, now_utc(), args.reviewed_by)
    by = f" by {locked.reviewed_by}" if locked.reviewed_by else ""
    note(
        f"locked {locked.catalog_file} (prices of {locked.fetched_at[:10]}, {locked.model_count} "
        f"models, sha256 {locked.file_sha256[:12]}) in {path}, reviewed{by} "
        f"{locked.reviewed_at:%Y-%m-%d %H:%M} UTC; commit both files"
    )
    return 0


def diff(args: argparse.Namespace) -> int:
    from estimator.documents.prices import CatalogDiff
    from estimator.pricing.diff import diff_catalogs, pick_pair

    old, new = pick_pair(args.files, args.cache_dir)
    result = CatalogDiff(**diff_catalogs(old, new))
    if args.format == "table":
        for side, info in (("old", result.old), ("new", result.new)):
            note(
                f"{side}: {info['fetched_at'][:10]} ({info['model_count']} models, {info['label']})"
            )
        if not (result.added or result.removed or result.changed):
            note("no differences")
            return 0
    emit(render(result, args.format), args.output)
    return 0
