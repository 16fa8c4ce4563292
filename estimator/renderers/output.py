"""Machine-readable output: the one JSON encoder (exact decimals as numbers, documents as their
JSON form) and CSV safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import dataclasses
import json
import sys
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from estimator.renderers.safe import csv_cell, plain_text


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def to_json(document: Any) -> str:
    """JSON text; Decimals become JSON numbers (money values are numbers in USD) and a result
    document its JSON form (what its generated schema describes)."""
    if hasattr(document, "model_dump"):
        document = document.model_dump(mode="json")
    elif dataclasses.is_dataclass(document) and not isinstance(document, type):
        document = dataclasses.asdict(document)
    return json.dumps(document, default=_default, indent=2, ensure_ascii=False)


def render_json(document: Any) -> str:
    """`--format json` of every document."""
    return to_json(document) + "\n"


def emit_csv(rows: list[dict[str, Any]], stream: IO[str] | None = None) -> None:
    """CSV with a header row; cells that a spreadsheet would run as formulas are neutralised.

    Control characters go first: the writer leaves a CR inside a cell unquoted, and a
    spreadsheet starts a new row there, whose first cell would escape the formula check.
    """
    out = stream or sys.stdout
    if not rows:
        return
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _cell(value) for key, value in row.items()})


def _cell(value: Any) -> Any:
    """Text neutralised; money (Decimal) as its exact decimal digits, never a float's
    0.009328612499999998 and never an exponent (a number, so a leading minus stays)."""
    if isinstance(value, Decimal):
        return exact(value)
    return csv_cell(plain_text(value)) if isinstance(value, str) else value


def exact(value: Decimal) -> str:
    """`Decimal('0.0093286125')` -> `0.0093286125`; `Decimal('4.5E+3')` -> `4500`."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text
