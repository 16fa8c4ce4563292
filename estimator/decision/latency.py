"""Latency of a strategy from its CallPlan: sequential stages plus the slowest panel member.

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

from estimator.scenario.spec import DecisionSpec, LatencySpec
from estimator.strategies.callplan import Branch, Call, CallPlan, Request

SEQUENTIAL = ("single", "auto", "plain", "decide", "analyze", "answer")


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
        members: dict[str, float] = defaultdict(float)
        for call in branch.calls:
            if call.stage == "panel":
                members[call.member] += self.call_s(call)
            else:
                stages[call.stage] += self.call_s(call)
        if members:
            stages["panel"] = max(members.values())
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
