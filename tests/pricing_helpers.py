"""Shared helpers for the pricing-catalog tests: payload copies and cache-dir snapshots."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from tests.conftest import PAYLOAD

CHANGED_ID = "anthropic/claude-opus-5"  # prompt 0.000005 -> 0.000006 (+20 %)
REMOVED_ID = "qwen/qwen3.8-27b"
ADDED_ID = "acme/brand-new-model"


@cache
def payload_bytes() -> bytes:
    return PAYLOAD.read_bytes()


def payload() -> dict[str, Any]:
    """A fresh, mutable copy of the recorded 2026-08-19 models-API payload (549 models)."""
    return json.loads(payload_bytes())


def rows() -> list[dict[str, Any]]:
    return payload()["data"]


def row_index(document: dict[str, Any], model_id: str) -> int:
    return next(i for i, row in enumerate(document["data"]) if row["id"] == model_id)


def to_bytes(document: Any) -> bytes:
    return json.dumps(document).encode()


def write_json(path: Path, document: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(to_bytes(document))
    return path


def with_price(model_id: str, key: str, value: Any) -> dict[str, Any]:
    """The payload with one price of one model replaced (may be invalid on purpose)."""
    document = payload()
    document["data"][row_index(document, model_id)]["pricing"][key] = value
    return document


def changed_payload() -> dict[str, Any]:
    """One price changed (+20 %), one model removed, one added."""
    document = with_price(CHANGED_ID, "prompt", "0.000006")
    del document["data"][row_index(document, REMOVED_ID)]
    document["data"].append(
        {
            "id": ADDED_ID,
            "canonical_slug": ADDED_ID + "-20260820",
            "name": "Acme: Brand New",
            "context_length": 100000,
            "pricing": {"prompt": "0.000001", "completion": "0.000002"},
        }
    )
    document["total_count"] = len(document["data"])
    return document


def dir_bytes(directory: Path) -> dict[str, bytes]:
    """Every file under `directory` (relative path -> bytes), except the lock file."""
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and path.name != ".lock"
    }


def temp_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.name.endswith(".tmp"))


def per_token(per_million: str) -> Decimal:
    return Decimal(per_million) / Decimal(1_000_000)
