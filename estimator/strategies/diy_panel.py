"""A hand-rolled panel: the ensemble a team that "already A/B tests several models" builds
itself, to compare with Fusion automating it: its own N calls side by side, then its own judge
call that reads every answer and writes the final one. No Fusion tool definitions, no decide
call; web search only if configured (OpenRouter's web plugin: one search per member call, its
results read as prompt tokens).

Per request, with I prompt tokens and O answer tokens:
- member (each model, side by side): in = I (+ results x tokens_per_result with `web`);
  out = `member_output_tokens` (default O), plus reasoning for a model that reasons; one search
  at the engine's fee on the estimate's date with `web`;
- judge (model J): in = I + all member answers + `instructions_tokens`; out = O.
Members run side by side: none reads what another writes to the prompt cache; a judge that is
also a member re-sends the prompt (strategies/caching.py). `reasoning` (`{panel, judge}`, or
one number for both) replaces the models' own reasoning profiles.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, field_validator

from estimator.defaults import default
from estimator.pricing.catalog import Catalog, Resolution
from estimator.pricing.fees import SEARCH_FEES
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

MAX_MEMBERS = 8
ENGINES = ("auto", "native", *SEARCH_FEES)


class WebSpec(Strict):
    """The web plugin on every member call: one search, its results read as prompt tokens."""

    # the checker cannot read a Literal of the fee table's names, built at import: ignored
    engine: Literal[ENGINES] = default("diy_panel.web.engine")  # type: ignore[valid-type]
    results: Annotated[int, Field(ge=1, le=25, strict=True)] = default("diy_panel.web.results")
    tokens_per_result: TokenCount = default("diy_panel.web.tokens_per_result")


class JudgeSpec(Strict):
    model: str = Field(min_length=1)
    instructions_tokens: TokenCount = default("diy_panel.judge.instructions_tokens")


class PanelReasoning(Strict):
    """Reasoning tokens a call, per stage (None: each model's own profile)."""

    panel: TokenCount | None = None
    judge: TokenCount | None = None


class DiyPanelSpec(Strict):
    """`diy_panel: {models, judge, member_output_tokens, web}`."""

    models: list[str]
    judge: JudgeSpec
    member_output_tokens: TokenInput | None = default("diy_panel.member_output_tokens")
    web: WebSpec | None = None
    reasoning: PanelReasoning = PanelReasoning()

    @field_validator("models")
    @classmethod
    def _size(cls, value: list[str]) -> list[str]:
        if not 1 <= len(value) <= MAX_MEMBERS:
            raise ValueError(f"a panel has 1 to {MAX_MEMBERS} models, not {len(value)}")
        return value


@dataclass(frozen=True)
class DiyPanelStrategy:
    name: str
    spec: DiyPanelSpec
    members: tuple[Resolution, ...]
    judge: Resolution
    kind: str = "diy_panel"

    @classmethod
    def build(cls, name: str, spec: DiyPanelSpec, catalog: Catalog, where: str) -> DiyPanelStrategy:
        members = tuple(resolve_priced(catalog, m, "models", where, name) for m in spec.models)
        judge = resolve_priced(catalog, spec.judge.model, "judge.model", where, name)
        return cls(name, spec, members, judge)

    def with_members(self, size: int) -> DiyPanelStrategy:
        """The same panel cycled or cut to `size` members (panel sweeps)."""
        members = tuple(self.members[i % len(self.members)] for i in range(size))
        return replace(self, members=members)

    def member_output(self, request: Request) -> Tokens:
        return answer_or(request, self.spec.member_output_tokens)

    def _member(self, member: Resolution, index: int, request: Request) -> Call:
        request = request.for_model(member.model)  # counted in the member's own tokens
        out = self.member_output(request)
        reasoning = reasoning_of(member, request, self.spec.reasoning.panel)
        web = self.spec.web
        searched = request.num(0)
        engine = None
        if web is not None:
            searched = request.num(web.results * web.tokens_per_result)
            engine = web.engine
            if engine in ("auto", "native"):
                native = member.model.pricing.prices.get("web_search")
                engine = "native" if native else "exa"
        prompt = request.input_tokens + searched
        return Call(
            "panel",
            member.id,
            prompt,
            out,
            reasoning,
            searches=Decimal(0) if web is None else Decimal(1),
            search_engine=engine,
            search_results=0 if web is None else web.results,
            max_output_tokens=out + reasoning,
            member=f"{member.requested} #{index + 1}",
            **cache_use(member, request, prompt),
        )

    def expand(self, request: Request) -> CallPlan:
        calls = [self._member(m, i, request) for i, m in enumerate(self.members)]
        own = request.for_model(self.judge.model)  # it reads every answer in its own tokens
        answers = len(self.members) * self.member_output(own)
        thinking = reasoning_of(self.judge, own, self.spec.reasoning.judge)
        prompt = own.input_tokens + answers + self.spec.judge.instructions_tokens
        member_ids = {m.id for m in self.members}
        resent = own.input_tokens if self.judge.id in member_ids else None
        calls.append(
            Call(
                "judge",
                self.judge.id,
                prompt,
                own.output_tokens,
                thinking,
                max_output_tokens=own.output_tokens + thinking,
                member=self.judge.requested,
                **cache_use(self.judge, own, prompt, resent),
            )
        )
        label = f"{len(self.members)} members, then the judge"
        return CallPlan(self.name, self.kind, (Branch(Decimal(1), tuple(calls), label),))

    def models(self) -> list[ModelUse]:
        return [use("member", m) for m in self.members] + [use("judge", self.judge)]

    def for_workload(self, request: Request, catalog: Catalog) -> Strategy:
        return self  # its calls do not depend on the workload's mean request

    def notes(self) -> list[str]:
        return []


def drivers(strategy: DiyPanelStrategy, mean: Request) -> dict[str, Variant]:
    """Its own sensitivity driver: the length of each member's answer."""
    member = Decimal(strategy.member_output(mean))
    return {"member output tokens": scaled_field(strategy, "member_output_tokens", member)}


KIND = Kind(
    name="diy_panel",
    spec=DiyPanelSpec,
    build=lambda name, spec, catalog, where, mean: DiyPanelStrategy.build(
        name, spec, catalog, where
    ),
    label="the hand-rolled panel",
    verdict="use-diy-panel",
    premium=True,
    subset_verdict="diy-panel-for-a-subset",
    drivers=drivers,
    resize=lambda strategy, size: strategy.with_members(size),
)
