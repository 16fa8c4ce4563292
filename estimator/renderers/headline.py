"""The headline: the verdict, its reasons, the recommendation card, the verdict's pair (its
multiplier and break-even) and the two chart titles that state the decision. One function
words it for the scenario's own inputs and for every stop of the report's sliders, so the page
shows at each stop exactly what Python says there: no headline text is fixed in a template.

Everything here states one pair: the chosen strategy and the alternative it beat (or, when no
other strategy fits, your baseline, labelled so).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from estimator.documents.decision import Comparison, Reason
from estimator.renderers.fmt import ratio, share_words, usd
from estimator.renderers.reasons import Labeller, word
from estimator.strategies.registry import NOTHING_FITS


@dataclass(frozen=True)
class Decided:
    """What a headline is made of: the decision at one set of inputs (the estimate's, or a
    what-if stop's) and each strategy's month there."""

    verdict: str
    chosen: str
    share: float | None
    rest: str | None
    monthly: Decimal | None
    monthly_high: Decimal | None
    comparison: Comparison | None
    reasons: list[Reason]
    months: dict[str, Decimal]  # each strategy's month at these inputs (the cards)
    budget: Decimal | None
    over_budget: list[str]  # the strategies whose month (with fees) exceeds it


@dataclass(frozen=True)
class Headline:
    badge: str
    chosen: str
    share: str  # " for up to 34% of traffic, single-opus for the rest"
    reasons: list[str]
    recommendation_value: str
    recommendation_label: str
    pair_label: str  # "" without a pair
    multiplier: str
    break_even_label: str
    break_even_value: str
    cost_title: str
    decision_title: str

    def texts(self) -> list[str]:
        """Every text of the headline region, in page order (what the browser test reads)."""
        return [
            self.badge,
            self.chosen + self.share,
            *self.reasons,
            self.recommendation_value,
            self.recommendation_label,
            self.pair_label,
            self.multiplier,
            self.break_even_label,
            self.break_even_value,
        ]


def headline(d: Decided, label: Labeller) -> Headline:
    pair = d.comparison
    be_label, be_value = _break_even(pair)
    return Headline(
        badge=d.verdict,
        chosen=d.chosen,
        share=_share(d),
        reasons=[word(r, label) for r in d.reasons if r.kind != "how_sure"],
        recommendation_value=_recommended_value(d),
        recommendation_label=_recommended_label(d),
        pair_label=_pair_label(pair),
        multiplier=ratio(pair.multiplier) if pair is not None else "",
        break_even_label=be_label,
        break_even_value=be_value,
        cost_title=cost_title(d),
        decision_title=decision_title(pair),
    )


def _share(d: Decided) -> str:
    return share_words(d.share, d.rest)


def _recommended_value(d: Decided) -> str:
    if d.verdict == NOTHING_FITS or d.monthly is None:
        return "none"
    if d.monthly_high is not None:
        return f"{usd(d.monthly)} to {usd(d.monthly_high)}"
    return usd(d.monthly)


def _recommended_label(d: Decided) -> str:
    if d.verdict == NOTHING_FITS:
        return f"nothing fits; the cheapest is {d.chosen}"
    return d.chosen + _share(d).replace(" of traffic", "")


def _pair_label(pair: Comparison | None) -> str:
    if pair is None:
        return ""
    versus = pair.versus if pair.against == "beat" else f"your baseline {pair.versus}"
    return f"{pair.strategy} vs {versus}"


def _break_even(pair: Comparison | None) -> tuple[str, str]:
    """The pair's break-even card: the dearer one against the other."""
    row = None if pair is None else pair.break_even
    if row is None:
        return "", ""
    label = f"break-even: {row.premium} vs {row.versus}"
    if row.delta_error_rate is None:
        return label, "no error rates"
    if row.delta_error_rate <= 0:
        return label, "never pays"
    return label, usd(row.usd_per_error)


def cost_title(d: Decided) -> str:
    """The cost chart's title: the chosen strategy's month against the one it beat."""
    pair = d.comparison
    if pair is not None:
        versus = pair.versus if pair.against == "beat" else f"your baseline {pair.versus}"
        said = (
            f"{pair.strategy} costs {usd(d.months[pair.strategy])} a month, "
            f"{ratio(pair.multiplier)} {versus}"
        )
    else:
        said = f"{d.chosen} costs {usd(d.months[d.chosen])} a month"
    if d.budget is not None:
        over = d.over_budget
        said += (
            f"; {len(over)} of {len(d.months)} exceed the {usd(d.budget)} budget"
            if over
            else f"; all fit the {usd(d.budget)} budget"
        )
    return said


def decision_title(pair: Comparison | None) -> str:
    """The decision chart's title: where the verdict's pair cross, including errors."""
    row = None if pair is None else pair.break_even
    if row is None or row.delta_error_rate is None:
        return "Total cost per request including errors, by the cost of one wrong answer"
    if row.delta_error_rate <= 0:
        return (
            f"{row.premium} never costs less than {row.versus} including errors: it is not "
            "more accurate"
        )
    if not row.usd_per_error:
        return f"{row.premium} costs less than {row.versus} including errors at any cost"
    return (
        f"Above {usd(row.usd_per_error)} per wrong answer, {row.premium} costs less than "
        f"{row.versus} including errors"
    )
