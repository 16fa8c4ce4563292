"""`prices refresh --propose`: the pull request body a reviewer reads before accepting new
prices: the prices of the models the scenarios use, each scenario's monthly deltas, and the
policies and verdicts that flip."""

from __future__ import annotations

from estimator.documents.check import Proposal, ScenarioImpact
from estimator.renderers.check_output import delta_cells, within_limit
from estimator.renderers.fmt import choice_text
from estimator.renderers.safe import markdown_cell as _md

PROPOSAL_MARKER = "<!-- fusion-cost-prices -->"


def _num(value: object) -> str:
    return "-" if value is None else f"{value}"


def render_markdown(p: Proposal) -> str:
    flips = sum(len(s.policy_flips) + s.verdict_flipped for s in p.scenarios)
    new, old = p.new_catalog["fetched_at"][:10], p.old_catalog["fetched_at"][:10]
    lines = [
        PROPOSAL_MARKER,
        f"## Prices of {new} (were {old})",
        "",
        f"{len(p.price_changes)} price(s) changed for the models your scenarios use; "
        f"{flips} policy or verdict flip(s); {p.models_added} model(s) added and "
        f"{p.models_removed} removed in the catalog. Merging this pull request accepts these "
        "prices (it updates the catalog and its lock).",
    ]
    if p.price_changes:
        lines += ["", "| model | price | old | new | change |", "|---|---|--:|--:|--:|"]
        lines += [
            f"| {_md(c.model)} | {_md(c.key)} | {_num(c.old)} | {_num(c.new)} | "
            + ("" if c.change_pct is None else f"{c.change_pct:+.1f}%")
            + " |"
            for c in p.price_changes
        ]
    for impact in p.scenarios:
        lines += _scenario(impact)
    return within_limit(lines) + "\n"


def _scenario(s: ScenarioImpact) -> list[str]:
    lines = ["", f"### {_md(s.scenario)} (`{_md(s.file)}`)", ""]
    lines += ["| strategy | before | after | change | change % |", "|---|--:|--:|--:|--:|"]
    lines += [f"| {_md(r.name)} | " + " | ".join(delta_cells(r)) + " |" for r in s.strategies]
    for flip in s.policy_flips:
        now = "passes" if flip.passed else "fails"
        where = f" ({_md(flip.strategy)})" if flip.strategy else ""
        lines.append(f"- ⚠️ policy `{flip.policy}`{where} now {now}")
    if s.verdict_flipped and s.verdict_before and s.verdict_after:
        b, a = s.verdict_before, s.verdict_after
        lines.append(
            f"- ⚠️ verdict: {_md(choice_text(a.verdict, a.chosen, a.share, a.rest))} (was "
            f"{_md(choice_text(b.verdict, b.chosen, b.share, b.rest))})"
        )
    return lines
