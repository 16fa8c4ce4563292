"""Latency of a strategy from its CallPlan: sequential stages add up; a parallel stage (the
stage table says which) takes as long as its slowest member.

A call takes `ttft_s + (output + reasoning) / tokens_per_s` for its model (your numbers from
`decision.models`, else the labelled defaults); each web search adds `search_s` and each fetch
`fetch_s`. Fusion = decide + the slowest panel member (its round trips and searches in a row)
+ analyze (with its own loop) + answer. Branches (invoked or not, which pool model) are mixed
by probability: p50 and p95 are weighted quantiles over branches at the p50 / p95 tokens.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from estimator.decision.context import Context
from estimator.documents.decision import LatencyInfo
from estimator.scenario.spec import DecisionSpec, LatencySpec
from estimator.strategies.base import Strategy, resolve_priced
from estimator.strategies.callplan import Branch, Call, CallPlan
from estimator.strategies.registry import kind
from estimator.strategies.stages import stage
from estimator.workload.profile import Profile
from estimator.workload.request import Request


@dataclass(frozen=True)
class BranchLatency:
    seconds: float
    slowest_stage: str


class LatencyModel:
    def __init__(self, spec: DecisionSpec, per_model: Mapping[str, LatencySpec]) -> None:
        self.spec = spec
        self.per_model = per_model  # keyed by concrete model id

    def call_s(self, call: Call) -> float:
        speed = self.per_model.get(call.model, self.spec.default_latency)
        tokens = float(Decimal(call.output_tokens) + Decimal(call.reasoning_tokens))
        tools = float(call.searches) * self.spec.search_s + float(call.fetches) * self.spec.fetch_s
        return speed.ttft_s + tokens / speed.tokens_per_s + tools

    def branch(self, branch: Branch) -> BranchLatency:
        stages: dict[str, float] = defaultdict(float)
        members: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for call in branch.calls:
            if stage(call.stage).parallel:  # one chain per member, side by side
                members[call.stage][call.member] += self.call_s(call)
            else:
                stages[call.stage] += self.call_s(call)
        for name, chains in members.items():
            stages[name] = max(chains.values())
        slowest = max(stages, key=lambda s: stages[s]) if stages else "-"
        return BranchLatency(sum(stages.values()), slowest)


def weighted_quantile(values: list[tuple[float, Decimal]], q: float) -> float:
    cumulative = 0.0
    for value, weight in sorted(values):
        cumulative += float(weight)
        if cumulative >= q - 1e-12:
            return value
    return max(v for v, _ in values)


def plan_latency(plan: CallPlan, model: LatencyModel) -> tuple[list[tuple[float, Decimal]], str]:
    timed = [(model.branch(b), b.probability) for b in plan.branches]
    slowest = max(timed, key=lambda t: t[0].seconds)[0].slowest_stage
    return [(t.seconds, p) for t, p in timed], slowest


def request_at(profile_input: float, profile_output: float, reasoning: float) -> Request:
    return Request(
        Decimal(str(round(profile_input))),
        Decimal(str(round(profile_output))),
        Decimal(str(round(reasoning))),
    )


def request_quantiles(profile: Profile, q: float) -> Request:
    return request_at(
        profile.input.quantile(q), profile.output.quantile(q), profile.reasoning.quantile(q)
    )


def mean_seconds(strategy: Strategy, profile: Profile, model: LatencyModel) -> float:
    values, _ = plan_latency(strategy.expand(profile.mean_request()), model)
    return round(sum(v * float(w) for v, w in values), 3)


def latencies(ctx: Context) -> dict[str, LatencyInfo]:
    """p50 / p95 / mean latency of every strategy, against the budget and the baseline."""
    spec = ctx.spec
    per_model = {}
    for name, speed in spec.models.items():
        where = ctx.scenario.locate("decision", "models", name)
        per_model[resolve_priced(ctx.catalog, name, "latency", where).id] = speed
    model = LatencyModel(spec, per_model)
    p = ctx.profile
    budget = spec.latency_budget_s
    out: dict[str, LatencyInfo] = {}
    for name, strategy in ctx.strategies.items():
        p50_values, slowest = plan_latency(strategy.expand(request_quantiles(p, 0.5)), model)
        p95_values, _ = plan_latency(strategy.expand(request_quantiles(p, 0.95)), model)
        # reported to the millisecond, and compared as reported: what the outputs show is what
        # the budget was held against
        p50 = round(weighted_quantile(p50_values, 0.5), 3)
        p95 = round(weighted_quantile(p95_values, 0.95), 3)
        within = None
        if budget is not None and (budget.p50 is not None or budget.p95 is not None):
            within = (budget.p50 is None or p50 <= budget.p50) and (
                budget.p95 is None or p95 <= budget.p95
            )
        invoked_s = plain_s = None
        invoked = kind(strategy.kind).invoked
        if invoked is not None:
            invoked_s = mean_seconds(invoked(strategy, 1.0), p, model)
            plain_s = mean_seconds(invoked(strategy, 0.0), p, model)
        out[name] = LatencyInfo(
            p50_s=p50,
            p95_s=p95,
            mean_s=mean_seconds(strategy, p, model),
            invoked_mean_s=invoked_s,
            plain_mean_s=plain_s,
            multiplier_vs_baseline=None,
            within_budget=within,
            slowest_stage=slowest,
        )
    base = out[ctx.scenario.baseline_name].p50_s
    for info in out.values():
        info.multiplier_vs_baseline = round(info.p50_s / base, 3) if base else None
    return out
