"""The report's what-if grid against full estimates: at a slider stop, the headline Python
precomputed (decision/whatif.py, worded by renderers/headline.py) equals the headline of a
full estimate of the scenario with that volume, cost per error and invocation rate. The
browser test walks every stop of the page against the grid; this one ties the grid to the
estimate itself (every stop of each slider alone by default, every combination under
`-m slow`)."""

from __future__ import annotations

import copy
import itertools
from typing import Any

import pytest

from estimator.api import Options, estimate
from estimator.scenario.io import validate_scenario
from tests.report_helpers import SAMPLES, example_data, headline_of, headlines_at_every_stop


def _grid(catalog: Any) -> tuple[Any, list[list[str]]]:
    found = estimate(
        validate_scenario(example_data(), "example"),
        catalog,
        Options(samples=SAMPLES, what_if=True),
    )
    return found, headlines_at_every_stop(found)


def _at(catalog: Any, volume: float, cpe: float, rate: float) -> list[str]:
    data = copy.deepcopy(example_data())
    data["workload"]["requests_per_month"] = int(volume)
    data["decision"]["cost_per_error_usd"] = cpe
    for strategy in data["strategies"]:
        if "fusion" in strategy:
            strategy["fusion"]["invocation_rate"] = rate
    return headline_of(estimate(validate_scenario(data, "stop"), catalog, Options(samples=SAMPLES)))


def _stops(found: Any, every: bool) -> list[tuple[int, int, int]]:
    w = found.decision.what_if
    own = (
        w.rates.index(1.0),
        w.volumes.index(found.workload.requests_per_month),
        w.costs_per_error.index(float(found.decision.cost_per_error_usd)),
    )
    sizes = (len(w.rates), len(w.volumes), len(w.costs_per_error))
    if every:
        return list(itertools.product(*(range(n) for n in sizes)))
    alone = set()
    for axis, n in enumerate(sizes):
        for i in range(n):
            stop = list(own)
            stop[axis] = i
            alone.add(tuple(stop))
    return sorted(alone)


def _check(catalog: Any, every: bool) -> int:
    found, grid = _grid(catalog)
    w = found.decision.what_if
    nv, nc = len(w.volumes), len(w.costs_per_error)
    stops = _stops(found, every)
    for r, v, c in stops:
        want = _at(catalog, w.volumes[v], w.costs_per_error[c], w.rates[r])
        assert grid[(r * nv + v) * nc + c] == want, (w.rates[r], w.volumes[v], w.costs_per_error[c])
    return len(stops)


def test_every_stop_of_each_slider_is_the_full_estimate(catalog: Any) -> None:
    assert _check(catalog, every=False) == 9 + 12 + 6 - 2


@pytest.mark.slow
def test_every_combination_of_stops_is_the_full_estimate(catalog: Any) -> None:
    assert _check(catalog, every=True) == 9 * 12 * 6
