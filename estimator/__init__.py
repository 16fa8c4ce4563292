"""fusion-cost: what OpenRouter Fusion will cost, against the Auto Router and single models.

The public API is imported lazily so `import estimator` (and `fusion-cost --help`) stays fast.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

# the library's functions (estimator/api.py, whose __all__ must name the same: a test checks)
API_NAMES = (
    "Options",
    "QuickOptions",
    "check",
    "estimate",
    "grade",
    "load_baseline",
    "load_catalog",
    "load_scenario",
    "pilot_evidence",
    "pilot_freshness",
    "pilot_ledger",
    "pilot_plan",
    "pilot_run",
    "pilot_sender",
    "presets",
    "prices",
    "prompt_profile",
    "propose_prices",
    "render",
    "replay",
    "report",
    "scenario_from",
    "sql_for",
    "verify_sql",
)
_API = {
    **dict.fromkeys(API_NAMES, "estimator.api"),
    "Catalog": "estimator.pricing.catalog",
    "Estimate": "estimator.documents.estimate",
    "CheckResult": "estimator.documents.check",
    "ReplayResult": "estimator.documents.replay",
    "Scenario": "estimator.scenario.spec",
    "Policy": "estimator.scenario.spec",
}


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'estimator' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
