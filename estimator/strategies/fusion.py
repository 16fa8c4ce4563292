"""Fusion: decide -> panel (with web-tool loops) -> analyze -> answer, as OpenRouter bills it.

Per invocation, with I prompt tokens, O answer tokens, outer model M, analyst A, panel P1..Pn
(every overhead a named default, calibrated on the real capture in tests/data/real; see
docs/scenario.md):
- decide (M): in = I + tool_definition (the injected openrouter:fusion tool); out = tool_call.
- panel (each Pi): k web-tool steps make k + 1 billed round trips. Round trip j reads
  I + web_tools + j x (search_call + results x tokens_per_result + fetches x tokens_per_fetch)
  and writes a search call (j < k, which triggers one search and the fetches) or, last, the
  panel answer. Output + reasoning per inner call are capped at max_completion_tokens. A member
  in `failed_models` fails on its last round trip: that call returns no text and bills nothing
  (zero-completion insurance), its earlier round trips and searches are billed, and the
  analyst and the answer see no answer from it.
- analyze (A): in = I + sum of panel answers + analyst_instructions (+ web_tools and its own
  tool loop); out = analysis_tokens.
- answer (M): in = I + tool_definition + tool_call + tool_result (its framing: sources, keys)
  + analysis + sum of panel answers (the tool result carries the raw responses); out = O.
- Not invoked (1 - invocation_rate): one plain call of M (the tool definition still offered).
Every call of a model that reasons thinks as much as its profile (or `reasoning.outer`,
`.panel`, `.analyst`). Prompt caching: strategies/caching.py (each round trip re-sends the
one before it; the answer call re-sends the decide call's prompt). A fractional mean of tool
steps becomes two whole-step branches with exact probabilities. The analyst is `model`, else
(the server tool) the outer model, else (the alias) the preset's analyst.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from itertools import product
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from estimator.defaults import default
from estimator.errors import UserError
from estimator.pricing.catalog import Catalog, Resolution
from estimator.pricing.fees import FETCH_FEES, SEARCH_FEES
from estimator.strategies.base import (
    Kind,
    ModelUse,
    Strategy,
    Variant,
    answer_or,
    reasoning_of,
    resolve_priced,
    use,
)
from estimator.strategies.caching import cache_use
from estimator.strategies.callplan import Branch, Call, CallPlan, smaller, step_mixture
from estimator.strategies.presets import PRESETS, Preset
from estimator.strategies.single import SingleStrategy
from estimator.workload.rates import Rate
from estimator.workload.request import Request, Tokens
from estimator.workload.spec import (
    NonNegative,
    Share,
    Strict,
    TokenInput,
)
from estimator.workload.spec import Tokens as TokenCount

ZERO = Decimal(0)
MAX_PANEL = 8  # "capped at 8 to bound cost amplification"
SEARCH_ENGINES = ("auto", "native", *SEARCH_FEES)
FETCH_ENGINES = tuple(FETCH_FEES)


class SearchSpec(Strict):
    # the checker cannot read a Literal of the fee table's names, built at import: ignored
    engine: Literal[SEARCH_ENGINES] = default("fusion.search.engine")  # type: ignore[valid-type]
    results: Annotated[int, Field(ge=1, le=25, strict=True)] = default("fusion.search.results")
    tokens_per_result: TokenCount = default("fusion.search.tokens_per_result")


class OverheadTokens(Strict):
    tool_definition: TokenCount = default("fusion.overhead_tokens.tool_definition")
    tool_call: TokenCount = default("fusion.overhead_tokens.tool_call")
    tool_result: TokenCount = default("fusion.overhead_tokens.tool_result")
    web_tools: TokenCount = default("fusion.overhead_tokens.web_tools")
    search_call: TokenCount = default("fusion.overhead_tokens.search_call")
    analyst_instructions: TokenCount = default("fusion.overhead_tokens.analyst_instructions")


class FusionReasoning(Strict):
    """Reasoning tokens a call, per stage (None: each model's own profile)."""

    outer: TokenCount | None = None  # the decide, answer and plain calls
    panel: TokenCount | None = None  # every panel round trip
    analyst: TokenCount | None = None  # every analyst round trip


class FusionSpec(Strict):
    preset: str = default("fusion.preset")
    analysis_models: list[str] | None = None
    failed_models: list[str] = Field(default_factory=lambda: list(default("fusion.failed_models")))
    model: str | None = None
    outer_model: str | None = default("fusion.outer_model")
    invocation_rate: Share = default("fusion.invocation_rate")
    # the error rate of the outer model answering alone (requests where Fusion does not run);
    # without it, a single strategy of the outer model supplies it (decision/quality.py)
    outer_error_rate: Rate | None = None
    max_tool_calls: Annotated[int, Field(ge=1, le=16, strict=True)] = default(
        "fusion.max_tool_calls"
    )
    tool_steps: NonNegative = default("fusion.tool_steps")
    analyst_tool_steps: NonNegative = default("fusion.analyst_tool_steps")
    search: SearchSpec = SearchSpec()
    fetches_per_step: NonNegative = default("fusion.fetches_per_step")
    tokens_per_fetch: TokenCount = default("fusion.tokens_per_fetch")
    # the checker cannot read a Literal of the fee table's names, built at import: ignored
    fetch_engine: Literal[FETCH_ENGINES] = default("fusion.fetch_engine")  # type: ignore[valid-type]
    panel_output_tokens: TokenInput | None = default("fusion.panel_output_tokens")
    analysis_tokens: TokenCount = default("fusion.analysis_tokens")
    overhead_tokens: OverheadTokens = OverheadTokens()
    reasoning: FusionReasoning = FusionReasoning()
    max_completion_tokens: Annotated[int, Field(ge=1, strict=True)] = default(
        "fusion.max_completion_tokens"
    )

    @field_validator("analysis_models")
    @classmethod
    def _panel_size(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and not 1 <= len(value) <= MAX_PANEL:
            raise ValueError(f"a panel has 1 to {MAX_PANEL} models, not {len(value)}")
        return value

    @property
    def steps(self) -> float:
        """The panel's tool steps: the default never runs past a lower `max_tool_calls` (the
        loop stops at the cap); only explicit `tool_steps` above it are an error."""
        return min(self.tool_steps, self.max_tool_calls)

    @model_validator(mode="after")
    def _steps(self) -> FusionSpec:
        for name in ("tool_steps", "analyst_tool_steps"):
            if name not in self.model_fields_set:
                continue
            if getattr(self, name) > self.max_tool_calls:
                raise ValueError(
                    f"{name} {getattr(self, name):g} is above max_tool_calls {self.max_tool_calls}"
                )
        return self


@dataclass(frozen=True)
class FusionStrategy:
    name: str
    spec: FusionSpec
    preset: Preset
    outer: Resolution
    analyst: Resolution
    panel: tuple[Resolution, ...]
    kind: str = "fusion"

    @classmethod
    def build(cls, name: str, spec: FusionSpec, catalog: Catalog, where: str) -> FusionStrategy:
        preset = PRESETS.get(spec.preset)
        if preset is None:
            raise UserError(
                f"{where}: unknown fusion preset {spec.preset!r} (known: {', '.join(PRESETS)})"
            )
        panel_names = spec.analysis_models or list(preset.panel)
        # the server tool's analyst "defaults to the same model handling your request"; the
        # alias's is the preset's (the first Quality member)
        analyst_name = spec.model or spec.outer_model or preset.analyst
        outer_name = spec.outer_model or analyst_name
        panel = tuple(resolve_priced(catalog, n, "panel", where, name) for n in panel_names)
        names = {key for member in panel for key in (member.requested, member.id)}
        strangers = [m for m in spec.failed_models if m not in names]
        if strangers:
            raise UserError(
                f"{where}: failed_models names {', '.join(strangers)}, not in the panel "
                f"({', '.join(panel_names)})"
            )
        return cls(
            name,
            spec,
            preset,
            outer=resolve_priced(catalog, outer_name, "outer", where, name),
            analyst=resolve_priced(catalog, analyst_name, "analyst", where, name),
            panel=panel,
        )

    def failed(self, member: Resolution) -> bool:
        return member.requested in self.spec.failed_models or member.id in self.spec.failed_models

    def with_panel_size(self, size: int) -> FusionStrategy:
        """The same strategy with its panel cycled or cut to `size` members (panel sweeps)."""
        panel = tuple(self.panel[i % len(self.panel)] for i in range(size))
        return FusionStrategy(self.name, self.spec, self.preset, self.outer, self.analyst, panel)

    def with_invocation_rate(self, rate: float) -> FusionStrategy:
        """The same strategy invoked on a share `rate` of requests (what-if and sensitivity)."""
        spec = self.spec.model_copy(update={"invocation_rate": rate})
        return FusionStrategy(self.name, spec, self.preset, self.outer, self.analyst, self.panel)

    # -- expansion -------------------------------------------------------------------------

    def _search_engine(self, resolution: Resolution) -> str:
        engine = self.spec.search.engine
        if engine in ("auto", "native"):
            return "native" if resolution.model.pricing.prices.get("web_search") else "exa"
        return str(engine)

    def _loop(
        self,
        stage: str,
        resolution: Resolution,
        base_input: Tokens,
        steps: int,
        final_output: Tokens,
        request: Request,
        think: int | None,
        fails: bool = False,
    ) -> tuple[list[Call], Tokens]:
        """A model's tool loop: `steps` searches, then its answer (none when it `fails`: that
        round trip bills nothing). Returns the billed calls and the answer's size."""
        spec, overhead = self.spec, self.spec.overhead_tokens
        cap = request.num(spec.max_completion_tokens)
        reasoning = smaller(reasoning_of(resolution, request, think), cap)
        per_step = request.num(
            overhead.search_call
            + spec.search.results * spec.search.tokens_per_result
            + Decimal(str(spec.fetches_per_step)) * spec.tokens_per_fetch
        )
        engine = self._search_engine(resolution)
        calls: list[Call] = []
        answer: Tokens = request.num(0)
        for step in range(steps + 1 - int(fails)):
            last = step == steps
            wanted = final_output if last else request.num(overhead.search_call)
            output = smaller(wanted, cap - reasoning)
            if last:
                answer = output
            prompt = base_input + step * per_step
            calls.append(
                Call(
                    stage,
                    resolution.id,
                    prompt,
                    output,
                    reasoning,
                    searches=ZERO if last else Decimal(1),
                    search_engine=None if last else engine,
                    search_results=0 if last else spec.search.results,
                    fetches=ZERO if last else Decimal(str(spec.fetches_per_step)),
                    fetch_engine=None if last else spec.fetch_engine,
                    max_output_tokens=cap,
                    step=step,
                    member=resolution.requested,
                    **cache_use(
                        resolution, request, prompt, calls[-1].input_tokens if step else None
                    ),
                )
            )
        return calls, answer

    def panel_output(self, request: Request) -> Tokens:
        return answer_or(request, self.spec.panel_output_tokens)

    def _outer_call(
        self, stage: str, prompt: Tokens, output: Tokens, request: Request, prefix: Any = None
    ) -> Call:
        thinking = reasoning_of(self.outer, request, self.spec.reasoning.outer)
        return Call(
            stage,
            self.outer.id,
            prompt,
            output,
            thinking,
            max_output_tokens=output + thinking,
            member=self.outer.requested,
            **cache_use(self.outer, request, prompt, prefix),
        )

    def invocation(self, request: Request, steps: int, analyst_steps: int) -> list[Call]:
        """The calls of one Fusion invocation with whole numbers of tool steps. Each model
        counts the prompt, and the answers it reads, in its own tokens (`Request.for_model`)."""
        overhead, think = self.spec.overhead_tokens, self.spec.reasoning
        outer = request.for_model(self.outer.model)
        with_tool = outer.input_tokens + overhead.tool_definition
        calls = [self._outer_call("decide", with_tool, outer.num(overhead.tool_call), outer)]
        answers: list[tuple[Tokens, Any]] = []  # each answer the tool result carries, its ratio
        for member in self.panel:
            own = request.for_model(member.model)
            member_calls, answer = self._loop(
                "panel",
                member,
                own.input_tokens + overhead.web_tools,
                steps,
                self.panel_output(own),
                own,
                think.panel,
                self.failed(member),
            )
            calls += member_calls
            answers.append((answer, request.ratio(member.model)))

        def read_by(model: Any) -> Tokens:
            """The panel answers in `model`'s tokens."""
            ratio = request.ratio(model)
            return sum((a * ratio / r for a, r in answers), request.num(0))

        analyst = request.for_model(self.analyst.model)
        analyst_input = analyst.input_tokens + read_by(self.analyst.model)
        analyst_input = analyst_input + overhead.analyst_instructions
        if analyst_steps:
            analyst_input = analyst_input + overhead.web_tools
        analyst_calls, analysis = self._loop(
            "analyze",
            self.analyst,
            analyst_input,
            analyst_steps,
            analyst.num(self.spec.analysis_tokens),
            analyst,
            think.analyst,
        )
        calls += analyst_calls
        analysis = analysis * request.ratio(self.outer.model) / request.ratio(self.analyst.model)
        carried = overhead.tool_call + overhead.tool_result + analysis + read_by(self.outer.model)
        calls.append(
            self._outer_call("answer", with_tool + carried, outer.output_tokens, outer, with_tool)
        )
        return calls

    def expand(self, request: Request) -> CallPlan:
        rate = Decimal(str(self.spec.invocation_rate))
        branches = []
        mixtures = product(
            step_mixture(self.spec.steps), step_mixture(self.spec.analyst_tool_steps)
        )
        for (steps, p_steps), (analyst_steps, p_analyst) in mixtures:
            probability = rate * p_steps * p_analyst
            if probability > 0:
                label = f"fusion, {steps} tool step(s), analyst {analyst_steps}"
                calls = self.invocation(request, steps, analyst_steps)
                branches.append(Branch(probability, tuple(calls), label))
        if rate < 1:
            outer = request.for_model(self.outer.model)
            with_tool = outer.input_tokens + self.spec.overhead_tokens.tool_definition
            plain = self._outer_call("plain", with_tool, outer.output_tokens, outer)
            branches.append(Branch(1 - rate, (plain,), "not invoked: outer model answers"))
        return CallPlan(self.name, "fusion", tuple(branches))

    # -- description -----------------------------------------------------------------------

    def models(self) -> list[ModelUse]:
        uses = [use("outer", self.outer), use("analyst", self.analyst)]
        return uses + [use("panel", member) for member in self.panel]

    def for_workload(self, request: Request, catalog: Catalog) -> Strategy:
        return self  # its calls do not depend on the workload's mean request

    def notes(self) -> list[str]:
        notes = []
        if not self.preset.documented and self.spec.analysis_models is None:
            notes.append(f"preset {self.preset.name}: {self.preset.source}")
        return notes


def _variant(strategy: FusionStrategy, **update: Any) -> FusionStrategy:
    return replace(strategy, spec=strategy.spec.model_copy(update=update))


def drivers(strategy: FusionStrategy, mean: Request) -> dict[str, Variant]:
    """Fusion's own sensitivity drivers: what moves its cost besides the workload."""
    spec = strategy.spec
    panel = Decimal(strategy.panel_output(mean))

    def tool_steps(factor: Decimal) -> FusionStrategy:
        steps = min(spec.max_tool_calls, spec.steps * float(factor))
        return _variant(strategy, tool_steps=steps)

    def per_result(factor: Decimal) -> FusionStrategy:
        search = spec.search.model_copy(
            update={"tokens_per_result": int(spec.search.tokens_per_result * factor)}
        )
        return _variant(strategy, search=search)

    def analysis(factor: Decimal) -> FusionStrategy:
        return _variant(strategy, analysis_tokens=int(spec.analysis_tokens * factor))

    return {
        "panel output tokens": lambda f: _variant(strategy, panel_output_tokens=int(panel * f)),
        "analysis tokens": analysis,
        "tool steps": tool_steps,
        "tokens per search result": per_result,
        "invocation rate": lambda f: _variant(
            strategy, invocation_rate=min(1.0, spec.invocation_rate * float(f))
        ),
    }


KIND = Kind(
    name="fusion",
    spec=FusionSpec,
    build=lambda name, spec, catalog, where, mean: FusionStrategy.build(name, spec, catalog, where),
    label="Fusion",
    verdict="use-fusion",
    premium=True,
    subset_verdict="fusion-for-a-subset",
    drivers=drivers,
    resize=lambda strategy, size: strategy.with_panel_size(size),
    invoked=lambda strategy, rate: strategy.with_invocation_rate(rate),
    plain_error_rate=lambda strategy: strategy.spec.outer_error_rate,
    one_call=lambda strategy: SingleStrategy(strategy.name, strategy.outer),
    published_multiplier=(
        4.0,
        5.0,
        "With the default 3-model panel, expect roughly 4-5x the cost of a single completion "
        "on the same prompt.",
        "https://openrouter.ai/docs/guides/routing/routers/fusion-router",
    ),
)
