"""`fusion-cost init [FILE]`: write an annotated scenario to edit (never over a file)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from estimator.errors import UserError


def run(args: argparse.Namespace) -> int:
    from estimator.links import SCENARIO_DOCS
    from estimator.outputs import write_output
    from estimator.scenario.io import template_path

    text = template_path().read_text(encoding="utf-8")
    if args.file in (None, "-"):
        sys.stdout.write(text)
        return 0
    target = Path(args.file)
    if target.exists() and not args.force:
        raise UserError(f"{target}: already exists; pass --force to overwrite it")
    write_output(target, text, "scenario")
    print(
        f"wrote {target}: edit it, then run `fusion-cost estimate {target}` "
        f"(every field: {SCENARIO_DOCS})"
    )
    return 0
