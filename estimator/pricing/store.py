"""Catalog files on disk: one self-describing JSON document per catalog, plus dated history.

`catalog.json` holds the metadata *and* the models in one document, so a single atomic
`os.replace` switches both: a separate metadata file could disagree with the catalog after a
crash between two renames. Every write happens under a file lock; readers need no lock because
the replace is atomic, and they verify the sha256 recorded in the metadata.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import stat
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from estimator import __version__
from estimator.errors import PricingUnavailable, UserError
from estimator.pricing.atomic import remove_dead_temps, write_atomic
from estimator.pricing.catalog import Catalog, CatalogMeta
from estimator.pricing.locations import CATALOG_FILE, bundled_snapshot, candidate_dirs
from estimator.pricing.models import ModelInfo
from estimator.pricing.payload import (
    PayloadError,
    first_error,
    parse_json,
    read_limited,
    rows_of,
    validate_rows,
)

FORMAT = "fusion-cost-catalog"
FORMAT_VERSION = 1
HISTORY_DIR = "history"
HISTORY_KEEP = 100  # catalogs kept in history/ (env FUSION_COST_HISTORY_KEEP)
ENV_HISTORY_KEEP = "FUSION_COST_HISTORY_KEEP"
LOCK_FILE = ".lock"
LOCK_TIMEOUT_S = 120
DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")
HISTORY_NAME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{6}\.\d{6}Z-([0-9a-f]{12})\.json")
HEADER = re.compile(r'\{\s*"format":\s*"' + FORMAT + r'",\s*"version":\s*(\d{1,6}),\s*"meta":\s*')
LEGACY_TEMP = re.compile(r"\.catalog\.json\.[a-z0-9_]{8}\.tmp")
HEADER_BYTES = 64 * 1024  # the head of a history entry that holds its metadata


def models_digest(rows: Sequence[dict[str, Any]]) -> str:
    canonical = json.dumps(rows, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def dump_rows(models: Sequence[ModelInfo]) -> list[dict[str, Any]]:
    """The facts we keep, in the API's own shape (so the same models validate them again)."""
    return [m.model_dump(mode="json", exclude_none=True, exclude_defaults=True) for m in models]


def encode(models: Sequence[ModelInfo], meta: CatalogMeta) -> bytes:
    rows = dump_rows(models)
    meta = meta.model_copy(update={"sha256": models_digest(rows), "model_count": len(rows)})
    document = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "meta": meta.model_dump(mode="json"),
        "data": rows,
    }
    return (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode()


def decode(body: bytes, source: str, location: Path | None = None) -> Catalog:
    """Validate a catalog document (ours, with `meta`) and build the catalog."""
    document = parse_json(body, source)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise PayloadError(f"{source}: not a fusion-cost catalog file")
    if document.get("version") != FORMAT_VERSION:
        raise PayloadError(
            f"{source}: catalog format version {document.get('version')!r}, expected "
            f"{FORMAT_VERSION}; rebuild it with `fusion-cost prices refresh` or `prices import`"
        )
    rows = rows_of(document, source)
    try:
        meta = CatalogMeta.model_validate(document.get("meta"))
    except ValueError as exc:
        raise PayloadError(f"{source}: bad metadata: {first_error(exc)}") from None
    if meta.sha256 and models_digest(rows) != meta.sha256:
        raise PayloadError(f"{source}: the models do not match the recorded sha256 (edited?)")
    return Catalog(validate_rows(rows, source), meta, location)


def read_catalog_file(path: Path) -> Catalog:
    try:
        body = read_limited(path)
    except OSError as exc:
        raise PricingUnavailable(f"{path}: cannot read catalog ({exc.strerror})") from None
    return decode(body, str(path), path)


def load_catalog(cache_dir: str | os.PathLike[str] | None = None) -> Catalog:
    """The catalog every command prices with: the first cached one, else the bundled snapshot.

    Never fetches: reproducible runs (CI) price with what is on disk.
    """
    for directory in candidate_dirs(cache_dir):
        path = directory / CATALOG_FILE
        if path.is_file():
            return read_catalog_file(path)
    snapshot = bundled_snapshot()
    if snapshot is None:
        raise PricingUnavailable(
            "no pricing catalog: nothing cached and no bundled snapshot; "
            "run `fusion-cost prices refresh`"
        )
    return read_catalog_file(snapshot)


def current_meta(directory: Path) -> CatalogMeta | None:
    """The metadata of the catalog in `directory`, or None if there is none (or it is broken)."""
    try:
        return read_catalog_file(directory / CATALOG_FILE).meta
    except (PricingUnavailable, PayloadError):
        return None


def lock(directory: Path) -> Any:
    from filelock import FileLock

    directory.mkdir(parents=True, exist_ok=True)
    return FileLock(str(directory / LOCK_FILE), timeout=LOCK_TIMEOUT_S)


def save_catalog(directory: Path, models: Sequence[ModelInfo], meta: CatalogMeta) -> Path:
    """Write the catalog atomically (caller holds `lock(directory)`), then record it in history.

    The catalog goes first: history only ever holds catalogs that were current. A writer killed
    between the two writes leaves the new catalog in place without its entry; the next write
    records it (`_record_current`) before storing its own.
    """
    keep = history_keep()
    body = encode(models, meta)
    sha = json.loads(body)["meta"]["sha256"]
    history = directory / HISTORY_DIR
    _remove_stale_temps(directory)
    _record_current(directory, keep)
    write_atomic(directory / CATALOG_FILE, body)
    _record(history, body, sha, datetime.now(UTC), keep)
    return directory / CATALOG_FILE


def _record(history: Path, body: bytes, sha: str, stamp: datetime, keep: int) -> None:
    """Add a history entry for a catalog that is now current, unless the newest entry already
    has its models, then prune. Best effort: the catalog is already stored, and an entry that
    cannot be written (disk full) is recorded by the next write."""
    if not _history_usable(history):
        return
    newest = history_files(history.parent)[-1:]
    if newest and newest[0].name.endswith(f"-{sha[:12]}.json"):
        return
    after = _stamp_of(newest[0].name) if newest else None
    if after is not None:  # names sort by time: never before the newest entry (clock skew)
        stamp = max(stamp, after + timedelta(microseconds=1))
    try:
        write_atomic(history / f"{stamp:%Y-%m-%dT%H%M%S.%f}Z-{sha[:12]}.json", body)
    except OSError:
        return
    _prune(history, keep)


def _stamp_of(name: str) -> datetime | None:
    try:
        return datetime.strptime(name[:24], "%Y-%m-%dT%H%M%S.%f").replace(tzinfo=UTC)
    except ValueError:
        return None


def _record_current(directory: Path, keep: int) -> None:
    """The catalog in place, if history lacks it (its writer was killed before recording it)."""
    path = directory / CATALOG_FILE
    try:
        body = read_limited(path)
        sha = decode(body, str(path), path).meta.sha256
        stored = datetime.fromtimestamp(os.stat(path).st_mtime, UTC)
    except (OSError, PayloadError, PricingUnavailable):
        return  # none, or not one we can vouch for: nothing to record
    _record(directory / HISTORY_DIR, body, sha, stored, keep)


def _remove_stale_temps(directory: Path) -> None:
    """Temp files of writers that were killed mid-write: ours, whose pid is gone."""
    remove_dead_temps(directory, CATALOG_FILE)
    history = directory / HISTORY_DIR
    if _history_usable(history):
        remove_dead_temps(history)
    # earlier versions named temps without a pid; we hold the lock, so none is live
    for legacy in directory.glob(f".{CATALOG_FILE}.????????.tmp"):
        if LEGACY_TEMP.fullmatch(legacy.name) and legacy.is_file() and not legacy.is_symlink():
            legacy.unlink(missing_ok=True)


def touch_catalog(directory: Path, **changes: Any) -> None:
    """Update metadata only (e.g. after a 304 Not Modified); the models stay as they are."""
    _remove_stale_temps(directory)
    catalog = read_catalog_file(directory / CATALOG_FILE)
    meta = catalog.meta.model_copy(update=changes)
    write_atomic(directory / CATALOG_FILE, encode(list(catalog), meta))


def _history_usable(history: Path) -> bool:
    """history/ is ours to write in: missing (it is created) or a real directory, never a
    symlink or anything else (entries would land, and pruning would delete, elsewhere)."""
    try:
        return stat.S_ISDIR(os.lstat(history).st_mode)
    except FileNotFoundError:
        return True


def _entry_version(name: str, history_fd: int) -> int | None:
    """The catalog format version of a history entry this tool wrote, else None.

    Ours means: our name pattern, a regular file (a symlink is not followed), and our
    document header (format, version, metadata) whose models sha256 is the one in the name.
    Only the head of the file is read; loading the entry verifies all of it.
    """
    match = HISTORY_NAME.fullmatch(name)
    if match is None:
        return None
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=history_fd)
    except OSError:  # a symlink (ELOOP), gone, unreadable
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        head = os.read(fd, HEADER_BYTES).decode("utf-8", "replace")
    except OSError:
        return None
    finally:
        os.close(fd)
    top = HEADER.match(head)
    if top is None:
        return None
    try:
        meta, _ = json.JSONDecoder().raw_decode(head, top.end())
    except ValueError:
        return None
    sha = meta.get("sha256") if isinstance(meta, dict) else None
    if not isinstance(sha, str) or sha[:12] != match.group(1):
        return None
    return int(top.group(1))


def _history_entries(directory: Path, current_only: bool) -> list[str]:
    """Names of our entries in `directory`'s history/ (see `_entry_version`), oldest first."""
    history = directory / HISTORY_DIR
    if not _history_usable(history):
        return []
    try:
        fd = os.open(history, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return []
    try:
        names = []
        for name in os.listdir(fd):
            version = _entry_version(name, fd)
            if version is not None and (version == FORMAT_VERSION or not current_only):
                names.append(name)
        return sorted(names)
    finally:
        os.close(fd)


def history_files(directory: Path) -> list[Path]:
    """Catalogs this tool recorded in `directory`'s history in the current format, oldest
    first (names sort by date). Anything else in history/ (a user's file, a symlink, an entry
    of an older format) is not listed."""
    return [directory / HISTORY_DIR / name for name in _history_entries(directory, True)]


def history_of(catalog: Catalog) -> list[Catalog]:
    """The catalogs recorded beside the one in use (its cache dir's history), oldest first;
    an unreadable entry is skipped (it cannot price anything honestly)."""
    if catalog.location is None:
        return []
    older = []
    for path in history_files(catalog.location.parent):
        try:
            older.append(read_catalog_file(path))
        except (PricingUnavailable, PayloadError):
            continue
    return older


def load_dated(path: str | os.PathLike[str]) -> Catalog:
    """A catalog file, or a models-API payload dated by its name, for pricing old rows."""
    from estimator.pricing.diff import load_any

    return load_any(Path(path), need_date=True)


def date_from_name(path: Path) -> datetime | None:
    """`openrouter-models-2026-08-19.json` -> 2026-08-19 (UTC midnight), else None."""
    match = DATE_IN_NAME.search(path.name)
    if not match:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None


def history_keep() -> int:
    """How many catalogs history/ keeps: `$FUSION_COST_HISTORY_KEEP`, a whole number >= 1."""
    text = os.environ.get(ENV_HISTORY_KEEP, "").strip()
    if not text:
        return HISTORY_KEEP
    if not (text.isascii() and text.isdigit()) or len(text) > 9 or int(text) < 1:
        raise UserError(
            f"{ENV_HISTORY_KEEP}={text[:40]!r}: expected a whole number of catalogs to keep "
            f"(at least 1; default {HISTORY_KEEP})"
        )
    return int(text)


def _prune(history: Path, keep: int) -> None:
    """Delete all but the newest `keep` of our entries (any format version): only files this
    tool wrote (`_entry_version`), only inside history/ itself, never through a symlink."""
    stale = _history_entries(history.parent, current_only=False)[:-keep]
    if not stale:
        return
    try:
        fd = os.open(history, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return
    try:
        for name in stale:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name, dir_fd=fd)  # unlink never follows a symlink
    finally:
        os.close(fd)


def new_meta(source: str, fetched_at: datetime | None = None, **extra: Any) -> CatalogMeta:
    return CatalogMeta(
        fetched_at=fetched_at or datetime.now(UTC),
        source=source,
        model_count=0,
        tool_version=__version__,
        **extra,
    )
