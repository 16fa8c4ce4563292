"""The prompt-cache part of a call: which of its prompt tokens are read from the cache, which
are written to it.

Two regimes (`workload.cache_write_share` in defaults.py):
- **Your shares** (`cached_input_share`, `cache_write_share`): every call that sends the
  request's shared prompt reads and writes those shares of it. A model that writes on its own,
  called again later in the same request (a tool loop's next round trip, Fusion's answer after
  its decide call), reads back what it wrote.
- **The automatic pair** (neither share given): models that cache on their own (OpenAI
  GPT-5.6+: "cache writes at 1.25x ... even with automatic caching — no opt-in required")
  write `caching.automatic_write_share` and read `caching.automatic_read_share` of each call's
  *new* prompt tokens, the pair measured on 118 real gpt-5.6-terra calls, and read in full the
  prefix an earlier call of the same request sent (if that call was cached); calls side by
  side (parallel samples, panel members) do not read each other's writes. Only calls of 1,024
  prompt tokens or more are cached ("minimum 1,024"). Other models cache nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from estimator.defaults import default
from estimator.pricing.catalog import Resolution
from estimator.pricing.rules import EXACT, VECTOR
from estimator.workload.distributions import AUTO_CACHE_MIN_TOKENS
from estimator.workload.request import Request, Tokens

WRITE_SHARE = Decimal(str(default("caching.automatic_write_share")))
READ_SHARE = Decimal(str(default("caching.automatic_read_share")))


def cache_use(
    resolution: Resolution,
    request: Request,
    prompt: Tokens | None = None,
    prefix: Tokens | None = None,
) -> dict[str, Any]:
    """The cache fields of a call of `resolution` with `prompt` input tokens (default: the
    request's shared prompt), whose first `prefix` tokens an earlier call of the same model in
    this request sent (None: no earlier call did, or it ran side by side)."""
    automatic = resolution.model.writes_cache_automatically
    if automatic and request.auto_cache:
        sent = request.input_tokens if prompt is None else prompt
        return automatic_pair(request, sent, prefix)
    written = request.written_by(automatic)
    if automatic and prefix is not None:  # it wrote the shared prompt before: now it reads it
        return {
            "cached_tokens": request.cached_tokens + written,
            "written_tokens": written * 0,
            "cache_ttl": request.cache_ttl,
        }
    return {
        "cached_tokens": request.cached_tokens,
        "written_tokens": written,
        "cache_ttl": request.cache_ttl,
    }


def automatic_pair(request: Request, prompt: Tokens, prefix: Tokens | None) -> dict[str, Any]:
    """The measured pair on the call's new tokens, the prefix read back; nothing under 1,024."""
    arith = EXACT if request.exact else VECTOR
    zero = arith.constant(Decimal(0))
    floor = arith.constant(Decimal(AUTO_CACHE_MIN_TOKENS))
    # a prefix is in the cache only if the call that sent it was long enough to be cached
    sent = zero if prefix is None else arith.select(prefix >= floor, prefix, zero)
    fresh = prompt - sent
    cached = sent + fresh * arith.constant(READ_SHARE)
    written = fresh * arith.constant(WRITE_SHARE)
    cacheable = prompt >= floor
    return {
        "cached_tokens": arith.select(cacheable, cached, zero),
        "written_tokens": arith.select(cacheable, written, zero),
        "cache_ttl": "5m",
    }
