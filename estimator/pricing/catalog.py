"""The catalog: validated model facts plus where they came from, and lookup by any name users type.

Lookup accepts an `id`, a `canonical_slug` or a `~author/family-latest` alias, and always says
which concrete model it found: billing uses the concrete model, never the alias.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from estimator.errors import DynamicPriceError, UnknownModelError, UserError
from estimator.pricing.models import ModelInfo
from estimator.pricing.price import Price
from estimator.pricing.secrets import strip_userinfo

MAX_ALIAS_HOPS = 4


class CatalogMeta(BaseModel):
    """Provenance that travels with every number priced from this catalog."""

    model_config = ConfigDict(extra="ignore")

    fetched_at: datetime
    source: str
    model_count: int
    sha256: str = ""
    etag: str | None = None
    last_modified: str | None = None
    checked_at: datetime | None = None
    tool_version: str = ""

    @field_validator("source")
    @classmethod
    def _without_credentials(cls, source: str) -> str:
        """A URL's `user:password@` is never stored or shown, even from an older file."""
        return strip_userinfo(source)

    def age_days(self, now: datetime) -> float:
        return (now - self.fetched_at).total_seconds() / 86400


@dataclass(frozen=True)
class Resolution:
    """The answer to "which model is this name": the concrete model and how we got there."""

    requested: str
    model: ModelInfo
    via: Literal["id", "canonical_slug", "alias"]
    alias: str | None = None

    @property
    def id(self) -> str:
        return self.model.id


@dataclass(frozen=True)
class Rates:
    """The prices in force for one call of one model; asking a dynamic one for a number raises."""

    model_id: str
    prices: dict[str, Price]

    def usd(self, key: str) -> Decimal:
        """USD per unit for `key`; `0` only when the model does not charge for it at all."""
        price = self.prices.get(key)
        dynamic_model = self.prices["prompt"].is_dynamic if "prompt" in self.prices else False
        if price is None and not dynamic_model:
            return Decimal(0)
        if price is None or price.is_dynamic:
            raise DynamicPriceError(
                f"{self.model_id}: the {key!r} price is dynamic (-1): it depends on the model a "
                "router picks, so it has no fixed value; price it as a strategy with "
                "`fusion-cost estimate` (--auto / --fusion)"
            )
        return price.value

    def has(self, key: str) -> bool:
        return key in self.prices


class Catalog:
    """All models of one snapshot, indexed for lookup. Immutable once built."""

    def __init__(
        self, models: Iterable[ModelInfo], meta: CatalogMeta, location: Path | None = None
    ) -> None:
        self.meta = meta
        self.location = location  # the file it was read from; provenance is `meta.source`
        self.review: Any = None  # the PriceLock it was read through (pricing/lock.py), if any
        self._by_id: dict[str, ModelInfo] = {}
        self._by_slug: dict[str, str] = {}
        for model in models:
            if model.id in self._by_id:
                raise UserError(f"duplicate model id {model.id!r} in catalog from {meta.source}")
            self._by_id[model.id] = model
        for model in self._by_id.values():
            if model.canonical_slug and model.canonical_slug not in self._by_id:
                self._by_slug.setdefault(model.canonical_slug, model.id)

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[ModelInfo]:
        return iter(self._by_id.values())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name in self._by_id or name in self._by_slug)

    @property
    def ids(self) -> list[str]:
        return list(self._by_id)

    def resolve(self, name: str) -> Resolution:
        """Find a model by id, canonical slug or `~…-latest` alias; unknown names get hints."""
        model = self._by_id.get(name)
        via: Literal["id", "canonical_slug", "alias"] = "id"
        if model is None and name in self._by_slug:
            model, via = self._by_id[self._by_slug[name]], "canonical_slug"
        if model is None:
            raise UnknownModelError(name, self.suggest(name))
        alias = None
        hops = 0
        while model.alias_target is not None:
            hops += 1
            target = self._by_id.get(model.alias_target.slug)
            if target is None or hops > MAX_ALIAS_HOPS:
                raise UserError(
                    f"alias {model.id!r} points at {model.alias_target.slug!r}, "
                    "which is not in the catalog"
                )
            alias, via, model = alias or model.id, "alias", target
        return Resolution(requested=name, model=model, via=via, alias=alias)

    def get_exact(self, model_id: str) -> ModelInfo:
        """The row with exactly this id (aliases are not followed)."""
        return self._by_id[model_id]

    def get(self, name: str) -> ModelInfo:
        return self.resolve(name).model

    def suggest(self, name: str, count: int = 3) -> list[str]:
        """The closest ids, for "did you mean" (case-insensitive; substring hits first)."""
        lowered = name.lower()
        candidates = {model_id.lower(): model_id for model_id in self._by_id}
        close = difflib.get_close_matches(lowered, list(candidates), n=count, cutoff=0.4)
        if len(close) < count:
            tail = lowered.rsplit("/", 1)[-1]
            close += [c for c in candidates if tail and tail in c and c not in close]
        return [candidates[c] for c in close[:count]]

    def rates(self, name: str, prompt_tokens: int = 0, minute_of_day: int | None = None) -> Rates:
        """Prices for one call of `name` with `prompt_tokens` prompt tokens at a UTC minute.

        The long-context tier is chosen by this call's prompt size and applies to all of the
        call's tokens; `minute_of_day=None` ignores time-of-day windows (base prices).
        """
        model = self.get(name)
        return Rates(model.id, model.pricing.at(prompt_tokens, minute_of_day))

    def rates_at_hour(self, name: str, prompt_tokens: int, hour: int) -> Rates:
        """Prices in force at `hour`:00 UTC (the catalog's windows start on whole hours)."""
        if not 0 <= hour <= 23:
            raise UserError(f"hour {hour} is outside 0-23")
        return self.rates(name, prompt_tokens, hour * 60)

    def age_days(self, now: datetime | None = None) -> float:
        return self.meta.age_days(now or datetime.now(UTC))
