"""A premium strategy against one call of the model that answers, on the same prompt (the
workload's mean request, where the premium strategy runs), beside what its vendor says.

OpenRouter: "With the default 3-model panel, expect roughly 4-5x the cost of a single
completion on the same prompt." The parts say where a larger multiplier comes from: the panel's
answers, their tool loops (the searching steps before each member answers), the analysis, the
decision to fuse, the final answer re-reading the analysis and tool definitions beyond one plain
call, and web fees. They add up to the strategy's cost of that request exactly.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from estimator.costing.plans import priced_plan, pricer_for
from estimator.documents.estimate import OneCallComparison, OneCallPart
from estimator.pricing.catalog import Catalog
from estimator.strategies.base import Strategy
from estimator.strategies.registry import kind
from estimator.workload.profile import Profile

# (part, what a reader sees), in the order of the pipeline
PARTS = (
    ("one_call", "one call of the answering model"),
    ("decide", "deciding to fuse"),
    ("tool_loops", "tool loops"),  # the searching steps before a member answers
    ("answers", "panel answers"),
    ("synthesis", "analysis"),
    ("answer_extra", "the answer re-reading the analysis"),  # and tool definitions
    ("web_fees", "web fees"),
)
_STAGE_PART = {"decide": "decide", "answer": "answer_extra", "plain": "answer_extra"}
_LAST_STEPS = frozenset({"panel", "sample"})  # a member's last step is its answer


def versus_one_call(
    strategy: Strategy, profile: Profile, catalog: Catalog
) -> OneCallComparison | None:
    registered = kind(strategy.kind)
    if registered.one_call is None:
        return None
    runs = registered.invoked(strategy, 1.0) if registered.invoked else strategy
    pricer = pricer_for(profile, catalog)
    mean = profile.mean_request()
    single = registered.one_call(strategy)
    ((_, _, one),) = priced_plan(single.expand(mean), pricer)
    one_call = sum((c.total for c in one), Decimal(0))
    parts: dict[str, Decimal] = defaultdict(Decimal)
    parts["one_call"] = one_call
    parts["answer_extra"] = -one_call  # the final answer is the one call plus what it re-reads
    for probability, _, costs in priced_plan(runs.expand(mean), pricer):
        last: dict[tuple[str, str], int] = {}
        for c in costs:
            member = (c.call.stage, c.call.member)
            last[member] = max(last.get(member, 0), c.call.step)
        for c in costs:
            stage, step = c.call.stage, c.call.step
            if stage in _LAST_STEPS:
                answers = step == last[(stage, c.call.member)] and not c.call.searches
                part = "answers" if answers else "tool_loops"  # a failed member never answers
            else:
                part = _STAGE_PART.get(stage, "synthesis")
            parts[part] += probability * c.tokens_usd
            parts["web_fees"] += probability * c.tools_usd
    total = sum(parts.values(), Decimal(0))
    low, high, words, source = registered.published_multiplier or (0.0, 0.0, "", "")
    return OneCallComparison(
        model=single.resolution.id,
        one_call_usd=one_call,
        per_request_usd=total,
        multiplier=float(total / one_call) if one_call else None,
        published_low=low,
        published_high=high,
        published=words,
        source=source,
        parts=[
            OneCallPart(
                part=name,
                label=label,
                usd=parts[name],
                times_one_call=float(parts[name] / one_call) if one_call else None,
            )
            for name, label in PARTS
            if parts[name] or name == "one_call"
        ],
    )
