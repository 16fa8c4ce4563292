"""`replay` output: totals per strategy, the calibration line, bad rows and unknown models."""

from __future__ import annotations

import io

from estimator.renderers.console import table_text
from estimator.renderers.fmt import usd
from estimator.renderers.output import emit_csv
from estimator.renderers.safe import markdown_cell, plain_text
from estimator.replay import ReplayResult

STALE = (
    "warning: the catalog is older than 7 days; prices may have changed "
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
        f"calibration: repriced {usd(cal.repriced_usd)} vs logged {usd(cal.logged_usd)} "
        f"(agreement {cal.agreement:.2%}); {cal.flagged_rows:,} of {cal.rows_compared:,} "
        f"rows differ by more than {cal.tolerance} ({reasons})"
    )


def bad_rows_line(result: ReplayResult) -> str:
    bad = result.bad_rows
    if not bad.count:
        return "bad rows: 0"
    reasons = ", ".join(f"{k} {v:,}" for k, v in bad.by_reason.items())
    lines = ", ".join(str(n) for n in bad.first_lines)
    return f"bad rows: {bad.count:,} skipped ({reasons}; first at lines {lines})"


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
        f"catalog: {result.pricing['fetched_at'][:10]} ({result.pricing['age_days']:g} days old)",
    ]
    if result.pricing.get("stale"):
        out.append(STALE)
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
    out.append(calibration_line(result))
    out.append(bad_rows_line(result))
    if result.unknown_models:
        out.append(
            "unknown models (not repriced): "
            + ", ".join(f"{m} ({n:,} rows)" for m, n in list(result.unknown_models.items())[:10])
        )
    out.append(f"time: {result.elapsed_s:g} s")
    return plain_text("\n".join(out)) + "\n"


def render_json(result: ReplayResult) -> str:
    return result.model_dump_json(indent=2) + "\n"


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
                "rows": result.rows_used,
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
    lines += ["", calibration_line(result), "", bad_rows_line(result)]
    return "\n".join(lines) + "\n"
