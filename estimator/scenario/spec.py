"""The scenario file: the contract users write (YAML or JSON), validated by pydantic.

Every optional field takes its default from `defaults.DEFAULTS`, where its source is named;
fields a scenario leaves unset are reported as the assumptions an estimate used. Unknown fields
are errors (typos must not silently fall back to defaults).
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from estimator.defaults import default
from estimator.scenario.paths import field_path
from estimator.scenario.ranges import InputRange, check_ends, extract_ranges
from estimator.strategies.registry import KINDS
from estimator.workload.rates import Belief, Rate, RateRange, belief
from estimator.workload.spec import (
    MAX_NUMBER,
    NonNegative,
    Share,
    Strict,
    Workload,
)

# Control characters (a newline starts a GitHub `::error` line), format characters (invisible:
# zero-width spaces, bidi marks that reorder text) and line/paragraph separators.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"})


def visible_name(value: str, what: str) -> str:
    """A name is one line of visible text: what users see is what they wrote."""
    hidden = sorted(
        {f"U+{ord(c):04X}" for c in value if unicodedata.category(c) in _HIDDEN_CATEGORIES}
    )
    if hidden:
        raise ValueError(
            f"{what} holds control or invisible characters ({', '.join(hidden[:5])}): "
            "names must be one line of visible text"
        )
    if not value.strip():
        raise ValueError(f"{what} is blank")
    return value


def name_key(value: str) -> str:
    """Names that look the same compare equal: NFKC-normalised and case-folded."""
    return unicodedata.normalize("NFKC", value).casefold()


Name = Annotated[str, Field(min_length=1, max_length=200)]


class StrategyBase(Strict):
    """A strategy: a unique name and exactly one kind's fields (the kinds are registered in
    estimator/strategies/registry.py; `StrategySpec` below has one field per kind)."""

    name: Name
    # the strategy the requests this one cannot run (context) would go to: priced beside it
    context_fallback: Name | None = None

    @field_validator("name")
    @classmethod
    def _visible(cls, value: str) -> str:
        return visible_name(value, "a strategy name")

    @model_validator(mode="after")
    def _one_kind(self) -> StrategyBase:
        chosen = [k for k in KINDS if getattr(self, k, None) is not None]
        if len(chosen) != 1:
            raise ValueError(f"a strategy needs exactly one of {', '.join(KINDS)}")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in KINDS if getattr(self, k, None) is not None)

    @property
    def spec(self) -> BaseModel:
        """The fields of its kind."""
        found: BaseModel = getattr(self, self.kind)
        return found


# one optional field per registered kind: `single: {...}`, `fusion: {...}`...; the type checker
# sees the base (its `kind` and `spec` are what every consumer reads)
_KIND_FIELDS: dict[str, Any] = {name: (k.spec | None, None) for name, k in KINDS.items()}
if TYPE_CHECKING:
    StrategySpec = StrategyBase
else:
    StrategySpec = create_model(
        "StrategySpec", __base__=StrategyBase, __doc__=StrategyBase.__doc__, **_KIND_FIELDS
    )


class LatencySpec(Strict):
    ttft_s: NonNegative = default("latency.ttft_s")
    tokens_per_s: Annotated[float, Field(ge=0.001, le=MAX_NUMBER, allow_inf_nan=False)] = default(
        "latency.tokens_per_s"
    )  # at least one token per 1,000 s: a slower model would make latency infinite


class LatencyBudget(Strict):
    p50: NonNegative | None = None
    p95: NonNegative | None = None


class HighStakes(Strict):
    """A slice of traffic where errors cost more (e.g. refunds, legal, medical triage)."""

    share: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
    cost_per_error_usd: NonNegative


class PilotEvidence(Strict):
    """Where the error rates and the workload came from: a pilot on your own prompts
    (written by `fusion-cost pilot` and `grade`; shown in every output)."""

    date: str = Field(max_length=40)
    prompts: Annotated[int, Field(ge=0, le=10**7, strict=True)]
    calls: Annotated[int, Field(ge=0, le=10**8, strict=True)]
    spend_usd: NonNegative
    records: str = Field(max_length=1000)
    graded: Annotated[int, Field(ge=0, le=10**8, strict=True)] = 0


class DecisionSpec(Strict):
    """What a wrong answer and a slow answer cost, and the quality of each strategy."""

    cost_per_error_usd: NonNegative | None = default("decision.cost_per_error_usd")
    error_rate: dict[str, Rate] | None = None  # a rate, {low, high} or {wrong, of}
    # where the rates come from, shown beside them: illustrative (not measured: the built-in
    # example's), estimate (your judgement) or measured (your own evaluation)
    error_rate_source: Literal["illustrative", "estimate", "measured"] | None = None
    accuracy: dict[str, Share | RateRange] | None = None
    latency_budget_s: LatencyBudget | None = None
    value_of_latency_usd_per_s: NonNegative = default("decision.value_of_latency_usd_per_s")
    monthly_budget_usd: NonNegative | None = None
    min_context_share: Share = default("decision.min_context_share")
    high_stakes: HighStakes | None = None
    pilot: PilotEvidence | None = None
    models: dict[str, LatencySpec] = Field(default_factory=dict)
    default_latency: LatencySpec = LatencySpec()
    search_s: NonNegative = default("latency.search_s")
    fetch_s: NonNegative = default("latency.fetch_s")

    @model_validator(mode="after")
    def _quality(self) -> DecisionSpec:
        if self.error_rate is not None and self.accuracy is not None:
            raise ValueError("give error_rate or accuracy, not both")
        return self

    def beliefs(self) -> dict[str, Belief] | None:
        """Each strategy's error rate as believed: its point value and the shape around it."""
        if self.accuracy is not None:
            return {name: belief(value, accuracy=True) for name, value in self.accuracy.items()}
        if self.error_rate is not None:
            return {name: belief(value) for name, value in self.error_rate.items()}
        return None

    def error_rates(self) -> dict[str, float] | None:
        """The point value of each error rate: what the verdict weighs."""
        found = self.beliefs()
        return None if found is None else {name: b.point for name, b in found.items()}


class Policy(Strict):
    """CI gates for `fusion-cost check`; unset gates are not checked."""

    monthly_budget_usd: NonNegative | dict[str, NonNegative] | None = None
    max_per_request_usd: NonNegative | dict[str, NonNegative] | None = None
    max_p95_request_usd: NonNegative | dict[str, NonNegative] | None = None  # one request's tail
    max_increase_pct: float | None = Field(default=None, allow_inf_nan=False)
    max_increase_usd: float | None = Field(default=None, allow_inf_nan=False)
    max_multiplier_vs_baseline: NonNegative | None = None
    fail_on_dynamic_price: bool = True
    fail_on_context_overflow: bool = True
    fail_on_verdict_change: bool = False  # against the baseline: a flipped verdict fails
    max_catalog_age_days: NonNegative | None = None


class BYOK(Strict):
    """Traffic on your own provider keys: the provider bills it; OpenRouter charges 5% of its
    list-price value above the plan's monthly allowance."""

    share: Share = 1.0
    plan: Literal["pay-as-you-go", "enterprise"] = "pay-as-you-go"


class Billing(Strict):
    """What OpenRouter charges besides tokens, shown as their own lines (optional)."""

    credit_purchase: Literal["card", "crypto", "none"] = default("billing.credit_purchase")
    purchases_per_month: Annotated[int, Field(ge=1, le=10_000, strict=True)] = default(
        "billing.purchases_per_month"
    )
    byok: BYOK | None = None


class Scenario(Strict):
    """A workload and the strategies to compare on it."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="fusion-cost scenario")

    name: str = Field(default="Untitled scenario", max_length=500)
    workload: Workload
    baseline: str | None = None
    strategies: list[StrategySpec] = Field(min_length=1, max_length=50)
    decision: DecisionSpec = DecisionSpec()
    policy: Policy = Policy()
    billing: Billing = Billing()
    _origin: Any = PrivateAttr(default=None)  # where it was read: for file:line in errors
    _ranges: tuple[InputRange, ...] = PrivateAttr(default=())  # {low, high} inputs

    @model_validator(mode="wrap")
    @classmethod
    def _input_ranges(cls, data: Any, handler: Any) -> Scenario:
        """`{low, high}` inputs validate at their midpoints; the ranges are kept."""
        found: list[InputRange] = []
        if isinstance(data, dict):
            data, found = extract_ranges(data)
        scenario: Scenario = handler(data)
        if found:
            check_ends(data, found, handler)
            scenario._ranges = tuple(found)
        return scenario

    @property
    def input_ranges(self) -> tuple[InputRange, ...]:
        return self._ranges

    def locate(self, *loc: str | int) -> str:
        """`file:line: strategies[1].fusion` for errors found after validation."""
        if self._origin is None:
            return field_path(self.model_dump(mode="json"), list(loc)) or "scenario"
        where: str = self._origin(list(loc))
        return where

    @field_validator("name")
    @classmethod
    def _visible(cls, value: str) -> str:
        return visible_name(value, "the scenario name")

    @model_validator(mode="after")
    def _names(self) -> Scenario:
        names = [s.name for s in self.strategies]
        keys = [name_key(n) for n in names]
        duplicates = sorted({n for n, k in zip(names, keys, strict=True) if keys.count(k) > 1})
        if duplicates:
            raise ValueError(
                "strategy names must be unique (compared as they look: NFKC, any case): "
                + ", ".join(repr(n) for n in duplicates)
            )
        for spec in self.strategies:
            fallback = spec.context_fallback
            if fallback is not None and (fallback not in names or fallback == spec.name):
                others = ", ".join(n for n in names if n != spec.name) or "none"
                raise ValueError(
                    f"strategy {spec.name!r}: context_fallback {fallback!r} is not another "
                    f"strategy (others: {others})"
                )
        if self.baseline is not None and self.baseline not in names:
            raise ValueError(f"baseline {self.baseline!r} is not a strategy ({', '.join(names)})")
        rates = self.decision.error_rates() or {}
        unknown = sorted(set(rates) - set(names))
        missing = [n for n in names if n not in rates]
        if rates and missing and not unknown:
            raise PydanticCustomError(
                "missing_error_rates",
                "error rates are given for {given} but not for {missing}: give every strategy "
                "one ({forms}), or none, so none is left out of the verdict",
                {
                    "given": ", ".join(rates),
                    "missing": ", ".join(missing),
                    "forms": "a rate, {low, high} or {wrong, of}",
                },
            )
        for gate in ("monthly_budget_usd", "max_per_request_usd", "max_p95_request_usd"):
            limits = getattr(self.policy, gate)
            if isinstance(limits, dict):
                unknown += sorted(set(limits) - set(names))
        if unknown:
            raise ValueError(
                f"decision or policy names strategies that do not exist: {', '.join(unknown)} "
                f"(strategies: {', '.join(names)})"
            )
        return self

    @property
    def baseline_name(self) -> str:
        return self.baseline or self.strategies[0].name

    def strategy(self, name: str) -> StrategySpec:
        return next(s for s in self.strategies if s.name == name)
