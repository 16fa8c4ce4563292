"""docs/ci.md and action.yml: every fusion-cost command line they show runs as written."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from estimator.scenario.io import example_path
from tests.conftest import PAYLOAD, REPO

DOC = REPO / "docs" / "ci.md"
ACTION = REPO / "action.yml"


def _commands(text: str) -> list[str]:
    """Lines that run fusion-cost (without a leading YAML `- ` or `run: `)."""
    found = []
    for line in text.splitlines():
        match = re.match(r"^\s*(?:- |run: )?(fusion-cost .+?)\s*$", line)
        if match:
            found.append(match.group(1))
    return found


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["RUNNER_TEMP"] = str(tmp)
    env["SCENARIO"] = "cost/scenario.yaml"
    return env


def _workspace(tmp: Path) -> Path:
    (tmp / "cost").mkdir()
    shutil.copy(example_path(), tmp / "cost" / "scenario.yaml")
    shutil.copy(example_path(), tmp / "base-scenario.yaml")
    return tmp


def _run(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=_env(cwd), text=True, capture_output=True, timeout=120
    )


def test_docs_commands_run_in_order(tmp_path, server, monkeypatch) -> None:
    """Every command, the refresh included: it reaches a local server that answers like the
    models API (the recorded payload), through FUSION_COST_BASE_URL."""
    server.expect_request("/api/v1/models").respond_with_data(
        PAYLOAD.read_bytes(), content_type="application/json"
    )
    monkeypatch.setenv("FUSION_COST_BASE_URL", server.url_for("/api/v1"))
    commands = _commands(DOC.read_text())
    assert commands[0] == "fusion-cost prices refresh"
    # the bash block, the hand-written GitHub workflow and the GitLab job
    assert len(commands) >= 6
    assert any(c.startswith("fusion-cost check") and "--format github" in c for c in commands)
    assert any(c.startswith("fusion-cost check") and "--format markdown" in c for c in commands)
    work = _workspace(tmp_path)
    for command in commands:
        result = _run(command, work)
        assert result.returncode in (0, 1), (command, result.stderr)
        assert "Traceback" not in result.stderr
    comment = (work / "comment.md").read_text()
    assert comment.startswith("<!-- fusion-cost-check -->")
    assert "days old" in comment and "(0 days old)" in comment  # the refreshed catalog
    assert "| single-mini | $750.00 | $750.00 |" in comment
    # the reviewed-prices section: a lock, then the scheduled refresh's pull request body
    lock = yaml.safe_load((work / "fusion-cost.lock").read_text())
    assert lock["catalog"] == "pricing_cache/catalog.json"
    assert lock["reviewed_by"].startswith("pending: merging the pull request")
    for body in (tmp_path / "prices-pr.md", work / "prices-mr.md"):
        text = body.read_text()
        assert text.startswith("<!-- fusion-cost-prices -->") and "### Support answers" in text


def test_action_is_a_composite_action_whose_commands_run(tmp_path) -> None:
    action = yaml.safe_load(ACTION.read_text())
    assert action["runs"]["using"] == "composite"
    assert {"scenario", "budget", "max-increase-pct", "warn-only"} <= set(action["inputs"])
    scripts = [step.get("run", "") for step in action["runs"]["steps"]]
    commands = [c for script in scripts for c in _commands(script)]
    assert [c.split()[1] for c in commands] == ["estimate", "check", "prices"]
    assert "--propose" in commands[2]
    work = _workspace(tmp_path)
    estimate = _run(commands[0], work)
    assert estimate.returncode == 0, estimate.stderr
    baseline = tmp_path / "base.json"
    assert baseline.read_text().lstrip().startswith("{")
    check = commands[1].replace('"${args[@]}"', f'--baseline "{baseline}" --budget 5000')
    result = _run(check, work)
    assert result.returncode == 1, result.stderr
    assert "::error title=fusion-cost monthly_budget_usd::" in result.stderr
    assert (tmp_path / "comment.md").read_text().startswith("<!-- fusion-cost-check -->")


@pytest.mark.parametrize("path", [DOC, ACTION])
def test_yaml_blocks_parse(path: Path) -> None:
    text = path.read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S) if path.suffix == ".md" else [text]
    assert blocks
    for block in blocks:
        assert yaml.safe_load(block) is not None
