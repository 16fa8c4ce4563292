"""`fusion-cost report`: the file it writes, what it prints, and a golden copy of the HTML."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from estimator.cli import main
from estimator.commands.report import slug
from tests.conftest import REPO
from tests.report_helpers import SAMPLES

GOLDEN = REPO / "tests" / "golden" / "report-example.html"
UPDATE = os.environ.get("FUSION_COST_UPDATE_GOLDEN") == "1"
VOLATILE = [
    (re.compile(r"fusion-cost \d+\.\d+\.\d+\S*"), "fusion-cost X.Y.Z"),
    (re.compile(r"generated \d{4}-\d{2}-\d{2}"), "generated YYYY-MM-DD"),
    (re.compile(r"\(\d+(\.\d+)? days old"), "(N days old"),
    (re.compile(r"catalog is \d+ days old"), "catalog is N days old"),
    (re.compile(r"sha256 [0-9a-f]{12}"), "sha256 SHA"),
]


def mask(html: str) -> str:
    for pattern, replacement in VOLATILE:
        html = pattern.sub(replacement, html)
    return html


def test_default_path_summary_and_size(capsys) -> None:
    assert main(["report", "--samples", str(SAMPLES)]) == 0
    lines = capsys.readouterr().out.splitlines()
    path = Path(lines[0])
    assert path == Path("reports") / "support-answers-is-fusion-worth-it.html"
    assert lines[1].startswith("monthly: single-mini $750.00")
    assert lines[2].startswith("verdict: fusion-for-a-subset")
    html = path.read_text()
    assert len(html.encode()) < 500_000
    assert html.startswith("<!DOCTYPE html>")


def test_self_contained_no_external_resources(tmp_path) -> None:
    out = tmp_path / "r.html"
    assert main(["report", "-o", str(out), "--samples", str(SAMPLES)]) == 0
    html = out.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert "@import" not in html and "url(" not in html
    assert "<link" not in html
    assert "@media print" in html
    assert html.count("<caption>") >= 6
    for svg in re.findall(r"<svg class=\"chart\".*?</svg>", html, re.S):
        assert "<title>" in svg


def test_failed_write_leaves_no_file(tmp_path, capsys) -> None:
    target = tmp_path / "missing-dir-is-a-file"
    target.write_text("keep me")
    out = target / "report.html"  # a path under a regular file cannot be created
    assert main(["report", "-o", str(out), "--samples", str(SAMPLES)]) == 2
    err = capsys.readouterr().err
    assert "cannot write report" in err and "Traceback" not in err
    assert target.read_text() == "keep me"


def test_slug() -> None:
    assert slug("Support answers — is Fusion worth it?") == "support-answers-is-fusion-worth-it"
    assert slug("<img src=x>") == "img-src-x"
    assert slug("???").startswith("scenario-")  # no letter: a hash keeps such names apart
    assert slug("???") != slug("!!!") and slug("成本") != slug("費用")


def test_golden_html(tmp_path) -> None:
    """Regenerate with: FUSION_COST_UPDATE_GOLDEN=1 pytest tests/test_report.py -k golden."""
    out = tmp_path / "r.html"
    assert main(["report", "-o", str(out), "--samples", str(SAMPLES)]) == 0
    html = mask(out.read_text())
    if UPDATE:
        GOLDEN.write_text(html)
    assert GOLDEN.exists(), "no golden file: run with FUSION_COST_UPDATE_GOLDEN=1"
    expected = GOLDEN.read_text()
    if html != expected:
        first = next(i for i, (a, b) in enumerate(zip(html, expected, strict=False)) if a != b)
        pytest.fail(
            "report HTML differs from tests/golden/report-example.html near: "
            f"{html[max(0, first - 80) : first + 80]!r}; if the change is intended, regenerate "
            "with FUSION_COST_UPDATE_GOLDEN=1 pytest tests/test_report.py -k golden"
        )


@pytest.mark.parametrize(
    "strategies",
    [
        ["--single", "openai/gpt-5.4-mini"],
        ["--single", "openai/gpt-5.4-mini", "--single", "anthropic/claude-opus-5"],
        ["--fusion", "general-high", "--fusion", "general-budget"],
        ["--fusion", "general-high"],
        ["--auto", "medium"],
        ["--auto", "medium", "--fusion", "general-fast", "--single", "openai/gpt-5.4-mini"],
    ],
    ids=["one-single", "all-single", "all-fusion", "one-fusion", "one-auto", "mix"],
)
def test_every_mix_of_strategies_renders(tmp_path, capsys, strategies: list[str]) -> None:
    out = tmp_path / "r.html"
    workload = ["--requests-per-month", "10000", "--input-tokens", "2000", "--output-tokens", "500"]
    assert main(["report", *workload, *strategies, "-o", str(out), "--samples", "200"]) == 0
    html = out.read_text(encoding="utf-8")
    assert html.index('id="headline"') < html.index('id="costs"') < html.index('id="appendix"')
    assert html.count('data-whatif="monthly"') == len(strategies) // 2  # one card each
