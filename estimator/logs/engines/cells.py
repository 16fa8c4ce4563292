"""Strategy cells: where a strategy's cost of one log row is one affine function of its tokens.

Replaying a log under a strategy adds up f(row) over its rows, f being the expected cost of the
strategy's plan for the row's request. f is affine in the row's token counts except where a
call crosses something: a long-context tier of its model (its prompt strictly above the
threshold), a model's context limit (the Auto Router sends a request only to models whose
context holds it), a cap on a call's output (Fusion's max_completion_tokens), a time window.
Cut the rows along all of those and f is affine inside each piece, so the sum over a piece is
f at the piece's mean times its row count: token *sums* per piece are sufficient statistics,
and the total from them is exact.

The strategies are never re-described here: each one is *probed*. Its plan is expanded for a
few requests one token apart (the vectorised path every strategy supports), which gives every
call's prompt, output and reasoning as an affine form of the row's tokens; the cuts are those
forms against each call model's tier thresholds, context limit (when the plan's branch
weights depend on the request) and output cap, and its time windows. A strategy whose models
depend on the workload (the Auto Router ranks its pool for the log's mean request) is cut at
every threshold, context limit and window of the catalog, which holds any pool it may pick.

Coordinates (a log row, in the bill's conventions): p prompt (cached and written included),
c completion (reasoning included), r reasoning, k cached, w written, a what a model that writes
to the cache on its own writes (w when the log reports writes, else `auto_written`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, localcontext
from typing import Any

from estimator.costing.plans import expected_cost, priced_plan
from estimator.costing.pricer import Pricer
from estimator.pricing.catalog import Catalog
from estimator.pricing.models import MINUTES_PER_DAY, ModelInfo
from estimator.pricing.rules import window_edges
from estimator.strategies.base import Strategy
from estimator.workload.request import Request

COORDS = ("p", "c", "r", "k", "w", "a")
BASE = (1000.0, 400.0, 100.0, 200.0, 50.0, 60.0)  # a request no cap or tier bends
PRECISION = 60  # decimal digits while pricing cells (means are fractions of tokens)
STEP = Decimal("1e-12")  # the step of the exact slopes (f is affine around a cell's mean)
UNIFORM_HOURS = tuple(Decimal(1) / 24 for _ in range(24))

Coef = tuple[Decimal, ...]


EVERY = "*"  # the log names no model: every model that reasons thinks as much as the row did


def request_at(x: Sequence[Any], logged: str | None = EVERY) -> Request:
    """The request of a log row at coordinates x (scenario terms: visible output = c - r).
    The row's reasoning is its logged model's (`logged`, a catalog id): that model thinks as
    much again, every other one as much as its own profile (None: the row's model is unknown,
    so every model thinks its profile); EVERY: a log that names no models (the row's
    reasoning is every reasoning model's)."""
    p, c, r, k, w, a = x
    if logged == EVERY:
        return Request(p, c - r, r, k, w, a)
    mine = {} if logged is None else {logged: r}
    return Request(p, c - r, None, k, w, a, reasoning_by_model=mine)


@dataclass(frozen=True)
class Form:
    """A linear form of the coordinates, cut at `edges`: a row's index is how many edges its
    value is strictly above."""

    coef: Coef
    edges: tuple[Decimal, ...]

    def value(self, x: Sequence[Decimal]) -> Decimal:
        return sum((c * v for c, v in zip(self.coef, x, strict=True)), Decimal(0))

    def index(self, x: Sequence[Decimal]) -> int:
        value = self.value(x)
        return sum(1 for edge in self.edges if value > edge)


@dataclass(frozen=True)
class CellSpec:
    """The cuts of every strategy: linear forms with their edges, and minute-of-day edges."""

    forms: tuple[Form, ...]
    minute_edges: tuple[int, ...]  # cuts inside (0, 1440), sorted

    def piece(self, minute: int | None) -> int:
        """-1 for a row without a date, else how many minute edges are at or before it."""
        if minute is None:
            return -1
        return sum(1 for edge in self.minute_edges if minute >= edge)

    def piece_minute(self, piece: int) -> int | None:
        """A minute inside a piece (its first), None for rows without a date."""
        if piece < 0:
            return None
        return (0, *self.minute_edges)[piece]

    def key(self, x: Sequence[Decimal]) -> tuple[int, ...]:
        return tuple(form.index(x) for form in self.forms)

    def fingerprint(self) -> str:
        text = repr((self.forms, self.minute_edges)).encode()
        return hashlib.sha256(text).hexdigest()[:16]


@dataclass
class _Cuts:
    """Cuts gathered while probing: (coefficients) -> edges, and minute edges."""

    forms: dict[Coef, set[Decimal]] = field(default_factory=dict)
    minutes: set[int] = field(default_factory=set)

    def add(self, coef: Coef, const: Decimal, thresholds: Iterable[Decimal | int]) -> None:
        if not any(coef):
            return  # a constant: the same side for every row
        edges = self.forms.setdefault(coef, set())
        edges.update(Decimal(t) - const for t in thresholds)


def _number(value: float) -> Decimal:
    return Decimal(repr(float(value))).normalize()


def _form(values: Any, points: int) -> tuple[Coef, Decimal]:
    """(coefficients, constant) of an affine quantity sampled at BASE and BASE + e_i."""
    import numpy as np

    sampled = np.broadcast_to(np.asarray(values, dtype=float), (points,))
    coef = tuple(_number(sampled[i + 1] - sampled[0]) for i in range(len(COORDS)))
    const = _number(sampled[0]) - sum(
        (c * _number(b) for c, b in zip(coef, BASE, strict=True)), Decimal(0)
    )
    return coef, const.normalize()


def _probe_request(logged: str | None = EVERY) -> tuple[Request, int]:
    import numpy as np

    points = len(COORDS) + 1
    grid = np.tile(np.array(BASE), (points, 1))
    for i in range(len(COORDS)):
        grid[i + 1, i] += 1.0
    return request_at([grid[:, j] for j in range(len(COORDS))], logged), points


def _thresholds(model: ModelInfo) -> list[int]:
    return [o.min_prompt_tokens for o in model.pricing.overrides if o.min_prompt_tokens is not None]


@dataclass(frozen=True)
class _Limits:
    """Where calls of one model bend: tier thresholds, context limit, window edges."""

    tiers: tuple[int, ...]
    contexts: tuple[int, ...]
    minutes: tuple[int, ...]
    # the reasoning profiles a model of these limits may think (wide: every one of the
    # catalog): a call whose reasoning is its model's profile needs a context cut per profile
    profiles: tuple[int, ...] = ()


def _catalog_limits(catalog: Catalog) -> _Limits:
    from estimator.workload.reasoning import reasoning_profile

    tiers: set[int] = set()
    contexts: set[int] = set()
    minutes: set[int] = set()
    profiles: set[int] = {0}
    for model in catalog:
        tiers.update(_thresholds(model))
        if model.max_context:
            contexts.add(model.max_context)
        minutes |= window_edges(model.pricing)
        profiles.add(int(reasoning_profile(model).tokens))
    return _Limits(tuple(tiers), tuple(contexts), tuple(minutes), tuple(sorted(profiles)))


def _model_limits(model: ModelInfo) -> _Limits:
    contexts = (model.max_context,) if model.max_context else ()
    return _Limits(tuple(_thresholds(model)), contexts, tuple(window_edges(model.pricing)))


def _probe(strategy: Strategy, catalog: Catalog, cuts: _Cuts, wide: _Limits | None) -> None:
    """Add the cuts of one strategy's plan (`wide`: the catalog's limits for every call), for
    every way the row's reasoning may be read: every model's, each of its models' alone, or
    none of them (the union of the cuts holds each: finer cells are exact too)."""
    for logged in (EVERY, None, *sorted({m.id for m in strategy.models()})):
        _probe_as(strategy, catalog, cuts, wide, logged)


def _probe_as(
    strategy: Strategy, catalog: Catalog, cuts: _Cuts, wide: _Limits | None, logged: str | None
) -> None:
    request, points = _probe_request(logged)
    plan = strategy.expand(request)
    varies = any(not isinstance(b.probability, Decimal | int | float) for b in plan.branches)
    for branch in plan.branches:
        for call in branch.calls:
            limits = wide or _model_limits(catalog.get_exact(call.model))
            cuts.minutes.update(limits.minutes)
            prompt = _form(call.input_tokens, points)
            cuts.add(prompt[0], prompt[1], limits.tiers)
            out = _form(call.output_tokens, points)
            thinking = _form(call.reasoning_tokens, points)
            emitted = tuple(a + b for a, b in zip(out[0], thinking[0], strict=True))
            if varies:  # the weights depend on whether the model's context holds the call
                need = tuple(a + b for a, b in zip(prompt[0], emitted, strict=True))
                cuts.add(need, prompt[1] + out[1] + thinking[1], limits.contexts)
                if wide is not None and not any(thinking[0]):  # a profile: any model's
                    for profile in wide.profiles:
                        cuts.add(need, prompt[1] + out[1] + profile, limits.contexts)
            cap = call.max_output_tokens
            if isinstance(cap, Decimal | int | float):  # min(reasoning, cap), min(out, cap - r)
                cuts.add(thinking[0], thinking[1], [Decimal(str(cap))])
                cuts.add(emitted, out[1] + thinking[1], [Decimal(str(cap))])


def _depends_on_workload(strategy: Strategy, catalog: Catalog) -> bool:
    probe = Request(Decimal(5000), Decimal(800))
    return strategy.for_workload(probe, catalog) is not strategy


def cell_spec(strategies: Sequence[Strategy], catalog: Catalog) -> CellSpec:
    """The cuts of all `strategies` together (one set of cells serves them all)."""
    cuts = _Cuts()
    wide = None
    for strategy in strategies:
        if _depends_on_workload(strategy, catalog):
            wide = wide or _catalog_limits(catalog)
            for mean in (
                Request(Decimal(300), Decimal(100)),
                Request(Decimal(20000), Decimal(2000)),
            ):
                _probe(strategy.for_workload(mean, catalog), catalog, cuts, wide)
        _probe(strategy, catalog, cuts, wide)
    forms = tuple(Form(coef, tuple(sorted(edges))) for coef, edges in sorted(cuts.forms.items()))
    minutes = tuple(sorted(m for m in cuts.minutes if 0 < m < MINUTES_PER_DAY))
    return CellSpec(forms, minutes)


# -- pricing cells ---------------------------------------------------------------------------


@dataclass
class CellSums:
    """Rows of one cell of one group: count and token sums (exact)."""

    n: int
    sums: tuple[Decimal, ...]  # over COORDS


class CellPricer:
    """Exact totals of a strategy over cells: f at each class's mean and its slopes there."""

    def __init__(
        self,
        strategy: Strategy,
        catalog: Catalog,
        spec: CellSpec,
        when: datetime,
        named: bool = False,
    ) -> None:
        """`named`: the log names its models (a row's reasoning is then its own model's)."""
        self.strategy, self.catalog, self.spec, self.when = strategy, catalog, spec, when
        self.named = named
        self._pricers: dict[int, Pricer] = {}
        self._ids: dict[str | None, str | None] = {}

    def logged(self, name: str | None) -> str | None:
        """A logged model name as the request reads it: its catalog id (None: unknown)."""
        if not self.named:
            return EVERY
        if name not in self._ids:
            from estimator.errors import UserError

            try:
                self._ids[name] = None if name is None else self.catalog.resolve(name).id
            except UserError:
                self._ids[name] = None
        return self._ids[name]

    def _pricer(self, piece: int) -> Pricer:
        if piece not in self._pricers:
            minute = self.spec.piece_minute(piece)
            self._pricers[piece] = Pricer(
                self.catalog, UNIFORM_HOURS, self.when, minute, windows=minute is not None
            )
        return self._pricers[piece]

    def cost(self, x: Sequence[Decimal], piece: int, logged: str | None = EVERY) -> Decimal:
        plan = self.strategy.expand(request_at(x, logged))
        return expected_cost(priced_plan(plan, self._pricer(piece)))

    def affine(
        self, key: tuple[int, ...], piece: int, mean: Sequence[Decimal], logged: str | None
    ) -> tuple[Decimal, tuple[Decimal, ...]]:
        """(f at `mean`, its slope along each coordinate), stepping to the side of the mean
        that stays in the cell."""
        at = self.cost(mean, piece, logged)
        slopes = []
        for i in range(len(COORDS)):
            step = STEP
            moved = [*mean]
            moved[i] = mean[i] + step
            if self.spec.key(moved) != key:
                step = -STEP
                moved[i] = mean[i] + step
            slopes.append((self.cost(moved, piece, logged) - at) / step)
        return at, tuple(slopes)

    def totals(
        self, classes: dict[tuple[tuple[int, ...], int, str | None], list[tuple[Any, CellSums]]]
    ) -> dict[Any, Decimal]:
        """The strategy's cost of every group: {group label: exact USD}. `classes` maps a
        (cell key, piece, logged model) to the groups of rows in it, each with its label and
        sums."""
        out: dict[Any, Decimal] = {}
        with localcontext() as context:
            context.prec = PRECISION
            for (key, piece, model), groups in classes.items():
                logged = self.logged(model)
                n = sum(g.n for _, g in groups)
                totals = [sum((g.sums[i] for _, g in groups), Decimal(0)) for i in range(6)]
                mean = [t / n for t in totals]
                if len(groups) == 1:
                    label, sums = groups[0]
                    out[label] = out.get(label, Decimal(0)) + n * self.cost(mean, piece, logged)
                    continue
                at, slopes = self.affine(key, piece, mean, logged)
                for label, sums in groups:
                    moved = sum(
                        (
                            s * (t - sums.n * m)
                            for s, t, m in zip(slopes, sums.sums, mean, strict=True)
                        ),
                        Decimal(0),
                    )
                    out[label] = out.get(label, Decimal(0)) + sums.n * at + moved
        return {label: +value for label, value in out.items()}
