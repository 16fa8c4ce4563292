"""OPENROUTER_API_KEY is sent as a bearer token and appears nowhere else: not in any file a
command writes, not on stdout, not on stderr, on success or failure.

Every command that writes something runs here with a unique canary key. (tests/conftest.py also
sets a canary for the whole suite and fails the run if it shows up in any captured output or
in any file under the pytest basetemp.)
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests import conftest
from tests.conftest import PAYLOAD
from tests.hostile_helpers import Outcome, run_cli

MODELS = "/api/v1/models"
SCENARIO = """\
name: secrets
workload: {requests_per_month: 1000, input_tokens: 100, output_tokens: 50}
strategies:
  - {name: mini, single: {model: openai/gpt-5.4-mini}}
  - {name: fusion, fusion: {preset: general-high}}
policy: {monthly_budget_usd: 1}
"""
LOG = (
    "created_at,model_permaslug,tokens_prompt,tokens_completion,cost_total\n"
    "2026-08-01 10:00:00,openai/gpt-5.4-mini,1000,200,0.00165\n" * 2
)


@pytest.fixture
def canary(monkeypatch: pytest.MonkeyPatch) -> str:
    key = f"sk-or-v1-canary-{uuid.uuid4().hex}"
    monkeypatch.setenv("OPENROUTER_API_KEY", key)
    return key


class Runs:
    """Every command's outcome, to search for the key afterwards."""

    def __init__(self, key: str, *roots: Path) -> None:
        self.key, self.roots, self.outcomes = key, roots, []

    def __call__(self, expect: int, *argv: str) -> Outcome:
        outcome = run_cli(list(argv))
        self.outcomes.append((argv, outcome))
        assert outcome.code == expect, f"{argv}: {outcome.describe()}"
        return outcome

    def assert_no_key_anywhere(self) -> int:
        for argv, outcome in self.outcomes:
            assert self.key not in outcome.out, f"{argv}: the key is on stdout"
            assert self.key not in outcome.err, f"{argv}: the key is on stderr"
        files = [p for root in self.roots for p in root.rglob("*") if p.is_file()]
        for path in files:
            assert self.key.encode() not in path.read_bytes(), f"the key is in {path}"
        return len(files)


def refresh_argv(server: HTTPServer, cache: Path, *extra: str) -> list[str]:
    base = ["prices", "refresh", "--cache-dir", str(cache), "--base-url"]
    return [*base, server.url_for("/api/v1"), "--retries", "0", "--timeout", "10", *extra]


def bearer(server: HTTPServer) -> list[str | None]:
    return [request.headers.get("Authorization") for request, _ in server.log]


def test_the_suite_runs_with_a_canary_key() -> None:
    assert os.environ["OPENROUTER_API_KEY"] == conftest.CANARY


def test_refresh_sends_the_key_and_stores_it_nowhere(
    server: HTTPServer, tmp_path: Path, canary: str
) -> None:
    runs = Runs(canary, tmp_path)
    cache = tmp_path / "cache"
    server.expect_request(MODELS).respond_with_data(
        PAYLOAD.read_bytes(), content_type="application/json", headers={"ETag": '"v1"'}
    )
    runs(0, *refresh_argv(server, cache))
    runs(0, *refresh_argv(server, cache))  # conditional: 304 or unchanged, still no key stored
    runs(0, *refresh_argv(server, cache, "--force"))
    assert bearer(server) == [f"Bearer {canary}"] * 3  # compared in memory only
    assert runs.assert_no_key_anywhere() >= 3


def echo_key(request: Request) -> Response:
    """A hostile (or broken) mirror that reflects the request headers into its answer."""
    return Response(f"echo: {request.headers.get('Authorization')}", status=200)


def echo_key_in_json(request: Request) -> Response:
    """A valid catalog whose model ids carry the key: it would be stored if accepted."""
    key = request.headers.get("Authorization")
    rows = [{"id": f"{key}/{n}", "pricing": {"prompt": "0", "completion": "0"}} for n in range(600)]
    return Response(json.dumps({"data": rows}), content_type="application/json")


def echo_key_in_an_invalid_row(request: Request) -> Response:
    row = {"id": request.headers.get("Authorization"), "pricing": {"prompt": "x"}}
    return Response(json.dumps({"data": [row]}), content_type="application/json")


FAILURES = {
    "http-500": lambda request: Response("oops", status=500),
    "http-401": lambda request: Response('{"error": "bad key"}', status=401),
    "bad-json": lambda request: Response("{not json", content_type="application/json"),
    "html": lambda request: Response("<!DOCTYPE html><p>hi</p>", content_type="text/html"),
    "no-data-list": lambda request: Response('{"data": 5}', content_type="application/json"),
    "echoes-the-key-as-text": echo_key,
    "echoes-the-key-in-a-bad-row": echo_key_in_an_invalid_row,
    "echoes-the-key-as-a-model-id": echo_key_in_json,
}


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_refresh_failures_never_show_or_store_the_key(
    server: HTTPServer, tmp_path: Path, canary: str, failure: str
) -> None:
    runs = Runs(canary, tmp_path)
    cache = tmp_path / "cache"
    server.expect_request(MODELS).respond_with_handler(FAILURES[failure])
    outcome = runs(3, *refresh_argv(server, cache))
    assert outcome.err.splitlines()[-1].startswith("fusion-cost: error: "), outcome.err
    assert bearer(server) == [f"Bearer {canary}"]
    assert not (cache / "catalog.json").exists()
    runs.assert_no_key_anywhere()


def test_every_writing_command_keeps_the_key_out(
    tmp_path: Path, canary: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = Path.cwd()  # the isolated working dir: default outputs (reports/...) land here
    runs = Runs(canary, tmp_path, work, Path(os.environ["HOME"]))
    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    cache = tmp_path / "cache"
    payload = tmp_path / "models-2026-11-20.json"
    payload.write_bytes(PAYLOAD.read_bytes())
    runs(0, "prices", "import", str(payload), "--cache-dir", str(cache))
    catalog = ["--cache-dir", str(cache)]
    spec = tmp_path / "scenario.yaml"
    spec.write_text(SCENARIO)
    out = tmp_path / "out"
    out.mkdir()
    for fmt in ("table", "json", "csv", "markdown"):
        runs(
            0, "estimate", str(spec), "--format", fmt, "-o", str(out / f"estimate.{fmt}"), *catalog
        )
        runs(0, "estimate", str(spec), "--format", fmt, "--samples", "100", *catalog)
    runs(0, "report", str(spec), "-o", str(out / "report.html"), *catalog)
    runs(0, "report", str(spec), *catalog)  # reports/<slug>.html in the working dir
    base = out / "estimate.json"
    for fmt in ("text", "json", "markdown", "github"):
        argv = ["check", str(spec), "--baseline", str(base), "--format", fmt]
        runs(1, *argv, "--output", str(out / f"check.{fmt}"), *catalog)
        runs(0, *argv, "--warn-only", *catalog)
    log = tmp_path / "activity.csv"
    log.write_text(LOG)
    for fmt in ("table", "json", "csv", "markdown"):
        argv = ["replay", str(log), "--format", fmt, "-o", str(out / f"replay.{fmt}"), *catalog]
        runs(0, *argv, "--profile-out", str(out / f"profile-{fmt}.yaml"))
    runs(0, "estimate", "--workload-from", str(out / "profile-json.yaml"), *catalog)
    runs(0, "estimate", "--workload-from", str(log), "--format", "json", *catalog)
    runs(0, "prices", "show", "openai/*", "--format", "csv", *catalog)
    runs(0, "prices", "diff", str(PAYLOAD), str(cache / "catalog.json"), "--format", "json")
    runs(2, "estimate", str(tmp_path / "missing.yaml"))  # errors too
    assert summary.stat().st_size > 0 and (work / "reports" / "secrets.html").exists()
    assert runs.assert_no_key_anywhere() >= 20
