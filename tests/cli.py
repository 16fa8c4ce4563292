"""The one CLI test harness: run `fusion-cost` in-process (`run_cli`) or in a fresh interpreter
(`run_child`: optionally memory-capped, never able to reach anything but loopback), and get the
same `Outcome` back (exit code, stdout, stderr, time, memory)."""

from __future__ import annotations

import contextlib
import io
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from estimator.cli import main
from tests.conftest import REPO


@dataclass
class Outcome:
    code: int
    out: str
    err: str
    seconds: float
    rss_growth_mb: float = 0.0  # in-process: how much the high-water RSS grew
    peak_rss_mb: float = 0.0  # in a child: its own high-water RSS (VmHWM)

    def __iter__(self) -> Iterator[object]:
        """`code, out, err = run_cli(...)`"""
        return iter((self.code, self.out, self.err))

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("fusion-cost: error:")]

    def describe(self) -> str:
        peak = f", peak RSS {self.peak_rss_mb:.0f} MB" if self.peak_rss_mb else ""
        return f"exit {self.code} after {self.seconds:.2f} s{peak}; stderr {self.err[:500]!r}"


def max_rss_mb() -> float:
    """This process's high-water resident set size (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_cli(*argv: str) -> Outcome:
    """`main(argv)` in this process with stdout and stderr captured; warnings stay errors."""
    out, err = io.StringIO(), io.StringIO()
    before = max_rss_mb()
    start = time.monotonic()
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("error")  # a numpy overflow warning is a failure, not noise
        code = main(list(argv))
    return Outcome(
        code, out.getvalue(), err.getvalue(), time.monotonic() - start, max_rss_mb() - before
    )


# Runs the CLI after replacing socket.getaddrinfo with one that refuses every name but
# loopback (a test can never reach the real network, not even DNS), optionally under an
# address-space limit, and writes the child's own peak RSS to a file. VmHWM is the process's
# own high-water mark; ru_maxrss would also count what the forked parent (pytest) had.
_CHILD = r"""
import atexit, resource, socket, sys
limit, report = int(sys.argv[1]), sys.argv[2]
if limit:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
_real = socket.getaddrinfo
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
def _guarded(host, *args, **kwargs):
    name = host.decode() if isinstance(host, bytes) else host
    if name not in LOOPBACK:
        raise socket.gaierror(socket.EAI_NONAME, f"{name}: blocked by the test guard")
    return _real(host, *args, **kwargs)
socket.getaddrinfo = _guarded
def _peak():
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        with open("/proc/self/status") as status:
            kib = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:"))
    except (OSError, StopIteration, ValueError):
        pass
    with open(report, "w") as out:
        out.write(str(kib))
atexit.register(_peak)
from estimator.cli import main
sys.exit(main(sys.argv[3:]))
"""


def run_child(
    *argv: str, env: dict[str, str] | None = None, timeout: float = 60, memory: int = 0
) -> Outcome:
    """The CLI in a fresh interpreter (loopback only; `memory` caps its address space)."""
    environment = {**os.environ, **(env or {})}
    environment.setdefault("OPENBLAS_NUM_THREADS", "1")
    environment.setdefault("OMP_NUM_THREADS", "1")
    environment["PYTHONPATH"] = str(REPO) + os.pathsep + environment.get("PYTHONPATH", "")
    with tempfile.NamedTemporaryFile(prefix="cli-rss-", delete=False) as handle:
        report = Path(handle.name)
    start = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(memory), str(report), *argv],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            env=environment,
            check=False,
        )
        seconds = time.monotonic() - start
        peak = report.read_text() if report.exists() else ""
    finally:
        report.unlink(missing_ok=True)
    outcome = Outcome(done.returncode, done.stdout, done.stderr, seconds)
    outcome.peak_rss_mb = int(peak) / 1024 if peak else math.inf
    return outcome
