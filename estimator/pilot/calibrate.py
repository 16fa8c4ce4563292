"""From records to evidence: how the estimate compares with what was billed, per strategy,
and a fitted scenario (the observed token profile, Fusion's invocation rate when the model was
free to decline, the Auto Router's observed model mix as its pool, the pilot named as the
evidence): `estimate fitted-scenario.yaml`, `report` and `check` read it like any scenario.

Per strategy the estimate is the estimator's exact price of that strategy's plan for each
pilot request (its prompt and answer tokens as billed; for the Auto Router, the model that
ran), so a ratio of 1.00 means the cost model reproduced the bill; Fusion's inner calls are
not itemised in a response (its usage tokens cover the outer model only), so only its total
is compared.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from estimator.costing.plans import expected_cost, priced_plan, pricer_for
from estimator.pricing.catalog import Catalog
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
    usage = row.get("usage") or {}
    tools = (usage.get("server_tool_use_details") or {}).get("tool_calls_executed")
    return bool(tools) or bool(row.get("fusion"))


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
    for spec in scenario.strategies:
        mine = [r for r in rows if r["strategy"] == spec.name and r.get("usage")]
        if not mine:
            continue
        billed = sum((Decimal(str(r["usage"].get("cost") or 0)) for r in mine), Decimal(0))
        estimated = Decimal(0)
        for r in mine:
            answer = int(r["usage"].get("completion_tokens") or 0)
            # the prompt as billed where the usage covers the whole call; Fusion's usage covers
            # its outer model only, so its prompt is the one counted before sending
            billed_prompt = r["usage"].get("prompt_tokens") if spec.kind != "fusion" else None
            request = Request(Decimal(billed_prompt or r["prompt_tokens"]), Decimal(answer))
            strategy = built[spec.name]
            if spec.kind == "auto" and r.get("model") in catalog:  # the model that ran
                strategy = SingleStrategy(spec.name, catalog.resolve(r["model"]))
            estimated += expected_cost(priced_plan(strategy.expand(request), pricer))
        out.append(
            {
                "strategy": spec.name,
                "kind": spec.kind,
                "calls": len(mine),
                "billed_usd": float(billed),
                "estimated_usd": float(estimated),
                "billed_vs_estimate": float(billed / estimated) if estimated else None,
                "invoked_share": (sum(_invoked(r) for r in mine) / len(mine))
                if spec.kind == "fusion"
                else None,
                "stages_visible": spec.kind != "fusion",
                "models_seen": dict(Counter(str(r.get("model")) for r in mine)),
            }
        )
    return out


def fitted_scenario(
    scenario: Scenario, rows: list[dict[str, Any]], spend: Decimal, records: str, prompts: int
) -> dict[str, Any]:
    """The scenario with the observed workload and Fusion's observed invocation rate, and the
    pilot as its evidence (a dict ready to write as YAML)."""
    data = scenario.model_dump(mode="json", exclude_unset=True)
    plain = [r for r in rows if r.get("usage") and r.get("kind") in ("single", "auto")]
    plain = plain or [r for r in rows if r.get("usage")]
    if plain:
        data["workload"]["input_tokens"] = _histogram(
            [int(r["usage"]["prompt_tokens"]) for r in plain]
        )
        data["workload"]["output_tokens"] = _histogram(
            [int(r["usage"].get("completion_tokens") or 0) for r in plain]
        )
        data["workload"].pop("reasoning_tokens", None)  # completion includes reasoning
    for strategy in data["strategies"]:
        fusion = strategy.get("fusion")
        mine = [r for r in rows if r["strategy"] == strategy["name"] and r.get("usage")]
        if strategy.get("auto") is not None and any(r.get("model") for r in mine):
            seen = Counter(str(r["model"]) for r in mine if r.get("model"))
            strategy["auto"]["allowed_models"] = sorted(seen)
            strategy["auto"].pop("cost_tier", None)  # the mix seen already is the tier's choice
            strategy["auto"]["weights"] = {m: n / len(mine) for m, n in sorted(seen.items())}
        if fusion is not None and mine and fusion.get("invocation_rate", 1.0) < 1:
            fusion["invocation_rate"] = round(sum(_invoked(r) for r in mine) / len(mine), 4)
    data.setdefault("decision", {})["pilot"] = {
        "date": datetime.now(UTC).date().isoformat(),
        "prompts": prompts,
        "calls": len(rows),
        "spend_usd": float(spend),
        "records": records,
    }
    return data
