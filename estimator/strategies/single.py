"""Single model: one call, the request's tokens in and out (reasoning on top for a model that
reasons: its own profile, or the strategy's `reasoning`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pydantic import Field

from estimator.pricing.catalog import Catalog, Resolution
from estimator.strategies.base import Kind, ModelUse, Strategy, reasoning_of, resolve_priced, use
from estimator.strategies.caching import cache_use
from estimator.strategies.callplan import Branch, Call, CallPlan
from estimator.workload.request import Request
from estimator.workload.spec import Strict
from estimator.workload.spec import Tokens as TokenCount


class SingleSpec(Strict):
    """`single: {model}`: one call of one model."""

    model: str = Field(min_length=1)
    reasoning: TokenCount | None = None  # reasoning tokens a call (None: the model's profile)


def direct_call(
    stage: str, resolution: Resolution, request: Request, reasoning: int | None = None
) -> Call:
    """One plain call of a model with the request's own tokens (reasoning if it reasons: the
    strategy's `reasoning` when given, else the model's own), counted in its tokenizer."""
    request = request.for_model(resolution.model)
    thinking = reasoning_of(resolution, request, reasoning)
    return Call(
        stage,
        resolution.id,
        request.input_tokens,
        request.output_tokens,
        thinking,
        max_output_tokens=request.output_tokens + thinking,
        member=resolution.id,
        **cache_use(resolution, request),
    )


@dataclass(frozen=True)
class SingleStrategy:
    name: str
    resolution: Resolution
    kind: str = "single"
    reasoning: int | None = None

    @classmethod
    def build(cls, name: str, spec: SingleSpec, catalog: Catalog, where: str) -> SingleStrategy:
        resolution = resolve_priced(catalog, spec.model, "model", where, name)
        return cls(name, resolution, reasoning=spec.reasoning)

    def expand(self, request: Request) -> CallPlan:
        call = direct_call("single", self.resolution, request, self.reasoning)
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
