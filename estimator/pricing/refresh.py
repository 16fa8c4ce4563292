"""`prices refresh` and `prices import`: get a catalog through the gate and into the cache.

Both hold the cache lock for the whole operation, validate everything before writing, and
write atomically: a failure at any point leaves the cache byte-identical.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from estimator.clock import now_utc
from estimator.errors import FusionCostError, PricingUnavailable, UserError
from estimator.pricing.catalog import CatalogMeta
from estimator.pricing.fetch import Fetcher, FetchSettings
from estimator.pricing.locations import (
    CATALOG_FILE,
    ENV_CACHE_DIR,
    bundled_snapshot,
    candidate_dirs,
    is_writable_dir,
    unwritable_reason,
)
from estimator.pricing.payload import (
    PayloadError,
    check_shrink,
    first_error,
    parse_json,
    read_limited,
    rows_of,
    validate_rows,
)
from estimator.pricing.secrets import Secrets
from estimator.pricing.store import (
    FORMAT,
    check_fetched_at,
    current_meta,
    date_from_name,
    dump_rows,
    history_keep,
    lock,
    models_digest,
    new_meta,
    read_catalog_file,
    save_catalog,
    touch_catalog,
)


@dataclass(frozen=True)
class Outcome:
    """What a refresh or import did, for the one-line report."""

    path: Path
    changed: bool
    model_count: int
    meta: CatalogMeta
    previous_count: int | None = None
    pages: int = 0


def _target_dir(cache_dir: str | os.PathLike[str] | None) -> Path:
    """Where a refresh or import writes: the first writable cache dir, unless reads would not
    look there first (then the write would "succeed" while prices keep coming from elsewhere)."""
    if cache_dir and not is_writable_dir(Path(cache_dir)):
        # an explicit --cache-dir is where the user will read from: never write elsewhere
        raise UserError(
            f"{cache_dir}: cannot write the catalog there ({unwritable_reason(Path(cache_dir))})"
        )
    configured = os.environ.get(ENV_CACHE_DIR)
    if not cache_dir and configured and not is_writable_dir(Path(configured)):
        raise UserError(
            f"{configured} (${ENV_CACHE_DIR}): cannot write the catalog there "
            f"({unwritable_reason(Path(configured))}); reads look there first, so nothing is "
            "written elsewhere: make it writable, or unset it, or pass --cache-dir DIR"
        )
    for directory in candidate_dirs(cache_dir):
        if is_writable_dir(directory):
            return directory
        if (directory / CATALOG_FILE).is_file():
            raise UserError(
                f"{directory}: cannot write the catalog there ({unwritable_reason(directory)}); "
                "reads use the catalog it holds before any later directory, so nothing is "
                "written elsewhere: make it writable, or pass --cache-dir DIR (and read with it)"
            )
    raise UserError(
        "no writable cache directory: pass --cache-dir DIR or set FUSION_COST_CACHE_DIR"
    )


class CacheWriteError(UserError, OSError):
    """The cache could not be written (disk full, read-only, ...): one line, exit 2.

    Still an `OSError` (with the original `errno`) for library callers that catch that.
    """


@contextmanager
def _writing(directory: Path) -> Iterator[None]:
    """An OS error while locking or writing the cache (disk full, read-only) is one clear line."""
    try:
        yield
    except CacheWriteError:
        raise
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        error = CacheWriteError(
            f"{directory}: cannot write the catalog ({reason}); the cache is unchanged"
        )
        error.errno = exc.errno
        raise error from None


def _previous_count(directory: Path) -> int | None:
    meta = current_meta(directory)
    if meta is not None:
        return meta.model_count
    snapshot = bundled_snapshot()
    try:
        return read_catalog_file(snapshot).meta.model_count if snapshot else None
    except (PricingUnavailable, PayloadError):  # a broken snapshot: no count to compare with
        return None


def refresh(
    cache_dir: str | os.PathLike[str] | None = None,
    settings: FetchSettings | None = None,
    force: bool = False,
) -> Outcome:
    """Fetch the live catalog into the first writable cache dir (conditional unless forced).

    No error message carries the API key: a rejected payload quotes ids and prices.
    """
    settings = settings or FetchSettings()
    try:
        return _refresh(cache_dir, settings, force)
    except FusionCostError as exc:
        raise Secrets.of(settings.api_key, settings.base_url).redact_error(exc) from None


def _refresh(
    cache_dir: str | os.PathLike[str] | None, settings: FetchSettings, force: bool
) -> Outcome:
    history_keep()  # a bad setting fails before anything is fetched or written
    directory = _target_dir(cache_dir)
    with _writing(directory), lock(directory):
        previous = current_meta(directory)
        validators = (
            (previous.etag, previous.last_modified) if previous and not force else (None,) * 2
        )
        with Fetcher(settings) as fetcher:
            result = fetcher.fetch(*validators)
        if result.not_modified and previous is not None:
            touch_catalog(directory, checked_at=now_utc())
            return Outcome(directory / "catalog.json", False, previous.model_count, previous)
        try:
            models = validate_rows(result.rows, result.url)
            previous_count = previous.model_count if previous else _previous_count(directory)
            check_shrink(len(models), previous_count, result.url, force)
        except PayloadError as exc:
            raise PricingUnavailable(f"rejected: {exc}; the cache is unchanged") from None
        now = now_utc()
        if previous is not None and models_digest(dump_rows(models)) == previous.sha256:
            # same facts under a new ETag (or none): keep the file, note the check
            touch_catalog(
                directory, checked_at=now, etag=result.etag, last_modified=result.last_modified
            )
            return Outcome(directory / "catalog.json", False, previous.model_count, previous)
        meta = new_meta(
            result.url, now, etag=result.etag, last_modified=result.last_modified, checked_at=now
        )
        path = save_catalog(directory, models, meta)
    return Outcome(path, True, len(models), meta, previous_count, result.pages)


def import_file(
    file: str | os.PathLike[str],
    cache_dir: str | os.PathLike[str] | None = None,
    fetched_at: datetime | None = None,
    source: str | None = None,
    force: bool = False,
) -> Outcome:
    """Import a saved API payload (or a fusion-cost catalog file) through the same gate.

    `fetched_at` defaults to the catalog's own date, else a YYYY-MM-DD in the file name, else
    the file's modification time: the age warning must reflect when prices were read.
    """
    path = Path(file)
    history_keep()  # a bad setting fails before anything is read or written
    try:
        body = read_limited(path)
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror})") from None
    document = parse_json(body, str(path))
    models = validate_rows(rows_of(document, str(path)), str(path))
    own = document.get("meta") if document.get("format") == FORMAT else None
    if own:
        try:
            kept = CatalogMeta.model_validate(own)
        except ValueError as exc:
            raise PayloadError(f"{path}: bad catalog metadata: {first_error(exc)}") from None
        fetched_at = fetched_at or kept.fetched_at
        source = source or kept.source
    # a modification time ahead of the clock is skew (or a touched file): not a future date
    modified = min(datetime.fromtimestamp(path.stat().st_mtime, UTC), now_utc())
    fetched_at = fetched_at or date_from_name(path) or modified
    check_fetched_at(fetched_at, str(path), UserError)  # it would be refused when read
    directory = _target_dir(cache_dir)
    with _writing(directory), lock(directory):
        previous_count = _previous_count(directory)
        check_shrink(len(models), previous_count, str(path), force)
        meta = new_meta(source or f"file:{path.name}", fetched_at)
        written = save_catalog(directory, models, meta)
    return Outcome(written, True, len(models), meta, previous_count)
