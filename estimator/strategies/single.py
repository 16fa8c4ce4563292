"""Single model: one call, the request's tokens in and out (reasoning on top for a model that
reasons)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from pydantic import Field

from estimator.pricing.catalog import Catalog, Resolution
from estimator.strategies.base import Kind, ModelUse, Strategy, reasoning_of, resolve_priced, use
from estimator.strategies.callplan import Branch, Call, CallPlan
from estimator.workload.request import Request
from estimator.workload.spec import Strict


class SingleSpec(Strict):
    """`single: {model}`: one call of one model."""

    model: str = Field(min_length=1)


def direct_call(stage: str, resolution: Resolution, request: Request) -> Call:
    """One plain call of a model with the request's own tokens (reasoning if it reasons)."""
    reasoning = reasoning_of(resolution, request)
    return Call(
        stage,
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


def reuse_cache(calls: list[Call], models: tuple[Resolution, ...]) -> list[Call]:
    """Calls of one request that send the same shared prompt: a model that writes it to the
    cache on its own writes it in its first call; its later calls read what that one wrote."""
    writers = {r.id for r in models if r.model.writes_cache_automatically}
    seen: set[str] = set()
    reused = []
    for call in calls:
        if call.model in writers and call.model in seen:
            call = replace(
                call,
                cached_tokens=call.cached_tokens + call.written_tokens,
                written_tokens=call.written_tokens * 0,
            )
        seen.add(call.model)
        reused.append(call)
    return reused


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


KIND = Kind(
    name="single",
    spec=SingleSpec,
    build=lambda name, spec, catalog, where, mean: SingleStrategy.build(name, spec, catalog, where),
    label="single model",
    verdict="use-single-model",
    error_field=("model",),
    alone=True,
)
