"""A scenario from quick options: a file (or the built-in example) with workload fields and
strategies added, or strategies alone. What `estimate --single M --input-tokens 2000` does,
as a function of plain arguments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from estimator.errors import UserError
from estimator.scenario.io import load_scenario, validate_scenario
from estimator.scenario.spec import Scenario

EXAMPLE = "built-in example"


@dataclass(frozen=True)
class QuickOptions:
    """What the quick flags of `estimate` set, as one value: workload fields that override the
    file's (e.g. {"input_tokens": {"mean": 2000, "p95": 8000}}); strategies to add by model
    (`single`), cost tier (`auto`) or preset (`fusion`), which alone are the scenario; a name
    and a baseline; `workload_from`, a log or saved profile whose workload replaces the file's;
    decision fields to set (cost_per_error_usd, error_rate, monthly_budget_usd); and fields set
    on every Fusion strategy (tool_steps, analysis_models)."""

    workload: Mapping[str, Any] = field(default_factory=dict)
    single: Sequence[str] = ()
    auto: Sequence[str] = ()
    fusion: Sequence[str] = ()
    name: str | None = None
    baseline: str | None = None
    workload_from: str | Path | None = None
    decision: Mapping[str, Any] = field(default_factory=dict)
    fusion_fields: Mapping[str, Any] = field(default_factory=dict)


def quick_strategies(
    single: Sequence[str] = (), auto: Sequence[str] = (), fusion: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Strategies named after what they run: a model, `auto-<tier>`, `fusion-<preset>`."""
    return (
        [{"name": m, "single": {"model": m}} for m in single]
        + [{"name": f"auto-{t}", "auto": {"cost_tier": t}} for t in auto]
        + [{"name": f"fusion-{p}", "fusion": {"preset": p}} for p in fusion]
    )


def scenario_from(
    scenario: str | Path | None = None,
    options: QuickOptions | None = None,
    observed: Mapping[str, Any] | None = None,
) -> tuple[Scenario, str]:
    """The scenario and a label saying where it came from.

    `options` override the file's workload fields and add strategies, which are the
    scenario's when no file is given (the first is then the baseline); `observed`: a whole
    workload taken from a log or profile (`options.workload_from` names it), under
    `options.workload`'s overrides.
    """
    quick = options or QuickOptions()
    name, baseline, observed_from = quick.name, quick.baseline, quick.workload_from
    fields = dict(quick.workload)
    if observed is not None:
        fields = {**observed, **fields}
    added = quick_strategies(quick.single, quick.auto, quick.fusion)
    changes = dict(quick.decision), dict(quick.fusion_fields)
    if not (fields or added or name or baseline or observed is not None or any(changes)):
        return load_scenario(scenario), str(scenario) if scenario else EXAMPLE
    data: dict[str, Any] = {"workload": {}, "strategies": []}
    label = "command-line flags"
    if scenario is not None or not added:  # no strategies given: the file's or the example's
        data = load_scenario(scenario).model_dump(exclude_unset=True, mode="json")
        label = f"{scenario or EXAMPLE} + flags"
    if observed is not None:
        data["workload"] = {}
        label += f" + workload of {observed_from or 'a log'}"
    if "requests_per_month" in fields:
        data["workload"].pop("requests_per_day", None)
    if "requests_per_day" in fields:
        data["workload"].pop("requests_per_month", None)
    data["workload"].update(fields)
    data["strategies"] = list(data.get("strategies", [])) + added
    _apply(data, *changes)
    if name:
        data["name"] = name
    if baseline:
        data["baseline"] = baseline
    elif added and scenario is None:
        data["baseline"] = added[0]["name"]
    return _validated(data, label), label


# quick flags by the scenario field they set: errors name the flag the user typed
FLAGS = {
    "workload.requests_per_month": "--requests-per-month",
    "workload.requests_per_day": "--requests-per-day",
    "workload.input_tokens": "--input-tokens",
    "workload.output_tokens": "--output-tokens",
    "workload.reasoning_tokens": "--reasoning-tokens",
    "workload.cached_input_share": "--cached-share",
    "decision.cost_per_error_usd": "--cost-per-error",
    "decision.error_rate": "--error-rate",
    "decision.monthly_budget_usd": "--budget",
}


def _apply(data: dict[str, Any], decision: dict[str, Any], fusion: dict[str, Any]) -> None:
    """Decision fields into `decision:`, Fusion fields into every Fusion strategy."""
    if decision:
        data.setdefault("decision", {}).update(decision)
    for strategy in data["strategies"]:
        if "fusion" in strategy and fusion:
            strategy["fusion"] = {**strategy["fusion"], **fusion}


def _validated(data: dict[str, Any], label: str) -> Scenario:
    try:
        return validate_scenario(data, label)
    except UserError as exc:
        message = str(exc)
        for path, flag in FLAGS.items():
            message = message.replace(f": {path}", f": {flag} ({path})")
        raise UserError(message) from None
