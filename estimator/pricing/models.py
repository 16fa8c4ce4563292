"""pydantic models of one row of OpenRouter's `/api/v1/models` payload: the facts we price with.

The same models validate a live API payload and our cache file: the cache is the payload with
everything we do not use (descriptions, design-arena tables...) left out, so one validation path
serves both. Unknown fields are ignored, which keeps fresher payloads loading.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_serializer,
    model_validator,
)

from estimator.pricing.price import Price

CONDITION_KEYS = ("min_prompt_tokens", "utc_start", "utc_end")
MINUTES_PER_DAY = 24 * 60


class _Facts(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


def hhmm_to_minute(value: int) -> int:
    """`1330` (HHMM, UTC) -> 810 minutes after midnight."""
    hours, minutes = divmod(value, 100)
    return hours * 60 + minutes


def _split_prices(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ValueError(f"{where} must be an object")
    return {key: value for key, value in raw.items() if value is not None}


class PriceOverride(_Facts):
    """A conditional price set: a long-context tier and/or a UTC time-of-day window.

    A tier (`min_prompt_tokens`) applies to the *whole* call once its prompt is strictly above
    the threshold; a window (`utc_start`..`utc_end`, HHMM, end exclusive) may wrap midnight.
    """

    min_prompt_tokens: int | None = Field(default=None, ge=0)
    utc_start: int | None = None
    utc_end: int | None = None
    prices: dict[str, Price]

    @model_validator(mode="before")
    @classmethod
    def _flat_to_nested(cls, raw: Any) -> Any:
        if isinstance(raw, dict) and "prices" not in raw:
            data = _split_prices(raw, "override")
            conditions = {k: data.pop(k) for k in CONDITION_KEYS if k in data}
            return {**conditions, "prices": data}
        return raw

    @field_validator("utc_start", "utc_end")
    @classmethod
    def _hhmm(cls, value: int | None) -> int | None:
        if value is not None and not (0 <= value <= 2400 and value % 100 < 60):
            raise ValueError(f"{value} is not an HHMM time of day")
        return value

    @model_validator(mode="after")
    def _window_complete(self) -> PriceOverride:
        if (self.utc_start is None) != (self.utc_end is None):
            raise ValueError("a time window needs both utc_start and utc_end")
        return self

    @model_serializer
    def _nested_to_flat(self) -> dict[str, Any]:
        conditions = {k: getattr(self, k) for k in CONDITION_KEYS if getattr(self, k) is not None}
        return {**conditions, **{key: price.raw for key, price in self.prices.items()}}

    @property
    def has_window(self) -> bool:
        return self.utc_start is not None

    def in_window(self, minute_of_day: Any) -> Any:
        """Whether a UTC minute (or an array of them) lies in [utc_start, utc_end)."""
        start, end = hhmm_to_minute(self.utc_start or 0), hhmm_to_minute(self.utc_end or 0)
        if start == end:
            return True
        if start < end:
            return (minute_of_day >= start) & (minute_of_day < end)
        return (minute_of_day >= start) | (minute_of_day < end)

    def applies(self, prompt_tokens: Any, minute_of_day: Any) -> Any:
        """Whether this override is in force for a call (scalars, or numpy arrays of calls).

        A tier applies when the call's prompt tokens are *strictly greater than*
        `min_prompt_tokens` (the models API's wording); a window when the call's UTC minute
        lies in it. No minute (`None`) means time windows are off.
        """
        condition: Any = True
        if self.min_prompt_tokens is not None:
            condition = prompt_tokens > self.min_prompt_tokens
        if self.has_window:
            if minute_of_day is None:
                return False
            window = self.in_window(minute_of_day)
            condition = window if condition is True else condition & window
        return condition


class Pricing(_Facts):
    """Base prices (USD per unit, by API key) and the overrides that replace some of them."""

    prices: dict[str, Price]
    overrides: tuple[PriceOverride, ...] = ()
    # "the price is multiplied by (1 - discount)" (openapi PublicPricing); 0 = none
    discount: Decimal | None = Field(default=None, ge=0, lt=1)

    @model_validator(mode="before")
    @classmethod
    def _flat_to_nested(cls, raw: Any) -> Any:
        if isinstance(raw, dict) and "prices" not in raw:
            data = _split_prices(raw, "pricing")
            overrides = data.pop("overrides", [])
            discount = data.pop("discount", None)  # not a unit price: a number or a string
            if isinstance(discount, bool):
                raise ValueError("pricing.discount must be a number")
            if isinstance(discount, int | float):
                discount = str(discount)
            return {"prices": data, "overrides": overrides, "discount": discount or None}
        return raw

    @model_validator(mode="after")
    def _required(self) -> Pricing:
        missing = [key for key in ("prompt", "completion") if key not in self.prices]
        if missing:
            raise ValueError(f"pricing lacks {', '.join(missing)}")
        return self

    @model_serializer
    def _nested_to_flat(self) -> dict[str, Any]:
        flat: dict[str, Any] = {key: price.raw for key, price in self.prices.items()}
        if self.overrides:
            flat["overrides"] = [override._nested_to_flat() for override in self.overrides]
        if self.discount:
            flat["discount"] = str(self.discount)
        return flat

    def at(self, prompt_tokens: int = 0, minute_of_day: int | None = None) -> dict[str, Price]:
        """Prices in force for one call: base, then each matching override in order (later wins)."""
        if minute_of_day is not None and not 0 <= minute_of_day < MINUTES_PER_DAY:
            raise ValueError(f"minute of day {minute_of_day} is outside 0-{MINUTES_PER_DAY - 1}")
        effective = dict(self.prices)
        for override in self.overrides:
            if override.applies(prompt_tokens, minute_of_day):
                effective.update(override.prices)
        return effective

    @property
    def is_dynamic(self) -> bool:
        return self.prices["prompt"].is_dynamic or self.prices["completion"].is_dynamic

    def tiers(self) -> Iterator[PriceOverride]:
        return (o for o in self.overrides if o.min_prompt_tokens is not None and not o.has_window)

    def windows(self) -> Iterator[PriceOverride]:
        return (o for o in self.overrides if o.has_window)


class Architecture(_Facts):
    modality: str | None = None
    input_modalities: tuple[str, ...] = ()
    output_modalities: tuple[str, ...] = ()
    tokenizer: str | None = None


class TopProvider(_Facts):
    context_length: int | None = Field(default=None, ge=0)
    max_completion_tokens: int | None = Field(default=None, ge=0)


class AliasTarget(_Facts):
    slug: str
    name: str | None = None


class ArtificialAnalysis(_Facts):
    intelligence_index: float | None = None
    coding_index: float | None = None
    agentic_index: float | None = None


class Benchmarks(_Facts):
    artificial_analysis: ArtificialAnalysis | None = None


class ReasoningSupport(_Facts):
    """Present when the model can reason; `mandatory` models always spend reasoning tokens."""

    mandatory: bool = False
    default_enabled: bool | None = None


class ModelInfo(_Facts):
    """One model's facts: identity, prices, limits; no description text."""

    id: str = Field(min_length=1)
    canonical_slug: str | None = None
    name: str = ""
    created: int | None = None
    context_length: int | None = Field(default=None, ge=0)
    architecture: Architecture = Architecture()
    pricing: Pricing
    top_provider: TopProvider = TopProvider()
    expiration_date: str | None = None
    alias_target: AliasTarget | None = None
    benchmarks: Benchmarks | None = None
    reasoning: ReasoningSupport | None = None

    @field_validator("benchmarks", mode="before")
    @classmethod
    def _only_indices(cls, raw: Any) -> Any:
        if isinstance(raw, dict):
            return {"artificial_analysis": raw.get("artificial_analysis")}
        return raw

    @property
    def max_context(self) -> int | None:
        """The usable context: the top provider's when given, else the model's."""
        return self.top_provider.context_length or self.context_length

    @property
    def reasons(self) -> bool:
        """Whether calls spend reasoning tokens by default (the scenario's `reasoning_tokens`)."""
        return self.reasoning is not None and (
            self.reasoning.mandatory or self.reasoning.default_enabled is not False
        )

    @property
    def writes_cache_automatically(self) -> bool:
        """OpenAI's GPT-5.6 and later "charge cache writes at 1.25x the price of the original
        input pricing, even with automatic caching — no opt-in required" (prompt-caching
        guide): OpenAI models whose pricing has `input_cache_write`. Anthropic and the others
        write only when asked (cache_control)."""
        author = self.id.split("/", 1)[0]
        return author == "openai" and "input_cache_write" in self.pricing.prices

    @property
    def is_text_model(self) -> bool:
        return "text" in self.architecture.output_modalities

    @property
    def max_completion_tokens(self) -> int | None:
        return self.top_provider.max_completion_tokens
