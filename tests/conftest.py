"""Shared fixtures: every test runs with its own empty cache dirs and a fixed "now".

Every test also runs with OPENROUTER_API_KEY set to a canary; the run fails if the canary shows
up in any captured output (stdout, stderr, log, capsys/capfd reads) or in any file under the
pytest basetemp. A test that needs no key deletes it with `monkeypatch.delenv`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"  # everything the tests read lives in the repository
PAYLOAD = DATA / "openrouter-models-2026-08-19.json"  # the models API, recorded 2026-08-19
REAL = DATA / "real"  # real OpenRouter bills (see its README)
SNAPSHOT = REPO / "pricing_cache" / "catalog.json"
FIXED_NOW = "2026-11-25T12:00:00+00:00"
CANARY = f"sk-or-v1-canary-{uuid.uuid4().hex}"  # unique per run: never written anywhere
_readouterr = pytest.CaptureFixture.readouterr
_previous_key: list[str | None] = []
_flagged: set[str] = set()  # tests already failed for a leak (captured output carries over)


@pytest.fixture(autouse=True)
def isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads or writes the user's real cache dir or this checkout's pricing_cache/."""
    home = tmp_path_factory.mktemp("home")
    work = tmp_path_factory.mktemp("work")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.delenv("FUSION_COST_CACHE_DIR", raising=False)
    monkeypatch.delenv("FUSION_COST_BASE_URL", raising=False)
    monkeypatch.setenv("OPENROUTER_API_KEY", CANARY)
    monkeypatch.setattr(pytest.CaptureFixture, "readouterr", _checked_readouterr)
    monkeypatch.setenv("FUSION_COST_NOW", FIXED_NOW)
    monkeypatch.chdir(work)
    return work


@pytest.fixture(scope="session")
def catalog():
    """The committed snapshot (built from the recorded 2026-08-19 payload in tests/data)."""
    from estimator.pricing.store import read_catalog_file

    return read_catalog_file(SNAPSHOT)


# --- the API key canary ----------------------------------------------------------------------


def _checked_readouterr(self: pytest.CaptureFixture[Any]) -> Any:
    """capsys/capfd output a test reads (and so takes out of the report) is checked too."""
    captured = _readouterr(self)
    text = captured.out + captured.err
    needle: Any = CANARY.encode() if isinstance(text, bytes) else CANARY
    if needle in text:  # no assert: its message would print the canary
        pytest.fail("the OPENROUTER_API_KEY canary appeared in captured output", pytrace=False)
    return captured


def pytest_configure(config: pytest.Config) -> None:
    """Session- and module-scoped fixtures run before `isolated`: they see the canary too."""
    _previous_key.append(os.environ.get("OPENROUTER_API_KEY"))
    os.environ["OPENROUTER_API_KEY"] = CANARY


def pytest_unconfigure(config: pytest.Config) -> None:
    if _previous_key:
        previous = _previous_key.pop()
        if previous is None:
            os.environ.pop("OPENROUTER_API_KEY", None)
        else:
            os.environ["OPENROUTER_API_KEY"] = previous


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    report = yield
    captured = {"stdout": report.capstdout, "stderr": report.capstderr, "log": report.caplog}
    leaked = [name for name, text in captured.items() if CANARY in text]
    if leaked and item.nodeid not in _flagged:
        _flagged.add(item.nodeid)
        report.outcome = "failed"
        report.longrepr = (
            f"the OPENROUTER_API_KEY canary appeared in the captured {', '.join(leaked)} "
            f"of {item.nodeid} ({call.when})"
        )
    return report


def _files_with(needle: bytes, root: Path) -> list[Path]:
    found = []
    for folder, _, names in os.walk(root, onerror=lambda error: None):
        for name in names:
            path = Path(folder, name)
            if path.is_symlink() or not path.is_file():
                continue
            try:
                with path.open("rb") as handle:
                    tail = b""
                    while chunk := handle.read(1 << 20):
                        if needle in tail + chunk:
                            found.append(path)
                            break
                        tail = chunk[-len(needle) :]
            except OSError:
                continue
    return found


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """No file any test left under the basetemp may hold the canary."""
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is None or getattr(factory, "_basetemp", None) is None:
        return  # no test asked for a temp dir
    leaked = _files_with(CANARY.encode(), factory.getbasetemp())
    if not leaked:
        return
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
    message = "the OPENROUTER_API_KEY canary was written to: " + ", ".join(map(str, leaked[:10]))
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.ensure_newline()
        reporter.write_line(message, red=True)
    else:
        print(message)


@pytest.fixture(scope="module")
def _server() -> Iterator[Any]:
    """A real HTTP server on 127.0.0.1, threaded so a stalling handler blocks nothing else."""
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def server(_server: Any) -> Iterator[Any]:
    """The module's server with no expectations left from the previous test."""
    _server.clear()
    yield _server
    _server.clear()
