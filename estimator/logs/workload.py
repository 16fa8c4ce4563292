"""The workload observed in an activity log (replayed with no strategy), or read back from a
workload profile YAML that `replay --profile-out` wrote: what `--workload-from` feeds a
scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from estimator.errors import UserError
from estimator.logs.run import replay
from estimator.pricing.catalog import Catalog
from estimator.scenario.io import load_yaml, read_text_file

PROFILE_SUFFIXES = (".yaml", ".yml")


def workload_of(source: str | Path, catalog: Catalog) -> dict[str, Any]:
    """The scenario `workload:` fields of a log or a saved profile."""
    path = Path(source)
    if path.suffix.lower() in PROFILE_SUFFIXES:
        document, _ = load_yaml(read_text_file(path, "workload profile"), str(path))
        if not isinstance(document, dict) or not isinstance(document.get("workload"), dict):
            raise UserError(f"{path}: not a workload profile (no workload: section)")
        return dict(document["workload"])
    result = replay(path, catalog, [])
    if not result.profile:
        raise UserError(f"{path}: no valid rows to take a workload from")
    return dict(result.profile["workload"])
