"""JSON Schemas generated from the pydantic models, shipped in the package.

One per result document with a JSON form (estimate, check, replay) and one for the scenario
file. Regenerate after changing `documents/` or `scenario/spec.py` (or a kind's spec):
`python -m estimator.schemas` (a test fails when the shipped files are stale).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
SCHEMA_URL = "https://json-schema.org/draft/2020-12/schema"


def generated() -> dict[str, dict[str, Any]]:
    from pydantic import BaseModel

    from estimator.documents.check import CheckResult
    from estimator.documents.estimate import Estimate
    from estimator.documents.replay import ReplayResult
    from estimator.scenario.spec import Scenario

    documents: dict[str, type[BaseModel]] = {
        "estimate": Estimate,
        "check": CheckResult,
        "replay": ReplayResult,
    }
    found = {
        f"{name}.schema.json": {
            "$schema": SCHEMA_URL,
            **model.model_json_schema(mode="serialization"),
        }
        for name, model in documents.items()
    }
    scenario = Scenario.model_json_schema(mode="validation")
    found["scenario.schema.json"] = {"$schema": SCHEMA_URL, **scenario}
    return found


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
