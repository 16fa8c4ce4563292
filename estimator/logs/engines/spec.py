"""What a statistics query encodes, written into its result (the `spec` column), so that a
statistics file made elsewhere (`fusion-cost sql` in a warehouse) is replayed only with the
catalog, strategies and options it was made for.

The text is compact JSON: the catalog's sha256 and the price bands' own hash, the strategy
cells' fingerprint, whether the log has costs and cache writes, the date filter and the
attribution columns.
"""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

from estimator.errors import UserError
from estimator.logs.engines.bands import BandTable
from estimator.logs.engines.query import QuerySpec

VERSION = 1


def bands_hash(bands: BandTable) -> str:
    text = io.StringIO()
    bands.write_csv(text)
    return hashlib.sha256(text.getvalue().encode()).hexdigest()[:16]


def spec_text(spec: QuerySpec, bands: BandTable, catalog_sha: str) -> str:
    return json.dumps(
        {
            "v": VERSION,
            "catalog": catalog_sha[:16],
            "bands": bands_hash(bands),
            "cells": spec.cells.fingerprint(),
            "share": str(spec.share),
            "cost": spec.has_cost,
            "writes": spec.has_writes,
            "since": spec.since,
            "until": spec.until,
            "groups": list(spec.source.groups),
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def read_spec(text: str, where: str) -> dict[str, Any]:
    try:
        found = json.loads(text)
    except (TypeError, ValueError):
        found = None
    if not isinstance(found, dict) or found.get("v") != VERSION:
        raise UserError(f"{where}: not statistics of `fusion-cost sql` (no spec it can read)")
    return found


def check_spec(found: dict[str, Any], expected: dict[str, Any], where: str) -> None:
    """The file's spec against this run's: what differs, and what makes them agree."""
    names = {
        "catalog": "the catalog",
        "bands": "the price bands",
        "cells": "the strategies",
        "share": "workload.auto_cache_write_share",
        "since": "--since",
        "until": "--until",
        "groups": "--group-by",
    }
    differ = [label for key, label in names.items() if found.get(key) != expected.get(key)]
    if differ:
        raise UserError(
            f"{where}: these statistics were made for other {', '.join(differ)}; run "
            "`fusion-cost sql` again with this run's options and catalog, and rerun the query"
        )
