"""A reviewed price lock: `fusion-cost.lock`, committed beside the scenarios, names the catalog
file every command prices with, the sha256 of its bytes, where and when its prices were
fetched, and who reviewed them when. Commands that find a lock use its catalog, refuse a
catalog that does not match it (exit 3, naming the command that fixes it), and count the
catalog's age from the review: prices someone looked at and accepted on Monday are not stale
on Tuesday because OpenRouter fetched them in August. Nothing fetches unasked.

Where a command looks (first found): `--lock FILE`, `$FUSION_COST_LOCK`, the scenario file's
directory, the working directory. `--no-lock` ignores them all.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from estimator.errors import PricingUnavailable, UserError
from estimator.pricing.atomic import write_atomic
from estimator.pricing.catalog import Catalog
from estimator.pricing.payload import loads_strict, read_limited

LOCK_FILE = "fusion-cost.lock"
LOCK_VARIABLE = "FUSION_COST_LOCK"
LOCK_VERSION = 1
MAX_LOCK_BYTES = 64 * 1024
FIX = (
    "review `fusion-cost prices diff`, then lock the catalog you accept: `fusion-cost prices lock`"
)


@dataclass(frozen=True)
class PriceLock:
    path: Path
    catalog_file: str  # relative to the lock's directory (or absolute)
    file_sha256: str  # of the catalog file's bytes
    models_sha256: str
    fetched_at: str
    source: str
    model_count: int
    reviewed_at: datetime
    reviewed_by: str | None

    @property
    def catalog_path(self) -> Path:
        return (self.path.parent / self.catalog_file).resolve()

    def document(self) -> dict[str, Any]:
        return {
            "lock_version": LOCK_VERSION,
            "catalog": self.catalog_file,
            "file_sha256": self.file_sha256,
            "models_sha256": self.models_sha256,
            "fetched_at": self.fetched_at,
            "source": self.source,
            "model_count": self.model_count,
            "reviewed_at": self.reviewed_at.isoformat(timespec="seconds"),
            "reviewed_by": self.reviewed_by,
        }


def file_sha256(path: Path) -> str:
    return hashlib.sha256(read_limited(path)).hexdigest()


def find_lock(explicit: str | None, near: Path | None) -> Path | None:
    """The lock a command uses: `--lock`, $FUSION_COST_LOCK, beside the scenario, here."""
    chosen = explicit or os.environ.get(LOCK_VARIABLE) or None
    if chosen is not None:
        path = Path(chosen)
        if not path.is_file():
            raise UserError(f"{path}: no such lock file (--lock / ${LOCK_VARIABLE})")
        return path
    for directory in ([near] if near is not None else []) + [Path.cwd()]:
        candidate = directory / LOCK_FILE
        if candidate.is_file():
            return candidate
    return None


def read_lock(path: Path) -> PriceLock:
    """A lock file, strictly: every field present and of its type (exit 2 naming it)."""
    try:
        document = loads_strict(read_limited(path, MAX_LOCK_BYTES))
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: not a readable price lock ({exc}); {FIX}") from None
    try:
        if document.get("lock_version") != LOCK_VERSION:
            raise ValueError(f"lock_version {document.get('lock_version')!r}")
        reviewed_by = document.get("reviewed_by")
        if reviewed_by is not None and not isinstance(reviewed_by, str):
            raise ValueError("reviewed_by is not text")
        return PriceLock(
            path=path,
            catalog_file=_text(document, "catalog"),
            file_sha256=_text(document, "file_sha256"),
            models_sha256=_text(document, "models_sha256"),
            fetched_at=_text(document, "fetched_at"),
            source=_text(document, "source"),
            model_count=int(document["model_count"]),
            reviewed_at=datetime.fromisoformat(_text(document, "reviewed_at")),
            reviewed_by=reviewed_by,
        )
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise UserError(f"{path}: not a valid price lock ({exc}); {FIX}") from None


def _text(document: dict[str, Any], key: str) -> str:
    value = document[key]
    if not isinstance(value, str) or not value or len(value) > 2000:
        raise ValueError(f"{key} is not text")
    return value


def locked_catalog(lock: PriceLock) -> Catalog:
    """The lock's catalog, refused (exit 3) when its bytes are not the ones reviewed."""
    from estimator.pricing.store import read_catalog_file

    path = lock.catalog_path
    if not path.is_file():
        raise PricingUnavailable(f"{lock.path}: its catalog {lock.catalog_file} is missing; {FIX}")
    found = file_sha256(path)
    if found != lock.file_sha256:
        raise PricingUnavailable(
            f"{lock.catalog_file} does not match {lock.path} (sha256 {found[:12]}, locked "
            f"{lock.file_sha256[:12]}): the prices changed since the review; {FIX}, or restore "
            "the locked file"
        )
    catalog = read_catalog_file(path)
    catalog.review = lock
    return catalog


def write_lock(
    path: Path, catalog: Catalog, now: datetime, reviewed_by: str | None = None
) -> PriceLock:
    """Lock `catalog` (read from a file) as reviewed now, atomically."""
    if catalog.location is None:
        raise UserError("the catalog has no file to lock")
    where = catalog.location.resolve()
    try:
        relative = os.path.relpath(where, path.parent.resolve())
    except ValueError:  # another drive
        relative = str(where)
    lock = PriceLock(
        path=path,
        catalog_file=Path(relative).as_posix(),
        file_sha256=file_sha256(where),
        models_sha256=catalog.meta.sha256,
        fetched_at=catalog.meta.fetched_at.isoformat(),
        source=catalog.meta.source,
        model_count=len(catalog),
        reviewed_at=now,
        reviewed_by=reviewed_by,
    )
    body = json.dumps(lock.document(), indent=2, ensure_ascii=False) + "\n"
    write_atomic(path, body.encode())
    return lock


def catalog_for(
    cache_dir: str | None = None,
    lock: str | None = None,
    near: Path | None = None,
    use_lock: bool = True,
) -> Catalog:
    """The catalog a pricing command uses: the locked one when a lock is found (see the
    module's docstring for where), else the cache's or the bundled snapshot."""
    from estimator.pricing.store import load_catalog

    found = find_lock(lock, near) if use_lock else None
    if found is not None:
        return locked_catalog(read_lock(found))
    return load_catalog(cache_dir)
