"""The files users name (`-o`, `--output`, `--profile-out`, `--rows-out`, `report -o`): a special
file is written in place, never renamed over; a regular file is replaced atomically; a symlink
stays a symlink.

The devices are private: a character device node made with `mknod` in the test's temp dir (the
same major/minor as /dev/null) and a symlink to /proc/self/fd/1 (what /dev/stdout is), so a
regression cannot replace the machine's own /dev/null or /dev/stdout.
"""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from estimator.cli import main
from estimator.logs.synthlog import write
from tests.conftest import REPO

SAMPLES = ["--samples", "200"]


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory, catalog) -> Path:  # type: ignore[no-untyped-def]
    return write(tmp_path_factory.mktemp("logs") / "activity.csv", 300, 5, catalog)


def commands(log: Path, target: Path) -> dict[str, list[str]]:
    """Every way a command writes a file the user named."""
    replay = ["replay", str(log), "--single", "openai/gpt-5.4-mini"]
    return {
        "estimate -o": ["estimate", *SAMPLES, "-o", str(target)],
        "estimate --output": ["estimate", *SAMPLES, "--format", "json", "--output", str(target)],
        "check -o": ["check", *SAMPLES, "--budget", "100000", "-o", str(target)],
        "report -o": ["report", *SAMPLES, "-o", str(target)],
        "replay -o": [*replay, "-o", str(target)],
        "replay --profile-out": [*replay, "--profile-out", str(target)],
        "replay --rows-out": [*replay, "--rows-out", str(target)],
    }


NAMES = list(commands(Path("log"), Path("target")))


def null_device(path: Path) -> Path:
    if os.geteuid() != 0:
        pytest.skip("mknod needs root")
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a private /dev/null
    return path


@pytest.mark.parametrize("name", NAMES)
def test_a_character_device_is_written_in_place_not_replaced(
    tmp_path: Path, log: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    device = null_device(tmp_path / "null")
    before = os.stat(device)
    assert main(commands(log, device)[name]) == 0, capsys.readouterr().err
    after = os.stat(device)
    assert stat.S_ISCHR(after.st_mode), f"{name} turned the device into {oct(after.st_mode)}"
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]  # no temp file left


@pytest.mark.parametrize("name", ["estimate -o", "report -o", "replay --rows-out"])
def test_a_fifo_is_written_in_place(
    tmp_path: Path, log: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read() -> None:
        with fifo.open("rb") as handle:
            received.append(handle.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert main(commands(log, fifo)[name]) == 0, capsys.readouterr().err
    finally:
        reader.join(5)  # it may still be reading what was written
        if reader.is_alive():  # nothing was written: unblock it
            with (
                contextlib.suppress(OSError),
                open(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK), "wb"),
            ):
                pass
            reader.join(10)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert len(received) == 1 and len(received[0]) > 100
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def _cli(*argv: str, stdout: int) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "estimator", *argv],
        stdout=stdout,
        stderr=subprocess.PIPE,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("how", ["symlink-like-dev-stdout", "/dev/fd/1"])
def test_stdout_by_name_prints_and_appends(tmp_path: Path, how: str) -> None:
    if how == "/dev/fd/1":
        target = "/dev/fd/1"
    else:
        link = tmp_path / "stdout"
        link.symlink_to("/proc/self/fd/1")  # what /dev/stdout is
        target = str(link)
    argv = ["estimate", *SAMPLES, "--format", "json", "-o", target]
    piped = _cli(*argv, stdout=subprocess.PIPE)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.startswith(b"{") and b'"schema_version"' in piped.stdout

    # stdout redirected with >> to a file: appended after what was there, the file is kept
    log = tmp_path / "ci.log"
    log.write_bytes(b"previous line\n")
    inode = log.stat().st_ino
    with log.open("ab") as handle:
        appended = _cli(*argv, stdout=handle.fileno())
    assert appended.returncode == 0, appended.stderr
    assert log.read_bytes() == b"previous line\n" + piped.stdout
    assert log.stat().st_ino == inode
    if how != "/dev/fd/1":
        assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("name", NAMES)
def test_a_symlink_stays_a_symlink_and_its_file_keeps_its_mode(
    tmp_path: Path, log: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    real = tmp_path / "real" / "out.txt"
    real.parent.mkdir()
    real.write_text("old\n")
    real.chmod(0o600)
    link = tmp_path / "link.txt"
    link.symlink_to(Path("real") / "out.txt")
    assert main(commands(log, link)[name]) == 0, capsys.readouterr().err
    assert link.is_symlink() and os.readlink(link) == str(Path("real") / "out.txt")
    assert real.read_text() != "old\n" and len(real.read_text()) > 20
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    assert sorted(p.name for p in real.parent.iterdir()) == ["out.txt"]


def test_a_regular_file_is_replaced_atomically_and_kept_on_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text("previous rows\n")
    bad_log = tmp_path / "bad.csv"
    bad_log.write_text("not,a,log\n1,2,3\n")
    code = main(["replay", str(bad_log), "--rows-out", str(rows)])
    assert code == 2
    assert rows.read_text() == "previous rows\n"  # the failed replay did not truncate it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "rows.csv"]
    assert "Traceback" not in capsys.readouterr().err


def test_a_directory_target_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["estimate", *SAMPLES, "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"fusion-cost: error: {tmp_path}: cannot write")
    assert "Is a directory" in err and len(err.strip().splitlines()) == 1
