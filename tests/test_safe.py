"""Untrusted text made safe per medium: terminal, CSV, markdown."""

from __future__ import annotations

import pytest

from estimator.renderers.safe import csv_cell, markdown_cell, plain_text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\x1b[31mRED\x1b[0m", "aRED"),  # CSI colour: the whole sequence goes, not just ESC
        ("b\x1b]0;title\x07c", "bc"),  # OSC window title
        ("x\x1b]8;;http://e\x1b\\link", "xlink"),  # OSC 8 hyperlink ended by ST
        ("\u202eevil\u202c", "evil"),  # bidi override (Trojan Source)
        ("a\u2066b\u2069", "ab"),
        ("keep\nlines\tand tabs", "keep\nlines\tand tabs"),
        ("nul\x00bell\x07del\x7fc1\x9b", "nulbelldelc1"),
    ],
)
def test_plain_text(raw: str, shown: str) -> None:
    assert plain_text(raw) == shown


def test_csv_and_markdown_cells() -> None:
    assert csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_cell("plain") == "plain" and csv_cell(5) == 5
    assert markdown_cell("a|b<c>\nd") == "a\\|b&lt;c&gt; d"
