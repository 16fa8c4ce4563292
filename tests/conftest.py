"""Shared fixtures: every test runs with its own empty cache dirs and a fixed "now"."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
PAYLOAD = SHARED / "data" / "openrouter-models-2026-08-19.json"
SNAPSHOT = REPO / "pricing_cache" / "catalog.json"
FIXED_NOW = "2026-11-25T12:00:00+00:00"


@pytest.fixture(autouse=True)
def isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads or writes the user's real cache dir or this checkout's pricing_cache/."""
    home = tmp_path_factory.mktemp("home")
    work = tmp_path_factory.mktemp("work")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.delenv("FUSION_COST_CACHE_DIR", raising=False)
    monkeypatch.delenv("FUSION_COST_BASE_URL", raising=False)
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    monkeypatch.setenv("FUSION_COST_NOW", FIXED_NOW)
    monkeypatch.chdir(work)
    return work


@pytest.fixture(scope="session")
def catalog():
    """The committed snapshot (built from the shared 2026-08-19 payload)."""
    from estimator.pricing.store import read_catalog_file

    return read_catalog_file(SNAPSHOT)
