"""The verdict's reasons in words. The decision hands over data (a reason's kind and the figures
it rests on); this module is the one place that words them, so every output (terminal,
markdown, HTML, JSON's `text`) says the same thing. A new reason kind is one function here."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from estimator.documents.decision import BreakEven, Decision, Excluded, Reason
from estimator.documents.estimate import Estimate
from estimator.renderers.fmt import ratio, up_to, usd
from estimator.strategies.registry import kind

Figures = dict[str, Any]
Labeller = Callable[[str], str]  # strategy name -> what its kind is called ("Fusion")


PROBLEMS = {
    "over_budget": "over the monthly budget",
    "too_slow": "too slow for the latency budget",
    "context": "too few requests fit its context",
    "unrated": "its quality is not credited",
}


def _why(entry: Excluded, f: Figures) -> str:
    """Why a strategy that beat the choice was left out, with the figures that say so."""
    said = []
    for problem in entry.problems:
        if problem == "over_budget":
            said.append(f"over the {usd(f['budget_usd'])} budget at {usd(entry.monthly_usd)}")
        elif problem == "too_slow":
            said.append(
                f"too slow ({entry.p50_s:.0f} s p50 / {entry.p95_s:.0f} s p95 against "
                f"{_seconds(f['budget_p50_s'])} / {_seconds(f['budget_p95_s'])})"
            )
        elif problem == "context":
            said.append(
                f"{entry.context_share:.1%} of requests fit its context (under "
                f"{f['min_context_share']:.0%})"
            )
        else:
            said.append(PROBLEMS[problem])
    return " and ".join(said)


def _seconds(value: float | None) -> str:
    return "no limit" if value is None else f"{value:g} s"


def _left_out(f: Figures, including_errors: bool) -> str:
    """` Cheaper including errors but left out: a ($1.12: over the $20,000 budget ...).`"""
    entries = f.get("excluded") or []
    if not entries:
        return ""
    what = "including errors " if including_errors else ""
    listed = "; ".join(f"{e.strategy} ({usd(e.per_request_usd)}: {_why(e, f)})" for e in entries)
    return f" Cheaper {what}but left out: {listed}."


def _pair_cost(f: Figures, label: Labeller) -> str:
    extra = f["monthly_delta_usd"]
    versus = f["versus"] if f["against"] == "beat" else f"your baseline {f['versus']}"
    return (
        f"{f['strategy']} costs {usd(f['per_request_usd'])} per request, "
        f"{ratio(f['multiplier'])} {versus} ({usd(f['versus_per_request_usd'])}): "
        f"{usd(abs(extra))} {'more' if extra >= 0 else 'less'} per month at "
        f"{f['requests_per_month']:,.0f} requests."
    )


def _route_a_subset(f: Figures, label: Labeller) -> str:
    why = " and ".join(PROBLEMS[p] for p in f["problems"])
    share, rest = f["share"], f["versus"]
    chosen = f["strategy"]
    head = (
        f"Per request, {chosen} is the best buy including errors "
        f"({usd(f['total_per_request_usd'])} vs {usd(f['versus_total_usd'])} for {rest}), "
        f"but for all traffic it is {why}: "
    )
    if share is None:
        return head + (
            f"route the requests that can wait through {chosen}, the rest through {rest} "
            f"({usd(f['rest_monthly_usd'])} to {usd(f['all_monthly_usd'])} a month, by the "
            "share you route)." + _left_out(f, True)
        )
    which = "the highest-stakes ones" if f["high_stakes"] else "a share you choose"
    return head + (
        f"route up to {up_to(share)} of requests ({which}) through {chosen}, the rest "
        f"through {rest} ({usd(f['mix_monthly_usd'])} a month in all)." + _left_out(f, True)
    )


def _high_stakes(f: Figures, label: Labeller) -> str:
    return (
        f"For the high-stakes {f['share']:.0%} of traffic (a wrong answer costs "
        f"{usd(f['cost_per_error_usd'])}), {f['strategy']} prevents errors worth "
        f"{usd(f['prevented_usd'])} per request for {usd(f['extra_usd'])} more than "
        f"{f['versus']}: route that slice through {f['strategy']}, the rest through "
        f"{f['versus']} ({usd(f['monthly_usd'])} per month in all)." + _left_out(f, True)
    )


def _high_stakes_over_budget(f: Figures, label: Labeller) -> str:
    return (
        f"The high-stakes {f['share']:.0%} of traffic would pay for {f['strategy']} (it "
        f"prevents errors worth {usd(f['prevented_usd'])} per request there for "
        f"{usd(f['extra_usd'])} more than {f['versus']}), but routing it costs "
        f"{usd(f['monthly_usd'])} a month in all, over the {usd(f['budget_usd'])} budget."
    )


def _lowest_expected_total(f: Figures, label: Labeller) -> str:
    runner_up = (
        f"; {f['runner_up']}, the next best that fits, comes to {usd(f['runner_up_total_usd'])}."
        if f["runner_up"] is not None
        else "; no other strategy fits."
    )
    return (
        f"Among the strategies that fit, {f['strategy']} has the lowest expected cost "
        f"including errors: {usd(f['total_per_request_usd'])} per request at "
        f"{usd(f['cost_per_error_usd'])} per wrong answer{runner_up}" + _left_out(f, True)
    )


def _cheapest_that_fits(f: Figures, label: Labeller) -> str:
    if f.get("rates_given"):
        missing = (
            "No cost per wrong answer given (decision.cost_per_error_usd, --cost-per-error), so "
            "the error rates are not weighed"
        )
    else:
        missing = "No error rates given (decision.error_rate), so quality is not weighed"
    runner_up = (
        f"; {f['runner_up']}, the next cheapest that fits, costs "
        f"{usd(f['runner_up_per_request_usd'])}."
        if f.get("runner_up") is not None
        else "; no other strategy fits."
    )
    return (
        f"{missing}: among the strategies that fit, {f['strategy']} is the cheapest "
        f"({usd(f['per_request_usd'])} per request){runner_up}" + _left_out(f, False)
    )


def _break_even(f: Figures, label: Labeller) -> str:
    stated = f["stated_usd_per_error"]
    said = f" (you said {usd(stated)})" if stated else ""
    if not f["usd_per_error"]:
        return (
            f"{f['strategy']} is more accurate than {f['versus']} at no extra cost: it pays "
            "for itself at any cost per wrong answer."
        )
    return (
        f"Break-even of {f['strategy']} against {f['versus']}: {f['strategy']} pays for "
        f"itself when a wrong answer costs more than {usd(f['usd_per_error'])}{said}, their "
        f"error rates {f['delta_error_rate'] * 100:.1f} percentage points apart."
    )


def _never_pays(f: Figures, label: Labeller) -> str:
    gap = -f["delta_error_rate"] * 100
    return (
        f"{f['strategy']} costs more than {f['versus']} and is not more accurate (its error "
        f"rate is {gap:.1f} percentage points higher or equal): it never pays for itself on "
        "quality."
    )


def _must_prevent(f: Figures, label: Labeller) -> str:
    return (
        f"At {usd(f['cost_per_error_usd'])} per wrong answer, {f['strategy']} must "
        f"prevent one wrong answer in every {f['one_wrong_answer_in']:,.0f} requests (an "
        f"error-rate cut of {f['required_error_reduction'] * 100:.2f} percentage points) to pay "
        f"for itself against {f['versus']}."
    )


def _give_error_rates(f: Figures, label: Labeller) -> str:
    extra = Decimal(str(f["delta_cost_per_request_usd"]))
    if extra <= 0:
        return (
            f"{f['strategy']} costs no more per request than {f['versus']}; give "
            "error rates to compare their quality."
        )
    pays = f["pays_at_reduction"]
    return (
        f"Give decision.cost_per_error_usd and error rates: {f['strategy']} costs "
        f"{usd(extra)} more per request than {f['versus']}, so it pays off if it cuts the error "
        f"rate by 1 point and a wrong answer costs more than {usd(pays['1%'])} (5 points: "
        f"{usd(pays['5%'])})."
    )


def _not_credited(f: Figures, label: Labeller) -> str:
    parts = [f"{name} (alone: {f['models'][name][0]})" for name in f["strategies"]]
    return (
        f"Quality not credited for {', '.join(parts)}: Fusion runs on a share of requests "
        "only, the outer model answers the rest alone, and no error rate is given for it "
        "(add a single strategy of that model with an error rate, or set "
        "fusion.outer_error_rate), so it is left out of the comparison including errors."
    )


def _over_budget(f: Figures, label: Labeller) -> str:
    return (
        f"Budget {usd(f['budget_usd'])}/month: {', '.join(f['over'])} "
        f"{'exceeds' if len(f['over']) == 1 else 'exceed'} it "
        f"({f['worst']} needs {usd(f['worst_monthly_usd'])})."
    )


def _within_budget(f: Figures, label: Labeller) -> str:
    return f"Every strategy fits the {usd(f['budget_usd'])} budget."


def _too_slow(f: Figures, label: Labeller) -> str:
    return (
        f"Latency: {f['strategy']} takes about {f['p50_s']:.1f} s (p50) / {f['p95_s']:.1f} s "
        f"(p95) against a budget of {f['budget_p50_s'] or '-'} s / {f['budget_p95_s'] or '-'} s."
    )


def _nothing_fits(f: Figures, label: Labeller) -> str:
    words = dict(
        PROBLEMS, context=f"under {f['min_context_share']:.0%} of requests fit the context"
    )
    groups = {
        problem: [name for name, found in f["problems"].items() if problem in found]
        for problem in words
    }
    listed = "; ".join(f"{words[p]}: {', '.join(names)}" for p, names in groups.items() if names)
    return (
        f"Nothing fits ({listed}). The cheapest is {f['strategy']} "
        f"({usd(f['per_request_usd'])} per request, {usd(f['monthly_usd'])} a month): "
        "raise a budget or change the strategies to get a recommendation."
    )


def _how_sure(f: Figures, label: Labeller) -> str:
    said = []
    if f["leader"] is not None and f["probability"] is not None:
        said.append(f"{f['leader']} is the better buy with {f['probability']:.0%} probability")
        more = f["more_samples"]
        if more == 0:
            said[-1] += f" (already past {f['target']:.0%})"
        elif more is None:
            said.append(
                f"more grading at these error rates would not make it {f['target']:.0%} sure: "
                "the totals are too close"
            )
        else:
            said.append(
                f"grade about {_about(more)} more answers per graded strategy to be "
                f"{f['target']:.0%} sure"
            )
    if f["premium"] is not None:
        high, pair = f["break_even_high_usd"], f"{f['premium']} against {f['versus']}"
        low = usd(f["break_even_low_usd"])
        said.append(
            f"break-even for {pair}: {low} to {usd(high)} per wrong answer (5%-95%)"
            if high is not None
            else f"break-even for {pair}: at least {low} per wrong answer, with no upper bound "
            "(in over 5% of draws it is not better at all)"
        )
    text = "; ".join(said)
    return text + "."


def _about(count: int) -> str:
    """400, 1,300, 27,000: a sample size to two significant figures."""
    digits = max(0, len(str(count)) - 2)
    return f"{round(count, -digits):,}"


WORDING: dict[str, Callable[[Figures, Labeller], str]] = {
    "pair_cost": _pair_cost,
    "never_pays": _never_pays,
    "not_credited": _not_credited,
    "route_a_subset": _route_a_subset,
    "high_stakes": _high_stakes,
    "high_stakes_over_budget": _high_stakes_over_budget,
    "lowest_expected_total": _lowest_expected_total,
    "cheapest_that_fits": _cheapest_that_fits,
    "break_even": _break_even,
    "must_prevent": _must_prevent,
    "give_error_rates": _give_error_rates,
    "over_budget": _over_budget,
    "within_budget": _within_budget,
    "too_slow": _too_slow,
    "nothing_fits": _nothing_fits,
    "how_sure": _how_sure,
}


def labeller(estimate: Estimate) -> Labeller:
    """What a strategy's kind is called; '' names the decision's premium strategy's kind."""
    kinds = {s.name: s.kind for s in estimate.strategies}
    premium = estimate.decision.premium_strategy if estimate.decision else None

    def label(strategy: str) -> str:
        name = kinds.get(strategy or (premium or ""))
        return kind(name).label if name else "Fusion"

    return label


def word(reason: Reason, label: Labeller) -> str:
    if reason.text is not None:
        return reason.text
    try:
        wording = WORDING[reason.kind]
    except KeyError:
        raise KeyError(
            f"reason kind {reason.kind!r} has no wording in renderers/reasons.py"
        ) from None
    return wording(reason.figures, label)


def worded(estimate: Estimate) -> Estimate:
    """The estimate with every reason's `text` filled (what every output shows)."""
    decision = estimate.decision
    if decision is None or all(r.text is not None for r in decision.reasons):
        return estimate
    label = labeller(estimate)
    reasons = [r.model_copy(update={"text": word(r, label)}) for r in decision.reasons]
    words: Decision = decision.model_copy(update={"reasons": reasons})
    return estimate.model_copy(update={"decision": words})


def break_even_note(row: BreakEven, label: Labeller) -> str:
    """One line beside a break-even row: whether, and when, the premium strategy pays."""
    name = label(row.premium)
    if row.delta_error_rate is None:
        return "no error rates given for both: break-even per error unknown"
    if row.delta_error_rate <= 0:
        return f"{name} is not more accurate here: it never pays for itself on quality"
    if row.usd_per_error is not None and row.usd_per_error <= 0:
        return f"{name} is cheaper (with latency valued) and more accurate: it always pays"
    return f"pays when one wrong answer costs more than {usd(row.usd_per_error)}"
