"""`estimate --format table`: the comparison, the premium strategies' stages and the assumptions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from estimator.documents.decision import Decision
from estimator.documents.estimate import Estimate, StrategyResult
from estimator.renderers.console import table_text
from estimator.renderers.evidence import illustrative_note, rates_line
from estimator.renderers.fmt import (
    BAND_LABEL,
    band_text,
    cannot_run_cell,
    cannot_run_text,
    choice_text,
    ratio,
    tokens,
    usd,
)
from estimator.renderers.one_call import one_call_sentence
from estimator.renderers.report_words import value_text
from estimator.renderers.safe import plain_text
from estimator.strategies.registry import is_premium


def render_table(estimate: Estimate) -> str:
    """The comparison as terminal text (also what `--output` writes for `table`)."""
    out: list[str] = []
    note = out.append
    _heading(estimate, note)
    out.append(_cost_table(estimate))
    _strategy_details(estimate, note)
    note_fees(estimate, note)
    for s in estimate.strategies:
        for line in s.notes + s.warnings:
            note(f"note ({s.name}): {line}")
    for line in estimate.warnings:
        note(f"warning: {line}")
    _assumption_notes(estimate, note)
    out += decision_lines(estimate)
    return plain_text("\n".join(out)) + "\n"


def _heading(estimate: Estimate, note: Callable[[str], None]) -> None:
    """Which scenario, catalog and workload the figures below are for."""
    p = estimate.pricing
    w = estimate.workload
    note(f"scenario: {estimate.scenario['name']} ({estimate.scenario['source']})")
    note(
        f"catalog: {p.fetched_at[:10]} ({p.age_days:g} days old, {p.model_count} models) "
        f"from {p.source}"
    )
    note(
        f"workload: {w.requests_per_month:,.0f} requests/month, input {tokens(w.input_tokens.mean)}"
        f" tokens, output {tokens(w.output_tokens.mean)} tokens (means)"
    )


def _cost_table(estimate: Estimate) -> str:
    p = estimate.pricing
    return table_text(
        f"Cost per strategy (your baseline: {estimate.baseline})",
        [
            "strategy",
            "kind",
            "per request",
            "p50",
            "p95",
            "monthly",
            "cannot run",
            BAND_LABEL,
            "x your baseline",
            "calls/req",
            "max prompt",
        ],
        [_cost_row(s) for s in estimate.strategies],
        left=["strategy", "kind"],
        caption=f"catalog {p.fetched_at[:10]}; per-request figures are means over the workload",
    ).rstrip("\n")


def _cost_row(s: StrategyResult) -> list[str]:
    return [
        s.name,
        s.kind,
        usd(s.per_request_usd),
        usd(s.distribution.p50_usd),
        usd(s.distribution.p95_usd),
        usd(s.monthly_usd),
        cannot_run_cell(s.context),
        band_text(s.monthly_band),
        ratio(s.multiplier_vs_baseline),
        f"{s.calls_per_request:.2f}".rstrip("0").rstrip("."),
        tokens(s.context.max_prompt_tokens),
    ]


def _strategy_details(estimate: Estimate, note: Callable[[str], None]) -> None:
    """Requests that cannot run; pool strategies' per-request range; premium strategies'
    stages and aliases."""
    for s in estimate.strategies:
        cannot = cannot_run_text(s.name, s.context)
        if cannot:
            note(cannot)
        if s.range is not None:
            note(
                f"{s.name}: per request {usd(s.range.min_usd)} ({s.range.min_model}) to "
                f"{usd(s.range.max_usd)} ({s.range.max_model}) across {len(s.models)} pool models"
            )
        if is_premium(s.kind):
            stages = ", ".join(f"{c.stage} {usd(c.cost_usd)}" for c in s.by_stage)
            aliases = ", ".join(
                sorted({f"{m.requested} -> {m.id}" for m in s.models if m.via == "alias"})
            )
            note(f"{s.name}: {stages}")
            if aliases:
                note(f"  aliases: {aliases}")
            sentence = one_call_sentence(s)
            if sentence:
                note(f"  {sentence}")


def _assumption_notes(estimate: Estimate, note: Callable[[str], None]) -> None:
    """How many defaults were used, and each one that OpenRouter does not document."""
    assumed = [a for a in estimate.assumptions if not a.documented]
    note(
        f"assumptions: {len(estimate.assumptions)} defaults used, {len(assumed)} of them our "
        "assumptions (not documented by OpenRouter):"
    )
    for a in assumed:
        note(f"  - {a.name} = {value_text(a.value, a.name)}: {a.source}")


def fee_lines(estimate: Estimate) -> list[str]:
    """OpenRouter's charges besides tokens, one line per strategy (scenario `billing`)."""
    lines = []
    for s in estimate.strategies:
        fees = s.fees
        if fees is None:
            continue
        parts = [f"usage {usd(fees.usage_usd)}"]
        if fees.byok_usage_usd:
            parts.append(
                f"BYOK fee {usd(fees.byok_fee_usd)} (on {usd(fees.byok_usage_usd)} via your keys)"
            )
        parts.append(f"credit purchase fee {usd(fees.credit_purchase_fee_usd)}")
        lines.append(f"{s.name}: {', '.join(parts)} = {usd(fees.monthly_total_usd)} a month in all")
    return lines


def note_fees(estimate: Estimate, note: Any) -> None:
    lines = fee_lines(estimate)
    if lines:
        note("OpenRouter fees besides tokens (billing):")
        for line in lines:
            note(f"  {line}")


def decision_lines(estimate: Estimate) -> list[str]:
    """The verdict and every reason for it: the last thing a reader sees."""
    decision = estimate.decision
    if decision is None:
        return []
    lines = [
        "",
        "Latency (p50 / p95): "
        + ", ".join(
            f"{name} {info.p50_s:.1f}s/{info.p95_s:.1f}s"
            for name, info in decision.latency_s.items()
        ),
    ]
    for fusion, table in decision.break_even_usd_per_error.items():
        known = {k: v for k, v in table.items() if v is not None}
        if known:
            lines.append(
                f"Break-even cost per wrong answer for {fusion}: "
                + ", ".join(f"vs {name} {usd(value)}" for name, value in known.items())
            )
    rates = rates_line(decision)
    if rates:
        lines.append(rates)
    note = illustrative_note(decision)
    if note:
        lines.append(f"note: {note}")
    lines.append(f"VERDICT: {verdict_line(decision)}")
    lines += [f"  {i}. {reason.text}" for i, reason in enumerate(decision.reasons, 1)]
    return lines


def verdict_line(decision: Decision) -> str:
    """`fusion-for-a-subset -> fusion-quality for up to 34% of traffic, single-opus for the
    rest`: the verdict and its pair, as the report's headline says it."""
    return choice_text(
        decision.verdict, decision.chosen_strategy, decision.subset_share, decision.rest_strategy
    )
