"""One request's tokens in scenario terms, exact or vectorised: what a strategy expands into
calls and what the workload, its profile and a replayed log all produce."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from estimator.pricing.models import ModelInfo

Tokens = Any  # Decimal for the exact path, numpy.ndarray for the vectorised one


@dataclass(frozen=True)
class Request:
    """The tokens of one request (Decimal means, or arrays of sampled requests).

    Scenario conventions: `output_tokens` is the visible answer, reasoning the thinking on top
    of it, per call: `reasoning_by_model` (a model id -> its tokens) first, then
    `reasoning_tokens` for every model that reasons (None: each model's own profile,
    workload/reasoning.py). `cached_tokens` and `written_tokens` are the part of the shared
    prompt (`input_tokens`) read from and written to the prompt cache; with `auto_cache`,
    models that cache on their own apply the measured pair to each call's own prompt instead
    (strategies/caching.py); a replayed log gives their writes as `auto_written_tokens`.
    With `counted_with` (the tokenizer the counts come from: `--prompts` counts o200k_base),
    each model reads and writes the same text in its own tokenizer: `for_model` scales the
    counts by that model's labelled ratio (workload/prompts.py, TOKENIZER_RATIOS).
    """

    input_tokens: Tokens
    output_tokens: Tokens
    reasoning_tokens: Tokens | None = Decimal(0)
    cached_tokens: Tokens = Decimal(0)
    written_tokens: Tokens = Decimal(0)
    auto_written_tokens: Tokens | None = None
    cache_ttl: Literal["5m", "1h"] = "5m"
    reasoning_by_model: Mapping[str, Tokens] = field(default_factory=dict)
    auto_cache: bool = False
    hours: tuple[Decimal, ...] | None = None  # the traffic's UTC hours (None: uniform)
    counted_with: str | None = None  # the counts' tokenizer (None: each model's own)

    def ratio(self, model: ModelInfo) -> Tokens:
        """The model's tokens per counted token (1 when the counts are the model's own)."""
        if self.counted_with is None:
            return self.num(1)
        from estimator.workload.prompts import ratio_for

        return self.num(ratio_for(model.architecture.tokenizer or "Other")[0])

    def for_model(self, model: ModelInfo) -> Request:
        """The request as `model` counts it: prompt, answer and cache parts scaled by its
        tokenizer's ratio to the counts' (the same request when they are its own)."""
        if self.counted_with is None:
            return self
        r = self.ratio(model)

        def scaled(value: Tokens | None) -> Tokens | None:
            return None if value is None else value * r

        return replace(
            self,
            input_tokens=self.input_tokens * r,
            output_tokens=self.output_tokens * r,
            cached_tokens=self.cached_tokens * r,
            written_tokens=self.written_tokens * r,
            auto_written_tokens=scaled(self.auto_written_tokens),
            counted_with=None,
        )

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
