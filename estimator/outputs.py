"""The files users name: `-o/--output` (estimate, check, replay), `report -o`, `--profile-out` and
`--rows-out` all write through `open_output`, so every command treats a target the same way.

- A regular file, a new one, or a symlink to either is replaced atomically: a temp file beside
  the real file (named with our pid), fsync, `os.replace`. A symlink stays a symlink (its target
  is replaced) and an existing file keeps its permission bits. A failure leaves the old file as
  it was; the temp a killed writer left behind is removed by the next write of the same file.
- One of this process's descriptors (`/dev/stdout`, `/dev/stderr`, `/dev/fd/N`,
  `/proc/self/fd/N`) is written to the descriptor as it is open: `-o /dev/stdout` prints, and
  appends to a `>>` redirection instead of replacing the file behind it.
- Anything else that is not a regular file (a character device such as `/dev/null`, a FIFO) is
  opened and written in place, never renamed over.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

from estimator.errors import UserError
from estimator.pricing.atomic import remove_dead_temps, replacing

_OWN_FD = re.compile(r"/proc/(\d+)(?:/task/\d+)?/fd/(\d+)")
_MAX_LINKS = 40


def descriptor_of(path: str | os.PathLike[str]) -> int | None:
    """The descriptor number when `path` (through any symlinks) names one of this process's open
    descriptors, e.g. `/dev/stdout` -> 1; else None."""
    current = os.path.abspath(path)
    for _ in range(_MAX_LINKS):
        parent, name = os.path.split(current)
        parent = os.path.realpath(parent)  # /dev/fd -> /proc/<pid>/fd
        current = os.path.join(parent, name)
        match = _OWN_FD.fullmatch(current)
        if match and int(match.group(1)) == os.getpid():
            return int(match.group(2))
        try:
            target = os.readlink(current)
        except OSError:  # not a symlink (or gone): a plain path
            return None
        current = os.path.normpath(os.path.join(parent, target))
    return None


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[BinaryIO]:
    fd = descriptor_of(path)
    if fd is not None:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(AttributeError, OSError, ValueError):
                if stream.fileno() == fd:
                    stream.flush()  # what was printed before comes first
        with os.fdopen(os.dup(fd), "wb") as handle:  # shares the offset and O_APPEND
            yield handle
        return
    try:
        info: os.stat_result | None = os.stat(path)
    except FileNotFoundError:  # new, or a dangling symlink (its target is created)
        info = None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    if info is not None and not stat.S_ISREG(info.st_mode):
        with path.open("wb") as handle:  # a device or a FIFO: written in place
            yield handle
        return
    real = Path(os.path.realpath(path))  # a symlink stays: the file it points to is replaced
    mode = stat.S_IMODE(info.st_mode) if info is not None else None
    remove_dead_temps(real.parent, real.name)  # of earlier writers of this file that were killed
    with replacing(real, mode) as handle:
        yield handle


@contextlib.contextmanager
def open_output(path: str | os.PathLike[str], what: str = "the output") -> Iterator[BinaryIO]:
    """A binary handle on the file the user named; committed when the block ends.

    A regular target is replaced only if the block ends without an error. An OS error (opening,
    writing, replacing) becomes one `UserError` line naming the file; a broken pipe stays a
    `BrokenPipeError` (the CLI exits 0 on it, as for stdout).
    """
    target = Path(path)
    try:
        with _opened(target) as handle:
            yield handle
    except BrokenPipeError:
        raise  # the reader went away (`| head`): as on stdout, not an error of ours
    except OSError as exc:
        raise UserError(f"{target}: cannot write {what} ({exc.strerror or exc})") from None


@contextlib.contextmanager
def open_text_output(path: str | os.PathLike[str], what: str = "the output") -> Iterator[TextIO]:
    """`open_output` as UTF-8 text with no newline translation (for csv writers)."""
    with open_output(path, what) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        try:
            yield text
            text.flush()
        finally:
            text.detach()


def write_output(path: str | os.PathLike[str], data: str | bytes, what: str = "the output") -> None:
    """Write `data` (text is UTF-8) to the file the user named; see the module docstring."""
    with open_output(path, what) as handle:
        handle.write(data.encode() if isinstance(data, str) else data)


def emit(
    data: str | bytes, output: str | os.PathLike[str] | None, what: str = "the output"
) -> None:
    """A command's result: to stdout, or to the file named by `-o` (see the module docstring)."""
    if output is not None:
        write_output(output, data, what)
    elif isinstance(data, bytes):
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
    else:
        sys.stdout.write(data)
