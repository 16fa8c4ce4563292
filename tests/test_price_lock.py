"""A reviewed price lock: `prices lock` writes it, every pricing command uses the locked catalog
and refuses one that changed, and the catalog's age counts from the review."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from estimator.cli import main
from tests.conftest import DATA
from tests.report_helpers import example_data, write_scenario

PAYLOAD = DATA / "openrouter-models-2026-08-19.json"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> Path:  # type: ignore[no-untyped-def]
    """A repository with a scenario and its own imported catalog, locked as reviewed."""
    monkeypatch.chdir(tmp_path)
    cache = tmp_path / "pricing_cache"
    assert main(["prices", "import", str(PAYLOAD), "--cache-dir", str(cache)]) == 0
    write_scenario(tmp_path / "scenario.yaml", example_data())
    capsys.readouterr()
    return tmp_path


def _json(capsys, *args: str) -> dict:  # type: ignore[no-untyped-def]
    assert main([*args, "--format", "json", "--samples", "200"]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_lock_records_the_reviewed_catalog(project: Path, capsys) -> None:
    assert main(["prices", "lock", "--cache-dir", "pricing_cache", "--reviewed-by", "alice"]) == 0
    err = capsys.readouterr().err
    assert "locked pricing_cache/catalog.json (prices of 2026-08-19, 549 models" in err
    lock = json.loads((project / "fusion-cost.lock").read_text())
    assert lock["catalog"] == "pricing_cache/catalog.json"  # relative: the lock is committed
    assert lock["reviewed_by"] == "alice" and lock["fetched_at"].startswith("2026-08-19")
    import hashlib

    body = (project / "pricing_cache" / "catalog.json").read_bytes()
    assert lock["file_sha256"] == hashlib.sha256(body).hexdigest()


def test_commands_price_with_the_locked_catalog_aged_from_its_review(project, capsys) -> None:
    """The catalog was fetched 98.5 days before the tests' today; reviewed today, it is 0 days
    into its review: no stale warning, and a 30-day age policy passes."""
    assert main(["prices", "lock", "--cache-dir", "pricing_cache", "--reviewed-by", "bob"]) == 0
    found = _json(capsys, "estimate", "scenario.yaml")
    pricing = found["pricing"]
    assert pricing["lock"].endswith("fusion-cost.lock") and pricing["reviewed_by"] == "bob"
    assert pricing["age_days"] == 98.5 and pricing["review_age_days"] == 0.0
    assert pricing["stale"] is False and found["warnings"] == []
    data = example_data()
    data["policy"] = {"max_catalog_age_days": 30, "monthly_budget_usd": 10**6}
    write_scenario(project / "scenario.yaml", data)
    assert main(["check", "scenario.yaml", "--samples", "200"]) == 0
    out = capsys.readouterr().out
    assert "PASS max_catalog_age_days: days since the prices were reviewed 0 days" in out
    # without the lock the same check fails on the catalog's own age
    assert main(["check", "scenario.yaml", "--samples", "200", "--no-lock"]) == 1


def test_a_catalog_that_changed_since_the_review_is_refused(project, capsys) -> None:
    assert main(["prices", "lock", "--cache-dir", "pricing_cache"]) == 0
    payload = json.loads(PAYLOAD.read_text())
    for row in payload["data"]:
        if row["id"] == "openai/gpt-5.4-mini":
            row["pricing"]["prompt"] = "0.0000015"
    changed = project / "changed.json"
    changed.write_text(json.dumps(payload))
    assert main(["prices", "import", str(changed), "--cache-dir", "pricing_cache"]) == 0
    capsys.readouterr()
    for command in (["estimate"], ["report"], ["check"], ["replay", str(_log(project))]):
        code = main([*command, "scenario.yaml"] if command[0] != "replay" else command)
        err = capsys.readouterr().err
        assert code == 3, (command, err)
        assert "pricing_cache/catalog.json does not match" in err
        assert "fusion-cost prices lock" in err and err.count("\n") == 1
    assert main(["estimate", "scenario.yaml", "--no-lock", "--samples", "200"]) == 0


def test_a_lock_of_the_bundled_snapshot_copies_it_beside_the_lock(tmp_path, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    assert main(["prices", "lock"]) == 0
    assert "copied" in capsys.readouterr().err
    assert (tmp_path / "pricing_cache" / "catalog.json").is_file()
    assert json.loads((tmp_path / "fusion-cost.lock").read_text())["catalog"] == (
        "pricing_cache/catalog.json"
    )
    found = _json(capsys, "estimate")
    assert found["pricing"]["review_age_days"] == 0.0


def test_a_lock_is_found_beside_the_scenario_or_named(
    project, tmp_path, capsys, monkeypatch
) -> None:
    assert main(["prices", "lock", "--cache-dir", "pricing_cache"]) == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    found = _json(capsys, "estimate", str(project / "scenario.yaml"))
    assert found["pricing"]["lock"] is not None  # beside the scenario
    found = _json(capsys, "estimate", "--lock", str(project / "fusion-cost.lock"))
    assert found["pricing"]["lock"] is not None  # named
    assert main(["estimate", "--lock", "missing.lock"]) == 2


def test_a_broken_lock_is_a_clear_error(project, capsys) -> None:
    (project / "fusion-cost.lock").write_text('{"lock_version": 1, "catalog": 5}')
    assert main(["estimate", "scenario.yaml"]) == 2
    err = capsys.readouterr().err
    assert "fusion-cost.lock: not a valid price lock" in err and err.count("\n") == 1


def _log(project: Path) -> Path:
    log = project / "usage.jsonl"
    lines = (DATA / "real" / "openrouter-usage-2026-08.jsonl").read_text().splitlines()[:5]
    log.write_text("\n".join(lines) + "\n")
    return log


def test_a_refresh_proposes_its_dollar_impact(project, server, monkeypatch, capsys) -> None:
    """The models API doubles gpt-5.4-mini's input price (0.75 -> 1.50 per 1M): single-mini
    costs 200,000 x 2,000 x 0.75 / 1M = $300 more a month ($750 -> $1,050, +40%), its cost
    per request goes from $0.00375 to $0.00525 and so breaks a $0.004 limit, and the lock
    moves to the new catalog, pending the pull request's review."""
    assert main(["prices", "lock", "--cache-dir", "pricing_cache", "--reviewed-by", "alice"]) == 0
    data = example_data()
    data["policy"] = {"max_per_request_usd": {"single-mini": 0.004}}
    write_scenario(project / "scenario.yaml", data)
    (project / "notes.yaml").write_text("just: a note\n")  # not a scenario: skipped
    payload = json.loads(PAYLOAD.read_text())
    for row in payload["data"]:
        if row["id"] == "openai/gpt-5.4-mini":
            row["pricing"]["prompt"] = "0.0000015"
    server.expect_request("/api/v1/models").respond_with_json(payload)
    monkeypatch.setenv("FUSION_COST_BASE_URL", server.url_for("/api/v1"))
    capsys.readouterr()
    args = ["prices", "refresh", "--cache-dir", "pricing_cache", "--propose", "-o", "body.md"]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "skipped notes.yaml: not a scenario" in err
    body = (project / "body.md").read_text()
    assert body.startswith("<!-- fusion-cost-prices -->")
    assert "| openai/gpt-5.4-mini | prompt | 0.75 | 1.5 | +100.0% |" in body
    assert "| single-mini | $750.00 | $1,050 | +$300.00 | +40.0% |" in body
    assert "policy `max_per_request_usd` (single-mini) now fails" in body
    assert "1 price(s) changed for the models your scenarios use; 1 policy or verdict" in body
    lock = json.loads((project / "fusion-cost.lock").read_text())
    assert lock["reviewed_by"].startswith("pending")
    found = _json(capsys, "estimate", "scenario.yaml")  # the lock now names the new prices
    mini = next(s for s in found["strategies"] if s["name"] == "single-mini")
    assert mini["per_request_usd"] == pytest.approx((2000 * 1.5 + 500 * 4.5) / 1e6)
