"""`fusion-cost sql`: the price-band table and the statistics query for your warehouse, or
(--verify) the same SQL run here on a log against the Decimal path."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from estimator.commands.replay import _date, _names, _strategies
from estimator.errors import UserError

ALL_ROWS = 0  # --sample 0: verify every row


def run(args: argparse.Namespace) -> int:
    from estimator.api import load_catalog, sql_for, verify_sql
    from estimator.outputs import emit

    if args.verify and args.out:
        raise UserError("--verify runs the SQL here, --out writes it for a warehouse: not both")
    catalog = load_catalog(args.cache_dir)
    strategies = _strategies(args)
    if args.verify:
        limit = None if args.sample == ALL_ROWS else args.sample
        verification = verify_sql(args.verify, catalog, strategies, args.columns, limit)
        emit("\n".join(verification.lines()) + "\n", args.output)
        return 0 if verification.ok else 1
    emitted = sql_for(
        catalog,
        strategies,
        dialect=args.dialect,
        table=args.table,
        columns=args.columns,
        without=_names("--without", args.without),
        text=args.text,
        group_by=_names("--group-by", args.group_by),
        since=_date("--since", args.since),
        until=_date("--until", args.until),
    )
    if args.out:
        from estimator.outputs import write_output

        directory = Path(args.out)
        directory.mkdir(parents=True, exist_ok=True)
        for name, body in emitted.files().items():
            write_output(directory / name, body, name)
            print(f"wrote {directory / name}", file=sys.stderr)
        return 0
    emit(f"{emitted.header}\n{emitted.aggregate};\n", args.output)
    return 0
