""" "Now", overridable with `FUSION_COST_NOW` (ISO 8601) so tests and golden files are stable."""

from __future__ import annotations

import os
from datetime import UTC, datetime

ENV_NOW = "FUSION_COST_NOW"


def now_utc() -> datetime:
    fixed = os.environ.get(ENV_NOW)
    if fixed:
        moment = datetime.fromisoformat(fixed)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.now(UTC)
