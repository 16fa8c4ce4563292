"""Catalog files on disk: one self-describing JSON document per catalog, plus dated history.

`catalog.json` holds the metadata *and* the models in one document, so a single atomic
`os.replace` switches both: a separate metadata file could disagree with the catalog after a
crash between two renames. Every write happens under a file lock; readers need no lock because
the replace is atomic. Readers verify two digests: `document_sha256` over the whole document
(metadata and its dates included), so no field can be edited by hand, and `meta.sha256` over the
models alone, the catalog's identity in estimates and CI baselines.
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
from estimator.clock import now_utc
from estimator.errors import PricingUnavailable, UserError
from estimator.pricing.atomic import remove_dead_temps, write_atomic
from estimator.pricing.catalog import Catalog, CatalogMeta
from estimator.pricing.locations import CATALOG_FILE, bundled_snapshot, candidate_dirs
from estimator.pricing.models import ModelInfo
from estimator.pricing.payload import (
    CatalogRefused,
    PayloadError,
    first_error,
    parse_json,
    read_limited,
    rows_of,
    validate_rows,
)

FORMAT = "fusion-cost-catalog"
FORMAT_VERSION = 2  # 2: document_sha256 covers the whole document (1: the models only)
DOCUMENT_HASH = "document_sha256"
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
FUTURE_SLACK = timedelta(days=1)
HISTORY_DIR = "history"
HISTORY_KEEP = 100  # catalogs kept in history/ (env FUSION_COST_HISTORY_KEEP)
ENV_HISTORY_KEEP = "FUSION_COST_HISTORY_KEEP"
LOCK_FILE = ".lock"
LOCK_TIMEOUT_S = 120
DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")
HISTORY_NAME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{6}\.\d{6}Z-([0-9a-f]{12})\.json")
HEADER = re.compile(
    r'\{\s*"format":\s*"' + FORMAT + r'",\s*"version":\s*(\d{1,6}),\s*'
    r'(?:"' + DOCUMENT_HASH + r'":\s*"[0-9a-f]{0,64}",\s*)?"meta":\s*'
)
LEGACY_TEMP = re.compile(r"\.catalog\.json\.[a-z0-9_]{8}\.tmp")
HEADER_BYTES = 64 * 1024  # the head of a history entry that holds its metadata


def models_digest(rows: Sequence[dict[str, Any]]) -> str:
    canonical = json.dumps(rows, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def dump_rows(models: Sequence[ModelInfo]) -> list[dict[str, Any]]:
    """The facts we keep, in the API's own shape (so the same models validate them again)."""
    return [m.model_dump(mode="json", exclude_none=True, exclude_defaults=True) for m in models]


def document_digest(document: dict[str, Any]) -> str:
    """The sha256 of a whole stored catalog (format, version, metadata with its dates, models):
    canonical JSON of the parsed document without its `document_sha256` field."""
    rest = {key: value for key, value in document.items() if key != DOCUMENT_HASH}
    canonical = json.dumps(rest, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def encode(models: Sequence[ModelInfo], meta: CatalogMeta) -> bytes:
    rows = dump_rows(models)
    meta = meta.model_copy(update={"sha256": models_digest(rows), "model_count": len(rows)})
    document: dict[str, Any] = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "meta": meta.model_dump(mode="json"),
        "data": rows,
    }
    # hashed as a reader will parse it back
    digest = document_digest(json.loads(json.dumps(document, ensure_ascii=False)))
    stored = {"format": FORMAT, "version": FORMAT_VERSION, DOCUMENT_HASH: digest, **document}
    return (json.dumps(stored, indent=1, ensure_ascii=False) + "\n").encode()


def rebuild_hint(location: Path | None) -> str:
    """The command that writes a good catalog where this one is."""
    if location is not None and location.name == CATALOG_FILE:
        where = f" --cache-dir {location.parent}"
        return (
            f"rebuild it with `fusion-cost prices refresh{where}` (or `fusion-cost prices "
            f"import PAYLOAD.json{where}`)"
        )
    return "rebuild it with `fusion-cost prices import PAYLOAD.json` from the payload it came from"


def check_fetched_at(
    moment: datetime, source: str, error: type[Exception], hint: str | None = None
) -> None:
    """Refuse prices dated more than `FUTURE_SLACK` ahead of now: a future date would switch
    the age warning and the catalog-age policy off."""
    now = now_utc()
    if moment > now + FUTURE_SLACK:
        raise error(
            f"{source}: fetched_at {moment.isoformat()} is in the future (now is "
            f"{now:%Y-%m-%d %H:%M} UTC)" + (f"; {hint}" if hint else "")
        )


def decode(body: bytes, source: str, location: Path | None = None) -> Catalog:
    """Validate a catalog document (ours, with `meta`) and build the catalog.

    Refused (`CatalogRefused`, exit 3) unless its `document_sha256` matches the whole document,
    its `meta.sha256` the models, and its `fetched_at` is not in the future.
    """
    document = parse_json(body, source)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise PayloadError(f"{source}: not a fusion-cost catalog file")
    hint = rebuild_hint(location)
    if document.get("version") != FORMAT_VERSION:
        version = repr(document.get("version"))[:20]
        raise CatalogRefused(
            f"{source}: catalog format version {version}, expected {FORMAT_VERSION}; {hint}"
        )
    recorded = document.get(DOCUMENT_HASH)
    if not isinstance(recorded, str) or not SHA256_HEX.fullmatch(recorded):
        raise CatalogRefused(f"{source}: the catalog has no valid {DOCUMENT_HASH}; {hint}")
    if document_digest(document) != recorded:
        raise CatalogRefused(
            f"{source}: the catalog does not match its recorded {DOCUMENT_HASH} (edited?); {hint}"
        )
    rows = rows_of(document, source)
    try:
        meta = CatalogMeta.model_validate(document.get("meta"))
    except ValueError as exc:
        raise PayloadError(f"{source}: bad metadata: {first_error(exc)}") from None
    if models_digest(rows) != meta.sha256:
        raise CatalogRefused(
            f"{source}: the models do not match the recorded sha256 (edited?); {hint}"
        )
    check_fetched_at(meta.fetched_at, source, CatalogRefused, hint)
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


def load_dated(path: str | os.PathLike[str]) -> Catalog:
    """A catalog file, or a models-API payload dated by its name, for pricing old rows."""
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


def load_any(path: Path, need_date: bool = False) -> Catalog:
    """A fusion-cost catalog file or a raw models-API payload (dated by a YYYY-MM-DD in its
    name; `need_date`: refuse a payload whose date cannot be told)."""
    try:
        body = read_limited(path)
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror})") from None
    document = parse_json(body, str(path))
    if isinstance(document, dict) and document.get("format") == FORMAT:
        return decode(body, str(path), path)
    models = validate_rows(rows_of(document, str(path)), str(path))
    dated = date_from_name(path)
    if dated is not None:
        check_fetched_at(dated, str(path), UserError)
    if dated is None and need_date:
        raise UserError(
            f"{path}: cannot tell when these prices were in force: put the date in the file "
            "name (models-2026-08-01.json) or import it with `fusion-cost prices import "
            "--fetched-at DATE`"
        )
    meta = new_meta(f"file:{path.name}", dated).model_copy(update={"model_count": len(models)})
    return Catalog(models, meta, path)
