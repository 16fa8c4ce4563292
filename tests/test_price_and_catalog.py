"""Prices are exact Decimals or dynamic; the catalog finds models by id, slug or alias and picks
the prices in force (long-context tiers, UTC time windows, later overrides win per key)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from estimator.errors import DynamicPriceError, UnknownModelError, UserError
from estimator.pricing.catalog import Catalog, CatalogMeta
from estimator.pricing.models import ModelInfo
from estimator.pricing.payload import PayloadError, validate_rows
from estimator.pricing.price import Price
from tests.pricing_helpers import per_token

D = Decimal
ROUTERS = (
    "openrouter/auto",
    "openrouter/auto-beta",
    "openrouter/fusion",
    "openrouter/pareto-code",
    "openrouter/bodybuilder",
)


def model(model_id: str, pricing: dict[str, Any], **extra: Any) -> ModelInfo:
    return ModelInfo.model_validate({"id": model_id, "pricing": pricing, **extra})


def catalog_of(*models: ModelInfo) -> Catalog:
    meta = CatalogMeta(
        fetched_at=datetime(2026, 8, 19, tzinfo=UTC), source="test", model_count=len(models)
    )
    return Catalog(models, meta)


# --- Price -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0.000005", "0.000005"),
        ("0.0000025", "0.0000025"),
        ("0", "0"),
        (" 0.01 ", "0.01"),
        ("1e-6", "0.000001"),
        ("0.000000022", "0.000000022"),
    ],
)
def test_price_parses_decimal_string_to_exact_decimal(raw: str, expected: str) -> None:
    price = Price(raw)
    assert type(price.value) is Decimal
    assert price.value == D(expected)
    assert not price.is_dynamic


def test_price_arithmetic_is_exact_not_float() -> None:
    total = Price("0.1").value + Price("0.2").value
    assert total == D("0.3")  # 0.1 + 0.2 != 0.3 in binary floating point
    assert Price("0.0000025").per_million() == D("2.5")
    assert str(Price("0.000015").per_million()) == "15"


@settings(max_examples=60, deadline=None)
@given(st.decimals(min_value=0, max_value=1000, places=12, allow_nan=False, allow_infinity=False))
def test_any_non_negative_decimal_string_round_trips(value: Decimal) -> None:
    price = Price(str(value))
    assert type(price.value) is Decimal
    assert price.value == value


def test_minus_one_is_dynamic_and_has_no_value() -> None:
    price = Price("-1")
    assert price.is_dynamic
    assert price.raw == "-1"
    with pytest.raises(DynamicPriceError, match="dynamic"):
        _ = price.value
    with pytest.raises(DynamicPriceError):
        price.per_million()
    assert price != Price("1")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("abc", "not a decimal number"),
        ("", "not a decimal number"),
        ("NaN", "not a finite number"),
        ("sNaN", "not a finite number"),
        ("Infinity", "not a finite number"),
        ("-Infinity", "not a finite number"),
        ("-5", "negative"),
        ("-0.000001", "negative"),
        (5, "decimal string, got int"),
        (0.5, "decimal string, got float"),
        (None, "decimal string, got NoneType"),
        (D("5"), "decimal string, got Decimal"),
    ],
)
def test_invalid_prices_are_rejected(raw: Any, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        Price(raw)


@pytest.mark.parametrize("bad", ["abc", "NaN", "-5", "Infinity", 5])
def test_invalid_price_in_a_row_names_row_and_field(bad: Any) -> None:
    good = {"id": "a/ok", "pricing": {"prompt": "0.000001", "completion": "0.000002"}}
    broken = {"id": "b/broken", "pricing": {"prompt": bad, "completion": "0.000002"}}
    with pytest.raises(ValidationError):
        ModelInfo.model_validate(broken)
    with pytest.raises(PayloadError) as info:
        validate_rows([good, broken], "payload.json")
    message = str(info.value)
    assert "payload.json: data[1] (b/broken): pricing.prompt" in message


# --- dynamic prices in the real catalog ------------------------------------------------------


@pytest.mark.parametrize("router", ROUTERS)
def test_routers_are_dynamic_never_zero_or_negative(catalog: Catalog, router: str) -> None:
    pricing = catalog.get(router).pricing
    assert pricing.is_dynamic
    assert pricing.prices["prompt"].is_dynamic


def test_rates_usd_of_dynamic_price_raises_a_clear_error(catalog: Catalog) -> None:
    rates = catalog.rates("openrouter/auto", prompt_tokens=1000)
    with pytest.raises(DynamicPriceError) as info:
        rates.usd("prompt")
    message = str(info.value)
    assert "openrouter/auto" in message
    assert "'prompt'" in message
    assert "dynamic" in message
    assert "strategy" in message
    assert info.value.exit_code == 2
    with pytest.raises(DynamicPriceError, match="'completion'"):
        rates.usd("completion")


def test_rates_usd_is_zero_only_for_a_key_the_model_does_not_charge(catalog: Catalog) -> None:
    rates = catalog.rates("anthropic/claude-opus-5")
    assert not rates.has("internal_reasoning")
    assert rates.usd("internal_reasoning") == 0
    assert rates.has("web_search")
    assert rates.usd("web_search") == D("0.01")


# --- lookup ------------------------------------------------------------------------------------


def test_lookup_by_id(catalog: Catalog) -> None:
    found = catalog.resolve("anthropic/claude-opus-5")
    assert (found.id, found.via, found.alias) == ("anthropic/claude-opus-5", "id", None)
    assert catalog.rates("anthropic/claude-opus-5").usd("prompt") == D("0.000005")


def test_lookup_by_canonical_slug(catalog: Catalog) -> None:
    assert "anthropic/claude-opus-5-20260723" in catalog
    found = catalog.resolve("anthropic/claude-opus-5-20260723")
    assert found.id == "anthropic/claude-opus-5"
    assert found.via == "canonical_slug"
    assert found.requested == "anthropic/claude-opus-5-20260723"


def test_alias_resolves_to_the_concrete_model_it_bills_as(catalog: Catalog) -> None:
    found = catalog.resolve("~anthropic/claude-opus-latest")
    assert found.id == "anthropic/claude-opus-5"
    assert found.via == "alias"
    assert found.alias == "~anthropic/claude-opus-latest"
    assert catalog.rates("~anthropic/claude-opus-latest").model_id == "anthropic/claude-opus-5"
    # the alias row itself is still there, unresolved
    assert catalog.get_exact("~anthropic/claude-opus-latest").alias_target is not None


@pytest.mark.parametrize(
    ("typo", "obvious"),
    [
        ("anthropic/claude-opus5", "anthropic/claude-opus-5"),
        ("openai/gpt-5.6-sl", "openai/gpt-5.6-sol"),
        ("Anthropic/Claude-Opus-5", "anthropic/claude-opus-5"),
    ],
)
def test_unknown_id_suggests_exactly_three_including_the_obvious_one(
    catalog: Catalog, typo: str, obvious: str
) -> None:
    with pytest.raises(UnknownModelError) as info:
        catalog.resolve(typo)
    error = info.value
    assert len(error.suggestions) == 3
    assert len(set(error.suggestions)) == 3
    assert obvious in error.suggestions
    assert all(s in catalog.ids for s in error.suggestions)
    assert "did you mean" in str(error)
    assert isinstance(error, UserError)
    assert typo not in catalog


def test_alias_to_a_missing_model_is_a_clear_error() -> None:
    alias = model(
        "~x/y-latest",
        {"prompt": "0.000001", "completion": "0.000001"},
        alias_target={"slug": "x/gone"},
    )
    with pytest.raises(UserError, match=r"'x/gone'.*not in the catalog"):
        catalog_of(alias).resolve("~x/y-latest")


def test_alias_chain_is_followed_and_a_cycle_terminates() -> None:
    prices = {"prompt": "0.000001", "completion": "0.000001"}
    chained = catalog_of(
        model("~a/one", prices, alias_target={"slug": "~a/two"}),
        model("~a/two", prices, alias_target={"slug": "a/real"}),
        model("a/real", prices),
    )
    found = chained.resolve("~a/one")
    assert (found.id, found.via, found.alias) == ("a/real", "alias", "~a/one")

    cycle = catalog_of(
        model("~c/one", prices, alias_target={"slug": "~c/two"}),
        model("~c/two", prices, alias_target={"slug": "~c/one"}),
    )
    with pytest.raises(UserError):
        cycle.resolve("~c/one")


def test_duplicate_ids_are_refused() -> None:
    prices = {"prompt": "0.000001", "completion": "0.000001"}
    with pytest.raises(UserError, match="duplicate model id 'a/b'"):
        catalog_of(model("a/b", prices), model("a/b", prices))


# --- long-context tier -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt_tokens", "prompt", "completion", "cache_read"),
    [
        (0, "0.0000025", "0.000015", "0.00000025"),
        (271_999, "0.0000025", "0.000015", "0.00000025"),
        # strictly greater than min_prompt_tokens: exactly 272,000 is still the base tier
        (272_000, "0.0000025", "0.000015", "0.00000025"),
        (272_001, "0.000005", "0.0000225", "0.0000005"),
        (1_000_000, "0.000005", "0.0000225", "0.0000005"),
    ],
)
def test_long_context_tier_of_gpt_5_6_sol(
    catalog: Catalog, prompt_tokens: int, prompt: str, completion: str, cache_read: str
) -> None:
    rates = catalog.rates("openai/gpt-5.6-sol", prompt_tokens=prompt_tokens)
    for key, expected in (
        ("prompt", prompt),
        ("completion", completion),
        ("input_cache_read", cache_read),
    ):
        value = rates.usd(key)
        assert type(value) is Decimal
        assert value == D(expected), (key, prompt_tokens)
    assert rates.usd("web_search") == D("0.01")  # the tier does not set it: base stays


# --- time-of-day windows -----------------------------------------------------------------------

CHEAP = (per_token("0.66"), per_token("1.98"), D("0.000000022"))
PEAK = (per_token("1.32"), per_token("3.96"), D("0.000000044"))


@pytest.mark.parametrize(
    ("minute", "expected"),
    [
        (0, CHEAP),  # 10:00-01:00 wraps midnight
        (59, CHEAP),
        (60, PEAK),  # 01:00-04:00
        (239, PEAK),
        (240, CHEAP),  # 04:00-06:00
        (359, CHEAP),
        (360, PEAK),  # 06:00-10:00
        (599, PEAK),
        (600, CHEAP),  # 10:00 starts the wrapping window
        (23 * 60 + 59, CHEAP),
    ],
)
def test_deepseek_v4_pro_time_windows(
    catalog: Catalog, minute: int, expected: tuple[Decimal, ...]
) -> None:
    rates = catalog.rates("deepseek/deepseek-v4-pro", 0, minute)
    got = (rates.usd("prompt"), rates.usd("completion"), rates.usd("input_cache_read"))
    assert got == expected


def test_deepseek_v4_pro_every_minute_of_the_day(catalog: Catalog) -> None:
    peak_minutes = set(range(60, 240)) | set(range(360, 600))
    for minute in range(24 * 60):
        expected = PEAK if minute in peak_minutes else CHEAP
        assert catalog.rates("deepseek/deepseek-v4-pro", 0, minute).usd("prompt") == expected[0]


def test_no_time_given_means_base_prices(catalog: Catalog) -> None:
    rates = catalog.rates("deepseek/deepseek-v4-pro", 0, None)
    assert rates.usd("prompt") == per_token("0.66")
    assert rates.usd("completion") == per_token("1.98")


@pytest.mark.parametrize(
    ("hour", "expected"),
    [
        (0, CHEAP),
        (1, PEAK),
        (3, PEAK),
        (4, CHEAP),
        (5, CHEAP),
        (6, PEAK),
        (9, PEAK),
        (10, CHEAP),
        (23, CHEAP),
    ],
)
def test_rates_at_hour(catalog: Catalog, hour: int, expected: tuple[Decimal, ...]) -> None:
    rates = catalog.rates_at_hour("deepseek/deepseek-v4-pro", 0, hour)
    assert (rates.usd("prompt"), rates.usd("completion")) == expected[:2]


@pytest.mark.parametrize("hour", [-1, 24])
def test_rates_at_hour_rejects_impossible_hours(catalog: Catalog, hour: int) -> None:
    with pytest.raises(UserError, match=f"hour {hour} is outside 0-23"):
        catalog.rates_at_hour("deepseek/deepseek-v4-pro", 0, hour)


# --- overrides built by hand -------------------------------------------------------------------


def test_later_override_wins_only_for_the_keys_it_sets() -> None:
    info = model(
        "t/overlap",
        {
            "prompt": "0.000001",
            "completion": "0.000002",
            "input_cache_read": "0.0000001",
            "overrides": [
                {"min_prompt_tokens": 100, "prompt": "0.000010", "completion": "0.000020"},
                {"min_prompt_tokens": 200, "prompt": "0.000030"},
            ],
        },
    )
    rates = catalog_of(info).rates
    below = rates("t/overlap", 99)
    assert (below.usd("prompt"), below.usd("completion")) == (D("0.000001"), D("0.000002"))
    first = rates("t/overlap", 150)
    assert (first.usd("prompt"), first.usd("completion")) == (D("0.000010"), D("0.000020"))
    both = rates("t/overlap", 250)
    assert both.usd("prompt") == D("0.000030")  # the later entry wins for the key it sets
    assert both.usd("completion") == D("0.000020")  # ... and only for that key
    assert both.usd("input_cache_read") == D("0.0000001")  # untouched by both


def test_override_order_not_threshold_decides() -> None:
    info = model(
        "t/order",
        {
            "prompt": "0.000001",
            "completion": "0.000002",
            "overrides": [
                {"min_prompt_tokens": 200, "prompt": "0.000030"},
                {"min_prompt_tokens": 100, "prompt": "0.000010"},
            ],
        },
    )
    assert catalog_of(info).rates("t/order", 250).usd("prompt") == D("0.000010")


def test_window_and_tier_together_need_both_conditions() -> None:
    info = model(
        "t/both",
        {
            "prompt": "0.000001",
            "completion": "0.000002",
            "overrides": [
                {"min_prompt_tokens": 1000, "utc_start": 2200, "utc_end": 200, "prompt": "0.5"},
                {"utc_start": 1200, "utc_end": 1200, "completion": "0.7"},  # start == end: all day
            ],
        },
    )
    rates = catalog_of(info).rates
    assert rates("t/both", 1001, 23 * 60).usd("prompt") == D("0.5")
    assert rates("t/both", 1001, 60).usd("prompt") == D("0.5")
    assert rates("t/both", 1000, 23 * 60).usd("prompt") == D("0.000001")  # not above 1,000
    assert rates("t/both", 1001, 3 * 60).usd("prompt") == D("0.000001")
    assert rates("t/both", 0, 7).usd("completion") == D("0.7")
    assert rates("t/both", 0, None).usd("completion") == D("0.000002")


@pytest.mark.parametrize(
    "override",
    [
        {"utc_start": 100, "prompt": "0.1"},  # window without an end
        {"utc_start": 160, "utc_end": 200, "prompt": "0.1"},  # not HHMM
        {"utc_start": 100, "utc_end": 2500, "prompt": "0.1"},
        {"min_prompt_tokens": -1, "prompt": "0.1"},
        {"min_prompt_tokens": 10, "prompt": "NaN"},
    ],
)
def test_malformed_overrides_are_rejected(override: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        model("t/bad", {"prompt": "0.1", "completion": "0.1", "overrides": [override]})


def test_pricing_needs_prompt_and_completion() -> None:
    with pytest.raises(ValidationError, match="pricing lacks completion"):
        model("t/half", {"prompt": "0.1"})


def test_unknown_extra_fields_in_a_row_are_tolerated() -> None:
    info = ModelInfo.model_validate(
        {
            "id": "t/future",
            "name": "Future",
            "brand_new_field": {"nested": [1, 2, 3]},
            "another": None,
            "architecture": {"modality": "text->text", "new_arch_field": True},
            "top_provider": {"context_length": 1000, "is_moderated": False, "new": "x"},
            "benchmarks": {"artificial_analysis": {"intelligence_index": 50}, "other": {}},
            "pricing": {
                "prompt": "0.000001",
                "completion": "0.000002",
                "discount": 0,
                "some_new_unit": "0.003",
                "image": None,
            },
        }
    )
    assert info.id == "t/future"
    assert info.max_context == 1000
    assert info.pricing.prices["some_new_unit"].value == D("0.003")
    assert "image" not in info.pricing.prices
    assert "discount" not in info.pricing.prices
    assert not hasattr(info, "brand_new_field")
