"""One request's tokens in scenario terms, exact or vectorised: what a strategy expands into
calls and what the workload, its profile and a replayed log all produce."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

Tokens = Any  # Decimal for the exact path, numpy.ndarray for the vectorised one


@dataclass(frozen=True)
class Request:
    """The tokens of one request (Decimal means, or arrays of sampled requests).

    Scenario conventions: `output_tokens` is the visible answer, `reasoning_tokens` the
    thinking on top of it. `cached_tokens` and `written_tokens` are the part of the shared
    prompt (`input_tokens`) read from and written to the prompt cache; models that write
    automatically write `auto_written_tokens` instead (None: the same as `written_tokens`).
    """

    input_tokens: Tokens
    output_tokens: Tokens
    reasoning_tokens: Tokens = Decimal(0)
    cached_tokens: Tokens = Decimal(0)
    written_tokens: Tokens = Decimal(0)
    auto_written_tokens: Tokens | None = None
    cache_ttl: Literal["5m", "1h"] = "5m"

    @property
    def exact(self) -> bool:
        return isinstance(self.input_tokens, Decimal | int)

    def written_by(self, writes_automatically: bool) -> Tokens:
        """The cache writes of a call of a model that does (or does not) write on its own."""
        if writes_automatically and self.auto_written_tokens is not None:
            return self.auto_written_tokens
        return self.written_tokens

    def num(self, value: float | int | Decimal) -> Tokens:
        """A constant in this request's arithmetic: Decimal (exact) or float (vectorised)."""
        return Decimal(str(value)) if self.exact else float(value)
