"""Atomic file replacement: a reader sees the old file or the new one, never a torn one.

Temp files are hidden and carry the writer's pid: `.NAME.PID.RANDOM.tmp` beside NAME. A writer
killed mid-write (SIGKILL, power loss) leaves one behind; `remove_dead_temps` deletes those of
writers that are gone, never one of a live writer.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

TEMP_SUFFIX = ".tmp"
_RANDOM = r"[a-z0-9_]{8}"  # tempfile's random part


def temp_pattern(name: str | None = None) -> re.Pattern[str]:
    """Our temp files for target `name` (any name if None); group 1 is the writer's pid."""
    target = ".+" if name is None else re.escape(name)
    return re.compile(rf"\.{target}\.(\d{{1,10}})\.{_RANDOM}{re.escape(TEMP_SUFFIX)}")


def pid_alive(pid: int) -> bool:
    """True unless no process has this pid (a pid we cannot signal is someone's: alive)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def remove_dead_temps(directory: Path, name: str | None = None) -> list[str]:
    """Delete our temp files in `directory` (for target `name`, or any) whose writer is dead.

    Only regular files matching our pattern are touched; a live writer's temp is kept. Returns
    the names removed. Errors (an unreadable directory) are ignored: this is housekeeping.
    """
    pattern = temp_pattern(name)
    removed: list[str] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None or pid_alive(int(match.group(1))):
            continue
        try:
            if not stat.S_ISREG(entry.stat(follow_symlinks=False).st_mode):
                continue
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(entry.name)
    return removed


@contextlib.contextmanager
def replacing(path: Path, mode: int | None = None) -> Iterator[BinaryIO]:
    """A temp file beside `path`; when the block ends without an error it is fsynced and
    `os.replace`d onto `path`, otherwise removed and `path` is left as it was.

    `mode`: the new file's permission bits (default: 0o666 less the umask).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=TEMP_SUFFIX
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o666 & ~_umask() if mode is None else mode)
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(path.parent)


def write_atomic(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write `data` to a temp file beside `path`, fsync it, then `os.replace` it into place.

    A crash at any point leaves either the previous file or the complete new one; the temp file
    is removed on failure.
    """
    with replacing(path, mode) as handle:
        handle.write(data)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
