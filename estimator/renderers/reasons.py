"""The verdict's reasons in words. The decision hands over data (a reason's kind and the figures
it rests on); this module is the one place that words them, so every output (terminal,
markdown, HTML, JSON's `text`) says the same thing. A new reason kind is one function here."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from estimator.documents.decision import BreakEven, Decision, Reason
from estimator.documents.estimate import Estimate
from estimator.renderers.fmt import ratio, up_to, usd
from estimator.strategies.registry import kind

Figures = dict[str, Any]
Labeller = Callable[[str], str]  # strategy name -> what its kind is called ("Fusion")


def _premium_cost(f: Figures, label: Labeller) -> str:
    extra = f["monthly_delta_usd"]
    return (
        f"{f['strategy']} costs {usd(f['per_request_usd'])} per request, "
        f"{ratio(f['multiplier'])} the baseline {f['baseline']} "
        f"({usd(f['baseline_per_request_usd'])}): {usd(abs(extra))} "
        f"{'more' if extra >= 0 else 'less'} per month at "
        f"{f['requests_per_month']:,.0f} requests."
    )


PROBLEMS = {"over_budget": "over the monthly budget", "too_slow": "too slow for the latency budget"}


def _route_a_subset(f: Figures, label: Labeller) -> str:
    words = {
        "over_budget": "over the monthly budget",
        "too_slow": "too slow for the latency budget",
    }
    why = " and ".join(words[p] for p in f["problems"]) or "not feasible"
    share = f["share"]
    slice_ = (
        f"up to {up_to(share)} of requests, the highest-stakes ones, "
        if share
        else "the highest-stakes requests that can wait "
    )
    mix = f.get("mix_monthly_usd")
    rest = (
        f", the rest through {f['versus']} ({usd(mix)} a month in all)"
        if mix is not None
        else f", the rest through {f['versus']}"
    )
    return (
        f"Per request, {f['strategy']} is the best buy including errors "
        f"({usd(f['total_per_request_usd'])} vs {usd(f['versus_total_usd'])} for "
        f"{f['versus']}), but for all traffic it is {why}: route {slice_}"
        f"through {label(f['strategy'])}{rest}."
    )


def _high_stakes(f: Figures, label: Labeller) -> str:
    return (
        f"For the high-stakes {f['share']:.0%} of traffic (a wrong answer costs "
        f"{usd(f['cost_per_error_usd'])}), {f['strategy']} prevents errors worth "
        f"{usd(f['prevented_usd'])} per request for {usd(f['extra_usd'])} more: route that "
        f"slice through {label(f['strategy'])} ({usd(f['monthly_usd'])} per month in all)."
    )


def _lowest_expected_total(f: Figures, label: Labeller) -> str:
    if f["premium_kind"]:
        return (
            f"At {usd(f['cost_per_error_usd'])} per wrong answer, {f['strategy']} has the "
            f"lowest expected cost including errors: {usd(f['total_per_request_usd'])} per "
            "request."
        )
    runner_up = (
        f"; {f['runner_up']} comes to {usd(f['runner_up_total_usd'])}."
        if f["runner_up"] is not None
        else "."
    )
    return (
        f"{f['strategy']} has the lowest expected cost including errors "
        f"({usd(f['total_per_request_usd'])} per request at "
        f"{usd(f['cost_per_error_usd'])} per wrong answer){runner_up}"
    )


def _cheapest_that_fits(f: Figures, label: Labeller) -> str:
    missing = (
        "No cost per wrong answer given (decision.cost_per_error_usd, --cost-per-error), so "
        "the error rates cannot be weighed"
        if f.get("rates_given")
        else f"No error rates given, so {label('')}'s quality cannot be credited"
    )
    return (
        f"{missing}: "
        f"{f['strategy']} is the cheapest option that fits "
        f"({usd(f['per_request_usd'])} per request)."
    )


def _break_even(f: Figures, label: Labeller) -> str:
    stated = f["stated_usd_per_error"]
    said = f" (you said {usd(stated)})" if stated else ""
    return (
        f"Break-even against {f['versus']}: {label(f['strategy'])} pays off when a wrong "
        f"answer costs more than {usd(f['usd_per_error'])}{said}, given error rates "
        f"{f['delta_error_rate'] * 100:.1f} percentage points apart."
    )


def _must_prevent(f: Figures, label: Labeller) -> str:
    return (
        f"At {usd(f['cost_per_error_usd'])} per wrong answer, {label(f['strategy'])} must "
        f"prevent one wrong answer in every {f['one_wrong_answer_in']:,.0f} requests (an "
        f"error-rate cut of {f['required_error_reduction'] * 100:.2f} percentage points) to pay "
        "for itself against "
        f"{f['versus']}."
    )


def _give_error_rates(f: Figures, label: Labeller) -> str:
    extra = Decimal(str(f["delta_cost_per_request_usd"]))
    if extra <= 0:
        return (
            f"{label(f['strategy'])} costs no more per request than {f['versus']}; give "
            "error rates to compare their quality."
        )
    pays = f["pays_at_reduction"]
    return (
        f"Give decision.cost_per_error_usd and error rates: {label(f['strategy'])} costs "
        f"{usd(extra)} more per request than {f['versus']}, so it pays off if it cuts the error "
        f"rate by 1 point and a wrong answer costs more than {usd(pays['1%'])} (5 points: "
        f"{usd(pays['5%'])})."
    )


def _over_budget(f: Figures, label: Labeller) -> str:
    return (
        f"Budget {usd(f['budget_usd'])}/month: {', '.join(f['over'])} exceed it "
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
    words = {
        "over_budget": "over the monthly budget",
        "too_slow": "too slow for the latency budget",
        "context": f"under {f['min_context_share']:.0%} of requests fit the context",
    }
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
    "premium_cost": _premium_cost,
    "route_a_subset": _route_a_subset,
    "high_stakes": _high_stakes,
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
