"""`prices refresh` against a real HTTP server on 127.0.0.1 serving the recorded payload.

Every fault must leave the cache byte-identical and raise `PricingUnavailable` (or its
`FetchError` subclass) naming the reason.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from estimator.cli import main
from estimator.errors import PricingUnavailable
from estimator.pricing.fetch import FetchError, FetchSettings, insecure_url_warning
from estimator.pricing.refresh import import_file, refresh
from estimator.pricing.store import history_files, read_catalog_file
from tests.conftest import PAYLOAD
from tests.pricing_helpers import (
    dir_bytes,
    payload,
    payload_bytes,
    row_index,
    rows,
    temp_files,
    to_bytes,
    with_price,
)

MODELS = "/api/v1/models"
ETAG = '"catalog-v1"'
LAST_MODIFIED = "Wed, 19 Aug 2026 00:00:00 GMT"
API_KEY = "sk-or-v1-test-0123456789abcdef-never-store-me"
JSON = "application/json"


def fast(server: HTTPServer, **changes: Any) -> FetchSettings:
    values: dict[str, Any] = {
        "base_url": server.url_for("/api/v1"),
        "connect_timeout_s": 2.0,
        "read_timeout_s": 3.0,
        "total_timeout_s": 10.0,
        "retries": 2,
        "backoff_base_s": 0.01,
        "backoff_max_s": 0.05,
    }
    values.update(changes)
    return FetchSettings(**values)


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    """A cache dir holding a good catalog (the recorded payload), imported offline."""
    cache = tmp_path / "cache"
    import_file(PAYLOAD, cache)
    return cache


def serve_payload(server: HTTPServer, **headers: str) -> None:
    server.expect_request(MODELS).respond_with_data(
        payload_bytes(), content_type=JSON, headers=headers
    )


def requests(server: HTTPServer) -> list[Request]:
    return [request for request, _ in server.log]


# --- success paths -----------------------------------------------------------------------------


def test_single_page_is_fetched_validated_and_stored(server: HTTPServer, tmp_path: Path) -> None:
    serve_payload(server, ETag=ETAG, **{"Last-Modified": LAST_MODIFIED})
    cache = tmp_path / "fresh"
    outcome = refresh(cache, fast(server))
    assert outcome.changed
    assert outcome.model_count == 549
    assert outcome.pages == 1
    stored = read_catalog_file(cache / "catalog.json")
    assert stored.ids == [row["id"] for row in rows()]
    assert stored.meta.etag == ETAG
    assert stored.meta.last_modified == LAST_MODIFIED
    assert stored.meta.source == server.url_for(MODELS) + "?output_modalities=all"
    (request,) = requests(server)
    assert request.args["output_modalities"] == "all"
    assert request.headers["User-Agent"].startswith("fusion-cost/")
    assert "Authorization" not in request.headers
    assert "If-None-Match" not in request.headers
    assert len(history_files(cache)) == 1
    assert temp_files(cache) == []


def test_pagination_through_links_next(server: HTTPServer, tmp_path: Path) -> None:
    data = rows()

    def page(request: Request) -> Response:
        number = int(request.args.get("page", "1"))
        chunk = data[(number - 1) * 200 : number * 200]
        following = f"{MODELS}?output_modalities=all&page={number + 1}" if number < 3 else None
        body = {"data": chunk, "links": {"next": following}}  # no total_count: links only
        return Response(json.dumps(body), content_type=JSON)

    server.expect_request(MODELS).respond_with_handler(page)
    outcome = refresh(tmp_path / "c", fast(server))
    assert (outcome.model_count, outcome.pages) == (549, 3)
    assert [r.args.get("page") for r in requests(server)] == [None, "2", "3"]
    assert all(r.args["output_modalities"] == "all" for r in requests(server))
    assert read_catalog_file(tmp_path / "c" / "catalog.json").ids == [r["id"] for r in data]


def test_pagination_through_offset_and_total_count(server: HTTPServer, tmp_path: Path) -> None:
    data = rows()

    def page(request: Request) -> Response:
        offset = int(request.args.get("offset", "0"))
        limit = int(request.args.get("limit", "200"))
        body = {"data": data[offset : offset + limit], "total_count": len(data)}
        return Response(json.dumps(body), content_type=JSON)

    server.expect_request(MODELS).respond_with_handler(page)
    outcome = refresh(tmp_path / "c", fast(server))
    assert (outcome.model_count, outcome.pages) == (549, 3)
    seen = [(r.args.get("offset"), r.args.get("limit")) for r in requests(server)]
    assert seen == [(None, None), ("200", "200"), ("400", "200")]
    stored = read_catalog_file(tmp_path / "c" / "catalog.json")
    assert len(stored) == 549
    assert stored.ids == [r["id"] for r in data]


def test_not_modified_sends_validators_and_keeps_the_models(
    server: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def conditional(request: Request) -> Response:
        if request.headers.get("If-None-Match") == ETAG:
            return Response(status=304, headers={"ETag": ETAG})
        return Response(
            payload_bytes(),
            content_type=JSON,
            headers={"ETag": ETAG, "Last-Modified": LAST_MODIFIED},
        )

    server.expect_request(MODELS).respond_with_handler(conditional)
    cache = tmp_path / "c"
    refresh(cache, fast(server))
    before = json.loads((cache / "catalog.json").read_bytes())

    monkeypatch.setenv("FUSION_COST_NOW", "2026-11-26T08:30:00+00:00")
    outcome = refresh(cache, fast(server))
    assert not outcome.changed
    assert outcome.model_count == 549
    second = requests(server)[-1]
    assert second.headers["If-None-Match"] == ETAG
    assert second.headers["If-Modified-Since"] == LAST_MODIFIED
    assert server.log[-1][1].status_code == 304

    after = json.loads((cache / "catalog.json").read_bytes())
    assert after["data"] == before["data"]
    assert after["meta"]["sha256"] == before["meta"]["sha256"]
    assert after["meta"]["fetched_at"] == before["meta"]["fetched_at"]
    assert after["meta"]["checked_at"].startswith("2026-11-26T08:30")
    assert len(history_files(cache)) == 1

    forced = refresh(cache, fast(server), force=True)  # unconditional: full download
    assert not forced.changed  # same facts: reported unchanged, the file keeps its models
    assert "If-None-Match" not in requests(server)[-1].headers
    assert len(history_files(cache)) == 1  # same models: no new history entry


def test_429_waits_for_retry_after_then_succeeds(server: HTTPServer, tmp_path: Path) -> None:
    stamps: list[float] = []

    def limited(request: Request) -> Response:
        stamps.append(time.monotonic())
        if len(stamps) == 1:
            return Response("slow down", status=429, headers={"Retry-After": "1"})
        return Response(payload_bytes(), content_type=JSON)

    server.expect_request(MODELS).respond_with_handler(limited)
    outcome = refresh(tmp_path / "c", fast(server, backoff_base_s=0.001))
    assert outcome.model_count == 549
    assert len(stamps) == 2
    assert stamps[1] - stamps[0] >= 1.0  # honoured Retry-After, not the 1 ms backoff


def test_500_then_success(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_oneshot_request(MODELS).respond_with_data("oops", status=500)
    serve_payload(server)
    outcome = refresh(tmp_path / "c", fast(server))
    assert outcome.model_count == 549
    assert [response.status_code for _, response in server.log] == [500, 200]


def test_shrunk_catalog_is_rejected_unless_forced(server: HTTPServer, seeded: Path) -> None:
    small = payload()
    small["data"] = small["data"][:10]
    small["total_count"] = 10
    server.expect_request(MODELS).respond_with_data(to_bytes(small), content_type=JSON)
    before = dir_bytes(seeded)
    with pytest.raises(PricingUnavailable, match=r"only 10 models against 549.*--force"):
        refresh(seeded, fast(server))
    assert dir_bytes(seeded) == before

    outcome = refresh(seeded, fast(server), force=True)
    assert outcome.changed
    assert len(read_catalog_file(seeded / "catalog.json")) == 10
    assert len(history_files(seeded)) == 2


# --- faults: each leaves the cache byte-identical -----------------------------------------------

Setup = Callable[[HTTPServer], None]


def respond(body: bytes | str, status: int = 200, content_type: str = JSON, **hdr: str) -> Setup:
    def setup(server: HTTPServer) -> None:
        server.expect_request(MODELS).respond_with_data(
            body, status=status, content_type=content_type, headers=hdr
        )

    return setup


def bad_price(value: Any) -> Setup:
    return respond(to_bytes(with_price("anthropic/claude-opus-5", "prompt", value)))


def duplicate_ids() -> Setup:
    document = payload()
    document["data"].append(document["data"][row_index(document, "openai/gpt-5.6-sol")])
    return respond(to_bytes(document))


def endless_links() -> Setup:
    body = to_bytes({"data": rows()[:300], "links": {"next": f"{MODELS}?output_modalities=all"}})
    return respond(body)


def bad_second_page() -> Setup:
    def page(request: Request) -> Response:
        if request.args.get("offset"):
            return Response(b'{"data": [{"id": "x/y", "pri', content_type=JSON)
        return Response(json.dumps({"data": rows()[:300], "total_count": 549}), content_type=JSON)

    def setup(server: HTTPServer) -> None:
        server.expect_request(MODELS).respond_with_handler(page)

    return setup


HTML = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>oops</body></html>"

FAULTS: dict[str, tuple[Setup, str]] = {
    "truncated-json": (respond(payload_bytes()[:40_000]), "not valid JSON"),
    "html-error-page-200": (respond(HTML, content_type="text/html"), "not valid JSON"),
    "json-not-an-object": (respond(b"[1, 2, 3]"), "expected a JSON object with a 'data' list"),
    "empty-data": (respond(b'{"data": []}'), "the payload lists no models"),
    "price-abc": (bad_price("abc"), "anthropic/claude-opus-5): pricing.prompt: price 'abc'"),
    "price-nan": (bad_price("NaN"), "pricing.prompt: price 'NaN' is not a finite number"),
    "price-negative": (bad_price("-5"), "pricing.prompt: price '-5' is negative"),
    "price-number": (bad_price(5), "pricing.prompt: price must be a decimal string"),
    "duplicate-ids": (duplicate_ids(), "duplicate model id 'openai/gpt-5.6-sol'"),
    "http-500-always": (respond("boom", status=500), "HTTP 500 (gave up after 3 attempts)"),
    "http-429-always": (
        respond("slow", status=429, **{"Retry-After": "0"}),
        "HTTP 429 (gave up after 3 attempts)",
    ),
    "retry-after-too-long": (
        respond("slow", status=429, **{"Retry-After": "3600"}),
        "would pass the 10s limit",
    ),
    "http-404": (respond("not here", status=404), "HTTP 404"),
    "pagination-loop": (endless_links(), "pagination does not end"),
    "bad-second-page": (bad_second_page(), "not valid JSON"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_leaves_cache_identical(server: HTTPServer, seeded: Path, fault: str) -> None:
    setup, reason = FAULTS[fault]
    setup(server)
    before = dir_bytes(seeded)
    started = time.monotonic()
    with pytest.raises(PricingUnavailable) as info:
        refresh(seeded, fast(server))
    assert reason in str(info.value)
    assert info.value.exit_code == 3
    assert time.monotonic() - started < 5
    assert dir_bytes(seeded) == before
    assert temp_files(seeded) == []
    assert requests(server), "the server was never asked"


def test_read_timeout(server: HTTPServer, seeded: Path) -> None:
    release = threading.Event()

    def stall(request: Request) -> Response:
        release.wait(5)
        return Response(payload_bytes(), content_type=JSON)

    server.expect_request(MODELS).respond_with_handler(stall)
    before = dir_bytes(seeded)
    started = time.monotonic()
    try:
        with pytest.raises(FetchError) as info:
            refresh(seeded, fast(server, read_timeout_s=0.3, retries=1))
    finally:
        release.set()
    elapsed = time.monotonic() - started
    assert "ReadTimeout" in str(info.value)
    assert "gave up after 2 attempts" in str(info.value)
    assert 0.6 <= elapsed < 3
    assert dir_bytes(seeded) == before


def test_read_timeout_through_the_cli(
    server: HTTPServer, seeded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    release = threading.Event()

    def stall(request: Request) -> Response:
        release.wait(5)
        return Response(payload_bytes(), content_type=JSON)

    server.expect_request(MODELS).respond_with_handler(stall)
    before = dir_bytes(seeded)
    argv = ["prices", "refresh", "--cache-dir", str(seeded), "--base-url"]
    argv += [server.url_for("/api/v1"), "--read-timeout", "0.3", "--retries", "0"]
    try:
        code = main(argv)
    finally:
        release.set()
    err = capsys.readouterr().err
    assert code == 3
    assert "ReadTimeout" in err
    assert "Traceback" not in err
    assert dir_bytes(seeded) == before


def test_connection_refused(seeded: Path) -> None:
    with socket.socket() as probe:  # a port on 127.0.0.1 that nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    before = dir_bytes(seeded)
    settings = FetchSettings(
        base_url=f"http://127.0.0.1:{port}/api/v1", retries=1, backoff_base_s=0.01
    )
    with pytest.raises(FetchError, match=r"ConnectError.*gave up after 2 attempts"):
        refresh(seeded, settings)
    assert dir_bytes(seeded) == before


def test_html_page_through_the_cli_exits_3(
    server: HTTPServer, seeded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    respond(HTML, content_type="text/html")(server)
    argv = ["prices", "refresh", "--cache-dir", str(seeded), "--retries", "0", "--base-url"]
    code = main([*argv, server.url_for("/api/v1")])
    err = capsys.readouterr().err
    assert code == 3, err
    assert "not valid JSON" in err
    assert "<!DOCTYPE html>" in err


# --- headers and the API key -----------------------------------------------------------------


def test_api_key_is_sent_as_bearer_and_never_stored(server: HTTPServer, tmp_path: Path) -> None:
    serve_payload(server, ETag=ETAG)
    cache = tmp_path / "c"
    settings = fast(server, api_key=API_KEY)
    assert API_KEY not in repr(settings)
    refresh(cache, settings)
    (request,) = requests(server)
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert request.headers["User-Agent"].startswith("fusion-cost/")
    files = [p for p in cache.rglob("*") if p.is_file()]
    assert len(files) >= 3  # catalog.json, history entry, .lock
    for path in files:
        assert API_KEY.encode() not in path.read_bytes(), path


def test_api_key_from_the_environment_via_the_cli(
    server: HTTPServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", API_KEY)
    server.expect_oneshot_request(MODELS).respond_with_data("denied", status=401)
    serve_payload(server)
    cache = tmp_path / "c"
    argv = ["prices", "refresh", "--cache-dir", str(cache), "--base-url"]
    argv.append(server.url_for("/api/v1"))

    assert main(argv) == 3  # 401 is not retried, and the key is not echoed
    failed = capsys.readouterr()
    assert "HTTP 401" in failed.err
    assert API_KEY not in failed.err + failed.out

    assert main(argv) == 0
    done = capsys.readouterr()
    assert "stored 549 models" in done.err
    assert API_KEY not in done.err + done.out
    for request in requests(server):
        assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    for path in cache.rglob("*"):
        if path.is_file():
            assert API_KEY.encode() not in path.read_bytes(), path


def test_plain_http_warning_only_off_loopback() -> None:
    assert insecure_url_warning("http://127.0.0.1:8080/api/v1") is None
    assert insecure_url_warning("http://localhost/api/v1") is None
    assert insecure_url_warning("https://mirror.example/api/v1") is None
    warning = insecure_url_warning("http://mirror.example/api/v1")
    assert warning is not None
    assert "plain HTTP" in warning
