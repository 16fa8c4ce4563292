"""What every strategy offers the estimator (a name, its models, `expand(request)`), and what
every strategy *kind* tells the rest of the code (`Kind`, registered once in registry.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from pydantic import BaseModel

from estimator.errors import DynamicPriceError, UserError
from estimator.pricing.catalog import Catalog, Resolution
from estimator.pricing.models import ModelInfo
from estimator.strategies.callplan import CallPlan
from estimator.strategies.presets import not_a_model
from estimator.workload.reasoning import reasoning_profile
from estimator.workload.request import Request
from estimator.workload.spec import distribution_of


@dataclass(frozen=True)
class ModelUse:
    """A model a strategy uses, as the scenario named it and as it bills."""

    role: str
    requested: str
    id: str
    via: str

    def describe(self) -> dict[str, Any]:
        return {"role": self.role, "requested": self.requested, "id": self.id, "via": self.via}


class Strategy(Protocol):
    """What the estimator asks of every strategy (each kind's frozen dataclass provides it)."""

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> str: ...

    def expand(self, request: Request) -> CallPlan: ...

    def models(self) -> list[ModelUse]: ...

    def notes(self) -> list[str]: ...

    def for_workload(self, request: Request, catalog: Catalog) -> Strategy:
        """The strategy for another workload's mean request (only the Auto Router's tiers
        depend on it); replay calls it with the log's own."""
        ...


Variant = Callable[[Decimal], Any]  # factor -> the strategy with one driver scaled by it


def scaled_field(strategy: Any, field: str, base: Decimal) -> Variant:
    """A sensitivity driver: the strategy with its spec's `field` set to `base` x factor (a
    token count), everything else unchanged. `strategy` is a frozen dataclass with a `spec`."""

    def variant(factor: Decimal) -> Any:
        spec = strategy.spec.model_copy(update={field: int(base * factor)})
        return dataclasses.replace(strategy, spec=spec)

    return variant


@dataclass(frozen=True)
class Kind:
    """One strategy kind: its scenario fields, how it is built, and how the decision and the
    reports treat it. Everything else about a kind lives in its own module."""

    name: str  # the scenario key (strategies[].<name>) and the `kind` in every output
    spec: type[BaseModel]  # its fields, validated with the scenario
    build: Callable[[str, Any, Catalog, str, Request], Any]  # (name, spec, catalog, where, mean)
    label: str  # what a reader sees ("single model")
    verdict: str  # the decision's verdict when it is the best buy
    premium: bool = False  # buys quality with more calls: compared on break-even and routing
    subset_verdict: str | None = None  # the verdict when it pays only for part of the traffic
    error_field: tuple[str, ...] = ()  # where in its spec a build error points (file:line)
    # its own sensitivity drivers, for a strategy and the workload's mean request
    drivers: Callable[[Any, Request], dict[str, Variant]] | None = None
    resize: Callable[[Any, int], Any] | None = None  # the same strategy with n parallel members
    invoked: Callable[[Any, float], Any] | None = None  # run on a share of requests only
    # ...and the error rate the scenario gives for the requests it does not run on (those
    # are one call of the `one_call` model alone: decision/quality.py mixes the two)
    plain_error_rate: Callable[[Any], Any] | None = None
    alone: bool = False  # one call of one model: its error rate is that model's alone
    assumed: tuple[str, ...] = ()  # defaults.py keys every strategy of this kind relies on
    # the single strategy of the model that answers, and what the vendor says the kind costs
    # against one call of it: (low, high, words, source)
    one_call: Callable[[Any], Any] | None = None
    published_multiplier: tuple[float, float, str, str] | None = None


def reasoning_of(resolution: Resolution, request: Request, override: int | None = None) -> Any:
    """The reasoning tokens of one call of `resolution`'s model (see `model_reasoning`)."""
    names = (resolution.id, resolution.requested)
    return model_reasoning(resolution.model, request, override, names)


def model_reasoning(
    model: ModelInfo, request: Request, override: int | None = None, names: tuple[str, ...] = ()
) -> Any:
    """The reasoning tokens of one call of `model`, on top of its visible output.

    In order: the strategy's own `reasoning` for this stage (`override`); the workload's
    `reasoning_by_model` for this model (by id or by the name the scenario gave it); the
    workload's `reasoning_tokens` for a model that reasons; else the model's profile (measured
    on real calls, workload/reasoning.py). A model that cannot reason (no `reasoning` in the
    catalog) never does."""
    if model.reasoning is None:
        return request.num(0)
    if override is not None:
        return request.num(override)
    for key in (model.id, *names):
        if key in request.reasoning_by_model:
            return request.reasoning_by_model[key]
    if not model.reasons:
        return request.num(0)
    if request.reasoning_tokens is not None:
        return request.reasoning_tokens
    return request.num(reasoning_profile(model).tokens)


def answer_or(request: Request, tokens: Any) -> Any:
    """A call's answer length: the spec's token count (a number or a distribution: its mean)
    when given, else as long as the workload's answer."""
    if tokens is None:
        return request.output_tokens
    return request.num(distribution_of(tokens).mean)


def resolve_priced(
    catalog: Catalog, name: str, role: str, where: str, strategy_name: str | None = None
) -> Resolution:
    """Resolve a model a strategy calls directly; routers (dynamic prices) can't be one."""
    try:
        resolution = catalog.resolve(name)
    except UserError as exc:
        raise UserError(f"{where}: {not_a_model(name) or exc}") from None
    if resolution.model.pricing.is_dynamic:
        raise DynamicPriceError(
            f"{where}: {name} has a dynamic price (-1): it is a router, not a model; "
            "use an `auto:` or `fusion:` strategy to price it",
            strategy=strategy_name,
        )
    return resolution


def use(role: str, resolution: Resolution) -> ModelUse:
    return ModelUse(role, resolution.requested, resolution.id, resolution.via)
