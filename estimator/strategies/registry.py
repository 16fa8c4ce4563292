"""The strategy kinds, registered once: every consumer (the scenario schema, the builder, the
decision, the renderers) asks this table. A new kind is one module plus one line below."""

from __future__ import annotations

from estimator.strategies import auto, diy_panel, fusion, self_consistency, single
from estimator.strategies.base import Kind

KINDS: dict[str, Kind] = {
    module.KIND.name: module.KIND
    for module in (single, auto, fusion, self_consistency, diy_panel)  # the registration
}


def kind(name: str) -> Kind:
    """The kind called `name`; an unknown one is a programming error, named."""
    try:
        return KINDS[name]
    except KeyError:
        known = ", ".join(KINDS)
        raise KeyError(f"unknown strategy kind {name!r} (registered: {known})") from None


def is_premium(name: str) -> bool:
    return kind(name).premium


NOTHING_FITS = "nothing-fits"  # no strategy fits the budgets and context: the cheapest is named


def verdicts() -> list[str]:
    """Every verdict a decision can reach: the kinds' in registration order, then
    nothing-fits."""
    found: list[str] = []
    for registered in KINDS.values():
        for verdict in (registered.verdict, registered.subset_verdict):
            if verdict and verdict not in found:
                found.append(verdict)
    return [*found, NOTHING_FITS]
