"""Grades to counted error rates: the review page's export joined with its key gives, per
strategy, `{wrong, of}` (an answer marked wrong is wrong; acceptable and best are right), put
into the scenario as `decision.error_rate` so the decision shows `p_best` and how many more
grades would settle it.

Both files are read as every file of fusion-cost is: bounded in size (a FIFO or /dev/zero
costs nothing), strict JSON (no NaN, no key given twice), and every field checked, so a
hostile or damaged file is one line and exit 2. A strategy the pilot cannot send (no answers
to grade) keeps the error rate the scenario gives it; without one, `grade` says what to add.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from estimator.errors import UserError
from estimator.pilot.review import KEY, MAX_KEY_BYTES
from estimator.pricing.payload import loads_strict, read_text

GRADES = ("wrong", "acceptable", "best")
MAX_GRADES_BYTES = 16 * 1024 * 1024


def _json(path: Path, what: str, limit: int) -> Any:
    try:
        return loads_strict(read_text(path, what, limit), unique_keys=True)
    except ValueError as exc:
        raise UserError(f"{path}: not {what} ({exc})") from None


def _key(directory: Path) -> tuple[str, dict[str, str]]:
    """The review key's page id and answers (token -> strategy)."""
    path = directory / KEY
    if not path.exists():
        raise UserError(f"{path}: not found (run `fusion-cost pilot` first)")
    key = _json(path, "a review key", MAX_KEY_BYTES)
    pilot = key.get("pilot") if isinstance(key, dict) else None
    answers = key.get("answers") if isinstance(key, dict) else None
    if not isinstance(pilot, str) or not isinstance(answers, dict):
        raise UserError(f"{path}: not a review key (no page id or answers)")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in answers.items()):
        raise UserError(f"{path}: not a review key (an answer that is not text)")
    return pilot, answers


def counted(directory: Path, grades_file: Path) -> dict[str, dict[str, int]]:
    pilot, answers = _key(directory)
    grades = _json(grades_file, "a grades export", MAX_GRADES_BYTES)
    if not isinstance(grades, dict) or grades.get("pilot") != pilot:
        raise UserError(f"{grades_file}: these grades belong to another review page")
    marks = grades.get("grades")
    if not isinstance(marks, list):
        raise UserError(f"{grades_file}: no list of grades")
    latest: dict[str, tuple[str, str]] = {}  # token -> (strategy, grade): the last mark wins
    for n, grade in enumerate(marks, 1):
        token = grade.get("token") if isinstance(grade, dict) else None
        mark = grade.get("grade") if isinstance(grade, dict) else None
        strategy = answers.get(token) if isinstance(token, str) else None
        if not isinstance(token, str) or strategy is None or mark not in GRADES:
            shown = repr(grade)[:80]
            raise UserError(f"{grades_file}: grade {n}: unknown answer or grade {shown}")
        latest[token] = (strategy, str(mark))
    found: dict[str, dict[str, int]] = {}
    for strategy, mark in latest.values():
        row = found.setdefault(strategy, {"wrong": 0, "of": 0})
        row["of"] += 1
        row["wrong"] += mark == "wrong"
    return found


def _given_rate(decision: dict[str, Any], name: str) -> Any:
    """The error rate the scenario gives a strategy (an accuracy turned into one), or None."""
    rates = decision.get("error_rate")
    if isinstance(rates, dict) and name in rates:
        return rates[name]
    accuracy = decision.get("accuracy")
    share = accuracy.get(name) if isinstance(accuracy, dict) else None
    if isinstance(share, dict) and set(share) == {"low", "high"}:
        return {"low": 1 - share["high"], "high": 1 - share["low"]}
    if isinstance(share, int | float) and not isinstance(share, bool):
        return 1 - share
    return None


def with_rates(
    data: dict[str, Any], rates: dict[str, dict[str, int]], piloted: set[str]
) -> dict[str, Any]:
    """The scenario data with counted error rates for every piloted strategy, the scenario's
    own for the others (or an error naming what is missing: the verdict needs every
    strategy's rate or none)."""
    names = [s["name"] for s in data["strategies"]]
    decision = data.setdefault("decision", {})
    missing = [n for n in names if n in piloted and n not in rates]
    if missing:
        raise UserError(
            f"no grades for {', '.join(missing)}: grade at least one answer of every strategy"
        )
    chosen: dict[str, Any] = {}
    for name in names:
        chosen[name] = rates[name] if name in piloted else _given_rate(decision, name)
    unknown = [n for n, rate in chosen.items() if rate is None]
    if unknown:
        raise UserError(
            f"{', '.join(unknown)}: not piloted (a pilot sends single, auto and fusion "
            "strategies), so none of its answers were graded: give it an error rate in the "
            f"scenario (decision.error_rate.{unknown[0]}: a rate, {{low, high}} or "
            "{wrong, of}) and run grade again"
        )
    decision.pop("accuracy", None)
    decision["error_rate"] = chosen
    pilot = decision.get("pilot")
    if isinstance(pilot, dict):
        pilot["graded"] = sum(r["of"] for r in rates.values())
    return data
