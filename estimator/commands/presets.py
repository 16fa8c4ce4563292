"""`fusion-cost presets`: Fusion presets and Auto Router pools, before writing a scenario."""

from __future__ import annotations

import argparse

from estimator.commands import catalog_of


def run(args: argparse.Namespace) -> int:
    from estimator.api import presets
    from estimator.commands.estimate import workload_flags
    from estimator.outputs import emit
    from estimator.renderers.registry import render

    catalog = catalog_of(args)
    found = presets(catalog, args.preset, args.pool, workload_flags(args))
    emit(render(found, args.format), args.output)
    return 0
