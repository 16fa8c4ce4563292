"""From a log's statistics (and its hard rows) to the replay's figures.

The engines return sufficient statistics (`engines.stats`) and, the embedded ones, the rows
that need the per-row path (`engines.query`: Fusion traffic, BYOK, fees, rows that differ
from their bill). Here:
- each strategy is priced exactly from the cells' token sums (`engines.cells`);
- the calibration starts from the bands' exact repricing of the rows the engine compared
  (the rule applied to token sums: it is linear inside a band); the hard rows are calibrated
  one by one (`calibration.Calibrator`), and the Fusion sums take Fusion traffic;
- the profile is filled from the sums and histograms (`profile.ProfileSums`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from estimator.costing.pricer import expected_vector_cost
from estimator.logs.calibration import Calibrator, _ModelSums, ledger
from estimator.logs.engines.bands import BandTable
from estimator.logs.engines.cells import COORDS, CellPricer, CellSums
from estimator.logs.engines.stats import Stats
from estimator.logs.observed import FusionSums, log_request, model_ids
from estimator.logs.profile import HIST_SIZE, ProfileSums
from estimator.logs.rows import Rows
from estimator.pricing.catalog import Catalog
from estimator.pricing.rules import Usage, token_charges
from estimator.strategies.base import Strategy
from estimator.workload.request import Request

Label = tuple[int, int, tuple[Any, ...]]  # (lane, day, attribution values)
# (cell key, piece, logged model) -> the groups of rows in it, with their labels
Classes = dict[tuple[tuple[int, ...], int, str | None], list[tuple[Label, CellSums]]]


def cell_parts(keys: Sequence[Any], forms: int) -> tuple[int, tuple[int, ...], Label, str | None]:
    """A `cells` key (query.py: piece, forms, lane, day, groups, model) as (piece, cell key,
    label, logged model)."""
    piece, key = int(keys[0]), tuple(int(k) for k in keys[1 : 1 + forms])
    label: Label = (int(keys[1 + forms]), int(keys[2 + forms]), tuple(keys[3 + forms : -1]))
    model = keys[-1]
    return piece, key, label, None if model is None else str(model)


LANE_KNOWN, LANE_HARD = 1, 2


def band_cost(bands: BandTable, band_id: int, values: dict[str, Any]) -> Decimal:
    """The exact token cost of rows of one band from their sums: the rule is linear in the
    tokens, and the per-call fee counts once per row."""
    rates = bands.by_id[band_id].band.rates
    usage = Usage(values["sp"], values["sc"], values["sr"], values["sk"], values["sw"])
    charges = token_charges(usage, rates)
    return Decimal(charges.tokens - charges.request + values["n"] * rates.request)


@dataclass
class HardPart:
    """What the hard rows add: Fusion sums, and for their plain rows the bill and the
    strategies' cost of those whose bill is known (for the comparison with the log)."""

    fusion: FusionSums = field(default_factory=FusionSums)
    paid: float = 0.0
    plain: list[tuple[Rows, np.ndarray]] = field(default_factory=list)

    def add(self, rows: Rows, calibrator: Calibrator | None) -> None:
        if not len(rows):
            return
        fusion = np.zeros(len(rows), dtype=bool)
        for flags in (rows.fusion, rows.fusion_member):
            if flags is not None:
                fusion |= flags
        self.fusion.add(rows, fusion)
        billed = ledger(rows)
        if calibrator is not None:
            calibrator.add(rows, billed)
        if (~fusion).any():
            plain = rows.subset(~fusion) if fusion.any() else rows
            paid = billed.paid[~fusion]
            known = ~np.isnan(paid)
            self.paid += float(paid[known].sum())
            self.plain.append((plain, known))

    def known_cost(self, strategy: Strategy, catalog: Catalog, when: float) -> float:
        """The strategy's cost of the plain hard rows whose bill is known (vectorised)."""
        total = 0.0
        for rows, known in self.plain:
            if known.any():
                ids = model_ids(rows.models, catalog) if rows.model is not None else None
                plan = strategy.expand(log_request(rows, ids, catalog))
                cost = expected_vector_cost(plan.branches, catalog, rows.minutes, when)
                total += float(np.broadcast_to(cost, (len(rows),))[known].sum())
        return total


def cell_classes(stats: Stats, forms: int) -> tuple[Classes, dict[str, Decimal]]:
    """The `cells` statistics by (cell key, piece), each group labelled (lane, day, groups),
    and the token totals over every plain row."""
    classes: Classes = {}
    totals = {name: Decimal(0) for name in ("n", *COORDS)}
    for keys, values in sorted(stats.get("cells").items(), key=lambda kv: repr(kv[0])):
        piece, key, label, model = cell_parts(keys, forms)
        sums = CellSums(int(values["n"]), tuple(Decimal(values[f"s{x}"] or 0) for x in COORDS))
        classes.setdefault((key, piece, model), []).append((label, sums))
        totals["n"] += sums.n
        for x, s in zip(COORDS, sums.sums, strict=True):
            totals[x] += s
    return classes, totals


def mean_request(totals: dict[str, Decimal]) -> Request | None:
    """The log's mean request as the Auto Router ranks for it (whole tokens)."""
    n = totals["n"]
    if not n:
        return None

    def whole(value: Decimal) -> Decimal:
        return Decimal(round(float(value / n)))

    # each candidate with its own reasoning profile: the log's reasoning is its own models'
    return Request(whole(totals["p"]), whole(totals["c"] - totals["r"]), None)


def strategy_totals(pricer: CellPricer, classes: Classes) -> dict[Label, Decimal]:
    return pricer.totals(classes)


def profile_sums(stats: Stats, totals: dict[str, Decimal], has_writes: bool) -> ProfileSums:
    """The profile's running sums, from the statistics."""
    sums = ProfileSums()
    sums.rows = int(totals["n"])
    sums.prompt = float(totals["p"])
    sums.visible = float(totals["c"] - totals["r"])
    sums.reasoning = float(totals["r"])
    sums.cached = float(totals["k"])
    sums.written = float(totals["w"])
    sums.has_writes = has_writes
    for (hour,), values in stats.get("hour").items():
        if int(hour) >= 0:
            sums.hours[int(hour)] += int(values["n"])
    for name, target in (("hist_p", sums.hist_prompt), ("hist_v", sums.hist_visible)):
        for (bucket,), values in stats.get(name).items():
            target[min(int(bucket), HIST_SIZE - 1)] += int(values["n"])
    total = stats.total()
    if total.get("min_ts") is not None:
        sums.first_day = int(total["min_ts"]) / 86400
        sums.last_day = int(total["max_ts"]) / 86400
    sums.dated_rows = int(total.get("dated") or 0)
    for (model, _, _), values in sorted(stats.get("mix").items(), key=lambda kv: repr(kv[0])):
        if model is not None:
            sums.model_rows[model] = sums.model_rows.get(model, 0) + int(values["n"])
            thought = float(Decimal(values.get("sr") or 0))  # each model's own reasoning
            sums.model_reasoning[model] = sums.model_reasoning.get(model, 0.0) + thought
    return sums


@dataclass
class _Exact:
    rows: int = 0
    repriced: Decimal = Decimal(0)
    logged: Decimal = Decimal(0)
    cost: Decimal = Decimal(0)


def prefill_calibration(
    calibrator: Calibrator, stats: Stats, bands: BandTable, has_cost: bool
) -> None:
    """The rows the engine compared, into the calibrator's sums (exact repricing)."""
    exact: dict[str, _Exact] = {}
    for (band_id, covered, compared, hard, _day), values in sorted(stats.get("cal").items()):
        if hard:
            continue  # calibrated one by one
        band = bands.by_id[int(band_id)]
        n = int(values["n"])
        sums = calibrator.models.setdefault(band.name, _ModelSums())
        sums.rows_seen += n
        calibrator._catalog_use(band.used, band.model_id, n, n if covered else 0)
        if has_cost and not compared:
            continue
        total = exact.setdefault(band.name, _Exact())
        total.rows += n
        total.repriced += band_cost(bands, band.id, values)
        if not has_cost:
            continue
        total.logged += Decimal(values["logged"] or 0)
        total.cost += Decimal(values["cost"] or 0)
        if values["max_diff"] is not None:
            sums.max_difference = max(sums.max_difference, float(values["max_diff"]))
        if values["first_agree"] is not None:
            day = int(values["first_agree"]) / 86400
            sums.first_agreeing_day = min(sums.first_agreeing_day, day)
    for name, total in exact.items():
        sums = calibrator.models[name]
        sums.rows += total.rows
        sums.repriced += float(total.repriced)
        sums.logged += float(total.logged)
        calibrator.logged_total += float(total.cost)
    calibrator.has_cost = calibrator.has_cost or has_cost
    for (model, _, _), values in sorted(stats.get("mix").items(), key=lambda kv: repr(kv[0])):
        if model is not None and values["unknown"]:
            calibrator.unknown[model] = calibrator.unknown.get(model, 0) + int(values["unknown"])


def strategies_for(
    strategies: Sequence[Strategy], mean: Request | None, catalog: Catalog
) -> list[Strategy]:
    """The strategies as replayed: the Auto Router's tiers ranked for the log's mean request."""
    if mean is None:
        return list(strategies)
    return [s.for_workload(mean, catalog) for s in strategies]
