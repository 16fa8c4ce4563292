"""One dispatcher from output format to renderer (formats named in one place)."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from estimator.documents.estimate import Estimate


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    MARKDOWN = "markdown"
    HTML = "html"


def renderer(fmt: Format) -> Callable[[Estimate], str]:
    """The renderer for `fmt`: a pure function from an Estimate to text."""
    from estimator.renderers import estimate_data, estimate_text, html

    return {
        Format.TABLE: estimate_text.render_table,
        Format.JSON: estimate_data.render_json,
        Format.CSV: estimate_data.render_csv,
        Format.MARKDOWN: estimate_data.render_markdown,
        Format.HTML: html.render_html,
    }[fmt]


def render(estimate: Estimate, fmt: str | Format = Format.TABLE) -> str:
    """Render an Estimate in one of the formats (the library entry point)."""
    return renderer(Format(fmt))(estimate)
