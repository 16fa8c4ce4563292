"""Where catalogs live: the resolution order every command shares.

`--cache-dir` > `$FUSION_COST_CACHE_DIR` > `./pricing_cache/` (when it exists in the working
directory) > the user cache dir > the read-only snapshot bundled in the package. Reading takes
the first that holds a catalog; `prices refresh` / `import` write to the first writable one,
and refuse when reads would not look there first: an unwritable `$FUSION_COST_CACHE_DIR`, or an
unwritable directory earlier in the order that holds a catalog.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

CATALOG_FILE = "catalog.json"
ENV_CACHE_DIR = "FUSION_COST_CACHE_DIR"
LOCAL_DIR = "pricing_cache"


def candidate_dirs(explicit: str | os.PathLike[str] | None = None) -> list[Path]:
    """Cache directories in resolution order (the bundled snapshot is not one of them)."""
    dirs: list[Path] = []
    if explicit:
        dirs.append(Path(explicit))
    if os.environ.get(ENV_CACHE_DIR):
        dirs.append(Path(os.environ[ENV_CACHE_DIR]))
    local = Path.cwd() / LOCAL_DIR
    if local.is_dir():
        dirs.append(local)
    dirs.append(user_cache_dir())
    return dirs


def user_cache_dir() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("fusion-cost", appauthor=False)


def bundled_snapshot() -> Path | None:
    """The catalog shipped in the wheel; from a source checkout, the committed one."""
    packaged = Path(str(resources.files("estimator"))) / "_snapshot" / CATALOG_FILE
    if packaged.is_file():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / LOCAL_DIR / CATALOG_FILE
    return checkout if checkout.is_file() else None


def is_writable_dir(directory: Path) -> bool:
    """True when `directory` exists and is writable, or can be created."""
    probe = directory
    while not probe.exists():
        if probe.parent == probe:
            return False
        probe = probe.parent
    return probe.is_dir() and os.access(probe, os.W_OK | os.X_OK)


def unwritable_reason(directory: Path) -> str:
    """Why `is_writable_dir(directory)` is False, for the error message."""
    probe = directory
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if not probe.is_dir():
        return f"{probe} is not a directory"
    try:
        if os.statvfs(probe).f_flag & os.ST_RDONLY:
            return f"{probe} is on a read-only file system"
    except OSError:
        pass
    return f"{probe} is not writable"


def writable_dir(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    return next((d for d in candidate_dirs(explicit) if is_writable_dir(d)), None)
