"""Fetch OpenRouter's models API with httpx: bounded in time and size, polite, conditional.

One refresh is a handful of GETs of `{base_url}/models?output_modalities=all`, following
pagination (`links.next`, else `offset`+`limit` against `total_count`). Connection errors, 429
(honouring `Retry-After`) and 5xx are retried with exponential backoff and jitter inside a total
time budget. `ETag`/`Last-Modified` make an unchanged catalog one small 304 round trip. The total
time limit holds even against a server that drips bytes: at the deadline a watchdog
(`pricing/watchdog.py`) shuts the sockets.

The API key, if any, is sent as a bearer token, and the conditional headers with it, only to the
base URL's own origin: redirects are followed here, not by httpx, so neither reaches a redirect
target or a pagination link elsewhere. The key is never logged, stored or put in an error
message, in any encoding (`estimator.pricing.secrets`): an answer, a validator or a redirect
that holds it is refused or dropped, and error messages are redacted.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import httpx

from estimator import __version__
from estimator.errors import PricingUnavailable, UserError
from estimator.pricing.endpoint import DEFAULT_BASE_URL
from estimator.pricing.payload import PayloadError, parse_json, rows_of
from estimator.pricing.secrets import KEY_LABEL, Secrets, clean_api_key, strip_userinfo
from estimator.pricing.watchdog import Watchdog

USER_AGENT = (
    f"fusion-cost/{__version__} (pricing catalog fetcher; python-httpx/{httpx.__version__})"
)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_HEADER_TEXT = re.compile(r"[\t\x20-\x7e]+")  # what httpx can send as a header value


@dataclass(frozen=True)
class FetchSettings:
    """Every bound of one refresh; the defaults suit the real API."""

    base_url: str = DEFAULT_BASE_URL
    api_key: str | None = field(default=None, repr=False)
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 30.0
    total_timeout_s: float = 120.0
    retries: int = 4
    backoff_base_s: float = 0.5
    backoff_max_s: float = 20.0
    max_bytes: int = 64 * 1024 * 1024  # all pages of one refresh together
    max_pages: int = 100

    def __post_init__(self) -> None:
        """A malformed URL, credentials in it, or a key that cannot be a key: one-line errors."""
        check_base_url(self.base_url)
        object.__setattr__(self, "api_key", clean_api_key(self.api_key))


@dataclass
class FetchResult:
    """What the API answered: the model rows, or that the catalog has not changed (304)."""

    url: str
    not_modified: bool = False
    rows: list[Any] = field(default_factory=list)
    etag: str | None = None
    last_modified: str | None = None
    pages: int = 0


class FetchError(PricingUnavailable):
    """The API could not be reached or answered badly; nothing was written."""


def models_url(base_url: str) -> str:
    return base_url.rstrip("/") + "/models?output_modalities=all"


def check_base_url(url: str, name: str = "the base URL") -> str:
    """`url` if it is an http(s) URL fusion-cost can fetch from, else a one-line `UserError`.

    Credentials in it (`user:password@`) are refused, not used: a URL is shown in process
    lists, shell history, CI logs and `--help`, and it is recorded as the catalog's source.
    The message quotes the URL without them.
    """

    def bad(reason: str, shown: str | None = None) -> UserError:
        shown = strip_userinfo(url) if shown is None else shown
        return UserError(f"{name} {shown!r}: {reason}")

    if not isinstance(url, str) or not url.strip():
        raise bad("is empty; give an http(s) URL such as " + DEFAULT_BASE_URL)
    if any(char.isspace() or ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0 for char in url):
        raise bad("contains a space or a control character")
    try:
        parts = urlsplit(url)
        _ = parts.port  # a port that is not a number in range raises
    except ValueError as exc:
        raise bad(f"is not a valid URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https") or not url.lower().startswith(
        f"{parts.scheme.lower()}://"
    ):
        raise bad("is not an http:// or https:// URL")
    if "@" in parts.netloc:
        raise bad(
            "credentials in the URL (user:password@) are not supported: they would show in "
            f"process lists, logs and the catalog's source; use {_KEY_HINT} instead"
        )
    if not parts.hostname:
        raise bad("has no host name")
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        shown = urlunsplit(parts._replace(query="", fragment=""))
        raise bad("must not have a query (?...) or a fragment (#...)", shown)
    try:
        httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:
        raise bad(f"is not a valid URL ({exc})") from None
    return url


_KEY_HINT = "OPENROUTER_API_KEY (sent as a bearer token to that origin only)"


def insecure_url_warning(base_url: str) -> str | None:
    parts = urlsplit(base_url)
    if parts.scheme.lower() == "http" and (parts.hostname or "") not in LOOPBACK_HOSTS:
        shown = strip_userinfo(base_url)
        return f"warning: {shown} is plain HTTP: prices (and any API key) travel unencrypted"
    return None


def retry_after_s(response: httpx.Response) -> float | None:
    """`Retry-After` as seconds (it may be a number or an HTTP date)."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or ""), port


def _with_offset(url: str, offset: int, limit: int) -> str:
    parts = urlsplit(url)
    query = {k: v for k, v in parse_qsl(parts.query) if k not in ("offset", "limit")}
    query.update(offset=str(offset), limit=str(limit))
    return urlunsplit(parts._replace(query=urlencode(query)))


class Fetcher:
    """One refresh's worth of HTTP, with its own deadline."""

    def __init__(
        self,
        settings: FetchSettings,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._clock = clock
        self._deadline = clock() + settings.total_timeout_s
        self._received = 0
        self._watchdog = Watchdog()
        self._secrets = Secrets.of(settings.api_key, settings.base_url)
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        self._client = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(settings.read_timeout_s, connect=settings.connect_timeout_s),
            # redirects are followed by `_get_once`: httpx would forward If-None-Match and
            # If-Modified-Since (it drops only Authorization) to another origin
            follow_redirects=False,
            transport=transport,
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.close()

    def fetch(self, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """All pages of the catalog, or `not_modified` when the validators still match."""
        url = models_url(self.settings.base_url)
        result = FetchResult(url=url)
        etag, last_modified = self._validator(etag), self._validator(last_modified)
        conditional = {}
        if etag:
            conditional["If-None-Match"] = etag
        if last_modified:
            conditional["If-Modified-Since"] = last_modified
        try:
            with self._watchdog.armed(self._remaining()):
                return self._fetch_pages(url, result, conditional, etag, last_modified)
        except FetchError as exc:  # messages quote URLs and bodies: never the key
            raise self._secrets.redact_error(exc) from None

    def _fetch_pages(
        self,
        url: str,
        result: FetchResult,
        conditional: dict[str, str],
        etag: str | None,
        last_modified: str | None,
    ) -> FetchResult:
        seen: set[str] = set()
        next_url: str | None = url
        total: int | None = None
        while next_url:
            if next_url in seen:
                raise FetchError(f"{url}: pagination does not end (page {next_url} repeats)")
            if len(seen) >= self.settings.max_pages:
                raise FetchError(
                    f"{url}: pagination does not end (more than {self.settings.max_pages} pages)"
                )
            seen.add(next_url)
            response, body = self._get(next_url, conditional if result.pages == 0 else {})
            if response.status_code == 304 and result.pages == 0:
                return FetchResult(
                    url=url, not_modified=True, etag=etag, last_modified=last_modified
                )
            if result.pages == 0:
                result.etag = self._validator(response.headers.get("etag"))
                result.last_modified = self._validator(response.headers.get("last-modified"))
            try:
                document = parse_json(body, next_url)
            except PayloadError as exc:  # a bad answer from the server, not bad user input
                raise FetchError(str(exc)) from None
            self._refuse_secrets(next_url, self._secrets.found_in_document(document))
            try:
                page = rows_of(document, next_url)
            except PayloadError as exc:
                raise FetchError(str(exc)) from None
            result.rows.extend(page)
            result.pages += 1
            if isinstance(document.get("total_count"), int):
                total = document["total_count"]
            try:
                next_url = self._next_page(document, next_url, len(page), len(result.rows), total)
            except ValueError as exc:
                raise FetchError(f"{next_url}: bad next-page link ({exc})") from None
        return result

    def _headers_for(self, url: str, headers: dict[str, str]) -> dict[str, str]:
        """The key and the conditional headers go to the base URL's origin only."""
        if _origin(url) != _origin(self.settings.base_url):
            return {}
        key = self.settings.api_key
        return {**headers, "Authorization": f"Bearer {key}"} if key else headers

    def _validator(self, value: str | None) -> str | None:
        """An ETag or Last-Modified that holds a secret is dropped: neither stored nor sent.

        So is one that is not header text (an edited catalog): it could not be sent anyway.
        """
        if not value or not _HEADER_TEXT.fullmatch(value) or self._secrets.found_in(value):
            return None
        return value

    @staticmethod
    def _refuse_secrets(url: str, found: str | None) -> None:
        if found:  # a mirror that reflects the request: store none of it
            what = "the API key" if found == KEY_LABEL else "the URL credentials"
            raise FetchError(f"{url}: the answer contains {what} it was sent; refusing it")

    def _redirect_target(self, current: str, location: str) -> str:
        """Where a redirect points, if it is an http(s) URL that carries no secret."""
        if self._secrets.found_in(location):
            raise FetchError(f"{current}: refusing a redirect whose target carries the API key")
        try:
            target = urljoin(current, location)
            parts = urlsplit(target)
            _ = parts.port  # a port that is not a number in range raises
        except ValueError as exc:
            raise FetchError(f"{current}: bad redirect target ({exc})") from None
        if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
            shown = strip_userinfo(target)
            raise FetchError(
                f"{current}: refusing a redirect to {shown!r} (not a plain http(s) URL)"
            )
        return target

    @staticmethod
    def _next_page(
        document: dict[str, Any], current: str, page_size: int, have: int, total: int | None
    ) -> str | None:
        links = document.get("links")
        following = links.get("next") if isinstance(links, dict) else None
        if isinstance(following, str) and following:
            return urljoin(current, following)
        if total is not None and page_size > 0 and have < total:
            return _with_offset(current, have, page_size)
        return None

    def _remaining(self) -> float:
        return self._deadline - self._clock()

    def _get(self, url: str, headers: dict[str, str]) -> tuple[httpx.Response, bytes]:
        attempt = 0
        while True:
            delay: float | None
            try:
                response, body = self._get_once(url, headers)
            except (httpx.TransportError, _TooLarge) as exc:
                if isinstance(exc, _TooLarge):
                    raise FetchError(str(exc)) from None
                if self._watchdog.expired:
                    raise FetchError(
                        f"{url}: no complete answer within {self.settings.total_timeout_s:g}s"
                    ) from None
                problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                delay = None
            except (httpx.RequestError, httpx.InvalidURL) as exc:  # redirect loop, bad gzip: final
                problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                raise FetchError(f"{url}: {problem}") from None
            else:
                if response.status_code not in RETRY_STATUSES:
                    if response.status_code >= 400:
                        raise FetchError(f"{url}: HTTP {response.status_code}")
                    return response, body
                problem = f"HTTP {response.status_code}"
                delay = retry_after_s(response)
            attempt += 1
            if attempt > self.settings.retries:
                raise FetchError(f"{url}: {problem} (gave up after {attempt} attempts)")
            if delay is None:
                backoff = self.settings.backoff_base_s * 2 ** (attempt - 1)
                delay = min(self.settings.backoff_max_s, backoff) * random.uniform(0.5, 1.0)
            if delay >= self._remaining():
                raise FetchError(
                    f"{url}: {problem}; retrying in {delay:.1f}s would pass the "
                    f"{self.settings.total_timeout_s:g}s limit"
                )
            self._sleep(delay)

    def _get_once(self, url: str, headers: dict[str, str]) -> tuple[httpx.Response, bytes]:
        remaining = self._remaining()
        if remaining <= 0:
            raise FetchError(f"{url}: no answer within {self.settings.total_timeout_s:g}s")
        timeout = httpx.Timeout(
            min(self.settings.read_timeout_s, remaining),
            connect=min(self.settings.connect_timeout_s, remaining),
        )
        chunks: list[bytes] = []
        size = self._received  # the cap holds for all pages of the refresh together
        target = url
        for _hop in range(MAX_REDIRECTS + 1):
            with self._client.stream(
                "GET",
                target,
                headers=self._headers_for(target, headers),
                timeout=timeout,
                extensions={"trace": self._watchdog.trace},
            ) as response:
                location = response.headers.get("location")
                if response.status_code in REDIRECT_STATUSES and location:
                    target = self._redirect_target(target, location)
                    continue  # the redirect's own body is not read
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self.settings.max_bytes:
                        raise _TooLarge(
                            f"{url}: response larger than {self.settings.max_bytes} bytes"
                        )
                    if self._remaining() <= 0:
                        raise FetchError(
                            f"{url}: body still arriving after {self.settings.total_timeout_s:g}s"
                        )
                    chunks.append(chunk)
            break
        else:
            raise FetchError(f"{url}: TooManyRedirects: more than {MAX_REDIRECTS} redirects")
        if self._watchdog.expired:  # the watchdog cut the connection: the body may be short
            raise FetchError(f"{url}: body still arriving after {self.settings.total_timeout_s:g}s")
        self._received = size
        body = b"".join(chunks)
        self._refuse_secrets(url, self._secrets.found_in(body))
        return response, body


class _TooLarge(Exception):
    pass
