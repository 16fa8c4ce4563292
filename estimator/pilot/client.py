"""One pilot call through OpenRouter's OpenAI-compatible endpoint, with httpx.

Why httpx and not the `openai` SDK: it is already how fusion-cost talks to OpenRouter (the
models API), it keeps the key out of everything but the Authorization header, and the retries
stay ours. The SDK retries on its own, and a retry we cannot see is a call we may pay twice.

Retries: 429 (not billed) waits `Retry-After` (at most `MAX_WAIT_S`) and tries again within
the same reservation; a 5xx, a timeout or a dropped connection may have been billed (web fees
are billed even when the answer fails), so it ends the attempt as failed, counting its bound.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from estimator import __version__

MAX_WAIT_S = 30.0
RATE_LIMIT_TRIES = 5
USER_AGENT = f"fusion-cost/{__version__} (pilot)"


@dataclass
class Outcome:
    ok: bool
    status: int | None
    response: dict[str, Any] | None
    cost: Decimal | None  # usage.cost as billed (None: the response did not say)
    latency_s: float
    error: str | None = None
    waits: list[float] = field(default_factory=list)

    @property
    def maybe_billed(self) -> bool:
        """No answer, but the request may have run (and web fees are billed even then): a
        timeout, a dropped connection, a server error. A refusal (other 4xx) was not billed."""
        status = self.status
        return not self.ok and (status is None or status >= 500 or status in (408, 499))


def _wait(response: httpx.Response, attempt: int) -> float:
    header = response.headers.get("retry-after", "")
    try:
        seconds = float(header)
    except ValueError:
        seconds = 2.0**attempt
    return max(0.0, min(MAX_WAIT_S, seconds))


def call(client: httpx.Client, url: str, key: str, body: dict[str, Any]) -> Outcome:
    headers = {"Authorization": f"Bearer {key}", "User-Agent": USER_AGENT}
    waits: list[float] = []
    start = time.monotonic()
    for attempt in range(RATE_LIMIT_TRIES):
        try:
            response = client.post(url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            kind = type(exc).__name__
            return Outcome(False, None, None, None, time.monotonic() - start, kind, waits)
        if response.status_code == 429 and attempt + 1 < RATE_LIMIT_TRIES:
            waits.append(_wait(response, attempt))
            time.sleep(waits[-1])
            continue
        return _outcome(response, time.monotonic() - start, waits)
    raise AssertionError("unreachable: the last try returns")


def _outcome(response: httpx.Response, latency: float, waits: list[float]) -> Outcome:
    try:
        document = response.json()
    except ValueError:
        document = None
    if response.status_code != 200 or not isinstance(document, dict):
        message = _error_text(document) or f"HTTP {response.status_code}"
        return Outcome(False, response.status_code, None, None, latency, message, waits)
    usage = document.get("usage") if isinstance(document.get("usage"), dict) else {}
    raw = usage.get("cost") if usage else None
    cost = Decimal(str(raw)) if isinstance(raw, int | float) and raw >= 0 else None
    return Outcome(True, 200, document, cost, latency, None, waits)


def _error_text(document: Any) -> str | None:
    if isinstance(document, dict) and isinstance(document.get("error"), dict):
        message = document["error"].get("message")
        return str(message)[:300] if message else None
    return None
