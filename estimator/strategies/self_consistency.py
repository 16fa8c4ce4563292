"""Self-consistency (Self-MoA): one strong model sampled N times, and an optional call that
picks the best of the samples. Self-MoA (arXiv 2502.00674) found one model sampled several
times matches a mixed panel (65.7 vs 65.4 on AlpacaEval 2.0) with about half the calls: the
comparison a team asks for before paying for several different models.

Per request, with I prompt tokens and O answer tokens:
- sample (model M, N calls side by side): in = I; out = `sample_output_tokens` (default O),
  plus reasoning for a model that reasons;
- select (optional, model S, default M): in = I + all N samples + `instructions_tokens`;
  out = `output_tokens` (default O: it writes out the answer it picked).
Without `select`, your code picks (a majority vote, say) and no extra call is billed. Samples
run side by side, so none reads what another writes to the prompt cache; the select call, when
the sampled model makes it, re-sends the prompt they sent (strategies/caching.py). `reasoning`
(`{sample, select}`, or one number for both) replaces the models' own reasoning profiles.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from estimator.defaults import default
from estimator.pricing.catalog import Catalog, Resolution
from estimator.strategies.base import (
    Kind,
    ModelUse,
    Strategy,
    Variant,
    answer_or,
    reasoning_of,
    resolve_priced,
    scaled_field,
    use,
)
from estimator.strategies.caching import cache_use
from estimator.strategies.callplan import Branch, Call, CallPlan
from estimator.workload.request import Request, Tokens
from estimator.workload.spec import Strict, TokenInput
from estimator.workload.spec import Tokens as TokenCount

MAX_SAMPLES = 16


class SelectSpec(Strict):
    """The call that reads every sample and returns the best one."""

    model: str | None = None  # default: the sampled model
    output_tokens: TokenCount | None = default("self_consistency.select.output_tokens")
    instructions_tokens: TokenCount = default("self_consistency.select.instructions_tokens")


class SampleReasoning(Strict):
    """Reasoning tokens a call, per stage (None: the model's own profile)."""

    sample: TokenCount | None = None
    select: TokenCount | None = None


class SelfConsistencySpec(Strict):
    """`self_consistency: {model, samples, sample_output_tokens, select}`."""

    model: str = Field(min_length=1)
    samples: Annotated[int, Field(ge=1, le=MAX_SAMPLES, strict=True)] = default(
        "self_consistency.samples"
    )
    sample_output_tokens: TokenInput | None = default("self_consistency.sample_output_tokens")
    select: SelectSpec | None = None
    reasoning: SampleReasoning = SampleReasoning()


@dataclass(frozen=True)
class SelfConsistencyStrategy:
    name: str
    spec: SelfConsistencySpec
    model: Resolution
    selector: Resolution | None
    kind: str = "self_consistency"

    @classmethod
    def build(
        cls, name: str, spec: SelfConsistencySpec, catalog: Catalog, where: str
    ) -> SelfConsistencyStrategy:
        model = resolve_priced(catalog, spec.model, "model", where, name)
        selector = None
        if spec.select is not None:
            chosen = spec.select.model or spec.model
            selector = resolve_priced(catalog, chosen, "select.model", where, name)
        return cls(name, spec, model, selector)

    def with_samples(self, samples: int) -> SelfConsistencyStrategy:
        return replace(self, spec=self.spec.model_copy(update={"samples": samples}))

    def sample_output(self, request: Request) -> Tokens:
        return answer_or(request, self.spec.sample_output_tokens)

    def expand(self, request: Request) -> CallPlan:
        sampled = request.for_model(self.model.model)  # counted in the sampled model's tokens
        out = self.sample_output(sampled)
        think = self.spec.reasoning
        reasoning = reasoning_of(self.model, sampled, think.sample)
        calls = [
            Call(
                "sample",
                self.model.id,
                sampled.input_tokens,
                out,
                reasoning,
                max_output_tokens=out + reasoning,
                member=f"sample {n + 1}",
                **cache_use(self.model, sampled),
            )
            for n in range(self.spec.samples)
        ]
        if self.selector is not None and self.spec.select is not None:
            calls.append(self._select(request, self.spec.select))
        label = f"{self.spec.samples} samples" + (", then select" if self.selector else "")
        return CallPlan(self.name, self.kind, (Branch(Decimal(1), tuple(calls), label),))

    def _select(self, request: Request, select: SelectSpec) -> Call:
        """The call that reads every sample (counted in its own tokens) and writes the best."""
        assert self.selector is not None
        own = request.for_model(self.selector.model)
        answer = (
            own.output_tokens if select.output_tokens is None else own.num(select.output_tokens)
        )
        thinking = reasoning_of(self.selector, own, self.spec.reasoning.select)
        samples = (
            self.spec.samples * self.sample_output(request) * request.ratio(self.selector.model)
        )
        prompt = own.input_tokens + samples + select.instructions_tokens
        resent = own.input_tokens if self.selector.id == self.model.id else None
        return Call(
            "select",
            self.selector.id,
            prompt,
            answer,
            thinking,
            max_output_tokens=answer + thinking,
            member="select",
            **cache_use(self.selector, own, prompt, resent),
        )

    def models(self) -> list[ModelUse]:
        uses = [use("sampled", self.model)]
        return uses + ([use("selector", self.selector)] if self.selector else [])

    def for_workload(self, request: Request, catalog: Catalog) -> Strategy:
        return self  # its calls do not depend on the workload's mean request

    def notes(self) -> list[str]:
        if self.selector is None:
            return [f"{self.name}: no select call: your code picks among the samples"]
        return []


def drivers(strategy: SelfConsistencyStrategy, mean: Request) -> dict[str, Variant]:
    """Its own sensitivity drivers: the length of each sample."""
    sample = Decimal(strategy.sample_output(mean))
    return {"sample output tokens": scaled_field(strategy, "sample_output_tokens", sample)}


KIND = Kind(
    name="self_consistency",
    spec=SelfConsistencySpec,
    build=lambda name, spec, catalog, where, mean: SelfConsistencyStrategy.build(
        name, spec, catalog, where
    ),
    label="self-consistency",
    verdict="use-self-consistency",
    premium=True,
    subset_verdict="self-consistency-for-a-subset",
    error_field=("model",),
    drivers=drivers,
    resize=lambda strategy, size: strategy.with_samples(size),
)
