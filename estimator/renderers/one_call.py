"""A premium strategy against one call of its answering model, in one sentence beside the
vendor's figure: shared by the terminal, markdown and the report."""

from __future__ import annotations

from estimator.documents.estimate import StrategyResult
from estimator.renderers.fmt import usd


def one_call_sentence(s: StrategyResult) -> str | None:
    found = s.versus_one_call
    if found is None or found.multiplier is None:
        return None
    extra = sorted(
        (p for p in found.parts if p.part != "one_call" and p.times_one_call),
        key=lambda p: -(p.times_one_call or 0),
    )
    parts = ", ".join(f"{p.label} {p.times_one_call:.1f}x" for p in extra)
    published = f"{found.published_low:g}-{found.published_high:g}x"
    return (
        f"{s.name}: {found.multiplier:.1f}x one call of {found.model} "
        f"({usd(found.one_call_usd)}) on the mean request; OpenRouter says roughly {published} "
        f"({found.source}). Beyond the one call: {parts}."
    )
