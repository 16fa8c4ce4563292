"""One dispatcher from output format to renderer (formats named in one place)."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from estimator.results import Estimate


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    MARKDOWN = "markdown"


ESTIMATE_FORMATS = [f.value for f in Format]


def renderer(fmt: Format) -> Callable[[Estimate], str]:
    """The renderer for `fmt`: a pure function from an Estimate to text."""
    from estimator.render import estimate_data, estimate_text

    return {
        Format.TABLE: estimate_text.render_table,
        Format.JSON: estimate_data.render_json,
        Format.CSV: estimate_data.render_csv,
        Format.MARKDOWN: estimate_data.render_markdown,
    }[fmt]
