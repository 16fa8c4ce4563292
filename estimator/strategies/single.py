"""Single model: one call, the request's tokens in and out."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from estimator.pricing.catalog import Catalog, Resolution
from estimator.scenario.spec import SingleSpec
from estimator.strategies.base import ModelUse, Strategy, resolve_priced, use
from estimator.strategies.callplan import Branch, Call, CallPlan, Request


def direct_call(stage: str, resolution: Resolution, request: Request) -> Call:
    """One plain call of a model with the request's own tokens (reasoning if it reasons)."""
    reasoning = request.reasoning_tokens if resolution.model.reasons else request.num(0)
    return Call(
        stage,  # type: ignore[arg-type]
        resolution.id,
        request.input_tokens,
        request.output_tokens,
        reasoning,
        max_output_tokens=request.output_tokens + reasoning if request.exact else None,
        member=resolution.id,
        **cache_use(resolution, request),
    )


def cache_use(resolution: Resolution, request: Request) -> dict[str, Any]:
    """The prompt-cache fields of a call that sends the request's shared prompt."""
    return {
        "cached_tokens": request.cached_tokens,
        "written_tokens": request.written_by(resolution.model.writes_cache_automatically),
        "cache_ttl": request.cache_ttl,
    }


@dataclass(frozen=True)
class SingleStrategy:
    name: str
    resolution: Resolution
    kind: str = "single"

    @classmethod
    def build(cls, name: str, spec: SingleSpec, catalog: Catalog, where: str) -> SingleStrategy:
        return cls(name, resolve_priced(catalog, spec.model, "model", where, name))

    def expand(self, request: Request) -> CallPlan:
        call = direct_call("single", self.resolution, request)
        return CallPlan(self.name, "single", (Branch(Decimal(1), (call,), self.resolution.id),))

    def models(self) -> list[ModelUse]:
        return [use("model", self.resolution)]

    def for_workload(self, request: Request, catalog: Catalog) -> Strategy:
        return self  # its calls do not depend on the workload's mean request

    def notes(self) -> list[str]:
        return []
