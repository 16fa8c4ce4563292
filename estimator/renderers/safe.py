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


def one_line(value: str) -> str:
    """Text that cannot start a new line: control sequences stripped, every line break and
    run of white space one space (a newline in a name must not start a `::error` line)."""
    return " ".join(plain_text(value).split())


def csv_cell(value: object) -> object:
    """Neutralise spreadsheet formula injection: text starting with = + - @ gets a leading '."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


_MARKDOWN_SYNTAX = re.compile(r"([\\`*_\[\]()#!|~])")
_MENTION = re.compile(r"@(?=\w)")
_EMOJI = re.compile(r":(?=[\w+-]+:)")
_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?:/[A-Za-z0-9/._~%=&?#+-]*)?")
# where the links fusion-cost itself prints (docs, citations) point: these stay links
TRUSTED_LINKS = (
    "https://openrouter.ai/",
    "https://github.com/fusion-cost/fusion-cost/",
    "https://arxiv.org/abs/",
)


def markdown_cell(value: str) -> str:
    """Untrusted text (names, model ids) for markdown, e.g. a pull-request comment: one line;
    markdown syntax escaped (no links, images, code, emphasis, table pipes); no HTML; and a
    zero-width space breaks what GitHub would still act on: @mentions, bare URLs, :emoji:.
    A link to a page fusion-cost cites itself (TRUSTED_LINKS) is kept whole, so a link copied
    from a pull-request comment still opens."""
    text = one_line(value)
    out, last = [], 0
    for match in _URL.finditer(text):
        if match.group(0).startswith(TRUSTED_LINKS):
            out += [_neutral(text[last : match.start()]), match.group(0)]
            last = match.end()
    out.append(_neutral(text[last:]))
    return "".join(out)


def _neutral(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MARKDOWN_SYNTAX.sub(r"\\\1", text)
    text = _MENTION.sub("@\u200b", text)
    text = _EMOJI.sub(":\u200b", text)
    return text.replace("://", ":\u200b//").replace("www.", "www\u200b.")
