"""One module per command group; each handler takes parsed args, calls the library (`api`)
and prints what it returns through the output registry, returning an exit code.

May import: errors, clock, defaults, links, pricing, scenario, documents, renderers, outputs,
api.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def catalog_of(args: argparse.Namespace, near: str | None = None) -> Any:
    """The catalog a pricing command prices with: a reviewed lock's (`--lock`, beside the
    scenario file `near`, or here) unless `--no-lock`, else the cache's (pricing/lock.py)."""
    from estimator.pricing.lock import catalog_for

    where = Path(near).parent if near else None
    return catalog_for(
        args.cache_dir, getattr(args, "lock", None), where, not getattr(args, "no_lock", False)
    )
