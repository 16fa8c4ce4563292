"""Quality as bought. A strategy that runs on a share r of requests only (Fusion at an
invocation rate below 1: on the other requests its outer model answers alone) buys its own
error rate on those r and its outer model's on the rest:

    error rate = r x its own + (1 - r) x the outer model's alone

The outer model's rate comes from a single strategy of that model in the scenario (the first
one), else from the strategy's own `outer_error_rate`. Without either, and r < 1, the strategy's
quality is *not credited*: no error rate can be weighed for it, and a reason says so. At r = 1
its own rate stands; at r = 0 it is the outer model's, cost and quality alike.

Every step that weighs error rates reads them from here: the expected totals, the break-evens,
the verdict, the report's what-if grid (which moves r) and the uncertainty (which draws the
mixed rate from the same draws as the strategies it mixes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from estimator.decision.context import Context
from estimator.documents.decision import RateBasis
from estimator.strategies.registry import kind
from estimator.workload.rates import Belief, belief


@dataclass(frozen=True)
class Mix:
    """A strategy's error rate as a mixture: `rate` x `own` + (1 - rate) x `plain`; `plain`
    names the belief the rest is drawn from (a strategy's name, or `<name>\\nouter` for a
    strategy's own `outer_error_rate`). `plain` is None when nothing is mixed."""

    own: str
    rate: float = 1.0
    plain: str | None = None


@dataclass(frozen=True)
class Quality:
    """What the decision weighs: each strategy's error rate (None: not credited) and how it
    was made (for the uncertainty and the reasons)."""

    rates: dict[str, float | None]
    mixes: dict[str, Mix]
    beliefs: dict[str, Belief]  # every belief a mixture draws from, by name
    uncredited: dict[str, str] = field(default_factory=dict)  # strategy -> the model alone
    plain_source: dict[str, str] = field(default_factory=dict)  # strategy -> where r<1 came from

    @property
    def weighed(self) -> bool:
        """Error rates are given (for every strategy, as the scenario requires)."""
        return bool(self.rates)

    def basis(self, name: str) -> RateBasis | None:
        """Where the strategy's error rate comes from, for the outputs to show."""
        mix = self.mixes.get(name)
        if mix is None:
            return None
        own = self.beliefs[mix.own]
        found = RateBasis(form=own.form)
        if own.form == "counted":
            found = RateBasis(form="counted", wrong=round(own.a - 1), of=round(own.a + own.b - 2))
        elif own.form == "range":
            found = RateBasis(form="range", low=own.a, high=own.b)
        if mix.rate < 1:
            plain = mix.plain
            rest = (
                None
                if plain is None
                else plain.removesuffix(OUTER)
                + (": outer_error_rate" if plain.endswith(OUTER) else "")
            )
            found = found.model_copy(update={"invocation_rate": mix.rate, "rest_from": rest})
        return found


OUTER = "\nouter"  # the suffix naming a strategy's own outer_error_rate among the beliefs


def quality(ctx: Context) -> Quality:
    """Each strategy's error rate as bought, at the invocation rates of `ctx.results`."""
    given = ctx.spec.beliefs()
    if not given:
        return Quality({}, {}, {})
    beliefs = dict(given)
    rates: dict[str, float | None] = {}
    mixes: dict[str, Mix] = {}
    uncredited: dict[str, str] = {}
    sources: dict[str, str] = {}
    singles = _singles(ctx)
    for name, result in ctx.results.items():
        if name not in given:  # a scenario gives every strategy one; a library caller may not
            continue
        registered = kind(result.kind)
        rate = result.invocation_rate
        if registered.invoked is None or rate is None or rate >= 1 or registered.one_call is None:
            rates[name], mixes[name] = given[name].point, Mix(name)
            continue
        strategy = ctx.strategies[name]
        alone = registered.one_call(strategy).models()[0].id
        plain = singles.get(alone)
        own_rate = registered.plain_error_rate(strategy) if registered.plain_error_rate else None
        if plain is None and own_rate is not None:
            plain = name + OUTER
            beliefs[plain] = belief(own_rate)
            sources[name] = "its outer_error_rate"
        elif plain is not None:
            sources[name] = f"{plain} (the same model alone)"
        if plain is None:
            rates[name], mixes[name] = None, Mix(name, rate)
            uncredited[name] = alone
            continue
        mixes[name] = Mix(name, rate, plain)
        rates[name] = rate * given[name].point + (1 - rate) * beliefs[plain].point
    return Quality(rates, mixes, beliefs, uncredited, sources)


def _singles(ctx: Context) -> dict[str, str]:
    """The first single strategy of each model: model id -> strategy name."""
    found: dict[str, str] = {}
    for name, result in ctx.results.items():
        if kind(result.kind).alone and result.models:
            found.setdefault(result.models[0].id, name)
    return found
