"""Network faults against real sockets on 127.0.0.1: every one is bounded in time and size,
ends in one clear `PricingUnavailable`/`FetchError` line (exit 3 through the CLI, no
traceback) and leaves the cache byte-identical.

The raw-socket server (`tests/fault_helpers.RawServer`) produces what pytest-httpserver cannot:
slow drips, TCP resets mid-body, endless bodies and headers, gzip bombs. CLI runs go through a
subprocess whose `socket.getaddrinfo` refuses every name but loopback, so nothing here can
reach the real network, not even DNS.
"""

from __future__ import annotations

import gzip
import json
import re
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from estimator.errors import PricingUnavailable
from estimator.pricing.fetch import FetchError, FetchSettings, insecure_url_warning
from estimator.pricing.refresh import import_file, refresh
from estimator.pricing.store import read_catalog_file
from tests.cli import run_child
from tests.conftest import PAYLOAD
from tests.fault_helpers import (
    RawServer,
    Received,
    assert_one_line_error,
    drip,
    head,
    reset,
)
from tests.pricing_helpers import dir_bytes, payload_bytes, rows, temp_files

MODELS = "/api/v1/models"
FIRST_PAGE = f"{MODELS}?output_modalities=all"
API_KEY = "sk-or-v1-fault-test-0123456789abcdef-never-leak-me"
MB = 1024 * 1024

FIGURES: list[str] = []  # what was measured, printed at the end of the module (pytest -s)


@pytest.fixture(scope="module", autouse=True)
def _report_figures() -> Iterator[None]:
    yield
    print("\n--- network fault figures ---")
    for line in FIGURES:
        print(line)


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    cache_dir = tmp_path / "cache"
    import_file(PAYLOAD, cache_dir)
    return cache_dir


def settings(server: RawServer, **changes: Any) -> FetchSettings:
    values: dict[str, Any] = {
        "base_url": server.url(),
        "connect_timeout_s": 2.0,
        "read_timeout_s": 3.0,
        "total_timeout_s": 10.0,
        "retries": 2,
        "backoff_base_s": 0.01,
        "backoff_max_s": 0.05,
        "api_key": API_KEY,
    }
    values.update(changes)
    return FetchSettings(**values)


@contextmanager
def unchanged(cache_dir: Path) -> Iterator[None]:
    """The body must leave `cache_dir` byte-identical (lock file aside), with no temp files."""
    before = dir_bytes(cache_dir)
    yield
    assert dir_bytes(cache_dir) == before
    assert temp_files(cache_dir) == []


def refresh_fails(cache_dir: Path, fetch: FetchSettings, limit_s: float) -> tuple[str, float]:
    """Run `refresh`, expect a one-line `PricingUnavailable` within `limit_s`; (message, secs)."""
    started = time.monotonic()
    with unchanged(cache_dir), pytest.raises(PricingUnavailable) as info:
        refresh(cache_dir, fetch)
    elapsed = time.monotonic() - started
    message = str(info.value)
    assert elapsed < limit_s, (elapsed, message)
    assert info.value.exit_code == 3
    assert "\n" not in message
    assert API_KEY not in message
    return message, elapsed


def cli_refresh(url: str, cache_dir: Path, *extra: str, **kwargs: Any) -> Any:
    return run_child(
        "prices", "refresh", "--base-url", url, "--cache-dir", str(cache_dir), *extra, **kwargs
    )


# --- response writers ---------------------------------------------------------------------------

JSON_TYPE = "application/json"


def send_json(conn: socket.socket, body: bytes, status: str = "200 OK", **headers: Any) -> None:
    conn.sendall(head(status, Content_Type=JSON_TYPE, Content_Length=len(body), **headers) + body)


def serve_payload(conn: socket.socket, request: Received, stop: threading.Event) -> None:
    send_json(conn, payload_bytes())


def slow_body(conn: socket.socket, request: Received, stop: threading.Event) -> None:
    """Headers at once, then the body one byte every 0.2 s, forever."""
    conn.sendall(head(Content_Type=JSON_TYPE, Content_Length=10 * len(payload_bytes())))
    drip(conn, stop, payload_bytes(), 0.2)


def slow_headers(conn: socket.socket, request: Received, stop: threading.Event) -> None:
    """The status line and headers themselves, one byte every 0.2 s, forever."""
    drip(conn, stop, b"HTTP/1.1 200 OK\r\nX-Slow: " + b"z" * 100_000, 0.2)


def reset_mid_body(conn: socket.socket, request: Received, stop: threading.Event) -> None:
    """Half the JSON, then a TCP RST."""
    body = payload_bytes()
    conn.sendall(head(Content_Type=JSON_TYPE, Content_Length=len(body)) + body[: len(body) // 2])
    reset(conn)


def close_mid_body(conn: socket.socket, request: Received, stop: threading.Event) -> None:
    """Half the JSON of a declared length, then a clean FIN."""
    body = payload_bytes()
    conn.sendall(head(Content_Type=JSON_TYPE, Content_Length=len(body)) + body[: len(body) // 2])


def hang_up(conn: socket.socket, request: Received, stop: threading.Event) -> None:
    """Read the request, answer nothing, close."""


def not_http(conn: socket.socket, request: Received, stop: threading.Event) -> None:
    conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\nProtocol mismatch.\r\n")


def endless(chunked: bool) -> Callable[[socket.socket, Received, threading.Event], None]:
    """A body that never ends: close-delimited or chunked, as fast as the client reads."""
    block = b"[" + b" " * (64 * 1024 - 1)

    def handler(conn: socket.socket, request: Received, stop: threading.Event) -> None:
        server = handler.server  # type: ignore[attr-defined]
        if chunked:
            conn.sendall(head(Content_Type=JSON_TYPE, Transfer_Encoding="chunked"))
            frame = f"{len(block):x}\r\n".encode() + block + b"\r\n"
        else:
            conn.sendall(head(Content_Type=JSON_TYPE))
            frame = block
        while not stop.is_set():
            conn.sendall(frame)
            server.count_sent(len(block))

    return handler


def endless_headers(conn: socket.socket, request: Received, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    line = b"X-Filler: " + b"y" * 1000 + b"\r\n"
    while not stop.is_set():
        conn.sendall(line * 64)


@cache
def gzip_bomb(decoded: int = 16 * MB) -> bytes:
    """`decoded` zero bytes, gzip-compressed (about 1000:1)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zero = b"\0" * MB
    parts = [packer.compress(zero) for _ in range(decoded // MB)]
    return b"".join([*parts, packer.flush()])


def bomb(conn: socket.socket, request: Received, stop: threading.Event) -> None:
    body = gzip_bomb()
    conn.sendall(
        head(Content_Type=JSON_TYPE, Content_Encoding="gzip", Content_Length=len(body)) + body
    )


def bad_gzip(conn: socket.socket, request: Received, stop: threading.Event) -> None:
    body = b"this is not gzip at all"
    conn.sendall(
        head(Content_Type=JSON_TYPE, Content_Encoding="gzip", Content_Length=len(body)) + body
    )


def redirect_to(location: str) -> Callable[[socket.socket, Received, threading.Event], None]:
    def handler(conn: socket.socket, request: Received, stop: threading.Event) -> None:
        conn.sendall(head("302 Found", Location=location, Content_Length=0))

    return handler


def redirect_loop(conn: socket.socket, request: Received, stop: threading.Event) -> None:
    hop = int(parse_qs(urlsplit(request.target).query).get("hop", ["0"])[0])
    conn.sendall(head("302 Found", Location=f"{FIRST_PAGE}&hop={hop + 1}", Content_Length=0))


def pages(
    page: Callable[[dict[str, str]], dict[str, Any]],
) -> Callable[[socket.socket, Received, threading.Event], None]:
    """A JSON page per request, built from the request's query parameters."""

    def handler(conn: socket.socket, request: Received, stop: threading.Event) -> None:
        query = {k: v[0] for k, v in parse_qs(urlsplit(request.target).query).items()}
        send_json(conn, json.dumps(page(query)).encode())

    return handler


def two_page_cycle(query: dict[str, str]) -> dict[str, Any]:
    """Page 1 -> page 2 -> page 1 again (links.next points back to the first page)."""
    if query.get("page") == "2":
        return {"data": rows()[300:], "links": {"next": FIRST_PAGE}}
    return {"data": rows()[:300], "links": {"next": f"{FIRST_PAGE}&page=2"}}


def self_link(query: dict[str, str]) -> dict[str, Any]:
    return {"data": rows()[:300], "links": {"next": FIRST_PAGE}}


def forever(query: dict[str, str]) -> dict[str, Any]:
    """Always one more page, each a new URL: only the page limit stops it."""
    number = int(query.get("page", "1"))
    return {"data": rows()[:3], "links": {"next": f"{FIRST_PAGE}&page={number + 1}"}}


def offset_ignored(query: dict[str, str]) -> dict[str, Any]:
    """Claims a million models but ignores `offset`: the same rows under ever new offsets."""
    return {"data": rows()[:300], "total_count": 1_000_000}


def bad_next_link(query: dict[str, str]) -> dict[str, Any]:
    return {"data": rows()[:300], "links": {"next": "http://[::1"}}


def big_pages(query: dict[str, str]) -> dict[str, Any]:
    """Three pages, each well under the size cap, together over it."""
    number = int(query.get("page", "1"))
    following = f"{FIRST_PAGE}&page={number + 1}" if number < 3 else None
    return {"data": rows()[(number - 1) * 183 : number * 183], "links": {"next": following}}


@cache
def big_page_bodies() -> list[bytes]:
    return [json.dumps(big_pages({"page": str(n)})).encode() for n in (1, 2, 3)]


# --- the fault table: in process, exact bounds ---------------------------------------------------


class Fault:
    def __init__(
        self,
        handler: Callable[[socket.socket, Received, threading.Event], None],
        reason: str,
        limit_s: float = 3.0,
        connections: int | None = None,
        **changes: Any,
    ) -> None:
        self.handler, self.reason, self.limit_s = handler, reason, limit_s
        self.connections, self.changes = connections, changes


# a drip cut by the deadline: the body loop or the watchdog notices first
DEADLINE_2S = r"(body still arriving after|no complete answer within) 2s"

FAULTS: dict[str, Fault] = {
    "slow-drip-body": Fault(slow_body, DEADLINE_2S, 2.5, 1, total_timeout_s=2.0),
    "slow-drip-headers": Fault(
        slow_headers, "no complete answer within 2s", 2.5, 1, total_timeout_s=2.0
    ),
    "reset-mid-body": Fault(reset_mid_body, r"\(gave up after 3 attempts\)", 3.0, 3),
    "fin-mid-body": Fault(close_mid_body, "RemoteProtocolError", 3.0, 3),
    "hang-up-without-answer": Fault(hang_up, "Server disconnected", 3.0, 3),
    "not-http": Fault(not_http, "RemoteProtocolError", 3.0, 3),
    "endless-body": Fault(endless(False), f"larger than {MB} bytes", 3.0, 1, max_bytes=MB),
    "endless-chunked-body": Fault(endless(True), f"larger than {MB} bytes", 3.0, 1, max_bytes=MB),
    "endless-headers": Fault(endless_headers, "RemoteProtocolError", 3.0, 3),
    "gzip-bomb": Fault(bomb, f"larger than {MB} bytes", 3.0, 1, max_bytes=MB),
    "bad-gzip": Fault(bad_gzip, "DecodingError", 3.0, 1),
    "redirect-loop": Fault(redirect_loop, "TooManyRedirects", 3.0, 6),
    "pagination-self-link": Fault(pages(self_link), "pagination does not end", 3.0, 1),
    "pagination-cycle": Fault(pages(two_page_cycle), "pagination does not end", 3.0, 2),
    "pagination-forever": Fault(
        pages(forever), r"pagination does not end \(more than 5 pages\)", 3.0, 5, max_pages=5
    ),
    "pagination-offset-ignored": Fault(
        pages(offset_ignored), "more than 5 pages", 3.0, 5, max_pages=5
    ),
    "pagination-bad-link": Fault(pages(bad_next_link), "bad next-page link", 3.0, 1),
    "pages-together-too-big": Fault(
        pages(big_pages),
        "larger than",
        3.0,
        3,
        max_bytes=int(sum(map(len, big_page_bodies())) * 0.8),
    ),
}


@pytest.mark.parametrize("name", list(FAULTS))
def test_network_fault_is_bounded_and_leaves_cache_identical(seeded: Path, name: str) -> None:
    fault = FAULTS[name]
    handler = fault.handler
    with RawServer(handler) as server:
        handler.server = server  # type: ignore[attr-defined]
        tracemalloc.start()
        try:
            message, elapsed = refresh_fails(
                seeded, settings(server, **fault.changes), fault.limit_s
            )
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert re.search(fault.reason, message), message
    if fault.connections is not None:
        assert server.connections == fault.connections, (server.connections, message)
    assert peak < 80 * MB, peak  # bounded memory, even for the 16 MB gzip bomb
    assert all(r.headers.get("authorization") == f"Bearer {API_KEY}" for r in server.received)
    FIGURES.append(
        f"{name}: {elapsed:.2f}s, {server.connections} connection(s), "
        f"peak {peak / MB:.1f} MB, sent {server.sent / MB:.1f} MB -> {message[-70:]}"
    )


def test_endless_body_stops_at_the_cap_without_downloading_much(seeded: Path) -> None:
    handler = endless(False)
    with RawServer(handler) as server:
        handler.server = server  # type: ignore[attr-defined]
        message, _ = refresh_fails(seeded, settings(server, max_bytes=2 * MB), 3.0)
    assert "larger than 2097152 bytes" in message
    # the client hung up right after the cap: only socket buffers more were written
    assert server.sent < 2 * MB + 8 * MB, server.sent


# --- the same faults through the CLI: exit 3, one line, no traceback ---------------------------


def cli_startup(tmp_path: Path) -> float:
    """Wall time of a CLI refresh that fails at once (connection refused): the fixed cost."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run = cli_refresh(f"http://127.0.0.1:{port}/api/v1", tmp_path / "probe", "--retries", "0")
    assert_one_line_error(run, 3, "ConnectError")
    return run.seconds


def test_cli_slow_drip_gives_up_at_the_total_timeout(seeded: Path, tmp_path: Path) -> None:
    startup = cli_startup(tmp_path)
    for handler in (slow_body, slow_headers):
        with unchanged(seeded), RawServer(handler) as server:
            run = cli_refresh(server.url(), seeded, "--timeout", "2", timeout=20)
        line = assert_one_line_error(run, 3)
        assert re.search(DEADLINE_2S, line), line
        assert run.seconds < 2 + startup + 1.0, (run.seconds, startup)
        FIGURES.append(
            f"cli {handler.__name__} --timeout 2: {run.seconds:.2f}s wall "
            f"(startup {startup:.2f}s), exit {run.code}"
        )


def test_cli_reset_mid_body_is_retried_then_fails(seeded: Path) -> None:
    with unchanged(seeded), RawServer(reset_mid_body) as server:
        run = cli_refresh(server.url(), seeded, "--retries", "2", "--timeout", "10")
    assert_one_line_error(run, 3, "(gave up after 3 attempts)")
    assert server.connections == 3
    assert run.seconds < 8, run.seconds
    FIGURES.append(f"cli reset-mid-body: {run.seconds:.2f}s, {server.connections} attempts")


def test_cli_endless_body_stops_at_the_default_cap_with_bounded_memory(seeded: Path) -> None:
    handler = endless(False)
    with unchanged(seeded), RawServer(handler) as server:
        handler.server = server  # type: ignore[attr-defined]
        run = cli_refresh(server.url(), seeded, "--timeout", "30", timeout=60)
    assert_one_line_error(run, 3, f"larger than {64 * MB} bytes")
    assert run.peak_rss_mb < 400, run.peak_rss_mb  # 64 MB cap + interpreter, not "everything"
    assert server.sent < 64 * MB + 16 * MB
    FIGURES.append(
        f"cli endless body (default 64 MB cap): {run.seconds:.2f}s, child peak RSS "
        f"{run.peak_rss_mb:.0f} MB, server sent {server.sent / MB:.0f} MB"
    )


def test_cli_pagination_loop_says_it_does_not_end(seeded: Path) -> None:
    with unchanged(seeded), RawServer(pages(two_page_cycle)) as server:
        run = cli_refresh(server.url(), seeded, "--timeout", "10")
    assert_one_line_error(run, 3, "pagination does not end", "repeats")
    assert server.connections == 2


def test_cli_endless_distinct_pages_stop_at_the_page_limit(seeded: Path) -> None:
    with unchanged(seeded), RawServer(pages(forever)) as server:
        run = cli_refresh(server.url(), seeded, "--timeout", "30", timeout=60)
    assert_one_line_error(run, 3, "pagination does not end (more than 100 pages)")
    assert server.connections == 100
    FIGURES.append(f"cli 100 distinct pages then stop: {run.seconds:.2f}s")


def test_cli_bad_gzip_and_redirect_loop_are_one_line(seeded: Path) -> None:
    for handler, reason in ((bad_gzip, "DecodingError"), (redirect_loop, "TooManyRedirects")):
        with unchanged(seeded), RawServer(handler) as server:
            run = cli_refresh(server.url(), seeded, "--timeout", "10")
        assert_one_line_error(run, 3, reason)


# --- redirects and the API key ------------------------------------------------------------------


def test_redirect_to_another_origin_drops_the_key_and_is_followed(tmp_path: Path) -> None:
    """Decision: follow it (the catalog is public) but never send the key to another origin."""
    with RawServer(serve_payload) as other:
        target = other.url(FIRST_PAGE)  # same host, another port: another origin
        with RawServer(redirect_to(target)) as origin:
            run = cli_refresh(
                origin.url(), tmp_path / "c", env={"OPENROUTER_API_KEY": API_KEY}, timeout=30
            )
    assert run.code == 0, run.err
    assert "stored 549 models" in run.err
    (first,) = origin.received
    assert first.headers["authorization"] == f"Bearer {API_KEY}"
    (second,) = other.received
    assert "authorization" not in second.headers
    assert second.headers["host"] == f"127.0.0.1:{other.port}"
    assert len(read_catalog_file(tmp_path / "c" / "catalog.json")) == 549
    for path in (tmp_path / "c").rglob("*"):
        if path.is_file():
            assert API_KEY.encode() not in path.read_bytes(), path
    assert API_KEY not in run.err + run.out


def test_redirect_to_localhost_drops_the_key(tmp_path: Path) -> None:
    with RawServer(serve_payload) as other:
        target = other.url(FIRST_PAGE, host="localhost")  # another host name: another origin
        with RawServer(redirect_to(target)) as origin:
            outcome = refresh(tmp_path / "c", settings(origin))
    assert outcome.model_count == 549
    assert origin.received[0].headers["authorization"] == f"Bearer {API_KEY}"
    (second,) = other.received
    assert "authorization" not in second.headers


def test_redirect_elsewhere_that_wants_the_key_fails_cleanly(seeded: Path) -> None:
    def wants_key(conn: socket.socket, request: Received, stop: threading.Event) -> None:
        if request.headers.get("authorization"):
            send_json(conn, payload_bytes())
        else:
            send_json(conn, b'{"error": "no key"}', status="401 Unauthorized")

    with RawServer(wants_key) as other, RawServer(redirect_to(other.url(FIRST_PAGE))) as origin:
        message, _ = refresh_fails(seeded, settings(origin), 3.0)
    assert "HTTP 401" in message
    assert [r.headers.get("authorization") for r in other.received] == [None]


def test_redirect_within_the_origin_keeps_the_key(tmp_path: Path) -> None:
    def moved(conn: socket.socket, request: Received, stop: threading.Event) -> None:
        if request.target.startswith("/v2/"):
            send_json(conn, payload_bytes())
        else:
            conn.sendall(head("301 Moved", Location="/v2/models", Content_Length=0))

    with RawServer(moved) as server:
        outcome = refresh(tmp_path / "c", settings(server))
    assert outcome.model_count == 549
    assert [r.headers.get("authorization") for r in server.received] == [f"Bearer {API_KEY}"] * 2


def test_pagination_link_to_another_origin_gets_no_key(tmp_path: Path) -> None:
    def rest(conn: socket.socket, request: Received, stop: threading.Event) -> None:
        send_json(conn, json.dumps({"data": rows()[300:]}).encode())

    with RawServer(rest) as other:
        link = other.url(f"{FIRST_PAGE}&page=2")

        def first(query: dict[str, str]) -> dict[str, Any]:
            return {"data": rows()[:300], "links": {"next": link}}

        with RawServer(pages(first)) as origin:
            outcome = refresh(tmp_path / "c", settings(origin))
    assert (outcome.model_count, outcome.pages) == (549, 2)
    assert origin.received[0].headers["authorization"] == f"Bearer {API_KEY}"
    (second,) = other.received
    assert "authorization" not in second.headers


# --- plain HTTP ---------------------------------------------------------------------------------


def test_insecure_url_warning() -> None:
    for url in (
        "http://127.0.0.1:8080/api/v1",
        "http://localhost/api/v1",
        "http://[::1]:9/api/v1",
        "https://openrouter.ai/api/v1",
        "https://mirror.example/api/v1",
    ):
        assert insecure_url_warning(url) is None, url
    for url in (
        "http://example.invalid:1/api/v1",
        "HTTP://Mirror.Example/api/v1",
        "http://localhost.evil.example/api/v1",
        "http://user@mirror.example/api/v1",
    ):
        warning = insecure_url_warning(url)
        assert warning is not None, url
        assert "plain HTTP" in warning
        assert "\n" not in warning


def test_cli_plain_http_off_loopback_warns_and_fails_fast(tmp_path: Path) -> None:
    # example.invalid never resolves; the subprocess guard refuses it before any DNS lookup
    run = cli_refresh(
        "http://example.invalid:1/api/v1",
        tmp_path / "c",
        "--timeout",
        "1",
        "--retries",
        "0",
        env={"OPENROUTER_API_KEY": API_KEY},
        timeout=20,
    )
    assert_one_line_error(run, 3, "ConnectError")
    assert "warning: http://example.invalid:1/api/v1 is plain HTTP" in run.err
    assert run.seconds < 5
    assert API_KEY not in run.err
    assert not (tmp_path / "c" / "catalog.json").exists()


def test_cli_plain_http_on_loopback_does_not_warn(tmp_path: Path) -> None:
    with RawServer(serve_payload) as server:
        run = cli_refresh(server.url(), tmp_path / "c", "--timeout", "10")
    assert run.code == 0, run.err
    assert "plain HTTP" not in run.err
    assert "warning" not in run.err.lower()


def test_fetch_error_is_a_pricing_unavailable() -> None:
    assert issubclass(FetchError, PricingUnavailable)
    assert FetchError("x").exit_code == 3
    assert gzip.decompress(gzip_bomb(2 * MB)) == b"\0" * (2 * MB)  # the bomb is a real gzip
