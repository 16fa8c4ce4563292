"""pandas views hold the same numbers as the Estimate they come from."""

from __future__ import annotations

import pytest

from estimator.api import Options, estimate
from estimator.renderers.frames import estimate_frames
from estimator.scenario.io import load_scenario


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


def test_replay_frame_has_one_row_per_strategy(catalog, tmp_path) -> None:
    from estimator.logs import replay
    from estimator.logs.synthlog import write
    from estimator.renderers.frames import replay_frame
    from estimator.scenario.build import build_all
    from estimator.scenario.io import validate_scenario

    log = write(tmp_path / "a.csv", 200, 1, catalog)
    scenario = validate_scenario(
        {
            "workload": {"requests_per_month": 0, "input_tokens": 0, "output_tokens": 0},
            "strategies": [{"name": "mini", "single": {"model": "openai/gpt-5.4-mini"}}],
        },
        "t",
    )
    result = replay(log, catalog, build_all(scenario, catalog))
    frame = replay_frame(result)
    assert list(frame["name"]) == ["mini"]
    assert frame.loc[0, "total_usd"] == pytest.approx(result.strategies[0].total_usd)
    assert frame.loc[0, "rows"] == 200
