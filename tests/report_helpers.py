"""Build reports and the matching Python estimates for the report tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from estimator.api import Options, estimate
from estimator.scenario.io import example_path, validate_scenario

SAMPLES = 2000


def example_data() -> dict[str, Any]:
    return yaml.safe_load(example_path().read_text())


def estimate_of(data: dict[str, Any], catalog: Any) -> Any:
    scenario = validate_scenario(data, "test scenario")
    return estimate(scenario, catalog, Options(samples=SAMPLES))


def write_scenario(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return path
