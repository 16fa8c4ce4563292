"""Disk faults: a read-only cache, a cache that is a file, a full disk, a missing cache dir, and
`prices import` killed with SIGKILL at random points.

Every failure is one clear line (exit 2 through the CLI, no traceback) and leaves the cache
byte-identical; every kill leaves a catalog that loads and holds either the old or the new
facts. The read-only and disk-full cases mount small tmpfs file systems, so they need root (as
root, `chmod` would not stop a write); elsewhere they skip with the reason.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from estimator import load_catalog
from estimator.errors import UserError
from estimator.pricing.refresh import import_file, refresh
from estimator.pricing.store import history_files, read_catalog_file
from tests.cli import run_child
from tests.conftest import PAYLOAD, REPO
from tests.fault_helpers import (
    RawServer,
    Received,
    assert_one_line_error,
    facts,
    fill,
    free_bytes,
    head,
    mount_problem,
    remount,
    tmpfs,
)
from tests.pricing_helpers import (
    CHANGED_ID,
    dir_bytes,
    payload_bytes,
    temp_files,
    with_price,
    write_json,
)

FIGURES: list[str] = []


@pytest.fixture(scope="module", autouse=True)
def _report_figures() -> Iterator[None]:
    yield
    print("\n--- disk fault figures ---")
    for line in FIGURES:
        print(line)


@cache
def _mount_problem() -> str | None:
    return mount_problem()


def needs_mount() -> None:
    problem = _mount_problem()
    if problem:
        pytest.skip(f"cannot mount a tmpfs: {problem}")


@pytest.fixture
def changed(tmp_path: Path) -> Path:
    """The recorded payload with one price changed (+20 %)."""
    return write_json(
        tmp_path / "models-2026-08-20.json", with_price(CHANGED_ID, "prompt", "0.000006")
    )


def cli_import(file: Path, cache_dir: Path | str, **kwargs: Any) -> Any:
    return run_child("prices", "import", str(file), "--cache-dir", str(cache_dir), **kwargs)


def cli_refresh(url: str, cache_dir: Path | str, *extra: str) -> Any:
    argv = ["prices", "refresh", "--base-url", url, "--cache-dir", str(cache_dir)]
    return run_child(*argv, "--timeout", "10", "--retries", "0", *extra)


def serve(body: bytes, **headers: str) -> Any:
    """A handler answering every request with `body` (304 when If-None-Match matches)."""

    def handler(conn: socket.socket, request: Received, stop: threading.Event) -> None:
        etag = headers.get("ETag")
        if etag and request.headers.get("if-none-match") == etag:
            conn.sendall(head("304 Not Modified", ETag=etag, Content_Length=0))
            return
        conn.sendall(
            head(Content_Type="application/json", Content_Length=len(body), **headers) + body
        )

    return handler


def assert_intact(cache_dir: Path, before: dict[str, bytes]) -> None:
    """Byte-identical (lock aside), no temp file, and the catalog still loads."""
    assert dir_bytes(cache_dir) == before
    assert temp_files(cache_dir) == []
    assert len(read_catalog_file(cache_dir / "catalog.json")) == 549


# --- read-only cache dir ------------------------------------------------------------------------


@pytest.fixture
def readonly_cache(tmp_path: Path) -> Iterator[Path]:
    """A cache dir holding a good catalog, on a file system remounted read-only."""
    needs_mount()
    with tmpfs(tmp_path / "ro", "4m") as mount:
        import_file(PAYLOAD, mount / "cache")
        remount(mount, "ro")
        yield mount / "cache"


def test_readonly_cache_import_and_refresh_fail_clearly(
    readonly_cache: Path, changed: Path
) -> None:
    before = dir_bytes(readonly_cache)
    run = cli_import(changed, readonly_cache)
    assert_one_line_error(run, 2, str(readonly_cache), "read-only file system")
    assert_intact(readonly_cache, before)

    with RawServer(serve(changed.read_bytes())) as server:
        run = cli_refresh(server.url(), readonly_cache)
    assert_one_line_error(run, 2, "read-only file system")
    assert server.connections == 0  # refused before fetching anything
    assert_intact(readonly_cache, before)

    # nothing was written anywhere else either (it used to fall back to the user cache dir)
    assert not any(Path(os.environ["XDG_CACHE_HOME"]).rglob("catalog.json"))
    with pytest.raises(UserError, match="read-only file system"):
        import_file(changed, readonly_cache)
    assert_intact(readonly_cache, before)

    shown = run_child("prices", "show", CHANGED_ID, "--cache-dir", str(readonly_cache))
    assert shown.code == 0, shown.err  # reading a read-only cache still works
    assert CHANGED_ID in shown.out


def test_missing_dir_on_a_readonly_mount_fails_clearly(readonly_cache: Path) -> None:
    target = readonly_cache.parent / "new" / "cache"
    run = cli_import(PAYLOAD, target)
    assert_one_line_error(run, 2, "read-only file system")
    assert not target.parent.exists()


def _nothing_in_the_user_cache() -> None:
    assert not any(Path(os.environ["XDG_CACHE_HOME"]).rglob("catalog.json"))


@pytest.mark.parametrize("holds_a_catalog", [True, False])
def test_a_readonly_cache_dir_from_the_environment_is_refused_not_bypassed(
    tmp_path: Path, changed: Path, monkeypatch: pytest.MonkeyPatch, holds_a_catalog: bool
) -> None:
    needs_mount()
    with tmpfs(tmp_path / "ro", "4m") as mount:
        cache_dir = mount / "cache"
        if holds_a_catalog:
            import_file(PAYLOAD, cache_dir)
        else:
            cache_dir.mkdir()
        remount(mount, "ro")
        before = dir_bytes(cache_dir)
        monkeypatch.setenv("FUSION_COST_CACHE_DIR", str(cache_dir))

        run = run_child("prices", "import", str(changed))
        line = assert_one_line_error(run, 2, str(cache_dir), "read-only file system")
        assert "FUSION_COST_CACHE_DIR" in line
        with RawServer(serve(changed.read_bytes())) as server:
            run = run_child("prices", "refresh", "--base-url", server.url(), "--retries", "0")
        assert_one_line_error(run, 2, str(cache_dir), "read-only file system")
        assert server.connections == 0  # refused before fetching
        assert dir_bytes(cache_dir) == before
        _nothing_in_the_user_cache()  # it used to "succeed" into the user cache dir

        # an explicit --cache-dir still wins: the user reads from there
        run = cli_import(changed, tmp_path / "elsewhere")
        assert run.code == 0, run.err


def test_a_readonly_local_dir_holding_a_catalog_is_refused(
    tmp_path: Path, isolated: Path, changed: Path
) -> None:
    needs_mount()
    with tmpfs(isolated / "pricing_cache", "4m") as local:
        import_file(PAYLOAD, local)
        remount(local, "ro")
        before = dir_bytes(local)
        run = run_child("prices", "import", str(changed))
        assert_one_line_error(run, 2, str(local), "read-only file system", "--cache-dir")
        assert dir_bytes(local) == before
        _nothing_in_the_user_cache()
        shown = run_child("prices", "show", CHANGED_ID, "--format", "json")
        assert shown.code == 0 and json.loads(shown.out)["catalog"]["fetched_at"][:10] == (
            "2026-08-19"
        )


def test_a_readonly_local_dir_without_a_catalog_is_skipped_by_reads_and_writes(
    isolated: Path, changed: Path
) -> None:
    needs_mount()
    with tmpfs(isolated / "pricing_cache", "4m") as local:
        remount(local, "ro")
        run = run_child("prices", "import", str(changed))
        assert run.code == 0, run.err
        user = Path(os.environ["XDG_CACHE_HOME"]) / "fusion-cost" / "catalog.json"
        assert f"into {user}" in run.err
        shown = run_child("prices", "show", CHANGED_ID, "--format", "json")
        assert json.loads(shown.out)["catalog"]["fetched_at"][:10] == "2026-08-20"  # read back


@pytest.mark.parametrize("where", ["the-file", "the-file/sub"])
def test_cache_dir_that_is_a_regular_file(tmp_path: Path, changed: Path, where: str) -> None:
    the_file = tmp_path / "the-file"
    the_file.write_bytes(b"not a directory\n")
    target = tmp_path / where
    run = cli_import(changed, target)
    assert_one_line_error(run, 2, f"{the_file} is not a directory")
    with RawServer(serve(changed.read_bytes())) as server:
        run = cli_refresh(server.url(), target)
    assert_one_line_error(run, 2, "is not a directory")
    assert server.connections == 0
    assert the_file.read_bytes() == b"not a directory\n"
    assert not any(Path(os.environ["XDG_CACHE_HOME"]).rglob("catalog.json"))


# --- disk full ----------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs; the cache is `DISK/cache`, filler files go beside it."""
    needs_mount()
    with tmpfs(tmp_path / "disk", "2m") as mount:
        yield mount


@pytest.mark.parametrize(
    ("what", "free_share"),
    [
        ("same-catalog-no-room-for-the-temp", 0.5),
        ("changed-no-room-for-the-catalog", 0.5),
    ],
)
def test_disk_full_import_reports_enospc_and_keeps_the_old_catalog(
    small_disk: Path, changed: Path, what: str, free_share: float
) -> None:
    cache_dir = small_disk / "cache"
    import_file(PAYLOAD, cache_dir)
    size = (cache_dir / "catalog.json").stat().st_size
    filler = fill(small_disk, int(size * free_share))
    source = PAYLOAD if what.startswith("same") else changed
    before = dir_bytes(cache_dir)
    free = free_bytes(small_disk)

    run = cli_import(source, cache_dir)
    assert_one_line_error(run, 2, str(cache_dir), "No space left on device", "unchanged")
    assert_intact(cache_dir, before)
    assert len(history_files(cache_dir)) == 1
    with pytest.raises(OSError, match="No space left on device") as info:
        import_file(source, cache_dir)  # the library: a UserError that is still an OSError
    assert isinstance(info.value, UserError)
    assert info.value.errno == 28
    assert_intact(cache_dir, before)
    FIGURES.append(
        f"disk full ({what}): catalog {size} B, {free} B free -> exit {run.code}: "
        f"{run.error_lines[0][-60:]}"
    )

    filler.unlink()  # room again: the same import now succeeds
    import_file(source, cache_dir)
    assert temp_files(cache_dir) == []
    reference = small_disk.parent / "reference"
    import_file(source, reference)
    assert facts(cache_dir / "catalog.json") == facts(reference / "catalog.json")


def test_disk_full_for_the_history_entry_keeps_the_stored_catalog_and_records_it_later(
    small_disk: Path, changed: Path
) -> None:
    """The catalog is written first; an entry that does not fit after it is recorded later."""
    cache_dir = small_disk / "cache"
    import_file(PAYLOAD, cache_dir)
    old_facts = facts(cache_dir / "catalog.json")
    size = (cache_dir / "catalog.json").stat().st_size
    filler = fill(small_disk, int(size * 1.5))
    # a reader holds the old catalog open: its blocks stay allocated after the replace, so the
    # new catalog fits but its history entry does not
    with (cache_dir / "catalog.json").open("rb"):
        run = cli_import(changed, cache_dir)
    assert run.code == 0, run.err
    new_facts = facts(cache_dir / "catalog.json")
    assert new_facts != old_facts
    assert [facts(p) for p in history_files(cache_dir)] == [old_facts]
    assert temp_files(cache_dir) == []

    filler.unlink()
    import_file(PAYLOAD, cache_dir)  # records the catalog that went live, then its own
    assert [facts(p) for p in history_files(cache_dir)] == [old_facts, new_facts, old_facts]


def test_disk_full_refresh_and_not_modified_keep_the_old_catalog(
    small_disk: Path, changed: Path
) -> None:
    cache_dir = small_disk / "cache"
    etag = '"v1"'
    with RawServer(serve(payload_bytes(), ETag=etag)) as server:
        refresh(cache_dir, _fast(server.url()))
        filler = fill(small_disk, 100_000)
        before = dir_bytes(cache_dir)
        # 304: only the metadata is rewritten (checked_at), which still needs a whole temp file
        run = cli_refresh(server.url(), cache_dir)
        assert_one_line_error(run, 2, "No space left on device")
        assert server.received[-1].headers.get("if-none-match") == etag
        assert_intact(cache_dir, before)
    with RawServer(serve(changed.read_bytes())) as server:
        run = cli_refresh(server.url(), cache_dir)
        assert_one_line_error(run, 2, "No space left on device")
        assert server.connections == 1
        assert_intact(cache_dir, before)
    filler.unlink()


def _fast(url: str) -> Any:
    from estimator.pricing.fetch import FetchSettings

    return FetchSettings(base_url=url, total_timeout_s=10, retries=0)


# --- missing cache dir --------------------------------------------------------------------------


def test_missing_cache_dir_is_created_by_import_and_refresh(tmp_path: Path) -> None:
    imported = tmp_path / "a" / "b" / "imported"
    run = cli_import(PAYLOAD, imported)
    assert run.code == 0, run.err
    assert len(load_catalog(imported)) == 549

    fetched = tmp_path / "x" / "y" / "fetched"
    with RawServer(serve(payload_bytes())) as server:
        run = cli_refresh(server.url(), fetched)
    assert run.code == 0, run.err
    assert "stored 549 models" in run.err
    assert len(load_catalog(fetched)) == 549
    assert len(history_files(fetched)) == 1
    assert temp_files(fetched) == []

    in_process = tmp_path / "p" / "q"
    assert import_file(PAYLOAD, in_process).path == in_process / "catalog.json"


# --- SIGKILL at random points -------------------------------------------------------------------

KILL_SEED = 20261125


def _import_command(source: Path, cache_dir: Path) -> list[str]:
    command = [sys.executable, "-m", "estimator", "prices", "import"]
    return [*command, str(source), "--cache-dir", str(cache_dir)]


def _measure(a: Path, b: Path, cache_dir: Path) -> tuple[float, float]:
    """Unkilled imports (B, then A): (slower wall time, earliest moment catalog.json changed).

    The moment is seen by polling the catalog's inode (`os.replace` gives it a new one).
    """
    times, writes = [], []
    for source in (b, a):
        inode = (cache_dir / "catalog.json").stat().st_ino
        started = time.monotonic()
        process = subprocess.Popen(
            _import_command(source, cache_dir),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        written = None
        while process.poll() is None:
            if written is None and (cache_dir / "catalog.json").stat().st_ino != inode:
                written = time.monotonic() - started
            time.sleep(0.0005)
        times.append(time.monotonic() - started)
        assert process.returncode == 0
        writes.append(written if written is not None else times[-1])
    return max(times), min(writes)


def kill_runs(tmp_path: Path, runs: int, seed: int) -> Counter[str]:
    """Import A and B alternately, SIGKILL each after a seeded random delay; check every time."""
    a = PAYLOAD
    b = write_json(tmp_path / "models-2026-08-20.json", with_price(CHANGED_ID, "prompt", "6e-6"))
    shas = {}
    for name, source in (("a", a), ("b", b)):
        import_file(source, tmp_path / f"ref-{name}")
        shas[name] = facts(tmp_path / f"ref-{name}" / "catalog.json")
    assert shas["a"] != shas["b"]

    cache_dir = tmp_path / "cache"
    import_file(a, cache_dir)
    runtime, write_at = _measure(a, b, cache_dir)
    rng = random.Random(seed)
    outcomes: Counter[str] = Counter()
    delays: list[float] = []
    started = time.monotonic()
    for _ in range(runs):
        current = facts(cache_dir / "catalog.json")
        source, target = (b, shas["b"]) if current == shas["a"] else (a, shas["a"])
        history_before = set(history_files(cache_dir))
        # even runs: anywhere in the run; odd runs: around the moment the catalog is written
        if len(delays) % 2 == 0:
            delay = rng.uniform(0.0, runtime * 1.1)
        else:
            delay = rng.uniform(max(0.0, write_at - 0.06), write_at + 0.02)
        delays.append(delay)
        process = subprocess.Popen(
            _import_command(source, cache_dir),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(delay)
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
            code = process.wait(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()

        # whatever happened, the catalog loads (sha verified) and holds old or new facts
        after = facts(cache_dir / "catalog.json")
        assert after in (current, target), after
        assert len(load_catalog(cache_dir)) == 549
        new_history = set(history_files(cache_dir)) - history_before
        for entry in new_history:  # a whole catalog, never a torn one: the new one, or the
            # one in place that a writer killed earlier had not recorded yet
            assert facts(entry) in (current, target)
            if facts(entry) == target:  # history only holds catalogs that went live
                assert after == target
        temps = temp_files(cache_dir)
        for temp in temps:  # leftovers of the killed writer: hidden, never read as catalogs
            assert temp.name.startswith(".")
            assert temp.name.endswith(".tmp")
            assert temp not in history_files(cache_dir)

        if code == 0:
            outcomes["finished before the kill"] += 1
        elif after == target:
            outcomes["killed after the write"] += 1
        elif temps or new_history:
            outcomes["killed while writing"] += 1
        else:
            outcomes["killed before the write"] += 1
        assert code in (0, -signal.SIGKILL), code
    elapsed = time.monotonic() - started

    # a clean import afterwards succeeds and sweeps the killed writers' temp files
    final = b if facts(cache_dir / "catalog.json") == shas["a"] else a
    done = subprocess.run(
        _import_command(final, cache_dir), capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert temp_files(cache_dir) == []
    for entry in history_files(cache_dir):
        assert facts(entry) in shas.values()

    summary = ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items()))
    FIGURES.append(
        f"SIGKILL x{runs} (seed {seed}): unkilled import {runtime:.2f}s (catalog replaced at "
        f"{write_at:.3f}s), kill delays {min(delays):.3f}-{max(delays):.3f}s, "
        f"{elapsed:.1f}s for the runs -> {summary}"
    )
    return outcomes


def test_sigkill_during_import_never_breaks_the_catalog(tmp_path: Path) -> None:
    outcomes = kill_runs(tmp_path, runs=50, seed=KILL_SEED)
    assert sum(outcomes.values()) == 50
    assert outcomes["killed before the write"] > 0
    assert outcomes["killed after the write"] + outcomes["finished before the kill"] > 0


@pytest.mark.slow
def test_sigkill_during_import_200_runs(tmp_path: Path) -> None:
    outcomes = kill_runs(tmp_path, runs=200, seed=KILL_SEED + 1)
    assert sum(outcomes.values()) == 200
    assert outcomes["killed while writing"] > 0


# --- SIGKILL at the vulnerable points -----------------------------------------------------------

# The CLI with `os.replace` wrapped: the process SIGKILLs itself just before or just after the
# rename onto a path containing $KILL_AT -- a real kill at an exact point, no hook in the code.
KILL_RUNNER = r"""
import os, runpy, signal, sys
needle, when = os.environ["KILL_AT"], os.environ["KILL_WHEN"]
_replace = os.replace
def replace(src, dst, *args, **kwargs):
    hit = needle in os.fspath(dst)
    if hit and when == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    _replace(src, dst, *args, **kwargs)
    if hit and when == "after":
        os.kill(os.getpid(), signal.SIGKILL)
os.replace = replace
sys.argv = ["fusion-cost", *sys.argv[1:]]
runpy.run_module("estimator", run_name="__main__", alter_sys=True)
"""


def killed_at(needle: str, when: str, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KILL_AT": needle, "KILL_WHEN": when, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-c", KILL_RUNNER, *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def diff_changes(cache_dir: Path) -> int | None:
    """How many price changes `prices diff` (the cache's history) reports; None: no pair."""
    run = run_child("prices", "diff", "--cache-dir", str(cache_dir), "--format", "json")
    if run.code == 2 and "needs two catalogs" in run.err:
        return None
    assert run.code == 0, run.err
    result = json.loads(run.out)
    return len(result["changed"]) + len(result["added"]) + len(result["removed"])


@pytest.mark.parametrize(
    ("needle", "when"),
    [
        ("/history/", "before"),  # a history entry's temp is written
        ("/history/", "after"),  # a history entry is in place
        ("/catalog.json", "before"),  # the catalog's temp is written
        ("/catalog.json", "after"),  # the catalog is in place
    ],
)
def test_sigkill_between_the_writes_keeps_history_to_catalogs_that_went_live(
    tmp_path: Path, changed: Path, needle: str, when: str
) -> None:
    cache_dir = tmp_path / "cache"
    import_file(PAYLOAD, cache_dir)
    old_facts = facts(cache_dir / "catalog.json")
    import_file(changed, tmp_path / "reference")
    new_facts = facts(tmp_path / "reference" / "catalog.json")

    done = killed_at(needle, when, "prices", "import", str(changed), "--cache-dir", str(cache_dir))
    assert done.returncode == -signal.SIGKILL, done.stderr
    live = facts(cache_dir / "catalog.json")
    assert live in (old_facts, new_facts)
    recorded = [facts(p) for p in history_files(cache_dir)]
    assert recorded in ([old_facts], [old_facts, new_facts])
    if recorded[-1] == new_facts:  # an entry only for a catalog that was current
        assert live == new_facts
    # `prices diff` reports a change only if the new prices really went live
    assert diff_changes(cache_dir) == (1 if live == new_facts and len(recorded) == 2 else None)
    for temp in temp_files(cache_dir):  # leftovers are hidden temps, never read as catalogs
        assert temp.name.startswith(".") and temp.name.endswith(".tmp")

    # the next run sweeps the dead writer's temp and records a catalog that went live unrecorded
    again = run_child("prices", "import", str(changed), "--cache-dir", str(cache_dir))
    assert again.code == 0, again.err
    assert temp_files(cache_dir) == []
    assert [facts(p) for p in history_files(cache_dir)] == [old_facts, new_facts]
    assert diff_changes(cache_dir) == 1


def test_a_live_writers_temp_is_kept_a_dead_ones_removed(tmp_path: Path, changed: Path) -> None:
    cache_dir = tmp_path / "cache"
    import_file(PAYLOAD, cache_dir)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = cache_dir / f".catalog.json.{sleeper.pid}.abcd1234.tmp"
        live.write_bytes(b"a live writer's half-written catalog")
        dead_pid = _dead_pid()
        dead = cache_dir / f".catalog.json.{dead_pid}.abcd1234.tmp"
        dead.write_bytes(b"a killed writer's leftover")
        run = cli_import(changed, cache_dir)
        assert run.code == 0, run.err
        assert live.read_bytes() == b"a live writer's half-written catalog"
        assert not dead.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


def _dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    probe = subprocess.Popen([sys.executable, "-c", "pass"])
    probe.wait()
    return probe.pid


def test_sigkill_during_report_leaves_the_old_report_and_the_next_run_sweeps_the_temp(
    tmp_path: Path,
) -> None:
    report = tmp_path / "out" / "report.html"
    report.parent.mkdir()
    report.write_text("<p>the previous report</p>")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = report.parent / f".report.html.{sleeper.pid}.abcd1234.tmp"
        live.write_text("another report being written right now")
        argv = ["report", "--samples", "200", "-o", str(report)]
        done = killed_at("/report.html", "before", *argv)
        assert done.returncode == -signal.SIGKILL, done.stderr
        assert report.read_text() == "<p>the previous report</p>"
        leftovers = [p for p in temp_files(report.parent) if p != live]
        assert len(leftovers) == 1  # the killed writer's temp, with its pid in the name

        run = run_child(*argv)
        assert run.code == 0, run.err
        assert "<!DOCTYPE html>" in report.read_text()
        assert temp_files(report.parent) == [live]  # the dead writer's is gone, the live kept
    finally:
        sleeper.kill()
        sleeper.wait()
