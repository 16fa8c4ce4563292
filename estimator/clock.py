""" "Now", overridable with `FUSION_COST_NOW` (ISO 8601) so tests and golden files are stable.

A fixed "now" must leave room for the dates computed from it (projections months ahead, a
catalog's age, a baseline's date): years `MIN_YEAR` to `MAX_YEAR` only, so a far date is one
line and exit 2 rather than an overflow deep in a command.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

ENV_NOW = "FUSION_COST_NOW"
MIN_YEAR = 1970
MAX_YEAR = 9000  # projections add years; datetime ends at 9999


def now_utc() -> datetime:
    fixed = os.environ.get(ENV_NOW)
    if fixed:
        from estimator.errors import UserError

        try:
            moment = datetime.fromisoformat(fixed)
        except ValueError:
            raise UserError(
                f"{ENV_NOW}={fixed[:40]!r} is not an ISO 8601 date-time "
                "(e.g. 2026-11-25T12:00:00+00:00); unset it to use the clock"
            ) from None
        if not MIN_YEAR <= moment.year <= MAX_YEAR:
            raise UserError(
                f"{ENV_NOW}={fixed[:40]!r} is out of range: give a date in the years "
                f"{MIN_YEAR} to {MAX_YEAR}; unset it to use the clock"
            )
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.now(UTC)
