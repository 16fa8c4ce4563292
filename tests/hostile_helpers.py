"""Helpers for the hostile-input tests: run the CLI in-process or in a memory-limited
subprocess, and check that what it printed is a clean outcome (an exit code, at most one
line of error, no traceback, no terminal control characters).
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from estimator.cli import main
from tests.conftest import REPO

CASE_SECONDS = 5.0  # every hostile case must finish within this
MEMORY_LIMIT = 2 << 30  # RLIMIT_AS of the subprocess cases (address space, bytes)
RSS_GROWTH_MB = 400  # in-process cases: the high-water RSS may not grow by more than this
# C0 and C1 control characters except tab and newline: none may reach a terminal
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
WARNING = re.compile(r"\b[A-Z]\w*Warning: ")  # a Python warning printed by the CLI

# a subprocess that cannot use more than its address-space limit, then runs the CLI
_PRELUDE = """
import atexit, resource, sys
limit, report = int(sys.argv[1]), sys.argv[2]
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
def peak():
    # VmHWM is this process's own high-water RSS; ru_maxrss would also count the RSS of the
    # forked parent (pytest) at exec time, which Linux carries over into the child
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        with open("/proc/self/status") as status:
            kib = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:"))
    except (OSError, StopIteration, ValueError):
        pass
    with open(report, "w") as out:
        out.write(str(kib))
atexit.register(peak)
from estimator.cli import main
sys.exit(main(sys.argv[3:]))
"""


@dataclass
class Outcome:
    code: int
    out: str
    err: str
    seconds: float
    rss_growth_mb: float = 0.0
    peak_rss_mb: float = 0.0  # subprocess cases: the child's high-water RSS

    def describe(self) -> str:
        peak = f", peak RSS {self.peak_rss_mb:.0f} MB" if self.peak_rss_mb else ""
        return f"exit {self.code} after {self.seconds:.2f} s{peak}; stderr {self.err[:500]!r}"


def max_rss_mb() -> float:
    """This process's high-water resident set size (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_cli(argv: Sequence[str]) -> Outcome:
    """`main(argv)` in-process with stdout and stderr captured; warnings stay errors."""
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


def run_limited(argv: Sequence[str], memory: int = MEMORY_LIMIT, timeout: float = 60) -> Outcome:
    """The CLI in a fresh interpreter limited to `memory` bytes of address space."""
    env = dict(os.environ)
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", PYTHONWARNINGS="default")
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    with tempfile.NamedTemporaryFile(prefix="rss-", delete=False) as handle:
        report = Path(handle.name)
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _PRELUDE, str(memory), str(report), *argv],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        env=env,
        check=False,
    )
    seconds = time.monotonic() - start
    peak = report.read_text() if report.exists() else ""
    report.unlink(missing_ok=True)
    outcome = Outcome(done.returncode, done.stdout, done.stderr, seconds)
    outcome.peak_rss_mb = int(peak) / 1024 if peak else math.inf
    return outcome


def assert_clean(outcome: Outcome, allowed: Sequence[int] = (0, 2)) -> None:
    """Exit 0 or 2, at most one line on stderr (an error names itself), no traceback."""
    info = outcome.describe()
    assert outcome.code in allowed, info
    assert "Traceback" not in outcome.err, info
    assert not WARNING.search(outcome.err), info
    lines = outcome.err.splitlines()
    assert len(lines) <= 1, info
    if outcome.code == 2:
        assert len(lines) == 1 and lines[0].startswith("fusion-cost: error: "), info
    if lines:
        assert not CONTROL.search(outcome.err), info


def assert_bounded(outcome: Outcome, seconds: float = CASE_SECONDS) -> None:
    info = outcome.describe()
    assert outcome.seconds < seconds, info
    assert outcome.rss_growth_mb < RSS_GROWTH_MB, f"RSS grew {outcome.rss_growth_mb:.0f} MB; {info}"


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    return path
