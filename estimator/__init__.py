"""fusion-cost: what OpenRouter Fusion will cost, against the Auto Router and single models.

The public API is imported lazily so `import estimator` (and `fusion-cost --help`) stays fast.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_API = {
    "load_catalog": "estimator.pricing.store",
    "Catalog": "estimator.pricing.catalog",
    "load_scenario": "estimator.scenario.io",
    "estimate": "estimator.costing.estimate",
    "render": "estimator.renderers.formats",
    "check": "estimator.check.gate",
    "Estimate": "estimator.documents.estimate",
    "Scenario": "estimator.scenario.spec",
}


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'estimator' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
