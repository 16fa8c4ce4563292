"""`check` output: a terminal report, JSON, and a pull-request comment (markdown/github)."""

from __future__ import annotations

from decimal import Decimal

from estimator.documents.check import CheckResult, PolicyResult, StrategyDelta
from estimator.renderers.fmt import choice_text, signed_usd, usd
from estimator.renderers.report_words import value_text
from estimator.renderers.safe import markdown_cell, one_line, plain_text

COMMENT_MARKER = "<!-- fusion-cost-check -->"
COMMENT_LIMIT = 65_000
MOVES = 15


# how the two policies without a number say what they found and what they allow
_NOT_NUMBERS = {
    "fail_on_dynamic_price": ("dynamic price", "a fixed price"),
    "fail_on_verdict_change": ("changed", "the baseline's"),
}


def figure(value: Decimal | None, unit: str, signed: bool = False) -> str:
    """A policy's actual value or limit as a reader sees it."""
    if value is None:
        return "-"
    if unit == "usd":
        return usd(value)
    if unit == "days":
        return f"{float(value):g} days"
    if unit == "pct":
        return f"{float(value):+.2f}%" if signed else f"{float(value):+g}%"
    if unit == "x":
        return f"{float(value):.2f}x" if signed else f"{float(value):g}x"
    return f"{float(value):g}"


def shown(p: PolicyResult) -> tuple[str, str]:
    """(actual, limit) as the tables print them."""
    if p.policy in _NOT_NUMBERS:
        return _NOT_NUMBERS[p.policy]
    if p.policy == "fail_on_context_overflow":
        return f"{float(p.actual or 0):g} overflow(s)", "none"
    return figure(p.actual, p.unit, signed=True), figure(p.limit, p.unit)


def message(p: PolicyResult) -> str:
    """One policy result in words: what was measured against what limit."""
    if p.message is not None:
        return p.message
    if p.detail is not None:
        prefix = f"{p.strategy}: " if p.strategy and p.policy != "fail_on_dynamic_price" else ""
        return prefix + p.detail
    if p.policy == "fail_on_verdict_change":
        return "the verdict is the baseline's" if p.passed else "the verdict changed"
    actual, limit = shown(p)
    verb = "within" if p.passed else "over"
    prefix = f"{p.strategy}{' (new)' if p.new else ''}: " if p.strategy else ""
    source = f" (from {p.source})" if p.source != "policy" else ""
    return f"{prefix}{p.measure} {actual} is {verb} the limit {limit}{source}"


def worded(result: CheckResult) -> CheckResult:
    """The result with every policy's `message` filled (what every output shows)."""
    policies = [p.model_copy(update={"message": message(p)}) for p in result.policies]
    return result.model_copy(update={"policies": policies})


def delta_cells(row: StrategyDelta) -> tuple[str, str, str, str]:
    before = usd(row.before_usd) if row.before_usd is not None else "-"
    after = usd(row.after_usd) if row.after_usd is not None else "-"
    if row.status in ("added", "removed"):
        return before, after, row.status, ""
    if row.delta_usd is None:
        return before, after, "", ""
    delta = signed_usd(row.delta_usd)
    pct = "" if row.delta_pct is None else f"{row.delta_pct:+.1f}%"
    return before, after, delta, pct


def _headline(result: CheckResult) -> str:
    if result.passed:
        return "all policies pass"
    return f"{result.failed} polic{'y' if result.failed == 1 else 'ies'} failed"


MAX_INPUTS = 20  # input changes listed; the rest are counted


def input_words(result: CheckResult) -> str | None:
    """`workload.requests_per_month 200,000 -> 240,000; catalog 2026-08-19 -> 2026-12-01`."""
    changes = result.input_changes
    if not changes:
        return None
    said = [
        f"{c.input} {value_text(c.before)} -> {value_text(c.after)}" for c in changes[:MAX_INPUTS]
    ]
    more = len(changes) - MAX_INPUTS
    return "; ".join(said) + (f"; and {more} more" if more > 0 else "")


def verdict_words(result: CheckResult) -> str | None:
    """This verdict, and what it was when it changed."""
    v = result.verdict
    if v is None:
        return None
    said = choice_text(v.verdict, v.chosen, v.share, v.rest)
    change = result.verdict_change
    if change is not None:
        b = change.before
        said += f" (changed: was {choice_text(b.verdict, b.chosen, b.share, b.rest)})"
    return said


def render_text(result: CheckResult) -> str:
    from estimator.renderers.console import table_text

    lines = [f"fusion-cost check: {one_line(result.scenario)}: {_headline(result)}"]
    changed, verdict = input_words(result), verdict_words(result)
    if changed:
        lines.append(f"inputs changed since the baseline: {one_line(changed)}")
    if verdict:
        lines.append(f"verdict: {one_line(verdict)}")
    lines.append(
        f"catalog: {result.catalog['fetched_at'][:10]} ({result.catalog['age_days']:g} days old)"
    )
    if result.catalog.get("stale"):
        lines.append(
            "warning: the catalog is older than the freshness limit; prices may have "
            "changed (run `fusion-cost prices refresh`)"
        )
    if result.baseline_catalog:
        lines.append(f"baseline catalog: {result.baseline_catalog['fetched_at'][:10]}")
    lines.append(
        table_text(
            "Monthly cost",
            ["strategy", "before", "after", "change", "change %"],
            [[one_line(r.name), *delta_cells(r)] for r in result.strategies],
            left=["strategy"],
        ).rstrip("\n")
    )
    for p in result.policies:
        lines.append(f"{'PASS' if p.passed else 'FAIL'} {p.policy}: {one_line(message(p))}")
    for skip in result.skipped:
        where = f"{one_line(skip.strategy)}: " if skip.strategy else ""
        lines.append(f"SKIP {skip.policy}: {where}{one_line(skip.why)}")
    if not result.policies:
        lines.append("no policy set (add a policy: section, or --budget USD)")
    for change in result.price_changes:
        pct = "" if change.change_pct is None else f" ({change.change_pct:+.1f}%)"
        lines.append(
            f"price change: {one_line(change.model)} {change.key} "
            f"{_num(change.old)} -> {_num(change.new)}{pct}"
        )
    for move in result.moved_by[:10]:
        where = f"{one_line(move.strategy)} via {one_line(move.model)}"
        lines.append(f"moved: {where}: {usd(move.before_usd)} -> {usd(move.after_usd)} a month")
    lines += [f"note: {one_line(n)}" for n in result.notes]
    return plain_text("\n".join(lines)) + "\n"


def _num(value: object) -> str:
    return "-" if value is None else f"{value}"


_md = markdown_cell


def render_markdown(result: CheckResult) -> str:
    """A pull-request comment body: summary table, policies, collapsible details."""
    return within_limit([*_comment_head(result), *_comment_details(result)]) + "\n"


def _comment_head(result: CheckResult) -> list[str]:
    """The comment's always-shown part: headline, catalogs, cost table and policy table."""
    icon = "✅" if result.passed else "❌"
    head = [
        COMMENT_MARKER,
        f"## {icon} fusion-cost: {_md(result.scenario)}: {_headline(result)}",
        "",
        f"Catalog {result.catalog['fetched_at'][:10]} ({result.catalog['age_days']:g} days old)"
        + (
            f" · baseline catalog {result.baseline_catalog['fetched_at'][:10]}"
            if result.baseline_catalog
            else " · no baseline"
        ),
        "",
    ]
    changed, verdict = input_words(result), verdict_words(result)
    if changed:
        head += [f"**What changed in the inputs:** {_md(changed)}", ""]
    if verdict:
        head += [f"**Verdict:** {_md(verdict)}", ""]
    head += ["| strategy | before | after | change | change % |", "|---|--:|--:|--:|--:|"]
    head += [f"| {_md(r.name)} | " + " | ".join(delta_cells(r)) + " |" for r in result.strategies]
    head += ["", "| | policy | strategy | actual | limit |", "|---|---|---|--:|--:|"]
    head += [
        f"| {'✅' if p.passed else '❌'} | `{p.policy}` | {_md(p.strategy or '-')} | "
        + " | ".join(_md(cell) for cell in shown(p))
        + " |"
        for p in result.policies
    ]
    head += [
        f"| ⏭️ | `{p.policy}` | {_md(p.strategy or '-')} | skipped: {_md(p.why)} | |"
        for p in result.skipped
    ]
    if not result.policies:
        head.append("| | no policy set | | | |")
    return head


def _comment_details(result: CheckResult) -> list[str]:
    """The comment's collapsible parts: price changes, what moved, and the notes."""
    details: list[str] = []
    if result.price_changes:
        details += [
            "",
            f"<details><summary>Price changes since the baseline "
            f"({len(result.price_changes)})</summary>",
            "",
            "| model | price | old | new | change |",
            "|---|---|--:|--:|--:|",
        ]
        details += [
            f"| {_md(c.model)} | {_md(c.key)} | {_num(c.old)} | {_num(c.new)} | "
            + ("" if c.change_pct is None else f"{c.change_pct:+.1f}%")
            + " |"
            for c in result.price_changes
        ]
        details += ["", "</details>"]
    if result.moved_by:
        details += [
            "",
            "<details><summary>What moved the estimate (monthly, by model)</summary>",
            "",
            "| strategy | model | before | after | change |",
            "|---|---|--:|--:|--:|",
        ]
        details += [
            f"| {_md(m.strategy)} | {_md(m.model)} | {usd(m.before_usd)} | "
            f"{usd(m.after_usd)} | {usd(m.delta_usd)} |"
            for m in result.moved_by[:MOVES]
        ]
        if len(result.moved_by) > MOVES:
            details.append(f"| … {len(result.moved_by) - MOVES} more | | | | |")
        details += ["", "</details>"]
    if result.notes:
        details += [""] + [f"> {_md(n)}" for n in result.notes]
    return details


def within_limit(lines: list[str], limit: int = COMMENT_LIMIT) -> str:
    """The comment's lines, cut at a line boundary so the whole stays under `limit` characters
    (GitHub refuses comments over 65,536), with an open <details> closed and a note of the cut.
    """
    text = "\n".join(lines)
    if len(text) <= limit:
        return text
    room = limit - 400  # the note and the closing tag
    kept: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > room:
            break
        kept.append(line)
        size += len(line) + 1
    opened = sum(k.startswith("<details") for k in kept) - sum(k == "</details>" for k in kept)
    kept += ["", "</details>"] * max(0, opened)
    kept += [
        "",
        f"_… {len(lines) - len(kept)} more lines cut to stay under {limit:,} characters; "
        "see `fusion-cost check --format json`._",
    ]
    return "\n".join(kept)


def github_annotations(result: CheckResult) -> str:
    """`::error` workflow commands, one per failed policy (shown on the pull request)."""
    lines = []
    for p in result.policies:
        if not p.passed:
            text = one_line(message(p)).replace("%", "%25")
            lines.append(f"::error title=fusion-cost {p.policy}::{text}")
    return "\n".join(lines) + ("\n" if lines else "")
