"""The price-band table holds the billing rule's prices and nothing else: for any model, prompt
size and minute, the one band a row joins has the coefficients `pricing.rules` gives that
call, exactly; and the engine's SQL join finds that band."""

from __future__ import annotations

import io
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from estimator.logs.engines.bands import UNDATED, BandTable, model_bands, per_million
from estimator.logs.engines.duck import DuckEngine
from estimator.logs.timeline import Timeline
from estimator.pricing.rules import EXACT, coefficients
from estimator.pricing.store import read_catalog_file
from tests.conftest import SNAPSHOT

CATALOG = read_catalog_file(SNAPSHOT)
TABLE = BandTable(Timeline(CATALOG))
PRICED = sorted({b.model_id for b in TABLE.bands})
# models with a long-context tier or a time window, and the plain ones, drawn alike
SPECIAL = [m for m in PRICED if CATALOG.get_exact(m).pricing.overrides]


def _band_for(name: str, prompt: int, minute: int | None) -> list[object]:
    """The bands the engine's join conditions hold for a row (queries.py, written again)."""
    key = UNDATED if minute is None else minute
    return [
        b
        for b in TABLE.bands
        if b.name == name
        and b.band.above < prompt <= b.band.upto
        and b.band.minute_from <= key < b.band.minute_to
        and b.valid_from <= TABLE.undated_at < b.valid_to
    ]


@settings(max_examples=300, deadline=None)
@given(
    model=st.one_of(st.sampled_from(PRICED), st.sampled_from(SPECIAL)),
    prompt=st.one_of(
        st.integers(0, 2_000_000), st.sampled_from([31999, 32000, 32001, 200000, 200001])
    ),
    minute=st.one_of(st.none(), st.integers(0, 1439), st.sampled_from([59, 60, 359, 360, 600])),
)
def test_each_row_joins_one_band_priced_by_the_rule(model, prompt, minute) -> None:
    found = _band_for(model, prompt, minute)
    assert len(found) == 1, (model, prompt, minute)
    pricing = CATALOG.get_exact(model).pricing
    assert found[0].band.rates == coefficients(pricing, Decimal(prompt), minute, EXACT, model)


def test_prices_are_stored_per_million_without_rounding() -> None:
    rates = [b.band.rates.cache_write for b in TABLE.bands]
    longest = max(rates, key=lambda r: len(str(r)))
    assert Decimal(per_million(longest)) / 1_000_000 == longest
    assert per_million(Decimal("0.0000000208333333333333")) == "0.0208333333333333"


def test_the_sql_join_finds_the_same_band() -> None:
    import random

    rng = random.Random(4)
    rows = []
    for _ in range(2000):
        model = rng.choice(SPECIAL + PRICED[:50])
        prompt = rng.choice([rng.randint(0, 400_000), 32000, 32001, 200000, 200001])
        minute = rng.choice([None, rng.randint(0, 1439)])
        rows.append((model, prompt, minute))
    duck = DuckEngine(TABLE)
    duck.con.execute("CREATE TABLE r (model VARCHAR, p BIGINT, minute BIGINT, i BIGINT)")
    duck.con.executemany(
        "INSERT INTO r VALUES (?, ?, ?, ?)", [(*row, i) for i, row in enumerate(rows)]
    )
    ts = f"COALESCE(r.minute * 60, {TABLE.undated_at})"  # minute m of day 0, or undated
    found = dict(
        duck.con.execute(
            f"SELECT r.i, b.band_id FROM r LEFT JOIN bands AS b ON b.name = r.model AND "
            f"{ts} >= b.valid_from AND {ts} < b.valid_to AND r.p > b.prompt_above AND "
            "r.p <= b.prompt_upto AND COALESCE(r.minute, -1) >= b.minute_from AND "
            "COALESCE(r.minute, -1) < b.minute_to"
        ).fetchall()
    )
    for i, (model, prompt, minute) in enumerate(rows):
        (band,) = _band_for(model, prompt, minute)
        assert found[i] == band.id  # type: ignore[attr-defined]


def test_a_router_has_no_bands_and_a_window_model_a_band_for_rows_without_a_date() -> None:
    assert "openrouter/auto" not in PRICED  # dynamic prices: an unknown model in replay
    windowed = next(m for m in SPECIAL if any(CATALOG.get_exact(m).pricing.windows()))
    bands = model_bands(CATALOG.get_exact(windowed).pricing, windowed)
    assert any(b.minute_from == UNDATED and b.minute_to == 0 for b in bands)
    text = io.StringIO()
    TABLE.write_csv(text)
    assert text.getvalue().count("\n") == len(TABLE.bands) + 1
