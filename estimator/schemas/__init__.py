"""JSON Schemas generated from the pydantic models, shipped in the package.

Regenerate after changing `results.py` or `scenario.py`: `python -m estimator.schemas`
(a test fails when the shipped files are stale).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
SCHEMA_URL = "https://json-schema.org/draft/2020-12/schema"


def generated() -> dict[str, dict[str, Any]]:
    from estimator.documents.estimate import Estimate
    from estimator.scenario.spec import Scenario

    estimate = Estimate.model_json_schema(mode="serialization")
    scenario = Scenario.model_json_schema(mode="validation")
    return {
        "estimate.schema.json": {"$schema": SCHEMA_URL, **estimate},
        "scenario.schema.json": {"$schema": SCHEMA_URL, **scenario},
    }


def text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def path(name: str) -> Path:
    return HERE / name


def write() -> list[Path]:
    written = []
    for name, schema in generated().items():
        path(name).write_text(text(schema))
        written.append(path(name))
    return written
