"""The docs cannot drift from the code: every default is documented, the README runs."""

from __future__ import annotations

from estimator.defaults import DEFAULTS
from tests.conftest import REPO


def test_every_default_is_in_the_scenario_doc() -> None:
    doc = (REPO / "docs" / "scenario.md").read_text()
    missing = [name for name in DEFAULTS if f"`{name}`" not in doc]
    assert missing == []


def test_readme_starts_with_the_two_newcomer_commands() -> None:
    readme = (REPO / "README.md").read_text()
    blocks = readme.split("```bash", 1)[1].split("```", 1)[0]
    commands = [line for line in blocks.splitlines() if line and not line.startswith("#")]
    assert commands[0].startswith("pip install . && fusion-cost")
    assert commands[1] == "pip install -e '.[test]' && pytest"
    ci = (REPO / ".ci" / "run").read_text()
    assert commands[1] in ci
