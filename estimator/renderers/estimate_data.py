"""`estimate --format csv|markdown`: the same Estimate, for spreadsheets and pull requests."""

from __future__ import annotations

import io

from estimator.documents.estimate import Estimate
from estimator.renderers.estimate_text import fee_lines, verdict_line
from estimator.renderers.evidence import illustrative_note, rates_line
from estimator.renderers.fmt import (
    BAND_LABEL,
    band_text,
    cannot_run_cell,
    cannot_run_text,
    ratio,
    tokens,
    usd,
)
from estimator.renderers.one_call import one_call_sentence
from estimator.renderers.output import emit_csv
from estimator.renderers.report_words import value_text
from estimator.renderers.safe import markdown_cell
from estimator.strategies.registry import is_premium


def render_csv(estimate: Estimate) -> str:
    rows = [
        {
            "strategy": s.name,
            "kind": s.kind,
            "per_request_usd": s.per_request_usd,  # exact decimals (renderers/output.py)
            "p50_usd": s.distribution.p50_usd,
            "p95_usd": s.distribution.p95_usd,
            "p99_usd": s.distribution.p99_usd,
            "monthly_usd": s.monthly_usd,
            "cannot_run_share": s.context.cannot_run_share,
            "context_fallback": None if s.context.fallback is None else s.context.fallback.strategy,
            "context_fallback_monthly_usd": (
                None if s.context.fallback is None else s.context.fallback.monthly_usd
            ),
            "monthly_p5_usd": None if s.monthly_band is None else s.monthly_band.p5_usd,
            "monthly_p95_usd": None if s.monthly_band is None else s.monthly_band.p95_usd,
            "multiplier_vs_baseline": s.multiplier_vs_baseline,
            "calls_per_request": s.calls_per_request,
            "max_prompt_tokens": s.context.max_prompt_tokens,
            "catalog_fetched_at": estimate.pricing.fetched_at,
        }
        for s in estimate.strategies
    ]
    out = io.StringIO()
    emit_csv(rows, out)
    return out.getvalue()


_md = markdown_cell


def _cost_lines(estimate: Estimate) -> list[str]:
    """The cost table, and a line per strategy with requests that cannot run."""
    lines = [
        f"| strategy | kind | per request | p95 | monthly | cannot run | {BAND_LABEL} "
        "| x your baseline |",
        "|---|---|--:|--:|--:|--:|--:|--:|",
    ]
    for s in estimate.strategies:
        lines.append(
            f"| {_md(s.name)} | {s.kind} | {usd(s.per_request_usd)} | "
            f"{usd(s.distribution.p95_usd)} | {usd(s.monthly_usd)} | "
            f"{cannot_run_cell(s.context)} | {band_text(s.monthly_band)} | "
            f"{ratio(s.multiplier_vs_baseline)} |"
        )
    cannot = [t for s in estimate.strategies if (t := cannot_run_text(s.name, s.context))]
    if cannot:
        lines += [""] + [f"- {_md(text)}" for text in cannot]
    return lines


def render_markdown(estimate: Estimate) -> str:
    p = estimate.pricing
    lines = [
        f"## fusion-cost: {_md(estimate.scenario['name'])}",
        "",
        f"Catalog {p.fetched_at[:10]} ({p.age_days:g} days old), "
        f"{estimate.workload.requests_per_month:,.0f} requests/month, "
        f"your baseline `{_md(estimate.baseline)}`.",
        "",
    ]
    lines += _cost_lines(estimate)
    fees = fee_lines(estimate)
    if fees:
        lines += ["", "OpenRouter fees besides tokens:", ""] + [f"- {_md(line)}" for line in fees]
    for s in estimate.strategies:
        if not is_premium(s.kind):
            continue
        lines += [
            "",
            f"<details><summary>{_md(s.name)}: where the money goes</summary>",
            "",
            "| stage | model | calls | input tokens | output tokens | USD |",
            "|---|---|--:|--:|--:|--:|",
        ]
        for row in s.breakdown:
            lines.append(
                f"| {row.stage} | {_md(row.model)} | {row.calls:.2f} | "
                f"{tokens(row.input_tokens)} | {tokens(row.output_tokens)} | "
                f"{usd(row.cost_usd)} |"
            )
        sentence = one_call_sentence(s)
        lines += [""] + ([_md(sentence), ""] if sentence else []) + ["</details>"]
    assumed = [a for a in estimate.assumptions if not a.documented]
    if assumed:
        lines += ["", "<details><summary>Assumptions (not documented by OpenRouter)</summary>", ""]
        lines += [
            f"- `{a.name}` = {_md(value_text(a.value, a.name))}: {_md(a.source)}" for a in assumed
        ]
        lines += ["", "</details>"]
    decision = estimate.decision
    if decision is not None:
        lines += ["", f"**Verdict: {_md(verdict_line(decision))}**", ""]
        rates, note = rates_line(decision), illustrative_note(decision)
        lines += [_md(line) for line in (rates, note) if line] + ([""] if rates or note else [])
        lines += [f"{i}. {_md(reason.text or '')}" for i, reason in enumerate(decision.reasons, 1)]
    warnings = estimate.warnings + [w for s in estimate.strategies for w in s.warnings]
    if warnings:
        lines += [""] + [f"> ⚠️ {_md(w)}" for w in warnings]
    return "\n".join(lines) + "\n"
