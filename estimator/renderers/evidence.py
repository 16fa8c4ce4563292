"""Where the error rates come from, in words: every output shows it beside the rates, so an
illustrative rate is never read as a measured one, and graded rates show their counts and the
pilot that graded them."""

from __future__ import annotations

from estimator.documents.decision import Decision, ExpectedCost

SOURCES = {
    "illustrative": "illustrative",
    "estimate": "your estimate",
    "measured": "measured",
}


def rate_text(row: ExpectedCost, decision: Decision) -> str:
    """`3.5% (illustrative)`, `6.0% (12 wrong of 200 graded)`, `5.5% (your range 3.0%-8.0%)`,
    `4.1% (Fusion on 60%; the rest as single-opus)`, or `-`."""
    if row.error_rate is None:
        return "not credited" if not row.error_rate_credited else "-"
    basis = row.error_rate_basis
    said = []
    if basis is not None and basis.form == "counted":
        graded = f"{basis.wrong} wrong of {basis.of} graded"
        if decision.pilot:
            graded += f" in your pilot of {decision.pilot.get('date', '')}"
        said.append(graded)
    elif basis is not None and basis.form == "range":
        said.append(f"your range {basis.low:.1%}-{basis.high:.1%}")
    if basis is not None and basis.invocation_rate is not None:
        said.append(f"runs on {basis.invocation_rate:.0%}; the rest as {basis.rest_from}")
    if decision.error_rate_source in SOURCES:
        said.append(SOURCES[decision.error_rate_source])
    return f"{row.error_rate:.1%}" + (f" ({'; '.join(said)})" if said else "")


def rates_line(decision: Decision) -> str | None:
    """One line of every strategy's error rate and where it comes from (None without)."""
    rows = [r for r in decision.expected if r.error_rate is not None or not r.error_rate_credited]
    if not rows:
        return None
    listed = ", ".join(f"{r.strategy} {rate_text(r, decision)}" for r in rows)
    return f"Error rates: {listed}"


def illustrative_note(decision: Decision) -> str | None:
    """A warning that the verdict rests on rates nobody measured (None when they are not)."""
    if decision.error_rate_source != "illustrative":
        return None
    return (
        "The error rates here are illustrative (decision.error_rate_source: illustrative): "
        "nobody measured them on your traffic, and the verdict rests on them. Grade your own "
        "answers (fusion-cost pilot, then grade) or give your own rates."
    )
