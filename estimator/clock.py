""" "Now", overridable with `FUSION_COST_NOW` (ISO 8601) so tests and golden files are stable."""

from __future__ import annotations

import os
from datetime import UTC, datetime

ENV_NOW = "FUSION_COST_NOW"


def now_utc() -> datetime:
    fixed = os.environ.get(ENV_NOW)
    if fixed:
        try:
            moment = datetime.fromisoformat(fixed)
        except ValueError:
            from estimator.errors import UserError

            raise UserError(
                f"{ENV_NOW}={fixed[:40]!r} is not an ISO 8601 date-time "
                "(e.g. 2026-11-25T12:00:00+00:00); unset it to use the clock"
            ) from None
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.now(UTC)
