"""Terminal output: rich tables as text, notes and warnings on stderr."""

from __future__ import annotations

import io
import shutil
import sys
from collections.abc import Sequence
from typing import Any

from estimator.renderers.safe import plain_text

WIDE = 200  # when piped, don't squeeze tables into 80 columns


def note(message: str) -> None:
    """A line for the human (stderr), so stdout stays clean for pipes and JSON."""
    print(plain_text(message), file=sys.stderr)


def table_text(
    title: str | None,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    left: Sequence[str] = (),
    caption: str | None = None,
) -> str:
    """A rich table rendered to plain text (cells stripped of control sequences).

    Columns named in `left` are text; every other column holds numbers and is right-aligned.
    """
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, caption=caption, show_lines=False, header_style="bold")
    for column in columns:
        table.add_column(column, justify="left" if column in left else "right", overflow="fold")
    for row in rows:
        table.add_row(*(plain_text("" if cell is None else str(cell)) for cell in row))
    width = shutil.get_terminal_size((WIDE, 24)).columns if sys.stdout.isatty() else WIDE
    buffer = io.StringIO()
    Console(  # names are text: no markup, no :emoji: codes, no highlighting
        file=buffer,
        soft_wrap=False,
        markup=False,
        emoji=False,
        highlight=False,
        width=width,
        color_system=None,
    ).print(table)
    return buffer.getvalue()
