"""A price refresh as a pull request: what the new catalog does to each committed scenario.

`fusion-cost prices refresh --propose` refreshes the catalog, then prices every scenario with
the old catalog and the new one and says, for a reviewer: which prices of the models the
scenarios use changed, each strategy's monthly delta, and which policies and verdicts flip.
The pull request is the review: merging it accepts the new prices (and the lock it updates).
"""

from __future__ import annotations

from decimal import Decimal

from estimator.costing.options import Options
from estimator.documents.check import (
    CheckResult,
    PolicyFlip,
    PriceChange,
    Proposal,
    ScenarioImpact,
    StrategyDelta,
)
from estimator.gate.run import check
from estimator.pricing.catalog import Catalog
from estimator.pricing.diff import diff_catalogs
from estimator.scenario.spec import Scenario


def _impact(label: str, scenario: Scenario, old: Catalog, new: Catalog) -> ScenarioImpact:
    options = Options(samples=2000)
    before, after = check(scenario, old, options=options), check(scenario, new, options=options)
    return ScenarioImpact(
        scenario=scenario.name,
        file=label,
        strategies=_deltas(before, after),
        policy_flips=_flips(before, after),
        verdict_before=before.verdict,
        verdict_after=after.verdict,
    )


def _deltas(before: CheckResult, after: CheckResult) -> list[StrategyDelta]:
    old = {s.name: s.after_usd for s in before.strategies}
    rows = []
    for s in after.strategies:
        a, b = old.get(s.name), s.after_usd
        delta = None if a is None or b is None else b - a
        pct = None if delta is None or not a else float(delta / a * 100)
        rows.append(
            StrategyDelta(
                name=s.name,
                status="unchanged"
                if delta is not None and abs(delta) < Decimal("0.005")
                else "changed",
                before_usd=a,
                after_usd=b,
                delta_usd=delta,
                delta_pct=None if pct is None else round(pct, 9),
            )
        )
    return rows


def _flips(before: CheckResult, after: CheckResult) -> list[PolicyFlip]:
    was = {(p.policy, p.strategy): p.passed for p in before.policies}
    return [
        PolicyFlip(policy=p.policy, strategy=p.strategy, passed_before=was[key], passed=p.passed)
        for p in after.policies
        if (key := (p.policy, p.strategy)) in was and was[key] != p.passed
    ]


def proposal(scenarios: list[tuple[str, Scenario]], old: Catalog, new: Catalog) -> Proposal:
    """The refresh's impact on every scenario, and the price changes of the models they use."""
    impacts = [_impact(label, s, old, new) for label, s in scenarios]
    found = diff_catalogs(old, new)
    used = _used(scenarios, new) | _used(scenarios, old)
    changes = [
        PriceChange(
            model=c["id"], key=c["key"], old=c["old"], new=c["new"], change_pct=c["change_pct"]
        )
        for c in found["changed"]
        if c["id"] in used
    ]
    return Proposal(
        old_catalog=found["old"],
        new_catalog=found["new"],
        price_changes=changes,
        models_added=len(found["added"]),
        models_removed=len(found["removed"]),
        scenarios=impacts,
    )


def _used(scenarios: list[tuple[str, Scenario]], catalog: Catalog) -> set[str]:
    """The concrete models the scenarios' strategies call (what their bills depend on)."""
    from estimator.errors import UserError
    from estimator.scenario.build import build_all

    ids: set[str] = set()
    for _, scenario in scenarios:
        try:
            ids |= {m.id for s in build_all(scenario, catalog) for m in s.models()}
        except UserError:  # a model gone from this catalog: its impact says so
            continue
    return ids
