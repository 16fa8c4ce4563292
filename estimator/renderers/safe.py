"""Make untrusted strings (model names from the API, scenario names) safe for each medium."""

from __future__ import annotations

import re

# Escape sequences first (CSI `ESC [ ... final`, OSC `ESC ] ... BEL|ST`), so their parameters go
# too; then C0/C1 controls (newline and tab kept) and the Unicode bidi and line-separator marks
# that can make text display as something else (Trojan Source).
_CONTROL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
    r"|[\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def plain_text(value: str) -> str:
    """Strip terminal control sequences and control characters (keeps newlines)."""
    return _CONTROL.sub("", value)


def csv_cell(value: object) -> object:
    """Neutralise spreadsheet formula injection: text starting with = + - @ gets a leading '."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def markdown_cell(value: str) -> str:
    """Text for a markdown table cell: no pipes, no HTML, no control characters."""
    return (
        plain_text(value)
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\n", " ")
    )
