"""Context limits: which requests can run, and what those that cannot would cost.

Every call's input plus the most it may emit must fit its model's context: inner Fusion calls
may emit `max_completion_tokens`, other calls their p95 answer plus reasoning (the documented
rule; `max_prompt_tokens` and `fits_share` both use it). Each call's input grows linearly with
the request's prompt I, so a call fits exactly when I is at most its *room*, computed once per
strategy (`rooms`). A request stops at its first call that does not fit: that call errors
without output and is not billed, nor are the calls after it; the calls before it ran and
are billed (for a single model: nothing at all).
"""

from __future__ import annotations

import math
from dataclasses import replace
from decimal import Decimal
from typing import Any

from estimator.documents.estimate import ContextInfo
from estimator.pricing.catalog import Catalog
from estimator.strategies.base import Strategy
from estimator.strategies.callplan import Branch, CallPlan
from estimator.workload.profile import Profile

Rooms = dict[str, tuple[float, ...]]  # branch label -> per call, the largest prompt that fits
NEGLIGIBLE = 1e-6  # a share of requests too small to model (a lognormal's tail never ends)


def p95_answer(profile: Profile) -> tuple[Decimal, Decimal]:
    """The output and reasoning a call may emit, for the context check: the p95 (or the mean
    when larger, for a skewed histogram)."""
    out = Decimal(str(round(profile.output.quantile(0.95))))
    reasoning = Decimal(str(round(profile.reasoning.quantile(0.95))))
    return max(out, profile.output.mean), max(reasoning, profile.reasoning.mean)


def rooms(strategy: Strategy, profile: Profile, catalog: Catalog) -> Rooms:
    """Per branch and call, the largest prompt with which the call fits its model's context:
    (context - its load at I = 0 - what it may emit) / its input's growth per prompt token
    (one token per token, unless the counts are scaled to each model's tokenizer)."""
    out, reasoning = p95_answer(profile)
    empty = strategy.expand(profile.request(Decimal(0), out, reasoning))
    one: dict[str, Branch] = {}
    if profile.counted_with is not None:  # each model's own ratio: measure the growth
        grown = strategy.expand(profile.request(Decimal(1), out, reasoning))
        one = {b.label: b for b in grown.branches}
    table: Rooms = {}
    for branch in empty.branches:
        found = []
        grown_calls = one[branch.label].calls if branch.label in one else branch.calls
        for call, next_call in zip(branch.calls, grown_calls, strict=True):
            limit = catalog.get_exact(call.model).max_context
            load = Decimal(call.input_tokens) + Decimal(call.max_output_tokens or 0)
            slope = (
                Decimal(next_call.input_tokens) - Decimal(call.input_tokens) if one else Decimal(1)
            )
            if not limit:
                found.append(math.inf)
            elif slope > 0:
                found.append(float((Decimal(limit) - load) / slope))
            else:
                found.append(math.inf if load <= limit else -math.inf)
        table[branch.label] = tuple(found)
    return table


def billed_rooms(strategy: Strategy, profile: Profile, catalog: Catalog) -> Rooms:
    """`rooms` as billing uses them: a room that fewer than one prompt in a million exceeds
    holds them all (the lognormal's endless tail is a modelling artefact, not traffic)."""
    return {
        label: tuple(
            room if profile.input.share_above(room) >= NEGLIGIBLE else math.inf for room in found
        )
        for label, found in rooms(strategy, profile, catalog).items()
    }


def runnable(plan: CallPlan, table: Rooms, prompt: Any) -> CallPlan:
    """The plan of a request of `prompt` tokens (exact) with each branch cut before its first
    call that does not fit: those calls are not billed."""
    branches = []
    for branch in plan.branches:
        limits = table.get(branch.label)
        if limits is None:
            branches.append(branch)
            continue
        kept = []
        for call, room in zip(branch.calls, limits, strict=True):
            if float(prompt) > room:
                break
            kept.append(call)
        branches.append(replace(branch, calls=tuple(kept)))
    return replace(plan, branches=tuple(branches))


def reached(branch: Branch, table: Rooms, prompt: Any) -> list[Any]:
    """Per call of `branch`, whether a request of `prompt` tokens (an array) gets to run it:
    it and every call before it fit."""
    import numpy as np

    limits = table.get(branch.label, (math.inf,) * len(branch.calls))
    ran = np.ones(np.shape(prompt), dtype=bool)
    masks = []
    for room in limits:
        ran = ran & (np.asarray(prompt) <= room)
        masks.append(ran)
    return masks


def context_limits(
    strategy: Strategy, profile: Profile, catalog: Catalog, fits_share: float = 1.0
) -> ContextInfo:
    """The largest prompt every call of the strategy can take, the call that binds, the share
    of requests that fit (`fits_share`, integrated over the prompt distribution), and an
    overflow at the p95 prompt. A routed plan (the Auto Router) takes a prompt that any one of
    its models holds: its room is the roomiest branch's."""
    out, reasoning = p95_answer(profile)
    plan = strategy.expand(profile.request(Decimal(0), out, reasoning))
    table = rooms(strategy, profile, catalog)
    per_branch = []
    for branch in plan.branches:
        least: tuple[float, str | None] = (math.inf, None)
        for call, limit in zip(branch.calls, table[branch.label], strict=True):
            if limit < least[0]:
                least = (limit, f"{call.stage} ({call.model})")
        per_branch.append(least)
    room, where = (max if plan.routed else min)(per_branch, key=lambda r: r[0])
    if plan.routed and room == math.inf:
        where = None
    cannot = 1.0 - fits_share if fits_share < 1.0 - 1e-9 else 0.0  # float noise is not a share
    if where is None:
        return ContextInfo(
            max_prompt_tokens=None,
            binding_call=None,
            fits_share=fits_share,
            cannot_run_share=cannot,
        )
    prompt95 = Decimal(str(round(profile.input.quantile(0.95))))
    largest = math.floor(room) if room > 0 else 0
    overflows = []
    if room < prompt95:
        holder = (
            f"no model of the pool holds it (the roomiest, {where}, has room for {largest:,} "
            "prompt tokens)"
            if plan.routed
            else f"{where} has room for {largest:,} prompt tokens"
        )
        overflows.append(f"a p95 prompt of {prompt95:,} tokens does not fit: {holder}")
    return ContextInfo(
        max_prompt_tokens=largest,
        binding_call=where,
        fits_share=fits_share,
        cannot_run_share=cannot,
        overflows=overflows,
    )
