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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests import conftest
from tests.conftest import PAYLOAD
from tests.hostile_helpers import Outcome, assert_clean, run_cli

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


def json_escaped(secret: str) -> str:
    """Every character as a JSON `\\uXXXX` escape: `json.loads` gives the secret back."""
    return "".join(f"\\u{ord(c):04x}" for c in secret)


def percent_encoded(secret: str, upper: bool = True) -> str:
    """Every byte as `%XX`: what `unquote` turns back into the secret."""
    return "".join(f"%{b:02X}" if upper else f"%{b:02x}" for b in secret.encode())


def encodings(secret: str) -> dict[str, str]:
    """The forms in which a secret could leak and still be read back."""
    return {
        "raw": secret,
        "json-escaped": json_escaped(secret),
        "json-escaped-upper": json_escaped(secret).upper().replace("\\U", "\\u"),
        "percent-encoded": percent_encoded(secret),
        "percent-encoded-lower": percent_encoded(secret, upper=False),
        "html-entities": "".join(f"&#{ord(c)};" for c in secret),
    }


def leaks(secret: str, text: str | bytes) -> list[str]:
    """The encodings of `secret` found in `text` (names only: never the secret itself)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return [name for name, form in encodings(secret).items() if form in text]


PASSWORD = "pw-" + uuid.uuid4().hex


def with_credentials(url: str, user: str = "mirror-user") -> str:
    return url.replace("://", f"://{user}:{PASSWORD}@", 1)


class Runs:
    """Every command's outcome, to search for the key (in every encoding) afterwards."""

    def __init__(self, key: str, *roots: Path) -> None:
        self.key, self.roots, self.outcomes = key, roots, []

    def __call__(self, expect: int, *argv: str) -> Outcome:
        outcome = run_cli(*argv)
        self.outcomes.append((argv, outcome))
        assert outcome.code == expect, f"{argv}: {outcome.describe()}"
        return outcome

    def assert_no_key_anywhere(self) -> int:
        for argv, outcome in self.outcomes:
            assert not leaks(self.key, outcome.out), f"{argv}: the key is on stdout"
            assert not leaks(self.key, outcome.err), f"{argv}: the key is on stderr"
        files = [p for root in self.roots for p in root.rglob("*") if p.is_file()]
        for path in files:
            assert not leaks(self.key, path.read_bytes()), f"the key is in {path}"
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


# --- the redactor ----------------------------------------------------------------------------

KEY = "sk-or-v1-redactor-" + uuid.uuid4().hex


def forms_of(secret: str) -> dict[str, str]:
    """Every encoding the property names, built here independently of the redactor."""
    return {
        **encodings(secret),
        "json.dumps-ascii": json.dumps("\u00e9" + secret, ensure_ascii=True),
        "json-of-json": json.dumps(json.dumps(json_escaped(secret))),
        "repr-of-json-escaped": repr(json_escaped(secret)),
        "repr-with-crlf": repr(f"Bearer {secret}\r\n"),
        "repr-of-bytes": repr(f"Bearer {secret}\r\n".encode()),
        "percent-twice": percent_encoded(secret).replace("%", "%25"),
        "mixed": json_escaped(secret[:9]) + percent_encoded(secret[9:20]) + secret[20:],
        "html-hex-entities": "".join(f"&#x{ord(c):X};" for c in secret),
    }


@pytest.mark.parametrize("form", sorted(forms_of(KEY)))
def test_the_redactor_finds_and_redacts_every_encoding(form: str) -> None:
    from estimator.pricing.secrets import KEY_LABEL, Secrets

    secrets = Secrets.of(KEY)
    text = f"before {forms_of(KEY)[form]} after"
    assert secrets.found_in(text) == KEY_LABEL
    assert secrets.found_in(text.encode()) == KEY_LABEL
    redacted = secrets.redact(text)
    assert KEY_LABEL in redacted and redacted.startswith("before ")
    assert secrets.found_in(redacted) is None
    assert not leaks(KEY, redacted) and KEY[9:] not in redacted


def test_the_redactor_leaves_other_text_alone() -> None:
    from estimator.pricing.secrets import Secrets

    secrets = Secrets.of(KEY)
    text = f"data[3] ({KEY[:-1]}): price '%73k' is not a decimal number \\u0073"
    assert secrets.found_in(text) is None
    assert secrets.redact(text) == text
    assert not Secrets.of(None) and Secrets.of(None).redact(text) == text
    assert KEY not in repr(secrets)


def test_the_redactor_scans_every_string_of_a_document() -> None:
    from estimator.pricing.secrets import Secrets

    secrets = Secrets.of(KEY)
    nested: Any = {"data": [{"id": "a/b", "pricing": {"prompt": "0"}}]}
    assert secrets.found_in_document(nested) is None
    deep = nested
    for _ in range(10_000):  # iterative: no recursion limit
        deep = [deep]
    assert secrets.found_in_document(deep) is None
    for document in (
        {"data": [{"id": "a/b", "name": f"x{KEY}"}]},
        {"data": [{percent_encoded(KEY): 1}]},
        {"links": {"next": f"/models?k={KEY}"}},
        [[[[f"{KEY}"]]]],
    ):
        assert secrets.found_in_document(document), document


def test_url_credentials_are_stripped_and_known_as_secrets() -> None:
    from estimator.pricing.secrets import CREDENTIALS_LABEL, Secrets, strip_userinfo

    url = with_credentials("https://mirror.example:8443/api/v1")
    assert strip_userinfo(url) == "https://mirror.example:8443/api/v1"
    assert strip_userinfo("https://a@b@mirror.example/x") == "https://mirror.example/x"
    for unchanged in ("https://mirror.example/a@b", "file:x.json", "not a url", ""):
        assert strip_userinfo(unchanged) == unchanged
    secrets = Secrets.of(None, url)
    assert secrets.found_in(f"password {percent_encoded(PASSWORD)}") == CREDENTIALS_LABEL
    assert PASSWORD not in secrets.redact(f"at {url}")


# --- credentials in the base URL -------------------------------------------------------------


@pytest.mark.parametrize("via", ["flag", "environment"])
def test_credentials_in_the_base_url_are_refused_and_never_shown(
    server: HTTPServer, tmp_path: Path, canary: str, monkeypatch: pytest.MonkeyPatch, via: str
) -> None:
    url = with_credentials(server.url_for("/api/v1"))
    server.expect_request(MODELS).respond_with_data(PAYLOAD.read_bytes())
    cache = tmp_path / "cache"
    argv = ["prices", "refresh", "--cache-dir", str(cache), "--retries", "0"]
    if via == "flag":
        argv += ["--base-url", url]
    else:
        monkeypatch.setenv("FUSION_COST_BASE_URL", url)
    outcome = run_cli(*argv)
    assert_clean(outcome, allowed=(2,))
    assert "credentials" in outcome.err
    assert server.url_for("/api/v1") in outcome.err  # named, without its userinfo
    assert not leaks(PASSWORD, outcome.err + outcome.out)
    assert "mirror-user" not in outcome.err
    assert list(server.log) == []
    assert not cache.exists() or not any(cache.rglob("*.json"))


def test_the_help_does_not_show_credentials_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from estimator.cli import main

    monkeypatch.setenv("FUSION_COST_BASE_URL", with_credentials("https://mirror.example/api/v1"))
    assert main(["prices", "refresh", "--help"]) == 0  # --help is exit 0, in-process too
    out = capsys.readouterr().out
    assert "https://mirror.example/api/v1" in out
    assert not leaks(PASSWORD, out) and "mirror-user" not in out


def test_credentials_in_a_recorded_source_are_never_stored_or_shown(tmp_path: Path) -> None:
    """`prices import --source URL`, or a catalog file whose meta.source holds credentials."""
    work = Path.cwd()
    runs = Runs(PASSWORD, tmp_path, work)
    cache, other = tmp_path / "cache", tmp_path / "other"
    source = with_credentials("https://mirror.example/api/v1/models")
    runs(0, "prices", "import", str(PAYLOAD), "--cache-dir", str(cache), "--source", source)
    meta = json.loads((cache / "catalog.json").read_bytes())["meta"]
    assert meta["source"] == "https://mirror.example/api/v1/models"
    legacy = json.loads((cache / "catalog.json").read_bytes())  # as an older version wrote it
    legacy["meta"]["source"] = source
    from estimator.pricing.store import DOCUMENT_HASH, document_digest

    legacy[DOCUMENT_HASH] = document_digest(legacy)  # a valid file, not a tampered one
    old = tmp_path / "legacy" / "catalog.json"
    old.parent.mkdir()
    old.write_text(json.dumps(legacy))
    runs(0, "prices", "import", str(old), "--cache-dir", str(other))
    catalog = ["--cache-dir", str(old.parent)]  # read the legacy file as it is
    spec = tmp_path / "scenario.yaml"
    spec.write_text(SCENARIO)
    shown = [
        runs(0, "prices", "show", "openai/gpt-5.4-mini", "--format", "json", *catalog),
        runs(0, "prices", "show", "openai/gpt-5.4-mini", *catalog),
        runs(0, "estimate", str(spec), "--format", "json", "--samples", "100", *catalog),
        runs(0, "estimate", str(spec), "--samples", "100", *catalog),
    ]
    runs(0, "report", str(spec), "-o", str(tmp_path / "report.html"), "--samples", "100", *catalog)
    runs(0, "prices", "diff", str(old), str(cache / "catalog.json"), "--format", "json")
    assert "https://mirror.example/api/v1/models" in shown[0].out  # still says where from
    for outcome in (*shown, *(o for _, o in runs.outcomes)):
        assert "mirror-user" not in outcome.out + outcome.err
    old.unlink()  # the legacy input itself holds them, on purpose
    runs.assert_no_key_anywhere()


# --- malformed base URLs ---------------------------------------------------------------------

MALFORMED = [
    "ht!tp://",
    "http://",
    "not a url",
    "http://[::1",
    "ftp://mirror.invalid/api",
    "http://mirror.invalid:99999/api",
    "http://mirror.invalid:port/api",
    "",
    "http://mir ror.invalid/api",
    "http://mirror.invalid/a\x01pi",
    "https:///api/v1",
    "//mirror.invalid/api",
    "http://[::1]x/api",
]
# an empty FUSION_COST_BASE_URL means "not set" (the default URL): only the flag can be empty


@pytest.mark.parametrize(
    ("via", "url"), [("flag", u) for u in MALFORMED] + [("environment", u) for u in MALFORMED if u]
)
def test_a_malformed_base_url_is_one_line_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, via: str, url: str
) -> None:
    argv = ["prices", "refresh", "--cache-dir", str(tmp_path / "c"), "--retries", "0"]
    argv += ["--timeout", "5"]
    if via == "flag":
        argv += ["--base-url", url]
    else:
        monkeypatch.setenv("FUSION_COST_BASE_URL", url)
    outcome = run_cli(*argv)
    assert_clean(outcome, allowed=(2,))
    assert ("--base-url" if via == "flag" else "FUSION_COST_BASE_URL") in outcome.err
    assert not (tmp_path / "c" / "catalog.json").exists()


# --- validators (ETag / Last-Modified) -------------------------------------------------------


def reflect(header: str, encode: str) -> Any:
    """A mirror that reflects the key it was sent into a validator, in some encoding."""

    def handler(request: Request) -> Response:
        key = (request.headers.get("Authorization") or "").removeprefix("Bearer ")
        form = encodings(key)[encode]
        value = f'"{form}"' if header == "ETag" else f"Wed, 19 Aug 2026 00:00:00 GMT {form}"
        return Response(
            PAYLOAD.read_bytes(), content_type="application/json", headers={header: value}
        )

    return handler


@pytest.mark.parametrize("encode", ["raw", "json-escaped", "percent-encoded"])
@pytest.mark.parametrize("header", ["ETag", "Last-Modified"])
def test_a_validator_that_reflects_the_key_is_neither_stored_nor_sent(
    server: HTTPServer, tmp_path: Path, canary: str, header: str, encode: str
) -> None:
    runs = Runs(canary, tmp_path)
    cache = tmp_path / "cache"
    server.expect_request(MODELS).respond_with_handler(reflect(header, encode))
    runs(0, *refresh_argv(server, cache))
    runs(0, *refresh_argv(server, cache))  # would send the stored validator back
    conditional = [
        request.headers.get(name) or ""
        for request, _ in server.log
        for name in ("If-None-Match", "If-Modified-Since")
    ]
    assert conditional and not any(leaks(canary, value) for value in conditional)
    meta = json.loads((cache / "catalog.json").read_bytes())["meta"]
    assert meta["etag"] is None and meta["last_modified"] is None  # stripped, not mangled
    assert bearer(server) == [f"Bearer {canary}"] * 2
    runs.assert_no_key_anywhere()


def test_a_stored_validator_holding_the_key_is_not_sent(
    server: HTTPServer, tmp_path: Path, canary: str
) -> None:
    """A catalog written by an older version may hold a reflected key: never send it back."""
    from estimator.pricing.refresh import import_file
    from estimator.pricing.store import touch_catalog

    cache = tmp_path / "cache"
    import_file(PAYLOAD, cache)
    touch_catalog(cache, etag=f'"{canary}"', last_modified=percent_encoded(canary))
    server.expect_request(MODELS).respond_with_data(
        PAYLOAD.read_bytes(), content_type="application/json", headers={"ETag": '"v2"'}
    )
    runs = Runs(canary, tmp_path)
    runs(0, *refresh_argv(server, cache))
    (request,) = [request for request, _ in server.log]
    assert "If-None-Match" not in request.headers
    assert "If-Modified-Since" not in request.headers
    assert request.headers["Authorization"] == f"Bearer {canary}"
    assert json.loads((cache / "catalog.json").read_bytes())["meta"]["etag"] == '"v2"'
    runs.assert_no_key_anywhere()


@pytest.mark.parametrize("etag", ['"\u2603"', '"v1"\u2028', '"v1"\x1b[2J', '"caf\u00e9"'])
def test_a_stored_validator_that_is_not_header_text_is_not_sent(
    server: HTTPServer, tmp_path: Path, etag: str
) -> None:
    """An edited catalog: the refresh goes ahead unconditionally instead of crashing."""
    from estimator.pricing.refresh import import_file
    from estimator.pricing.store import touch_catalog

    cache = tmp_path / "cache"
    import_file(PAYLOAD, cache)
    touch_catalog(cache, etag=etag)
    server.expect_request(MODELS).respond_with_data(
        PAYLOAD.read_bytes(), content_type="application/json"
    )
    outcome = run_cli(*refresh_argv(server, cache))
    assert outcome.code == 0, outcome.describe()
    (request,) = [request for request, _ in server.log]
    assert "If-None-Match" not in request.headers


@pytest.fixture(scope="module")
def _elsewhere() -> Iterator[HTTPServer]:
    """A second server on another port: another origin."""
    other = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    other.start()
    yield other
    other.clear()
    other.stop()


@pytest.fixture
def elsewhere(_elsewhere: HTTPServer) -> Iterator[HTTPServer]:
    _elsewhere.clear()
    yield _elsewhere
    _elsewhere.clear()


def seeded_with_validators(server: HTTPServer, cache: Path) -> None:
    """A cache whose catalog came from `server` with an ETag and a Last-Modified."""
    server.expect_oneshot_request(MODELS).respond_with_data(
        PAYLOAD.read_bytes(),
        content_type="application/json",
        headers={"ETag": '"v1"', "Last-Modified": "Wed, 19 Aug 2026 00:00:00 GMT"},
    )
    assert run_cli(*refresh_argv(server, cache)).code == 0
    server.clear_log()


@pytest.mark.parametrize("target", ["another-port", "localhost"])
def test_a_cross_origin_redirect_gets_neither_the_key_nor_the_validators(
    server: HTTPServer, elsewhere: HTTPServer, tmp_path: Path, canary: str, target: str
) -> None:
    cache = tmp_path / "cache"
    seeded_with_validators(server, cache)
    if target == "localhost":  # the same server under another host name: another origin
        destination, landing = server, server.url_for("/moved").replace("127.0.0.1", "localhost")
    else:
        destination, landing = elsewhere, elsewhere.url_for("/moved")
    server.expect_request(MODELS).respond_with_data("", status=302, headers={"Location": landing})
    destination.expect_request("/moved").respond_with_data(
        PAYLOAD.read_bytes(), content_type="application/json", headers={"ETag": '"v1"'}
    )
    runs = Runs(canary, tmp_path)
    runs(0, *refresh_argv(server, cache))
    hops = [request for request, _ in destination.log if request.path == "/moved"]
    first = [request for request, _ in server.log if request.path == MODELS]
    assert len(hops) == 1 and len(first) == 1
    assert first[0].headers["Authorization"] == f"Bearer {canary}"
    assert first[0].headers["If-None-Match"] == '"v1"'  # the base origin does get them
    for name in ("Authorization", "If-None-Match", "If-Modified-Since"):
        assert name not in hops[0].headers, name
    runs.assert_no_key_anywhere()


def test_a_redirect_that_carries_the_key_elsewhere_is_not_followed(
    server: HTTPServer, elsewhere: HTTPServer, tmp_path: Path, canary: str
) -> None:
    def bounce(request: Request) -> Response:
        key = (request.headers.get("Authorization") or "").removeprefix("Bearer ")
        location = elsewhere.url_for("/moved") + "?k=" + percent_encoded(key)
        return Response("", status=302, headers={"Location": location})

    server.expect_request(MODELS).respond_with_handler(bounce)
    elsewhere.expect_request("/moved").respond_with_data(PAYLOAD.read_bytes())
    runs = Runs(canary, tmp_path)
    outcome = runs(3, *refresh_argv(server, tmp_path / "cache"))
    assert "redirect" in outcome.err and "API key" in outcome.err
    assert list(elsewhere.log) == []
    assert not (tmp_path / "cache" / "catalog.json").exists()
    runs.assert_no_key_anywhere()


# --- the key hidden in the body --------------------------------------------------------------


def hidden_in(where: str, encode: str) -> Any:
    """A valid-looking answer that carries the key, in some encoding, somewhere."""

    def handler(request: Request) -> Response:
        key = (request.headers.get("Authorization") or "").removeprefix("Bearer ")
        document = json.loads(PAYLOAD.read_bytes())
        row = document["data"][0]
        marker = "\u2603MARK\u2603"
        if where == "model-id":
            row["id"] = f"evil/{marker}"
        elif where == "name":
            row["name"] = marker
        elif where == "price":  # invalid: its error message would quote it
            row["pricing"]["prompt"] = marker
        elif where == "object-key":
            row[marker] = 1
        else:  # a pagination link to the same origin, the key in its query
            document["links"] = {"next": f"{MODELS}?page=2&k={marker}"}
        body = json.dumps(document)  # ensure_ascii: the marker is \\u2603MARK\\u2603
        form = json_escaped(key) if encode == "json-escaped" else percent_encoded(key)
        return Response(
            body.replace(json.dumps(marker)[1:-1], form), content_type="application/json"
        )

    return handler


@pytest.mark.parametrize("encode", ["json-escaped", "percent-encoded"])
@pytest.mark.parametrize("where", ["model-id", "name", "price", "object-key", "next-link"])
def test_a_key_hidden_in_the_body_in_any_encoding_is_refused(
    server: HTTPServer, tmp_path: Path, canary: str, where: str, encode: str
) -> None:
    runs = Runs(canary, tmp_path)
    cache = tmp_path / "cache"
    server.expect_request(MODELS).respond_with_handler(hidden_in(where, encode))
    outcome = runs(3, *refresh_argv(server, cache, "--force"))
    (line,) = outcome.err.splitlines()[-1:]
    assert line.startswith("fusion-cost: error: ") and "contains the API key" in line, line
    assert len(server.log) == 1  # refused before following any link
    assert not (cache / "catalog.json").exists()
    runs.assert_no_key_anywhere()


# --- the key as read from the environment ----------------------------------------------------


@pytest.mark.parametrize("around", ["{}\r\n", "{}\n", "{}\t", " {} \r\n", "\t{}"])
def test_a_key_with_surrounding_whitespace_is_sent_stripped(
    server: HTTPServer, tmp_path: Path, canary: str, monkeypatch: pytest.MonkeyPatch, around: str
) -> None:
    """A key from a CRLF env file: send the key itself, never print it (not even repr'd)."""
    monkeypatch.setenv("OPENROUTER_API_KEY", around.format(canary))
    server.expect_request(MODELS).respond_with_data(
        PAYLOAD.read_bytes(), content_type="application/json"
    )
    runs = Runs(canary, tmp_path)
    runs(0, *refresh_argv(server, tmp_path / "cache"))
    assert bearer(server) == [f"Bearer {canary}"]
    runs.assert_no_key_anywhere()


@pytest.mark.parametrize("bad", ["\r", "\n", "\x01", "\x1b[31m", "\x7f", " ", "\u00e9", "\u2028"])
def test_a_key_with_control_space_or_non_ascii_characters_is_refused(
    server: HTTPServer, tmp_path: Path, canary: str, monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    key = canary[:20] + bad + canary[20:]
    monkeypatch.setenv("OPENROUTER_API_KEY", key)
    server.expect_request(MODELS).respond_with_data(PAYLOAD.read_bytes())
    outcome = run_cli(*refresh_argv(server, tmp_path / "cache"))
    assert_clean(outcome, allowed=(2,))
    assert "OPENROUTER_API_KEY" in outcome.err
    for part in (canary[:20], canary[20:]):  # neither half of the key is printed
        assert not leaks(part, outcome.err + outcome.out)
    assert list(server.log) == []  # nothing was sent


# --- the library path ------------------------------------------------------------------------


def test_the_library_refuses_what_the_cli_refuses() -> None:
    from estimator.errors import UserError
    from estimator.pricing.fetch import FetchSettings

    assert FetchSettings(api_key=f" {KEY}\r\n").api_key == KEY
    assert FetchSettings(api_key=" \r\n").api_key is None
    for bad in (f"{KEY[:12]}\u00e9{KEY[12:]}", f"{KEY[:12]}\r\n{KEY[12:]}"):
        with pytest.raises(UserError) as info:
            FetchSettings(api_key=bad)
        assert "OPENROUTER_API_KEY" in str(info.value) and not leaks(KEY[12:], str(info.value))
    for url in [*filter(None, MALFORMED), with_credentials("https://mirror.example/api/v1")]:
        with pytest.raises(UserError) as info:
            FetchSettings(base_url=url)
        assert "\n" not in str(info.value) and PASSWORD not in str(info.value)
    with pytest.raises(UserError, match="query") as info:
        FetchSettings(base_url="https://mirror.example/api/v1?token=t0ken")
    assert "t0ken" not in str(info.value)
