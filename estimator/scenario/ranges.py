"""Input ranges: a number the user is unsure of may be written `{low, high}` anywhere in a
scenario (volume, token means, tool steps, invocation rate...). The scenario validates at the
range's midpoint; the range itself is kept so the estimate can say how far the monthly figure
moves across it (costing/ranges.py). Error rates take their own forms (a rate, a range or
counted `{wrong, of}`: workload/rates.py), so `decision.error_rate` and `decision.accuracy` are
left to them.

Why a midpoint and uniform ranges: `{low, high}` is what people can say when they are unsure
("100k to 300k requests"); asking for a distribution would invent precision nobody has.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

RANGE_KEYS = frozenset({"low", "high"})
# paths whose {low, high} mean something else (error rates read them themselves)
_OWN_FORMS = (("decision", "error_rate"), ("decision", "accuracy"))

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class InputRange:
    """One uncertain input: where it is in the scenario, its ends, and the midpoint used."""

    path: Path
    low: float
    high: float
    point: float
    label: str  # what a reader calls it: "volume", "fusion-quality: tool_steps"


def is_range(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == RANGE_KEYS


def dotted(path: Path) -> str:
    """`strategies[3].fusion.tool_steps`: a path as the scenario file reads."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _label(data: dict[str, Any], path: Path) -> str:
    if path == ("workload", "requests_per_month"):
        return "volume"
    if path[:1] == ("workload",) and path[-1] == "mean":
        return f"{path[1]} (mean)".replace("_", " ")
    if path[:1] == ("strategies",) and len(path) > 2 and isinstance(path[1], int):
        strategies = data.get("strategies") or []
        name = strategies[path[1]].get("name") if len(strategies) > path[1] else None
        return f"{name or dotted(path[:2])}: {dotted(path[3:]) or dotted(path[2:])}"
    return dotted(path)


def _number(value: Any, where: str, end: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{where}: a range's {end} must be a finite number, not {value!r}")
    return float(value)


def _midpoint(low: Any, high: Any) -> int | float:
    middle = (float(low) + float(high)) / 2
    if isinstance(low, int) and isinstance(high, int):
        return round(middle)  # whole-number fields (token counts) stay whole
    return middle


def extract_ranges(data: dict[str, Any]) -> tuple[dict[str, Any], list[InputRange]]:
    """The scenario data with every `{low, high}` replaced by its midpoint, and the ranges."""
    found: list[InputRange] = []

    def walk(node: Any, path: Path) -> Any:
        if path in _OWN_FORMS:
            return node
        if is_range(node):
            where = dotted(path)
            low, high = (_number(node[end], where, end) for end in ("low", "high"))
            if low > high:
                raise ValueError(f"{where}: a range needs low <= high (got {low:g} > {high:g})")
            point = _midpoint(node["low"], node["high"])
            found.append(InputRange(path, low, high, float(point), _label(data, path)))
            return point
        if isinstance(node, dict):
            return {key: walk(value, (*path, key)) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(value, (*path, i)) for i, value in enumerate(node)]
        return node

    points = walk(data, ())
    return points, found


def with_value(data: dict[str, Any], found: InputRange, value: float) -> dict[str, Any]:
    """The scenario data with one ranged input set to `value` (the rest at their points). A
    token mean scales its distribution's p95 with it, so the shape holds across the range."""
    changed = copy.deepcopy(data)
    parent: Any = changed
    for part in found.path[:-1]:
        parent = parent[part]
    last = found.path[-1]
    whole = isinstance(parent[last], int) and not isinstance(parent[last], bool)
    parent[last] = round(value) if whole else value
    if last == "mean" and isinstance(parent, dict) and parent.get("p95") and found.point:
        parent["p95"] = max(round(parent["p95"] * value / found.point), round(value) + 1)
    return changed


def check_ends(
    points: dict[str, Any], found: list[InputRange], validate: Callable[[Any], Any]
) -> None:
    """Each range's ends must be valid where its midpoint is: `validate` (the scenario's own
    validation) runs on the data with one range at its low end, then at its high end. An end
    that fails is an error at the range's own field (`{low: -5, high: 5}` volumes are refused
    here, not when the band across the range is computed)."""
    for each in found:
        for end, value in (("low", each.low), ("high", each.high)):
            try:
                validate(with_value(points, each, value))
            except ValidationError as exc:
                errors: list[Any] = [
                    {
                        "type": PydanticCustomError(
                            "range_end",
                            "the range's {end} end {value}: {message}",
                            {"end": end, "value": f"{value:g}", "message": e["msg"]},
                        ),
                        "loc": e["loc"],
                        "input": e["input"],
                    }
                    for e in exc.errors()
                ]
                raise ValidationError.from_exception_data(exc.title, errors) from None
