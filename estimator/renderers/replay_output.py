"""`replay` output: totals per strategy, the calibration line, bad rows and unknown models."""

from __future__ import annotations

import io

from estimator.documents.replay import ReplayResult
from estimator.renderers.console import table_text
from estimator.renderers.fmt import usd
from estimator.renderers.output import emit_csv
from estimator.renderers.safe import markdown_cell, plain_text

STALE = (
    "warning: the catalog is older than {days:g} days; prices may have changed "
    "(run `fusion-cost prices refresh`)"
)


def calibration_line(result: ReplayResult) -> str:
    cal = result.calibration
    if cal is None:
        return "calibration: the log names no models, so rows cannot be repriced as logged"
    if cal.agreement is None:
        return f"calibration: {cal.rows_compared:,} rows repriced; the log has no cost_total"
    reasons = ", ".join(f"{k} {v:,}" for k, v in cal.flagged_by_reason.items()) or "none"
    return (
        f"calibration: token cost repriced {usd(cal.repriced_usd)} vs logged "
        f"{usd(cal.logged_usd)} (agreement {cal.agreement:.6f}); {cal.flagged_rows:,} of "
        f"{cal.rows_compared:,} rows differ by more than {cal.tolerance} ({reasons})"
    )


def calibration_details(result: ReplayResult) -> list[str]:
    """Per model, what was separated, the causes found, and which catalogs priced the rows."""
    cal = result.calibration
    if cal is None or cal.agreement is None:
        return []
    lines = [
        f"  {m.model}: {m.rows:,} rows, agreement "
        + ("-" if m.agreement is None else f"{m.agreement:.6f}")
        + f", {m.flagged:,} differ (largest difference {usd(m.max_difference_usd)})"
        for m in cal.by_model
    ]
    for part in cal.separated:
        lines.append(
            f"  separated from token cost: {part.kind} {usd(part.usd)} on {part.rows:,} rows"
        )
    if cal.inferred_writes_rows:
        lines.append(
            f"  cache writes inferred from the cost on {cal.inferred_writes_rows:,} rows (the "
            "log does not count them; each row says so in --rows-out)"
        )
    if cal.web_fees is not None:
        fees = cal.web_fees
        lines.append(
            f"  web search fees: {fees.matching_dated_exa_fee:,} of {fees.rows:,} are whole "
            "multiples of Exa's fee on their date ($0.005 until 2026-08-07 23:56 UTC, $0.007 after)"
        )
    for d in cal.flag_details:
        billed = ""
        if d.billed_vs_list_min is not None and d.billed_vs_list_max is not None:
            low, high = d.billed_vs_list_min, d.billed_vs_list_max
            billed = f", billed {low:.2%}" + (f"-{high:.2%}" if high - low > 1e-4 else "")
            billed += " of the repriced cost"
        lines.append(f"  {d.reason}: {d.model} via {d.provider}, {d.rows:,} rows{billed}")
    for c in cal.catalogs:
        state = (
            "in force at all of their dates"
            if c.covered_rows == c.rows
            else f"{c.rows - c.covered_rows:,} rows are older than every catalog"
        )
        changed = (
            f"; prices changed since for {', '.join(c.models_changed_since)}"
            if c.models_changed_since
            else ""
        )
        lines.append(
            f"  priced {c.rows:,} rows with the catalog of {c.fetched_at[:16]} ({state}){changed}"
        )
    return lines


def fusion_line(result: ReplayResult) -> str | None:
    f = result.fusion
    if f is None:
        return None
    parts = (
        f"; outer model {usd(f.outer_usd)}, inner calls and tools {usd(f.inner_usd)}"
        if (f.outer_usd is not None)
        else ""
    )
    return (
        f"Fusion traffic (observed, not repriced): {f.requests:,} requests in {f.rows:,} rows, "
        f"{usd(f.logged_usd)} = {usd(f.per_request_usd)} per request{parts}"
    )


def bad_rows_line(result: ReplayResult) -> str:
    bad = result.bad_rows
    if not bad.count:
        return "bad rows: 0"
    reasons = ", ".join(f"{k} {v:,}" for k, v in bad.by_reason.items())
    lines = ", ".join(str(n) for n in bad.first_lines)
    return f"bad rows: {bad.count:,} skipped ({reasons}; first at lines {lines})"


ENGINE_WORDS = {
    "duckdb": "DuckDB",
    "python": "the python reader (aggregated by DuckDB)",
    "spark": "Spark",
    "stats": "a warehouse (statistics file)",
}
MAX_GROUPS = 20  # groups shown in the table (the JSON has them all)


def groups_table(result: ReplayResult) -> str:
    """--group-by: each group's bill and what each strategy would have cost it."""
    names = [s.name for s in result.strategies]
    rows = [
        [
            ", ".join(f"{k}={v}" for k, v in group.group.items()),
            f"{group.requests:,}",
            "-" if group.logged_usd is None else usd(float(group.logged_usd)),
            *(usd(float(group.strategies.get(name, 0))) for name in names),
        ]
        for group in result.groups[:MAX_GROUPS]
    ]
    more = len(result.groups) - MAX_GROUPS
    title = (
        "By "
        + ", ".join(result.groups[0].group)
        + (f" ({more:,} more in --format json)" if more > 0 else "")
    )
    return table_text(title, ["group", "requests", "logged", *names], rows, left=["group"])


def render_table(result: ReplayResult) -> str:
    out = [
        f"log: {result.log}: {result.rows_used:,} rows used of {result.rows_read:,} read"
        + (
            f", {result.rows_outside_dates:,} outside --since/--until"
            if result.rows_outside_dates
            else ""
        )
        + (
            f"; {result.period['first']} to {result.period['last']} UTC"
            if result.period["first"]
            else ""
        ),
        f"catalog: {result.pricing['fetched_at'][:10]} ({result.pricing['age_days']:g} days old)"
        f"; read by {ENGINE_WORDS.get(result.engine, result.engine)}",
    ]
    if result.pricing.get("stale"):
        out.append(STALE.format(days=result.pricing.get("max_age_days", 7)))
    logged = result.period.get("logged_cost_usd")
    rows = [
        [
            s.name,
            s.kind,
            usd(s.total_usd),
            usd(s.per_request_usd),
            "-" if s.vs_logged is None else f"{s.vs_logged:.2f}x",
        ]
        for s in result.strategies
    ]
    out.append(
        table_text(
            "What this traffic would have cost" + (f" (logged: {usd(logged)})" if logged else ""),
            ["strategy", "kind", "total", "per request", "vs logged"],
            rows,
            left=["strategy", "kind"],
        ).rstrip("\n")
    )
    if result.groups:
        out.append(groups_table(result).rstrip("\n"))
    out.append(calibration_line(result))
    out += calibration_details(result)
    fusion = fusion_line(result)
    if fusion:
        out.append(fusion)
    out.append(bad_rows_line(result))
    out += [f"warning: {w}" for w in result.warnings]
    if result.unknown_models:
        out.append(
            "unknown models (not repriced): "
            + ", ".join(f"{m} ({n:,} rows)" for m, n in list(result.unknown_models.items())[:10])
        )
    out.append(f"time: {result.elapsed_s:g} s")
    return plain_text("\n".join(out)) + "\n"


def render_csv(result: ReplayResult) -> str:
    buffer = io.StringIO()
    emit_csv(
        [
            {
                "strategy": s.name,
                "kind": s.kind,
                "total_usd": s.total_usd,
                "per_request_usd": s.per_request_usd,
                "vs_logged": s.vs_logged,
                "requests": s.requests,
            }
            for s in result.strategies
        ],
        buffer,
    )
    return buffer.getvalue()


def render_markdown(result: ReplayResult) -> str:
    lines = [
        f"## fusion-cost replay: {result.rows_used:,} requests",
        "",
        "| strategy | kind | total | per request | vs logged |",
        "|---|---|--:|--:|--:|",
    ]
    lines += [
        f"| {markdown_cell(s.name)} | {s.kind} | {usd(s.total_usd)} | {usd(s.per_request_usd)} | "
        + ("-" if s.vs_logged is None else f"{s.vs_logged:.2f}x")
        + " |"
        for s in result.strategies
    ]
    lines += ["", calibration_line(result), ""]
    lines += [markdown_cell(line.strip()) for line in calibration_details(result)]
    fusion = fusion_line(result)
    if fusion:
        lines += ["", fusion]
    lines += ["", bad_rows_line(result)]
    return "\n".join(lines) + "\n"
