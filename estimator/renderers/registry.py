"""Every output format of every result document, registered once.

The CLI takes its `--format` choices (and their help) from here, the library's `render()`
dispatches here, and a renderer is a function of one document returning text or bytes (a
binary format needs no new signature). Renderers are named as `module:function` and imported
only when used, so reading this table stays as cheap as `--help` must be.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Format:
    name: str
    renderer: str  # "module:function", imported on first use
    help: str


@dataclass(frozen=True)
class DocumentFormats:
    document: str  # what the command produces: estimate, check, replay, prices, prices-diff
    model: str  # the document's class name (`render()` finds the formats by it)
    formats: tuple[Format, ...]  # the first is the default
    prepare: str | None = None  # "module:function" applied before any format (wording)

    def names(self) -> list[str]:
        return [f.name for f in self.formats]

    def format(self, name: str) -> Format:
        for candidate in self.formats:
            if candidate.name == name:
                return candidate
        raise ValueError(
            f"{self.document} has no format {name!r} (choose from {', '.join(self.names())})"
        )


_R = "estimator.renderers"
JSON_HELP = "the whole document as JSON (schema in estimator/schemas/)"
DOCUMENTS: dict[str, DocumentFormats] = {
    d.document: d
    for d in (
        DocumentFormats(
            "estimate",
            "Estimate",
            (
                Format("table", f"{_R}.estimate_text:render_table", "a terminal report"),
                Format("json", f"{_R}.output:render_json", JSON_HELP),
                Format("csv", f"{_R}.estimate_data:render_csv", "one row per strategy"),
                Format("markdown", f"{_R}.estimate_data:render_markdown", "for a pull request"),
                Format("html", f"{_R}.html:render_html", "the self-contained report page"),
            ),
            prepare=f"{_R}.reasons:worded",
        ),
        DocumentFormats(
            "check",
            "CheckResult",
            (
                Format("text", f"{_R}.check_output:render_text", "a terminal report"),
                Format("json", f"{_R}.output:render_json", JSON_HELP),
                Format("markdown", f"{_R}.check_output:render_markdown", "a PR comment body"),
                Format(
                    "github",
                    f"{_R}.check_output:render_markdown",
                    "the PR comment, plus ::error annotations on stderr",
                ),
            ),
            prepare=f"{_R}.check_output:worded",
        ),
        DocumentFormats(
            "replay",
            "ReplayResult",
            (
                Format("table", f"{_R}.replay_output:render_table", "a terminal report"),
                Format("json", f"{_R}.output:render_json", JSON_HELP),
                Format("csv", f"{_R}.replay_output:render_csv", "one row per strategy"),
                Format("markdown", f"{_R}.replay_output:render_markdown", "for a pull request"),
            ),
        ),
        DocumentFormats(
            "prices",
            "PriceList",
            (
                Format("table", f"{_R}.prices_output:render_table", "a terminal table"),
                Format("json", f"{_R}.output:render_json", "the catalog and its models as JSON"),
                Format("csv", f"{_R}.prices_output:render_csv", "one row per model"),
            ),
        ),
        DocumentFormats(
            "presets",
            "PresetList",
            (
                Format("table", f"{_R}.presets_output:render_table", "a terminal table"),
                Format("json", f"{_R}.output:render_json", "presets, members, costs and pools"),
            ),
        ),
        DocumentFormats(
            "proposal",
            "Proposal",
            (
                Format("markdown", f"{_R}.proposal_output:render_markdown", "a pull request body"),
                Format("json", f"{_R}.output:render_json", "the refresh's impact as JSON"),
            ),
        ),
        DocumentFormats(
            "prices-diff",
            "CatalogDiff",
            (
                Format("table", f"{_R}.prices_output:render_diff_table", "a terminal table"),
                Format("json", f"{_R}.output:render_json", "added, removed and changed prices"),
            ),
        ),
    )
}
BY_MODEL = {d.model: d for d in DOCUMENTS.values()}


def _load(target: str) -> Callable[[Any], Any]:
    module, _, function = target.partition(":")
    found: Callable[[Any], Any] = getattr(importlib.import_module(module), function)
    return found


def choices(document: str) -> list[str]:
    """The `--format` choices of a command's document, the default first."""
    return DOCUMENTS[document].names()


def help_text(document: str) -> str:
    formats = DOCUMENTS[document].formats
    return "; ".join(f"{f.name}: {f.help}" for f in formats) + f" (default {formats[0].name})"


def render(document: Any, fmt: str | None = None) -> str | bytes:
    """`document` (an Estimate, CheckResult, ReplayResult, ...) in format `fmt` (default: the
    document's first format)."""
    try:
        registered = BY_MODEL[type(document).__name__]
    except KeyError:
        raise TypeError(f"no output formats for a {type(document).__name__}") from None
    chosen = registered.format(fmt) if fmt else registered.formats[0]
    if registered.prepare is not None:
        document = _load(registered.prepare)(document)
    result: str | bytes = _load(chosen.renderer)(document)
    return result
