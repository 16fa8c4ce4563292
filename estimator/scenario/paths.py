"""Where in a scenario a field is, as users read it: `strategies[2].fusion.max_tool_calls`
(the scenario model names its own errors with it; io adds the file and line)."""

from __future__ import annotations

from typing import Any


def field_path(data: Any, loc: list[Any], kind: str = "") -> str:
    """`strategies[2].fusion.max_tool_calls`, skipping pydantic's union-branch labels.

    A location part that is not a key of the data is a branch label (`constrained-int`,
    `TokenSpec`), except the last part of a `missing` error: that is the missing field.
    """
    parts: list[str] = []
    current = data
    for index, part in enumerate(loc):
        if isinstance(part, int) and isinstance(current, list) and part < len(current):
            parts.append(f"[{part}]")
            current = current[part]
        elif isinstance(current, dict) and part in current:
            parts.append(f".{part}" if parts else str(part))
            current = current[part]
        elif kind == "missing" and index == len(loc) - 1:
            parts.append(f".{part}" if parts else str(part))
    return "".join(parts)
