"""The pilot's files beside its records: `calibration.json`, `fitted-scenario.yaml`,
`review.html` and `review-key.json`, written as every file of fusion-cost is.

- Through the one writer (`estimator.outputs`): a regular file replaced atomically under a
  temp name carrying the pid, a symlink kept (its target replaced), a device or FIFO
  written in place; a failure leaves the old file. `review-key.json` too: it is never half
  written, so its page id never changes silently.
- Never a secret: the records are redacted as they are written; every document is redacted
  again, as data and as text, and one that still holds the key or URL credentials in any
  encoding the redactor knows is not written at all.
- The fitted scenario is validated as a scenario before it is written: `estimate`, `report`
  and `check` can read it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from estimator.errors import UserError
from estimator.outputs import write_output
from estimator.pilot.calibrate import calibration, fitted_scenario
from estimator.pilot.ledger import RECORDS, Ledger, redacted
from estimator.pilot.review import KEY, PAGE, review_files
from estimator.pricing.catalog import Catalog
from estimator.pricing.secrets import Secrets
from estimator.scenario.spec import Scenario

CALIBRATION = "calibration.json"
FITTED = "fitted-scenario.yaml"


@dataclass(frozen=True)
class Evidence:
    calibration: list[dict[str, Any]]
    fitted: dict[str, Any]
    page: Path


def rows_of(ledger: Ledger, kinds: dict[str, str]) -> tuple[list[dict[str, Any]], list[Any]]:
    """The done rows (with their strategy's kind), and every row with an answer: the done
    ones and the unsettled ones (paid for, whatever their bill said)."""
    done = [{**r, "kind": kinds.get(r["strategy"])} for r in ledger.done.values()]
    answered = done + [r for r in ledger.in_doubt.values() if isinstance(r.get("answer"), str)]
    return done, answered


def write_safe(path: Path, text: str, what: str, secrets: Secrets) -> None:
    """`text` through the one writer, redacted; refused if a secret is still in it."""
    clean = secrets.redact(text) if secrets else text
    if secrets.found_in(clean):
        raise UserError(f"{path}: not written: it would hold a secret")
    write_output(path, clean, what)


def write_evidence(
    scenario: Scenario,
    catalog: Catalog,
    ledger: Ledger,
    prompts: dict[str, tuple[str, str]],
    directory: Path,
) -> Evidence:
    """The four files from the ledger's records. `prompts`: each prompt id's title and text."""
    import yaml

    from estimator.scenario.io import validate_scenario

    secrets = ledger.secrets
    kinds = {s.name: s.kind for s in scenario.strategies}
    done, answered = rows_of(ledger, kinds)
    calib = redacted(calibration(scenario, catalog, done), secrets)
    records = str(directory / RECORDS)
    fitted = fitted_scenario(scenario, catalog, done, ledger.spent, records, len(prompts))
    fitted = redacted(fitted, secrets)
    validate_scenario(fitted, str(directory / FITTED))  # what is written can be read
    page, key = review_files(directory, answered, redacted(prompts, secrets))
    write_safe(directory / CALIBRATION, json.dumps(calib, indent=1) + "\n", "calibration", secrets)
    text = yaml.safe_dump(fitted, sort_keys=False, allow_unicode=True)
    write_safe(directory / FITTED, text, "scenario", secrets)
    write_safe(directory / KEY, key, "the review key", secrets)  # the key before its page
    write_safe(directory / PAGE, page, "the review page", secrets)
    return Evidence(calib, fitted, directory / PAGE)
