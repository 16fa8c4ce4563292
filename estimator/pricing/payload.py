"""The validation gate: an API payload (or catalog file) becomes models only if all of it is sound.

Nothing reaches the cache unless every row validates: prices are decimal strings or `-1`, ids
are unique, and the catalog did not shrink suspiciously. Errors name the row and the field.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from estimator.errors import UserError
from estimator.pricing.models import ModelInfo

SHRINK_LIMIT = 0.5


class PayloadError(UserError):
    """A payload or catalog file that fails the gate; the cache is left as it was."""


def parse_json(body: bytes | str, source: str) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        start = body[:60].decode("utf-8", "replace") if isinstance(body, bytes) else body[:60]
        raise PayloadError(
            f"{source}: not valid JSON ({exc}); it starts with {start.strip()!r}"
        ) from None


def rows_of(document: Any, source: str) -> list[Any]:
    """The model rows of a payload: `{"data": [...]}` (the API's and our cache's shape)."""
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise PayloadError(f"{source}: expected a JSON object with a 'data' list of models")
    return document["data"]


def _describe(error: dict[str, Any]) -> str:
    location = ".".join(str(part) for part in error["loc"] if part not in ("prices",))
    message = error["msg"].removeprefix("Value error, ")
    return f"{location}: {message}" if location else message


def validate_rows(rows: list[Any], source: str) -> list[ModelInfo]:
    """Validate every row; the first bad one stops the import with its index, id and field."""
    models: list[ModelInfo] = []
    seen: set[str] = set()
    for index, row in enumerate(rows):
        label = f"data[{index}]"
        if isinstance(row, dict) and isinstance(row.get("id"), str):
            label += f" ({row['id']})"
        try:
            model = ModelInfo.model_validate(row)
        except ValidationError as exc:
            raise PayloadError(f"{source}: {label}: {_describe(exc.errors()[0])}") from None
        if model.id in seen:
            raise PayloadError(f"{source}: {label}: duplicate model id {model.id!r}")
        seen.add(model.id)
        models.append(model)
    if not models:
        raise PayloadError(f"{source}: the payload lists no models")
    return models


def check_shrink(new_count: int, previous_count: int | None, source: str, force: bool) -> None:
    """Refuse a catalog that lost more than half its models, unless forced (`--force`)."""
    if force or not previous_count:
        return
    if new_count < previous_count * SHRINK_LIMIT:
        raise PayloadError(
            f"{source}: only {new_count} models against {previous_count} in the last good "
            "catalog (it shrank by more than half); rerun with --force if that is real"
        )
