"""Where a strategy's money goes: per stage and model (rows add up to the cost per request),
per call of the mean request, and the range of an Auto Router pool."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from estimator.costing.integrate import Integrated, nonlinear
from estimator.costing.plans import Priced
from estimator.documents.estimate import BreakdownRow, CallRow, RangeInfo, StageCost
from estimator.strategies.stages import ORDER, WEB_TOOLS


def breakdown(
    priced: Priced,
) -> tuple[list[BreakdownRow], list[StageCost], Decimal, list[CallRow]]:
    fields = ("calls", "input_tokens", "output_tokens", "reasoning_tokens", "cost_usd")
    rows: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(
        lambda: dict.fromkeys(fields, Decimal(0))
    )
    stages: dict[str, Decimal] = defaultdict(Decimal)
    call_rows = []
    tools = Decimal(0)
    for probability, label, costs in priced:
        for cost in costs:
            call = cost.call
            row = rows[(call.stage, call.model)]
            row["calls"] += probability
            row["input_tokens"] += probability * Decimal(call.input_tokens)
            row["output_tokens"] += probability * Decimal(call.output_tokens)
            row["reasoning_tokens"] += probability * Decimal(call.reasoning_tokens)
            row["cost_usd"] += probability * cost.tokens_usd
            if cost.tools_usd:
                fees = rows[(WEB_TOOLS, call.model)]
                fees["calls"] += probability * (call.searches + call.fetches)
                fees["cost_usd"] += probability * cost.tools_usd
            stages[call.stage] += probability * cost.tokens_usd
            tools += probability * cost.tools_usd
            call_rows.append(
                CallRow(
                    branch=label,
                    probability=probability,
                    stage=call.stage,
                    model=call.model,
                    member=call.member,
                    step=call.step,
                    input_tokens=Decimal(call.input_tokens),
                    output_tokens=Decimal(call.output_tokens),
                    reasoning_tokens=Decimal(call.reasoning_tokens),
                    searches=call.searches,
                    fetches=call.fetches,
                    tokens_usd=cost.tokens_usd,
                    tools_usd=cost.tools_usd,
                    cost_usd=cost.total,
                )
            )
    table = [
        BreakdownRow(stage=stage, model=model, **values)
        for (stage, model), values in sorted(
            rows.items(), key=lambda kv: (ORDER[kv[0][0]], kv[0][1])
        )
    ]
    by_stage = [
        StageCost(stage=s, cost_usd=stages[s]) for s in sorted(stages, key=ORDER.__getitem__)
    ]
    if tools:
        by_stage.append(StageCost(stage=WEB_TOOLS, cost_usd=tools))
    return table, by_stage, tools, call_rows


def pool_range(priced: Priced) -> RangeInfo:
    totals = [(sum((c.total for c in costs), Decimal(0)), label) for _, label, costs in priced]
    low, high = min(totals), max(totals)
    return RangeInfo(min_usd=low[0], min_model=low[1], max_usd=high[0], max_model=high[1])


def expected_breakdown(
    exact: list[BreakdownRow], found: Integrated, at_mean: Integrated
) -> tuple[list[BreakdownRow], list[StageCost], Decimal]:
    """The exact rows of the mean request, each plus what the workload's spread adds to it
    where cost is not linear in tokens (`nonlinear`): the rows still add up to the cost."""
    fields = ("calls", "input_tokens", "output_tokens", "reasoning_tokens", "cost_usd")
    keys = {(r.stage, r.model) for r in exact} | set(found.rows)
    known = {(r.stage, r.model): r for r in exact}
    table = []
    for stage, model in sorted(keys, key=lambda k: (ORDER[k[0]], k[1])):
        base = known.get((stage, model))
        values = {}
        for name in fields:
            spread, centre = found.rows[(stage, model)][name], at_mean.rows[(stage, model)][name]
            exact_value = getattr(base, name) if base is not None else Decimal(0)
            values[name] = exact_value + nonlinear(spread, centre, spread or centre)
        table.append(BreakdownRow(stage=stage, model=model, **values))
    stages: dict[str, Decimal] = defaultdict(Decimal)
    tools = Decimal(0)
    for row in table:
        if row.stage == WEB_TOOLS:
            tools += row.cost_usd
        else:
            stages[row.stage] += row.cost_usd
    by_stage = [
        StageCost(stage=s, cost_usd=stages[s]) for s in sorted(stages, key=ORDER.__getitem__)
    ]
    if tools:
        by_stage.append(StageCost(stage=WEB_TOOLS, cost_usd=tools))
    return table, by_stage, tools
