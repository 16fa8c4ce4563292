"""pandas views hold the same numbers as the Estimate they come from."""

from __future__ import annotations

import pytest

from estimator.estimation import Options, estimate
from estimator.frames import estimate_frames
from estimator.scenario_io import load_scenario


def test_frames_match_the_estimate(catalog) -> None:
    result = estimate(load_scenario(), catalog, Options(samples=200))
    frames = estimate_frames(result)
    strategies = frames["strategies"].set_index("strategy")
    for s in result.strategies:
        assert strategies.loc[s.name, "monthly_usd"] == pytest.approx(float(s.monthly_usd))
    breakdown = frames["breakdown"].groupby("strategy")["cost_usd"].sum()
    for s in result.strategies:
        assert breakdown[s.name] == pytest.approx(float(s.per_request_usd), rel=1e-12)
    months = frames["projection"]
    assert len(months) == len(result.projection) * len(result.strategies)
    assert set(frames["calls"]["stage"]) >= {"decide", "panel", "analyze", "answer"}
