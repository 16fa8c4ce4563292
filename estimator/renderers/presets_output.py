"""`fusion-cost presets` in a terminal: each preset's members and cost, each pool's models."""

from __future__ import annotations

from estimator.documents.presets import PresetList
from estimator.renderers.console import table_text
from estimator.renderers.fmt import usd
from estimator.renderers.safe import plain_text


def render_table(found: PresetList) -> str:
    parts = [f"costs for {found.workload}; catalog {found.catalog}"]
    for p in found.presets:
        status = "documented" if p.documented else "unverified"
        rows = [[m.role, m.requested, m.id, m.via] for m in p.members]
        parts.append(
            table_text(
                f"{p.name}: {usd(p.per_request_usd)} per request, {usd(p.monthly_usd)} a month",
                ["role", "requested", "resolves to", "via"],
                rows,
                left=["role", "requested", "resolves to", "via"],
            ).rstrip("\n")
        )
        why = p.source.removeprefix(f"{status}: ")  # the source may say "unverified" itself
        parts.append(f"  {float(p.calls_per_request):g} calls a request; members {status}: {why}")
    for pool in found.pools:
        low, high = pool.percentiles
        rows = [[m.id, f"{m.share:.0%}", usd(m.per_request_usd)] for m in pool.models]
        parts.append(
            table_text(
                f"Auto Router {pool.tier}: {usd(pool.per_request_usd)} per request",
                ["model", "share", "per request"],
                rows,
                left=["model"],
            ).rstrip("\n")
        )
        parts.append(f"  cost percentiles {low}-{high} of {pool.candidates} candidates")
        parts += [f"  note: {n}" for n in pool.notes]
    return plain_text("\n".join(parts)) + "\n"
