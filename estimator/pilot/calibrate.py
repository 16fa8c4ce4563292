"""From records to evidence: how the estimate compares with what was billed, per strategy,
and a fitted scenario (the observed token profile, Fusion's invocation rate when the model was
free to decline, the Auto Router's observed model mix as its pool, the pilot named as the
evidence): `estimate fitted-scenario.yaml`, `report` and `check` read it like any scenario.

Per strategy the estimate is the estimator's exact price of that strategy's plan for each
pilot request (its prompt and answer tokens as billed; for the Auto Router, the model that
ran), so a ratio of 1.00 means the cost model reproduced the bill; Fusion's inner calls are
not itemised in a response (its usage tokens cover the outer model only), so only its total
is compared. Bills are read from the records strictly (`ledger.usage_of`): a row without a
trustworthy bill, or without token counts, is left out of the comparison, never read as 0 or
NaN; with BYOK the bill is OpenRouter's fee plus the provider's.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from estimator.clock import now_utc
from estimator.costing.plans import expected_cost, priced_plan, pricer_for
from estimator.pilot.ledger import usage_of
from estimator.pricing.catalog import Catalog
from estimator.pricing.usage import Usage
from estimator.scenario.build import build_all
from estimator.scenario.spec import Scenario
from estimator.strategies.single import SingleStrategy
from estimator.workload.profile import Profile
from estimator.workload.prompts import histogram
from estimator.workload.request import Request


def _histogram(values: list[int]) -> dict[str, Any] | int:
    """A workload token field from observed counts: the count itself when they are all
    alike, else the exact-mean histogram `--prompts` builds (workload/prompts.histogram)."""
    points = histogram(values)
    return points[0][0] if len(points) == 1 else {"histogram": points}


def _invoked(row: dict[str, Any]) -> bool:
    usage = usage_of(row)
    return bool(usage and usage.tool_calls_executed) or bool(row.get("fusion"))


def billed_rows(rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], Usage]]:
    """The rows whose bill can be trusted, with it, and with both token counts."""
    found = []
    for row in rows:
        usage = usage_of(row)
        if usage and usage.completion_tokens is not None and usage.prompt_tokens is not None:
            found.append((row, usage))
    return found


def calibration(
    scenario: Scenario, catalog: Catalog, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Per strategy: calls, billed total, the estimate of the same requests, their ratio."""
    profile = Profile.of(scenario.workload)
    pricer = pricer_for(profile, catalog)
    built = dict(
        zip((s.name for s in scenario.strategies), build_all(scenario, catalog), strict=True)
    )
    out = []
    billed_ok = billed_rows(rows)
    for spec in scenario.strategies:
        mine = [(r, u) for r, u in billed_ok if r["strategy"] == spec.name]
        if not mine:
            continue
        billed = sum((u.billed_usd for _, u in mine), Decimal(0))
        estimated = Decimal(0)
        for r, usage in mine:
            answer = usage.completion_tokens or 0
            # the prompt as billed where the usage covers the whole call; Fusion's usage covers
            # its outer model only, so its prompt is the one counted before sending
            billed_prompt = usage.prompt_tokens if spec.kind != "fusion" else None
            request = Request(Decimal(billed_prompt or r["prompt_tokens"]), Decimal(answer))
            strategy = built[spec.name]
            if spec.kind == "auto" and r.get("model") in catalog:  # the model that ran
                strategy = SingleStrategy(spec.name, catalog.resolve(r["model"]))
            estimated += expected_cost(priced_plan(strategy.expand(request), pricer))
        rows_of = [r for r, _ in mine]
        out.append(
            {
                "strategy": spec.name,
                "kind": spec.kind,
                "calls": len(mine),
                "billed_usd": float(billed),
                "estimated_usd": float(estimated),
                "billed_vs_estimate": float(billed / estimated) if estimated else None,
                "invoked_share": (sum(_invoked(r) for r in rows_of) / len(mine))
                if spec.kind == "fusion"
                else None,
                "stages_visible": spec.kind != "fusion",
                "models_seen": dict(Counter(str(r.get("model")) for r in rows_of)),
            }
        )
    return out


def fitted_scenario(
    scenario: Scenario,
    catalog: Catalog,
    rows: list[dict[str, Any]],
    spend: Decimal,
    records: str,
    prompts: int,
) -> dict[str, Any]:
    """The scenario with the observed workload and Fusion's observed invocation rate, and the
    pilot as its evidence (a dict ready to write as YAML). Only models of the catalog become
    an Auto Router pool: a `model` a response names is text, not a model id to trust."""
    data = scenario.model_dump(mode="json", exclude_unset=True)
    billed = billed_rows(rows)
    plain = [(r, u) for r, u in billed if r.get("kind") in ("single", "auto")] or billed
    if plain:
        data["workload"]["input_tokens"] = _histogram([u.prompt_tokens or 0 for _, u in plain])
        data["workload"]["output_tokens"] = _histogram([u.completion_tokens or 0 for _, u in plain])
        data["workload"].pop("reasoning_tokens", None)  # completion includes reasoning
    for strategy in data["strategies"]:
        fusion = strategy.get("fusion")
        mine = [r for r, _ in billed if r["strategy"] == strategy["name"]]
        seen = Counter(str(r["model"]) for r in mine if r.get("model") in catalog)
        if strategy.get("auto") is not None and seen:
            strategy["auto"]["allowed_models"] = sorted(seen)
            strategy["auto"].pop("cost_tier", None)  # the mix seen already is the tier's choice
            total = sum(seen.values())
            strategy["auto"]["weights"] = {m: n / total for m, n in sorted(seen.items())}
        if fusion is not None and mine and fusion.get("invocation_rate", 1.0) < 1:
            fusion["invocation_rate"] = round(sum(_invoked(r) for r in mine) / len(mine), 4)
    data.setdefault("decision", {})["pilot"] = {
        "date": now_utc().date().isoformat(),
        "prompts": prompts,
        "calls": len(rows),
        "spend_usd": float(spend),
        "records": records,
    }
    return data
