"""Context limits: the largest prompt every call of a strategy can take."""

from __future__ import annotations

from decimal import Decimal

from estimator.documents.estimate import ContextInfo
from estimator.pricing.catalog import Catalog
from estimator.strategies.base import Strategy
from estimator.strategies.callplan import CallPlan
from estimator.workload.profile import Profile
from estimator.workload.request import Request


def context_limits(
    strategy: Strategy, profile: Profile, catalog: Catalog, fits_share: float = 1.0
) -> ContextInfo:
    """The largest prompt every call of the strategy can take, the share of requests that fit
    (`fits_share`, integrated over the token distribution), and overflows at the p95 prompt.

    Each call's input is affine in the prompt (I appears once), so expanding the plan at I = 0
    with p95 outputs gives each call's fixed load; the call with the least room binds. A
    routed plan (the Auto Router) takes a prompt that any one of its models holds: its room is
    the roomiest branch's.
    """
    out95 = Decimal(str(round(profile.output.quantile(0.95))))
    reasoning95 = Decimal(str(round(profile.reasoning.quantile(0.95))))
    plan = strategy.expand(
        Request(
            Decimal(0), max(out95, profile.output.mean), max(reasoning95, profile.reasoning.mean)
        )
    )
    best = _room(plan, catalog)
    if best is None:
        return ContextInfo(max_prompt_tokens=None, binding_call=None, fits_share=fits_share)
    prompt95 = Decimal(str(round(profile.input.quantile(0.95))))
    overflows = []
    if best[0] < prompt95:
        where = (
            f"no model of the pool holds it (the roomiest, {best[1]}, has room for"
            if plan.routed
            else f"{best[1]} has room for"
        )
        overflows.append(
            f"a p95 prompt of {prompt95:,} tokens does not fit: {where} "
            f"{max(best[0], Decimal(0)):,.0f} prompt tokens" + (")" if plan.routed else "")
        )
    return ContextInfo(
        max_prompt_tokens=int(max(best[0], Decimal(0))),
        binding_call=best[1],
        fits_share=fits_share,
        overflows=overflows,
    )


def _room(plan: CallPlan, catalog: Catalog) -> tuple[Decimal, str] | None:
    """The prompt tokens the plan has room for, and the call that sets it (None: no limit)."""
    rooms: list[tuple[Decimal, str]] = []
    for branch in plan.branches:
        least: tuple[Decimal, str] | None = None
        for call in branch.calls:
            model = catalog.get_exact(call.model)
            if not model.max_context:
                continue
            room = (
                Decimal(model.max_context)
                - Decimal(call.input_tokens)
                - Decimal(call.max_output_tokens or 0)
            )
            if least is None or room < least[0]:
                least = (room, f"{call.stage} ({call.model})")
        if least is not None:
            rooms.append(least)
    if not rooms:
        return None
    return max(rooms, key=lambda r: r[0]) if plan.routed else min(rooms, key=lambda r: r[0])
