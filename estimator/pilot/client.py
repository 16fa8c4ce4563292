"""One pilot call through OpenRouter's OpenAI-compatible endpoint, with httpx.

Why httpx and not the `openai` SDK: it is already how fusion-cost talks to OpenRouter (the
models API), it keeps the key out of everything but the Authorization header, and the retries
stay ours. The SDK retries on its own, and a retry we cannot see is a call we may pay twice.

Bounded three ways, whatever the server does:
- **a deadline for the whole call** (`timeout`, rate-limit waits included): a watchdog
  (`pricing/watchdog.py`) shuts the socket when it passes, so a drip-fed answer cannot hold
  a call past it;
- **a size cap on the answer** (`Request.max_body_bytes`, from the tokens it may carry),
  read as a stream: the rest is never read;
- **one strict reader of the answer**: a 200 is settled only by a valid usage object
  (`pricing/usage.py`); a 200 that cannot be (cut off, streamed, a list, an error body, a
  huge number, an odd usage value) is *unsettled*: it may have been billed, so it counts at
  its bound and stays in doubt. Its answer, if one can be read, is kept all the same.

Retries: 429 (not billed) waits `Retry-After` (at most `MAX_WAIT_S`, never past the deadline)
and tries again within the same reservation; a 5xx, a timeout or a dropped connection may
have been billed (web fees are billed even when the answer fails), so it ends the attempt as
in doubt, counting its bound. Another 4xx is a refusal, not billed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from estimator import __version__
from estimator.pricing.payload import loads_strict
from estimator.pricing.usage import Unsettled, Usage, read_usage
from estimator.pricing.watchdog import Watchdog

MAX_WAIT_S = 30.0
RATE_LIMIT_TRIES = 5
USER_AGENT = f"fusion-cost/{__version__} (pilot)"
MAX_TEXT = 300  # characters of an error kept
USAGE_DEPTH = 8  # the raw usage a record keeps (OpenRouter's nests 3 deep)


@dataclass(frozen=True)
class Request:
    """What one call sends: the body as bytes (what the bound was computed from) and the most
    its answer may take (`max_body_bytes`)."""

    payload: bytes
    max_body_bytes: int


@dataclass
class Outcome:
    """How one call ended. `usage` is set when the bill was read (settled); `unsettled` says
    why a 200 could not be settled; neither for a refusal or a call that may have run without
    an answer (`maybe_billed`)."""

    status: int | None
    latency_s: float
    usage: Usage | None = None
    unsettled: str | None = None
    error: str | None = None
    answer: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)  # model, provider, id, fusion
    waits: list[float] = field(default_factory=list)
    retry_after_s: float = 0.0  # a 429's wait (not recorded)

    @property
    def ok(self) -> bool:
        return self.usage is not None

    @property
    def maybe_billed(self) -> bool:
        """No bill read, but the request may have run (and web fees are billed even then):
        an unsettled 200, a timeout, a dropped connection, a server error. A refusal (another
        4xx, or a 429 that never let it through) was not billed."""
        if self.ok:
            return False
        status = self.status
        return status is None or status == 200 or status >= 500 or status in (408, 499)

    def charge(self, bound: Decimal) -> Decimal:
        """What the call counts against the cap: its bill, else its bound when it may have
        been billed, else nothing."""
        if self.usage is not None:
            return self.usage.billed_usd
        return bound if self.maybe_billed else Decimal(0)


def _wait(response: httpx.Response, attempt: int) -> float:
    header = response.headers.get("retry-after", "")
    try:
        seconds = float(header)
    except ValueError:
        seconds = 2.0**attempt
    if seconds != seconds:  # NaN
        seconds = 2.0**attempt
    return max(0.0, min(MAX_WAIT_S, seconds))


class _TooLarge(Exception):
    pass


def call(
    client: httpx.Client, url: str, key: str, request: Request, timeout: float = 300.0
) -> Outcome:
    """One call, at most `timeout` seconds from start to end, retries included."""
    headers = {
        "Authorization": f"Bearer {key}",
        "User-Agent": USER_AGENT,
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    waits: list[float] = []
    start = time.monotonic()
    watchdog = Watchdog()
    with watchdog.armed(timeout):
        for attempt in range(RATE_LIMIT_TRIES):
            outcome = _attempt(client, url, headers, request, watchdog, start, attempt)
            outcome.waits = waits
            if outcome.status != 429 or attempt + 1 == RATE_LIMIT_TRIES:
                return outcome
            pause = outcome.retry_after_s
            if time.monotonic() - start + pause >= timeout:
                outcome.error = "rate limited until past the call's deadline"
                return outcome
            waits.append(pause)
            time.sleep(pause)
    raise AssertionError("unreachable: the last try returns")


def _attempt(
    client: httpx.Client,
    url: str,
    headers: dict[str, str],
    request: Request,
    watchdog: Watchdog,
    start: float,
    attempt: int = 0,
) -> Outcome:
    status: int | None = None
    try:
        with client.stream(
            "POST",
            url,
            content=request.payload,
            headers=headers,
            extensions={"trace": watchdog.trace},
        ) as response:
            status = response.status_code
            if status == 429:
                wait_s = _wait(response, attempt)
                latency = time.monotonic() - start
                return Outcome(429, latency, error="HTTP 429", retry_after_s=wait_s)
            kind = response.headers.get("content-type", "")
            if status == 200 and "text/event-stream" in kind:
                return _unsettled(start, "a streamed (server-sent events) answer")
            body = _read(response, request.max_body_bytes)
    except _TooLarge:
        return _unsettled(start, f"an answer over {request.max_body_bytes:,} bytes", status)
    except httpx.HTTPError as exc:
        late = " at the call's deadline" if watchdog.expired else ""
        error = f"{type(exc).__name__}{late}"
        if status == 200:  # the answer began: it may have been billed
            return _unsettled(start, f"the answer was cut off ({error})")
        return Outcome(status, time.monotonic() - start, error=error)
    return _outcome(status, body, time.monotonic() - start)  # a body cut short fails to parse


def _read(response: httpx.Response, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _unsettled(start: float, reason: str, status: int | None = 200) -> Outcome:
    if status != 200:  # a refusal or a server error that was too big to read
        return Outcome(status, time.monotonic() - start, error=reason)
    return Outcome(200, time.monotonic() - start, unsettled=reason, error=reason)


def _outcome(status: int, body: bytes, latency: float) -> Outcome:
    try:
        document = loads_strict(body)
    except (ValueError, UnicodeDecodeError) as exc:
        document, problem = None, f"not JSON ({str(exc)[:80]})"
    else:
        problem = "" if isinstance(document, dict) else "a JSON document that is not an object"
    if status != 200:
        return Outcome(status, latency, error=_error_text(document) or f"HTTP {status}")
    if problem:
        return Outcome(200, latency, unsettled=problem, error=problem)
    outcome = Outcome(200, latency, answer=answer_of(document), fields=fields_of(document))
    if document.get("error") is not None:
        outcome.unsettled = "an error body with status 200"
        outcome.error = _error_text(document) or outcome.unsettled
        return outcome
    usage = read_usage(document.get("usage"))
    if isinstance(usage, Unsettled):
        outcome.unsettled = outcome.error = usage.reason
    else:
        outcome.usage = usage
    return outcome


def answer_of(document: dict[str, Any]) -> str | None:
    """The answer's text, whatever shape it came in: `choices[0].message.content` as a
    string or a list of text parts, a bare string message, or the choice's `text`."""
    choices = document.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices else None
    if not isinstance(choice, dict):
        return None
    message = choice.get("message")
    if isinstance(message, str):
        return message
    content = message.get("content") if isinstance(message, dict) else choice.get("text")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text") for p in content if isinstance(p, dict)]
        return "".join(p for p in parts if isinstance(p, str)) or None
    return None


def _text(value: Any) -> str | None:
    return value[:MAX_TEXT] if isinstance(value, str) else None


def fields_of(document: dict[str, Any]) -> dict[str, Any]:
    """The response's other fields a record keeps: as short strings the model that ran, the
    provider, the generation id, Fusion's failed and answering panel members; and the raw
    `usage` as it came (for reference: what counts is the strict reading, `billed`)."""
    found: dict[str, Any] = {
        "model": _text(document.get("model")),
        "provider": _text(document.get("provider")),
        "generation_id": _text(document.get("id")),
    }
    fusion = {}
    for name in ("failed_models", "responses_models"):
        items = document.get(name)
        if isinstance(items, list):
            models = [i.get("model") if isinstance(i, dict) else i for i in items[:50]]
            fusion[name] = [m[:MAX_TEXT] for m in models if isinstance(m, str)]
    found["fusion"] = fusion or None
    usage = document.get("usage")
    found["usage"] = usage if isinstance(usage, dict) and _shallow(usage, USAGE_DEPTH) else None
    return found


def _shallow(value: Any, depth: int) -> bool:
    """True when `value` nests at most `depth` levels (a record must read back strictly)."""
    if depth < 0:
        return False
    children = (
        value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    )
    return all(_shallow(c, depth - 1) for c in children)


def _error_text(document: Any) -> str | None:
    error = document.get("error") if isinstance(document, dict) else None
    if isinstance(error, dict):
        message = error.get("message")
        return str(message)[:MAX_TEXT] if message else None
    return error[:MAX_TEXT] if isinstance(error, str) else None
