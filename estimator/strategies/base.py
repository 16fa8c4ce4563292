"""What every strategy offers the estimator: a name, its models, and `expand(request)`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from estimator.errors import DynamicPriceError, UserError
from estimator.pricing.catalog import Catalog, Resolution
from estimator.strategies.callplan import CallPlan, Request


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
    name: str
    kind: str

    def expand(self, request: Request) -> CallPlan: ...

    def models(self) -> list[ModelUse]: ...

    def notes(self) -> list[str]: ...

    def for_workload(self, request: Request, catalog: Catalog) -> Strategy:
        """The strategy for another workload's mean request (only the Auto Router's tiers
        depend on it); replay calls it with the log's own."""
        ...


def resolve_priced(
    catalog: Catalog, name: str, role: str, where: str, strategy_name: str | None = None
) -> Resolution:
    """Resolve a model a strategy calls directly; routers (dynamic prices) can't be one."""
    try:
        resolution = catalog.resolve(name)
    except UserError as exc:
        raise UserError(f"{where}: {exc}") from None
    if resolution.model.pricing.is_dynamic:
        raise DynamicPriceError(
            f"{where}: {name} has a dynamic price (-1): it is a router, not a model; "
            "use an `auto:` or `fusion:` strategy to price it",
            strategy=strategy_name,
        )
    return resolution


def use(role: str, resolution: Resolution) -> ModelUse:
    return ModelUse(role, resolution.requested, resolution.id, resolution.via)
