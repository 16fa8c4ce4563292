"""The README's Library section runs as written: every call it shows exists, takes the
arguments it shows and returns what it says."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

from tests.conftest import REPO


def library_block() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Library", 1)[1].split("\n## ", 1)[0]
    return section.split("```python", 1)[1].split("```", 1)[0]


def test_the_readme_library_section_runs(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(REPO)  # it names a log in tests/data by its path in the repository
    printed = io.StringIO()
    namespace: dict[str, object] = {}
    with contextlib.redirect_stdout(printed):
        exec(compile(library_block(), "README.md (Library)", "exec"), namespace)
    out = printed.getvalue()
    result = namespace["result"]
    assert out.startswith(f"{result.strategy('fusion-quality').monthly_usd} fusion-for-a-subset")
    assert "route_a_subset Per request, fusion-quality is the best buy" in out
    assert "## fusion-cost: Support answers" in out  # the markdown rendering
    assert namespace["label"] == "command-line flags"
    assert str(namespace["html"]).startswith("<!DOCTYPE html>")
    assert "0.000005\n" in out and "anthropic/claude-opus-5" in out
    rows = namespace["rows"]
    assert rows.rows_used == 697
    assert Path(os.getcwd()) == REPO


def test_every_library_function_is_importable_from_the_package() -> None:
    import estimator
    from estimator import api

    assert sorted(estimator.API_NAMES) == sorted(api.__all__)  # the lazy names are api's
    for name in api.__all__:
        assert getattr(estimator, name) is getattr(api, name), name
