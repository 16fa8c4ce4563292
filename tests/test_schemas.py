"""The shipped JSON Schemas: generated from the pydantic models, never stale, and they accept
what `fusion-cost estimate --format json` prints and the built-in example scenario."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from estimator import schemas
from estimator.cli import main
from estimator.scenario.io import example_path

REGENERATE = "python -m estimator.schemas"


def shipped(name: str) -> dict[str, Any]:
    return json.loads(schemas.path(name).read_text(encoding="utf-8"))


def validator(name: str) -> Draft202012Validator:
    schema = shipped(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def messages(validator: Draft202012Validator, document: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def test_shipped_schemas_are_the_generated_ones() -> None:
    generated = schemas.generated()
    on_disk = sorted(p.name for p in schemas.HERE.glob("*.schema.json"))
    assert on_disk == sorted(generated), f"schema files differ; run `{REGENERATE}`"
    for name, schema in generated.items():
        assert schemas.path(name).read_text(encoding="utf-8") == schemas.text(schema), (
            f"estimator/schemas/{name} is stale: run `{REGENERATE}` and commit the result"
        )


def test_schemas_are_draft_2020_12() -> None:
    for name in ("estimate.schema.json", "scenario.schema.json"):
        assert shipped(name)["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        validator(name)  # check_schema raises if the schema itself is malformed


@pytest.fixture
def estimate_json(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """`fusion-cost estimate --format json` on the built-in example."""
    assert main(["estimate", "--format", "json", "--samples", "2000"]) == 0
    return json.loads(capsys.readouterr().out)


def test_estimate_json_validates_against_the_shipped_schema(estimate_json: dict[str, Any]) -> None:
    assert messages(validator("estimate.schema.json"), estimate_json) == []
    kinds = {s["kind"] for s in estimate_json["strategies"]}
    assert kinds == {"single", "auto", "fusion"}


def test_quick_flag_estimate_validates(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["estimate", "--requests-per-day", "100", "--input-tokens", "3000:9000"]
    argv += ["--output-tokens", "400", "--reasoning-tokens", "200", "--cached-share", "0.3"]
    argv += ["--single", "deepseek/deepseek-v4-pro", "--fusion", "general-fast"]
    argv += ["--format", "json", "--samples", "500"]
    assert main(argv) == 0
    document = json.loads(capsys.readouterr().out)
    assert messages(validator("estimate.schema.json"), document) == []


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda d: d.pop("schema_version"), "schema_version"),
        (lambda d: d["strategies"][0].update(kind="ensemble"), "kind"),
        (lambda d: d["strategies"][0]["breakdown"][0].pop("cost_usd"), "cost_usd"),
        (lambda d: d["pricing"].update(model_count="549"), "model_count"),
        (lambda d: d.update(unexpected=1), "unexpected"),
    ],
)
def test_estimate_schema_rejects_broken_documents(
    estimate_json: dict[str, Any], mutate: Any, where: str
) -> None:
    broken = copy.deepcopy(estimate_json)
    mutate(broken)
    errors = messages(validator("estimate.schema.json"), broken)
    assert errors and any(where in e for e in errors), errors


def test_example_scenario_validates_against_the_scenario_schema() -> None:
    example = yaml.safe_load(example_path().read_text(encoding="utf-8"))
    assert messages(validator("scenario.schema.json"), example) == []


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda d: d["strategies"][3]["fusion"].update(tool_step=2), "tool_step"),
        (lambda d: d["workload"].update(input_tokens=-1), "input_tokens"),
        (lambda d: d["workload"].update(cached_input_share=1.5), "cached_input_share"),
        (lambda d: d["strategies"][3]["fusion"].update(max_tool_calls=17), "max_tool_calls"),
        (lambda d: d.pop("strategies"), "strategies"),
    ],
)
def test_scenario_schema_rejects_broken_scenarios(mutate: Any, where: str) -> None:
    scenario = yaml.safe_load(example_path().read_text(encoding="utf-8"))
    assert "fusion" in scenario["strategies"][3]
    mutate(scenario)
    errors = messages(validator("scenario.schema.json"), scenario)
    assert errors and any(where in e for e in errors), errors
