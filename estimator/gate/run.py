"""`check()`: estimate a scenario, gate it on its policy and diff it against a baseline.

A strategy whose model has no fixed price (a router called directly) is left out of the
estimate and reported as the `fail_on_dynamic_price` policy, so one such strategy does not stop
the check of the others; the library and the CLI do the same.
"""

from __future__ import annotations

from typing import Any

from estimator.costing.options import Options
from estimator.documents.check import CheckResult, PolicyResult
from estimator.documents.estimate import Estimate
from estimator.errors import DynamicPriceError, UserError
from estimator.gate.baseline import Baseline
from estimator.gate.diff import (
    deltas,
    input_changes,
    moved_by,
    price_changes,
    verdict_change,
    verdict_of,
)
from estimator.gate.policies import dynamic_price, evaluate, verdict_gate
from estimator.pipeline import estimate
from estimator.pricing.catalog import Catalog
from estimator.scenario.io import validate_scenario
from estimator.scenario.spec import Policy, Scenario


def estimate_what_can_be_priced(
    scenario: Scenario, catalog: Catalog, options: Options, source: str, fail_on_dynamic: bool
) -> tuple[Estimate, list[PolicyResult], list[str]]:
    """The estimate of every strategy with fixed prices, and a policy result and a note for
    each one left out."""
    extra: list[PolicyResult] = []
    notes: list[str] = []
    while True:
        try:
            return estimate(scenario, catalog, options, source=source), extra, notes
        except DynamicPriceError as exc:
            name = exc.strategy
            if name is None or len(scenario.strategies) <= 1:
                raise
            extra.append(dynamic_price(name, str(exc), fail_on_dynamic))
            notes.append(f"{name} was left out: {exc}")
            data = scenario.model_dump(mode="json", exclude_unset=True)
            data = _without(data, name)
            scenario = validate_scenario(data, source)


def _without(data: dict[str, Any], name: str) -> dict[str, Any]:
    """The scenario data without strategy `name`, nor its error rate, limits or baseline."""
    data["strategies"] = [s for s in data["strategies"] if s["name"] != name]
    if data.get("baseline") == name:
        data.pop("baseline")
    for section, key in (
        ("decision", "error_rate"),
        ("decision", "accuracy"),
        ("policy", "monthly_budget_usd"),
        ("policy", "max_per_request_usd"),
    ):
        named = data.get(section, {}).get(key)
        if isinstance(named, dict):
            named.pop(name, None)
    return data


def check_estimate(
    current: Estimate,
    policy: Policy,
    baseline: Baseline | None = None,
    notes: list[str] | None = None,
    extra: list[PolicyResult] | None = None,
    sources: dict[str, str] | None = None,
) -> CheckResult:
    """Evaluate `policy` on an estimate (and its diff against `baseline`)."""
    rows = deltas(current, baseline)
    gates, skipped = evaluate(current, policy, rows, baseline is not None)
    changed = None if baseline is None else verdict_change(current, baseline)
    if baseline is not None and policy.fail_on_verdict_change:
        gates.append(verdict_gate(changed))
    borrowed = sources or {}
    policies = list(extra or []) + [
        p.model_copy(update={"source": borrowed[p.policy]}) if p.policy in borrowed else p
        for p in gates
    ]
    changed_catalog = baseline is not None and baseline.pricing.sha256 != current.pricing.sha256
    failed = sum(not p.passed for p in policies)
    return CheckResult(
        scenario=current.scenario["name"],
        passed=failed == 0,
        failed=failed,
        catalog={
            "fetched_at": current.pricing.fetched_at,
            "age_days": current.pricing.age_days,
            "stale": current.pricing.stale,
            "sha256": current.pricing.sha256,
            "source": current.pricing.source,
        },
        baseline_catalog=None
        if baseline is None
        else {"fetched_at": baseline.pricing.fetched_at, "sha256": baseline.pricing.sha256},
        strategies=rows,
        policies=policies,
        skipped=skipped,
        price_changes=price_changes(current, baseline) if changed_catalog and baseline else [],
        moved_by=moved_by(current, baseline) if baseline else [],
        input_changes=input_changes(current, baseline) if baseline else [],
        verdict=verdict_of(current),
        verdict_change=changed,
        notes=list(notes or []),
    )


def check(
    scenario: Scenario,
    catalog: Catalog,
    policy: Policy | None = None,
    baseline: Baseline | None = None,
    options: Options | None = None,
    source: str = "built-in example",
    allow_other_scenario: bool = False,
) -> CheckResult:
    """Estimate `scenario` and gate it on `policy` (default: the scenario's own `policy:`).
    The decision's monthly budget is a policy too, unless the policy sets its own. A baseline
    of another scenario (another name, or no strategy in common) is refused unless
    `allow_other_scenario`: its "added" and "removed" would be noise that passes."""
    if baseline is not None and not allow_other_scenario:
        same_scenario(scenario, baseline)
    chosen, sources = with_decision_budget(scenario, policy or scenario.policy)
    current, extra, notes = estimate_what_can_be_priced(
        scenario, catalog, options or Options(), source, chosen.fail_on_dynamic_price
    )
    return check_estimate(current, chosen, baseline, notes, extra, sources)


def same_scenario(scenario: Scenario, baseline: Baseline) -> None:
    names = {s.name for s in scenario.strategies}
    common = names & {s.name for s in baseline.strategies}
    other = baseline.name is not None and baseline.name != scenario.name
    if other or not common:
        why = (
            f"it is of the scenario {baseline.name!r}, not {scenario.name!r}"
            if other
            else "it has no strategy in common with this scenario"
        )
        raise UserError(
            f"the baseline is of another scenario: {why}; make it from this scenario on the "
            "main branch, or pass --allow-other-scenario to compare anyway"
        )


def with_decision_budget(scenario: Scenario, policy: Policy) -> tuple[Policy, dict[str, str]]:
    """`decision.monthly_budget_usd` gates every strategy's month when neither `policy:` nor
    a flag sets a budget: a check must not pass a month the decision calls over budget."""
    budget = scenario.decision.monthly_budget_usd
    if policy.monthly_budget_usd is not None or budget is None:
        return policy, {}
    borrowed = policy.model_copy(update={"monthly_budget_usd": budget})
    return borrowed, {"monthly_budget_usd": "decision.monthly_budget_usd"}
