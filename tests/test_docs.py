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
    venv = "python3 -m venv .venv && . .venv/bin/activate && "
    assert commands[0] == venv + "pip install . && fusion-cost report"
    assert commands[1] == venv + "pip install -e '.[test]' && pytest"
    ci = (REPO / ".ci" / "run").read_text()
    assert commands[1] in ci.splitlines()  # CI runs the README's test command as written


def test_nothing_in_the_project_reads_outside_the_repository() -> None:
    """A clone on a fresh machine has nothing beside it: no path may lead out of the checkout."""
    outside = "/".join(("..", "shared"))  # spelled in parts: this file must not match itself
    parent = "parent / " + '"shared"'
    offenders = []
    for folder in ("tests", "estimator", ".ci", "benchmarks", "docs"):
        for path in (REPO / folder).rglob("*"):
            if path.is_file() and path.suffix in {".py", ".md", ".j2", ".js", ".yaml", ""}:
                text = path.read_text(errors="replace")
                if outside in text or parent in text:
                    offenders.append(str(path.relative_to(REPO)))
    assert offenders == []
