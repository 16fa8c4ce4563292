"""Grades to counted error rates: the review page's export joined with its key gives, per
strategy, `{wrong, of}` (an answer marked wrong is wrong; acceptable and best are right), put
into the scenario as `decision.error_rate` so the decision shows `p_best` and how many more
grades would settle it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from estimator.errors import UserError
from estimator.pilot.review import KEY

GRADES = ("wrong", "acceptable", "best")


def counted(directory: Path, grades_file: Path) -> dict[str, dict[str, int]]:
    try:
        key = json.loads((directory / KEY).read_text(encoding="utf-8"))
        grades = json.loads(grades_file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UserError(f"{exc.filename}: not found (run `fusion-cost pilot` first)") from None
    except (OSError, ValueError) as exc:
        raise UserError(f"{grades_file}: not a grades export ({exc})") from None
    if not isinstance(grades, dict) or grades.get("pilot") != key.get("pilot"):
        raise UserError(f"{grades_file}: these grades belong to another review page")
    latest: dict[str, tuple[str, str]] = {}  # token -> (strategy, grade): the last mark wins
    for n, grade in enumerate(grades.get("grades") or [], 1):
        strategy = key["answers"].get(grade.get("token")) if isinstance(grade, dict) else None
        if strategy is None or grade.get("grade") not in GRADES:
            raise UserError(f"{grades_file}: grade {n}: unknown answer or grade {grade!r}")
        latest[grade["token"]] = (strategy, grade["grade"])
    found: dict[str, dict[str, int]] = {}
    for strategy, mark in latest.values():
        row = found.setdefault(strategy, {"wrong": 0, "of": 0})
        row["of"] += 1
        row["wrong"] += mark == "wrong"
    return found


def with_rates(data: dict[str, Any], rates: dict[str, dict[str, int]]) -> dict[str, Any]:
    """The scenario data with counted error rates for every strategy (or an error naming the
    strategies nobody graded: the verdict needs every one or none)."""
    names = [s["name"] for s in data["strategies"]]
    missing = [n for n in names if n not in rates]
    if missing:
        raise UserError(
            f"no grades for {', '.join(missing)}: grade at least one answer of every strategy"
        )
    decision = data.setdefault("decision", {})
    decision.pop("accuracy", None)
    decision["error_rate"] = {n: rates[n] for n in names}
    pilot = decision.get("pilot")
    if isinstance(pilot, dict):
        pilot["graded"] = sum(r["of"] for r in rates.values())
    return data
