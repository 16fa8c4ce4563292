"""Helpers for the hostile-input tests: run the CLI in-process or in a memory-limited
subprocess, and check that what it printed is a clean outcome (an exit code, at most one
line of error, no traceback, no terminal control characters).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from tests.cli import Outcome, run_child, run_cli

__all__ = ["Outcome", "run_cli", "run_limited"]

CASE_SECONDS = 5.0  # every hostile case must finish within this
MEMORY_LIMIT = 2 << 30  # RLIMIT_AS of the subprocess cases (address space, bytes)
RSS_GROWTH_MB = 400  # in-process cases: the high-water RSS may not grow by more than this
# C0 and C1 control characters except tab and newline: none may reach a terminal
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
WARNING = re.compile(r"\b[A-Z]\w*Warning: ")  # a Python warning printed by the CLI


def run_limited(argv: Sequence[str], memory: int = MEMORY_LIMIT, timeout: float = 60) -> Outcome:
    """The CLI in a fresh interpreter limited to `memory` bytes of address space."""
    return run_child(*argv, env={"PYTHONWARNINGS": "default"}, timeout=timeout, memory=memory)


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
