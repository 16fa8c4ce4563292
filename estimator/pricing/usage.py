"""The one strict reader of OpenRouter's `usage` object: what a call was billed, typed and
bounded, or `Unsettled` with the reason it cannot say.

Why strict: a spend cap is only as good as what it counts. A usage object that says
`"cost": "abc"`, `true`, NaN, a negative or a 5,000-digit number, or a token count of `null`,
is not a bill to trust, and an odd value let through here surfaces later as a crash or as
NaN in a file. So every field is checked here, once: anything but a finite number in range is
`Unsettled`, and the caller counts the call at its worst case instead.

Fields read (chat completions; the Responses API's `input_tokens`/`output_tokens` names too):
`cost` (what OpenRouter charged), `is_byok` and `cost_details.upstream_inference_cost` (with
a bring-your-own key, `cost` is OpenRouter's fee only and the provider bills the upstream
cost to the user directly: both are the call's bill), `prompt_tokens` (cached and written
included), `completion_tokens` (reasoning included), `prompt_tokens_details.cached_tokens` /
`cache_write_tokens`, `completion_tokens_details.reasoning_tokens` and
`server_tool_use_details.tool_calls_executed`. Token counts are optional (None when absent);
a count that is present must be a whole number in range.

Only the standard library: log readers can use it as the pilot does.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_TOKENS = 10**9  # no call bills a billion tokens
MAX_COST_USD = Decimal(10**6)  # nor a million dollars


@dataclass(frozen=True)
class Unsettled:
    """A bill that cannot be read: the call counts its worst case, and stays in doubt."""

    reason: str


@dataclass(frozen=True)
class Usage:
    """One call's bill as OpenRouter reported it (typed, bounded, non-negative)."""

    cost_usd: Decimal  # usage.cost: OpenRouter's charge (with BYOK: its fee only)
    upstream_usd: Decimal | None  # cost_details.upstream_inference_cost
    is_byok: bool
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached_tokens: int | None = None
    cache_write_tokens: int | None = None
    reasoning_tokens: int | None = None
    tool_calls_executed: int | None = None

    @property
    def billed_usd(self) -> Decimal:
        """Everything the call cost its user: with BYOK, the fee plus the provider's bill."""
        if self.is_byok:
            return self.cost_usd + (self.upstream_usd or Decimal(0))
        return self.cost_usd

    def as_record(self) -> dict[str, Any]:
        """A JSON-ready copy: money as decimal strings (never floats), counts as integers."""
        found = asdict(self)
        found["cost_usd"] = str(self.cost_usd)
        found["upstream_usd"] = None if self.upstream_usd is None else str(self.upstream_usd)
        return found

    @classmethod
    def from_record(cls, record: Any) -> Usage | Unsettled:
        """`as_record`'s output read back with the same checks as a response."""
        if not isinstance(record, dict) or set(record) != set(cls.__dataclass_fields__):
            return Unsettled("not a usage record")
        try:
            cost = amount(record["cost_usd"], "cost_usd", text=True)
            upstream = record["upstream_usd"]
            upstream = None if upstream is None else amount(upstream, "upstream_usd", text=True)
            byok = _flag(record["is_byok"], "is_byok")
            counts = {name: _count(record[name], name) for name in _COUNTS}
        except _Odd as exc:
            return Unsettled(str(exc))
        if byok and upstream is None:
            return Unsettled("is_byok without the upstream cost")
        return cls(cost, upstream, byok, **counts)


_COUNTS = (
    "prompt_tokens",
    "completion_tokens",
    "cached_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "tool_calls_executed",
)


class _Odd(ValueError):
    """A field that is not what a bill holds (a `ValueError`)."""


def amount(value: Any, name: str, text: bool = False) -> Decimal:
    """A finite, non-negative amount in range: a JSON number (or, from our own records, a
    decimal string)."""
    if isinstance(value, bool) or not isinstance(value, int | float | (str if text else int)):
        raise _Odd(f"{name} is {type(value).__name__}, not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise _Odd(f"{name} is {value}")
    try:
        amount = Decimal(value) if isinstance(value, str) else Decimal(repr(value))
    except (InvalidOperation, ValueError):
        raise _Odd(f"{name} is not a decimal") from None
    if not amount.is_finite() or not 0 <= amount <= MAX_COST_USD:
        raise _Odd(f"{name} is out of range")
    return amount


def _count(value: Any, name: str) -> int | None:
    """A token count: absent (None) or a whole number from 0 to MAX_TOKENS."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TOKENS:
        raise _Odd(f"{name} is not a token count")
    return value


def _flag(value: Any, name: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _Odd(f"{name} is not true or false")
    return value


def _part(usage: dict[str, Any], name: str) -> dict[str, Any]:
    part = usage.get(name)
    if part is None:
        return {}
    if not isinstance(part, dict):
        raise _Odd(f"{name} is not an object")
    return part


def _either(usage: dict[str, Any], *names: str) -> Any:
    return next((usage[n] for n in names if usage.get(n) is not None), None)


def read_usage(usage: Any) -> Usage | Unsettled:
    """The bill in a response's `usage`, or why it cannot be read."""
    if not isinstance(usage, dict):
        return Unsettled("no usage object" if usage is None else "usage is not an object")
    if usage.get("cost") is None:
        return Unsettled("usage has no cost")
    try:
        cost = amount(usage["cost"], "usage.cost")
        byok = _flag(usage.get("is_byok"), "usage.is_byok")
        details = _part(usage, "cost_details")
        raw = details.get("upstream_inference_cost")
        upstream = None if raw is None else amount(raw, "upstream_inference_cost")
        prompt = _part(usage, "prompt_tokens_details") or _part(usage, "input_tokens_details")
        answer = _part(usage, "completion_tokens_details") or _part(usage, "output_tokens_details")
        tools = _part(usage, "server_tool_use_details")
        counts = {
            "prompt_tokens": _either(usage, "prompt_tokens", "input_tokens"),
            "completion_tokens": _either(usage, "completion_tokens", "output_tokens"),
            "cached_tokens": prompt.get("cached_tokens"),
            "cache_write_tokens": prompt.get("cache_write_tokens"),
            "reasoning_tokens": answer.get("reasoning_tokens"),
            "tool_calls_executed": tools.get("tool_calls_executed"),
        }
        typed = {name: _count(value, name) for name, value in counts.items()}
    except _Odd as exc:
        return Unsettled(str(exc))
    if byok and upstream is None:  # the provider's bill is the larger part: unknown
        return Unsettled("a BYOK call without cost_details.upstream_inference_cost")
    return Usage(cost, upstream, byok, **typed)
