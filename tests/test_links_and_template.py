"""The addresses the tool prints are the project's, named once, and point at pages that exist;
`init` writes a template annotated field by field, which loads as a scenario."""

from __future__ import annotations

import re
import tomllib

import yaml

from estimator import links
from estimator.cli import main
from estimator.scenario.io import parse_scenario, template_path
from estimator.scenario.spec import Scenario
from tests.conftest import REPO

PRINTED = re.compile(r"https://github\.com/fusion-cost/fusion-cost[^\s\"'`)]*")


def test_pyproject_urls_are_the_links_module() -> None:
    urls = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["urls"]
    assert urls == {
        "Homepage": links.REPOSITORY,
        "Documentation": links.DOCS,
        "Issues": links.ISSUES,
    }


def test_every_printed_project_link_is_named_once_and_resolves() -> None:
    """No module spells the repository's address but estimator/links.py; each link in
    the package's texts (examples, templates) points at a file of this repository."""
    spelled = []
    for path in sorted((REPO / "estimator").rglob("*")):
        if path.suffix not in {".py", ".j2", ".js", ".yaml"} or path.name == "links.py":
            continue
        for url in PRINTED.findall(path.read_text(encoding="utf-8")):
            if path.suffix == ".py" and path.name != "safe.py":
                spelled.append(f"{path.relative_to(REPO)}: {url}")
            _resolves(url)
    assert spelled == []
    for name in ("SCENARIO_DOCS", "CI_DOCS", "PILOT_DOCS"):
        _resolves(getattr(links, name))


def _resolves(url: str) -> None:
    prefix = f"{links.REPOSITORY}/blob/main/"
    if url.startswith(prefix):
        assert (REPO / url.removeprefix(prefix).split("#")[0]).exists(), url


def test_init_writes_the_annotated_template(tmp_path, capsys) -> None:
    target = tmp_path / "scenario.yaml"
    assert main(["init", str(target)]) == 0
    text = target.read_text(encoding="utf-8")
    assert text == template_path().read_text(encoding="utf-8")
    assert "built-in example" not in text.splitlines()[0]
    scenario = parse_scenario(text, str(target))
    assert [s.name for s in scenario.strategies] == ["single-mini", "auto", "fusion"]
    assert main(["estimate", str(target), "--samples", "200"]) == 0


def test_the_template_names_every_section_and_workload_field() -> None:
    """Each field of the scenario's top level, its workload, decision and policy sections
    appears in the template (set, or commented out at its default)."""
    text = template_path().read_text(encoding="utf-8")
    schema = Scenario.model_json_schema()
    defs = schema["$defs"]
    named = set(schema["properties"]) | set(defs["Workload"]["properties"])
    named |= set(defs["DecisionSpec"]["properties"]) | set(defs["Policy"]["properties"])
    left_out = {"models", "default_latency", "search_s", "fetch_s", "accuracy", "pilot"}
    missing = sorted(f for f in named - left_out if not re.search(rf"\b{f}:", text))
    assert missing == []
    assert yaml.safe_load(text)["name"]
