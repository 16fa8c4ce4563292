"""The errors a user can cause or meet, each carrying the exit code the CLI reports.

The CLI prints `str(error)` on one line and exits with `exit_code`; no traceback.
"""

from __future__ import annotations


class FusionCostError(Exception):
    """Base of every error the CLI turns into a one-line message."""

    exit_code = 2


class UserError(FusionCostError):
    """Bad input or usage: a file, flag, model name or value the user can fix (exit 2)."""

    exit_code = 2


class PricingUnavailable(FusionCostError):
    """No catalog could be fetched or loaded (exit 3)."""

    exit_code = 3


class DynamicPriceError(UserError):
    """A `-1` (dynamic) price was asked for a number; routers are priced through strategies."""

    def __init__(self, message: str, strategy: str | None = None) -> None:
        super().__init__(message)
        self.strategy = strategy


class UnknownModelError(UserError):
    """A model id that is not in the catalog; the message carries close matches."""

    def __init__(self, name: str, suggestions: list[str]) -> None:
        hint = f" (did you mean: {', '.join(suggestions)}?)" if suggestions else ""
        super().__init__(f"unknown model {name!r}{hint}")
        self.name = name
        self.suggestions = suggestions
