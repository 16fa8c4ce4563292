"""Concurrency: 8 processes refreshing and 8 estimating at once: no torn reads, no lost history.

The short variant (a few seconds) always runs; `pytest -m slow` runs the 30-second soak.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from werkzeug import Request, Response

from estimator.pricing.store import history_files, read_catalog_file
from tests.conftest import PAYLOAD

WORKERS = 8


def _payloads(tmp: Path) -> tuple[bytes, bytes]:
    a = PAYLOAD.read_bytes()
    document = json.loads(a)
    for row in document["data"]:
        if row["id"] == "openai/gpt-5.4-mini":
            row["pricing"]["prompt"] = "0.000001"
    return a, json.dumps(document).encode()


def _loop(
    command: list[str],
    until: float,
    env: dict[str, str],
    results: list[tuple[int, str]],
    lock: threading.Lock,
) -> None:
    while time.monotonic() < until:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
        with lock:
            results.append((done.returncode, done.stdout + done.stderr))


def soak(httpserver, tmp_path: Path, seconds: float) -> dict[str, int]:  # type: ignore[no-untyped-def]
    a, b = _payloads(tmp_path)
    counter = {"n": 0}
    counter_lock = threading.Lock()

    def handler(request: Request) -> Response:
        with counter_lock:
            counter["n"] += 1
            body = a if counter["n"] % 2 else b
        return Response(body, content_type="application/json")

    httpserver.expect_request("/api/v1/models").respond_with_handler(handler)
    cache = tmp_path / "cache"
    env = {**os.environ, "FUSION_COST_HISTORY_KEEP": "100000"}
    base = [sys.executable, "-m", "estimator"]
    seed = subprocess.run(
        [*base, "prices", "import", str(PAYLOAD), "--cache-dir", str(cache)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert seed.returncode == 0, seed.stderr
    refresh = [
        *base,
        "prices",
        "refresh",
        "--base-url",
        httpserver.url_for("/api/v1"),
        "--cache-dir",
        str(cache),
        "--timeout",
        "60",
    ]
    estimate = [
        *base,
        "estimate",
        "--cache-dir",
        str(cache),
        "--format",
        "json",
        "--samples",
        "100",
    ]
    until = time.monotonic() + seconds
    refreshes: list[tuple[int, str]] = []
    estimates: list[tuple[int, str]] = []
    lock = threading.Lock()
    threads = [
        threading.Thread(target=_loop, args=(refresh, until, env, refreshes, lock))
        for _ in range(WORKERS)
    ]
    threads += [
        threading.Thread(target=_loop, args=(estimate, until, env, estimates, lock))
        for _ in range(WORKERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    shas = set()
    for code, output in estimates:
        assert code == 0, output  # never a torn or half-written catalog
        shas.add(json.loads(output[: output.rindex("}") + 1])["pricing"]["sha256"])
    stored = [out for code, out in refreshes if code == 0 and "stored" in out]
    assert all(code == 0 for code, _ in refreshes), [o for c, o in refreshes if c][:2]
    history = history_files(cache)
    seeds = 1  # the import that seeded the cache
    assert len(history) == len(stored) + seeds  # every refresh that stored is in history
    digests = {read_catalog_file(path).meta.sha256 for path in history}
    final = read_catalog_file(cache / "catalog.json")
    assert final.meta.sha256 in digests and len(digests) == 2
    assert shas <= digests
    return {"refreshes": len(refreshes), "estimates": len(estimates), "history": len(history)}


def test_refreshers_and_estimators_at_once(httpserver, tmp_path, capsys) -> None:
    figures = soak(httpserver, tmp_path, seconds=6)
    with capsys.disabled():
        print(f"\nconcurrency (6 s): {figures}")
    assert figures["refreshes"] >= WORKERS and figures["estimates"] >= WORKERS


@pytest.mark.slow
def test_thirty_second_soak(httpserver, tmp_path, capsys) -> None:
    figures = soak(httpserver, tmp_path, seconds=30)
    with capsys.disabled():
        print(f"\nconcurrency (30 s): {figures}")
    assert figures["refreshes"] >= 4 * WORKERS
