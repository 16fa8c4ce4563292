"""The validation gate: an API payload (or catalog file) becomes models only if all of it is sound.

Nothing reaches the cache unless every row validates: prices are decimal strings or `-1`, ids
are unique, and the catalog did not shrink suspiciously. Errors name the row and the field.
"""

from __future__ import annotations

import errno
import json
import math
import os
import stat
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from estimator.errors import PricingUnavailable, UserError
from estimator.pricing.models import ModelInfo

SHRINK_LIMIT = 0.5
MAX_FILE_BYTES = 64 * 1024 * 1024  # a catalog or payload file read whole (= a refresh's cap)
MAX_JSON_DEPTH = 64  # the models API nests about 6 deep
MAX_NUMBER_DIGITS = 64  # no count, date or price we read needs more


class FileTooLarge(OSError):
    """A file over the size cap, refused before it is read (an `OSError` with a `strerror`)."""

    def __init__(self, path: Path, limit: int) -> None:
        super().__init__(errno.EFBIG, f"larger than {limit // (1024 * 1024)} MiB", str(path))


def read_limited(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The whole file, refused (`FileTooLarge`) when it is over `limit` bytes.

    A regular file is refused by its size before anything is read; anything else (a FIFO,
    `/dev/zero`) is read up to `limit + 1` bytes, never without end.
    """
    with path.open("rb") as handle:
        info = os.fstat(handle.fileno())
        if stat.S_ISREG(info.st_mode) and info.st_size > limit:
            raise FileTooLarge(path, limit)
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(path, limit)
    return data


def read_text(path: Path, what: str, limit: int, too_large: str = "") -> str:
    """A UTF-8 file of at most `limit` bytes (read in at most `limit` + 1, whatever it is:
    /dev/zero never ends), with one-line errors naming the file (and the line of bad bytes).
    `too_large`: what to suggest when it is over the limit."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise UserError(f"{path}: cannot read {what} ({exc.strerror or exc})") from None
    if len(raw) > limit:
        raise UserError(f"{path}: {what} larger than {limit:,} bytes{too_large}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise UserError(f"{path}:{line}: not UTF-8 text (byte {exc.start})") from None


class JsonLimitError(ValueError):
    """JSON that parses but that no file we read can honestly hold."""


def _constant(name: str) -> Any:
    raise JsonLimitError(f"{name} is not a number")


def _integer(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_NUMBER_DIGITS:
        raise JsonLimitError(f"a number with {digits} digits")
    return int(text)


def _real(text: str) -> float:
    value = float(text)
    if len(text) > 4 * MAX_NUMBER_DIGITS or not math.isfinite(value):
        shown = text if len(text) <= 24 else text[:24] + "..."
        raise JsonLimitError(f"the number {shown} is out of range")
    return value


def _check_depth(document: Any) -> None:
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise JsonLimitError(f"nested more than {MAX_JSON_DEPTH} levels deep")
        children = value.values() if isinstance(value, dict) else value
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            shown = key if len(key) <= 40 else key[:40] + "..."
            raise JsonLimitError(f"the key {shown!r} is given twice in one object")
        found[key] = value
    return found


def loads_strict(body: bytes | str, unique_keys: bool = False) -> Any:
    """`json.loads` that refuses NaN and Infinity, numbers too long or out of float range and
    nesting deeper than `MAX_JSON_DEPTH` (and, with `unique_keys`, a key given twice in one
    object, which plain JSON silently takes the last of): all of these raise `ValueError`,
    never a `RecursionError` or a later crash."""
    hook = _unique if unique_keys else None
    try:
        document = json.loads(
            body,
            parse_constant=_constant,
            parse_int=_integer,
            parse_float=_real,
            object_pairs_hook=hook,
        )
    except RecursionError:
        raise JsonLimitError(f"nested more than {MAX_JSON_DEPTH} levels deep") from None
    if isinstance(document, dict | list):
        _check_depth(document)
    return document


class PayloadError(UserError):
    """A payload or catalog file that fails the gate; the cache is left as it was."""


class CatalogRefused(PayloadError, PricingUnavailable):
    """A stored catalog that cannot be vouched for (no valid hash, an old format, a date in the
    future): pricing is unavailable until it is rebuilt (exit 3). Still a `PayloadError`."""

    exit_code = 3


def parse_json(body: bytes | str, source: str) -> Any:
    try:
        return loads_strict(body)
    except JsonLimitError as exc:
        raise PayloadError(f"{source}: unusable JSON ({exc})") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        start = body[:60].decode("utf-8", "replace") if isinstance(body, bytes) else body[:60]
        raise PayloadError(
            f"{source}: not valid JSON ({exc}); it starts with {start.strip()!r}"
        ) from None


def rows_of(document: Any, source: str) -> list[Any]:
    """The model rows of a payload: `{"data": [...]}` (the API's and our cache's shape)."""
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise PayloadError(f"{source}: expected a JSON object with a 'data' list of models")
    rows: list[Any] = document["data"]
    return rows


def _describe(error: ErrorDetails) -> str:
    location = ".".join(str(part) for part in error["loc"] if part not in ("prices",))
    message = error["msg"].removeprefix("Value error, ")
    return f"{location}: {message}" if location else message


def first_error(exc: ValueError) -> str:
    """One line for a validation error: the first problem, where it is."""
    if isinstance(exc, ValidationError):
        return _describe(exc.errors()[0])
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


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
