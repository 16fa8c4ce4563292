"""The project's public addresses, named once: the CLI, the outputs and `pyproject.toml`'s
[project.urls] say the same (a test keeps them equal and checks each page exists here)."""

from __future__ import annotations

REPOSITORY = "https://github.com/fusion-cost/fusion-cost"
ISSUES = f"{REPOSITORY}/issues"
DOCS = f"{REPOSITORY}/blob/main/docs"
SCENARIO_DOCS = f"{DOCS}/scenario.md"
CI_DOCS = f"{DOCS}/ci.md"
PILOT_DOCS = f"{DOCS}/pilot.md"
