"""Billing fidelity against real OpenRouter bills (tests/data/real/, see its README).

The documented rule: uncached prompt tokens at `prompt`, cache reads at `input_cache_read`,
cache writes at `input_cache_write`, completion tokens (reasoning included) at `completion`,
plus tool fees. Every real call whose list price has not changed since the 2026-08-19 catalog
must be reproduced to $0.000001, row by row and in total; the others must carry their true
cause. Hand calculations below type the prices in from `fusion-cost prices show`.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from estimator.logs import replay
from estimator.logs.calibration import (
    REASON_CHANGED,
    REASON_PROVIDER,
    SEP_FUSION,
    SEP_WEB,
    SEPARATED,
)
from estimator.pricing.catalog import Catalog
from estimator.pricing.fees import days_since_epoch
from estimator.pricing.models import ModelInfo
from tests.conftest import PAYLOAD, REAL

USAGE = REAL / "openrouter-usage-2026-08.jsonl"
ACTIVITY = REAL / "openrouter-usage-2026-08-activity-columns.csv"
UNCHANGED = ("anthropic/claude-fable-5", "google/gemini-3.1-pro-preview", "x-ai/grok-4.5")
TERRA, GLM = "openai/gpt-5.6-terra", "z-ai/glm-5.2"
M = D(1_000_000)


def records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in USAGE.read_text().splitlines()]


def rows_out(path: Path, catalog: Catalog, **options: Any) -> tuple[Any, list[dict[str, str]]]:
    buffer = io.StringIO()
    result = replay(path, catalog, [], rows_out=buffer, **options)
    return result, list(csv.DictReader(io.StringIO(buffer.getvalue())))


def by_model(result: Any) -> dict[str, Any]:
    return {m.model: m for m in result.calibration.by_model}


# --- the rule by hand, on one real row per model ------------------------------------------------


def test_one_real_row_per_model_by_hand(catalog: Catalog) -> None:
    first = {}
    for record in records():
        first.setdefault(record["served_model"], record)
    # claude-fable-5: 10 / 50 per 1M; completion includes the reasoning tokens
    fable = first["anthropic/claude-fable-5"]["usage"]
    assert fable["completion_tokens_details"]["reasoning_tokens"] > 0
    by_hand = fable["prompt_tokens"] * (D(10) / M) + fable["completion_tokens"] * (D(50) / M)
    assert abs(by_hand - D(str(fable["cost"]))) <= D("0.000001")
    # grok-4.5: 2 / 6 per 1M, cache reads 0.3
    grok = first["x-ai/grok-4.5"]["usage"]
    cached = grok["prompt_tokens_details"]["cached_tokens"]
    by_hand = (
        (grok["prompt_tokens"] - cached) * (D(2) / M)
        + cached * (D("0.3") / M)
        + grok["completion_tokens"] * (D(6) / M)
    )
    assert abs(by_hand - D(str(grok["cost"]))) <= D("0.000001")
    # billing reasoning again on top would overshoot the bill
    overshoot = by_hand + grok["completion_tokens_details"]["reasoning_tokens"] * (D(6) / M)
    assert overshoot > D(str(grok["cost"])) + D("0.0001")

    _, lines = rows_out(USAGE, catalog)
    fable_id = first["anthropic/claude-fable-5"]["generation_id"]
    fable_line = next(line for line in lines if line["generation_id"] == fable_id)
    assert D(fable_line["repriced_usd"]) == pytest.approx(D(str(fable["cost"])), abs=D("1e-9"))


def test_cache_writes_of_gpt_5_6_priced_at_the_write_rate(catalog: Catalog) -> None:
    # the rows after the 2026-08-10 price cut are at today's 2 / 12 per 1M, writes 2.5, reads 0.2
    after = [
        r for r in records() if r["served_model"] == TERRA and r["captured_utc"] >= "2026-08-10T17"
    ]
    assert any(r["usage"]["prompt_tokens_details"]["cache_write_tokens"] for r in after)
    for record in after:
        usage = record["usage"]
        details = usage["prompt_tokens_details"]
        cached, written = details["cached_tokens"], details["cache_write_tokens"]
        by_hand = (
            (usage["prompt_tokens"] - cached - written) * (D(2) / M)
            + cached * (D("0.2") / M)
            + written * (D("2.5") / M)
            + usage["completion_tokens"] * (D(12) / M)
        )
        assert abs(by_hand - D(str(usage["cost"]))) <= D("0.000001")
    _, lines = rows_out(USAGE, catalog)
    ids = {r["generation_id"] for r in after}
    replayed = [line for line in lines if line["generation_id"] in ids]
    assert len(replayed) == len(after) == 5
    for line in replayed:
        assert abs(D(line["difference_usd"])) <= D("0.000001") and not line["reason"]


# --- every real usage record ---------------------------------------------------------------------


def test_unchanged_models_agree_row_by_row_and_in_total(catalog: Catalog) -> None:
    result, lines = rows_out(USAGE, catalog)
    assert result.log_kind == "usage" and result.rows_used == 697
    models = by_model(result)
    for name in UNCHANGED:
        m = models[name]
        assert m.flagged == 0, name
        assert m.max_difference_usd <= 1e-6
        assert abs(m.repriced_usd - m.logged_usd) <= 1e-6
        assert f"{m.agreement:.6f}" == "1.000000"
    assert {m.rows for n, m in models.items() if n in UNCHANGED} == {149, 162, 153}
    for line in lines:
        if line["model"] in UNCHANGED:
            assert abs(D(line["difference_usd"])) <= D("0.000001"), line
            assert line["reason"] == ""
    # nothing about them is blamed on prices
    blamed = {d.model for d in result.calibration.flag_details}
    assert blamed.isdisjoint(UNCHANGED)


def test_web_plugin_fees_are_separated_and_dated(catalog: Catalog) -> None:
    result = replay(USAGE, catalog, [])
    cal = result.calibration
    (web,) = [s for s in cal.separated if s.kind == SEPARATED[SEP_WEB]]
    # 42 Exa searches at $0.005 before 2026-08-07 23:56 UTC, and the rest at $0.007 after
    fees = []
    for record in records():
        usage = record["usage"]
        parts = usage["cost_details"]
        fee = (
            D(str(usage["cost"]))
            - D(str(parts["upstream_inference_prompt_cost"]))
            - D(str(parts["upstream_inference_completions_cost"]))
        )
        if fee > D("0.0000005"):
            fees.append((record["captured_utc"], round(fee, 6)))
    assert len(fees) == web.rows == 160
    assert {fee for when, fee in fees if when < "2026-08-07T23:56"} == {D("0.005")}
    assert {fee for when, fee in fees if when >= "2026-08-07T23:56"} == {D("0.007")}
    assert web.usd == pytest.approx(float(sum(fee for _, fee in fees)), abs=1e-9)
    assert cal.web_fees is not None and cal.web_fees.matching_dated_exa_fee == 160


def test_the_others_carry_their_cause_without_history(catalog: Catalog) -> None:
    result = replay(USAGE, catalog, [])
    details = {(d.reason, d.model): d for d in result.calibration.flag_details}
    # gpt-5.6-terra before its 2026-08-10 cut: $2.5 / $15 then, $2 / $12 in the catalog
    terra = details[(REASON_CHANGED, TERRA)]
    assert terra.rows == 218
    assert terra.billed_vs_list_min == pytest.approx(1.25) == terra.billed_vs_list_max
    # glm-5.2 through Baidu: a uniform factor too, but not a later price change: five of its
    # rows an hour earlier the same day were billed at the list price, so the list price held
    # and the 97.06% is the provider's own
    glm = details[(REASON_PROVIDER, GLM)]
    assert (glm.rows, glm.provider) == (5, "Baidu")
    assert glm.billed_vs_list_min == pytest.approx(0.9706, abs=1e-4)
    assert result.calibration.flagged_by_reason == {REASON_CHANGED: 218, REASON_PROVIDER: 5}


def dated(
    catalog: Catalog, when: datetime, changes: dict[str, dict[str, str]], tag: str
) -> Catalog:
    """The catalog as it would have read on `when` (given prices replaced)."""
    models = []
    for model in catalog:
        if model.id in changes:
            data = model.model_dump(mode="json", exclude_none=True)
            data["pricing"] = {**data["pricing"], **changes[model.id]}
            model = ModelInfo.model_validate(data)
        models.append(model)
    return Catalog(models, catalog.meta.model_copy(update={"fetched_at": when, "sha256": tag}))


TERRA_BEFORE_CUT = {  # README: $2.5 / $15 before 2026-08-10 (cache 0.1x read, 1.25x write)
    TERRA: {
        "prompt": "0.0000025",
        "completion": "0.000015",
        "input_cache_read": "0.00000025",
        "input_cache_write": "0.000003125",
    }
}


def test_with_the_catalog_history_every_row_has_its_true_cause(catalog: Catalog) -> None:
    # the history a user who refreshed on 2026-08-01 and at 16:00 on 2026-08-10 would have
    history = [
        dated(catalog, datetime(2026, 8, 1, tzinfo=UTC), TERRA_BEFORE_CUT, "aug-01"),
        dated(catalog, datetime(2026, 8, 10, 16, tzinfo=UTC), {}, "aug-10"),
    ]
    result, lines = rows_out(USAGE, catalog, history=history)
    models = by_model(result)
    assert models[TERRA].flagged == 0 and models[TERRA].max_difference_usd <= 1e-6
    for name in UNCHANGED:
        assert models[name].flagged == 0
    # what is left is glm-5.2 at Baidu's own price: 97.06% of the list price on its date
    (glm,) = result.calibration.flag_details
    assert (glm.reason, glm.model, glm.provider, glm.rows) == (REASON_PROVIDER, GLM, "Baidu", 5)
    assert glm.billed_vs_list_min == pytest.approx(0.970588, abs=1e-6)
    used = {c.fetched_at[:10]: c for c in result.calibration.catalogs}
    assert used["2026-08-01"].models_changed_since == [TERRA]  # the price cut, named
    assert used["2026-08-01"].rows + used["2026-08-10"].rows == 697
    for line in lines:
        if line["model"] != GLM:
            assert abs(D(line["difference_usd"])) <= D("0.000001"), line


# --- the activity-export CSV of the same calls ------------------------------------------------


DOCUMENTED = (  # the columns OpenRouter's activity export has (no provider cost split)
    "generation_id",
    "created_at",
    "cost_total",
    "cost_web_search",
    "tokens_prompt",
    "tokens_completion",
    "tokens_reasoning",
    "tokens_cached",
    "model_permaslug",
    "provider_name",
)


def documented_columns(tmp_path: Path) -> Path:
    """The 697 real calls with only the documented activity-export columns."""
    path = tmp_path / "standard.csv"
    with ACTIVITY.open() as source, path.open("w", newline="") as sink:
        writer = csv.DictWriter(sink, DOCUMENTED, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(csv.DictReader(source))
    return path


@pytest.mark.parametrize("standard", [False, True])
def test_activity_columns_agree_for_the_unchanged_models(
    catalog: Catalog, tmp_path: Path, standard: bool
) -> None:
    path = documented_columns(tmp_path) if standard else ACTIVITY
    result = replay(path, catalog, [])
    models = by_model(result)
    for name in UNCHANGED:
        assert models[name].agreement == pytest.approx(1.0, rel=0.0005)
        assert models[name].flagged == 0
    assert not any(
        "price" in d.reason and d.model in UNCHANGED for d in result.calibration.flag_details
    )


# --- Fusion traffic ------------------------------------------------------------------------------


def test_a_fusion_response_is_observed_not_repriced(catalog: Catalog, tmp_path: Path) -> None:
    response = json.loads((REAL / "fusion-response-2026-08-17.json").read_text())
    record = {k: v for k, v in response.items() if k not in ("source", "derived_checks")}
    log = tmp_path / "fusion.jsonl"
    log.write_text(json.dumps(record) + "\n")
    from estimator.scenario.build import build_all
    from estimator.scenario.io import validate_scenario

    scenario = validate_scenario(
        {
            "workload": {"requests_per_month": 0, "input_tokens": 0, "output_tokens": 0},
            "strategies": [{"name": "mini", "single": {"model": "openai/gpt-5.4-mini"}}],
        },
        "t",
    )
    result = replay(log, catalog, build_all(scenario, catalog))
    fusion = result.fusion
    assert fusion is not None and (fusion.requests, fusion.rows) == (1, 1)
    assert fusion.logged_usd == pytest.approx(0.33475375)
    # the tokens cover the outer model only: 5,227 in x $5/M + 822 out x $25/M = $0.046685
    assert fusion.outer_usd == pytest.approx(float(5227 * (D(5) / M) + 822 * (D(25) / M)))
    assert fusion.inner_usd == pytest.approx(0.33475375 - 0.046685)
    # the outer model's own tokens are reproduced; the rest is separated as Fusion's
    (opus,) = result.calibration.by_model
    assert opus.model == "anthropic/claude-opus-5" and opus.flagged == 0
    assert opus.repriced_usd == pytest.approx(0.046685, abs=1e-9)
    (inner,) = result.calibration.separated
    assert inner.kind == SEPARATED[SEP_FUSION] and inner.usd == pytest.approx(0.28806875)
    # never repriced as one plain call under a strategy
    (mini,) = result.strategies
    assert mini.requests == 0 and mini.total_usd == 0


def generation(
    request: str | None, router: str | None, model: str, cost: float, n: int
) -> dict[str, Any]:
    return {
        "data": {
            "id": f"gen-{n}",
            "request_id": request,
            "created_at": "2026-08-20T10:00:00Z",
            "model": model,
            "router": router,
            "provider_name": "X",
            "native_tokens_prompt": 1000,
            "native_tokens_completion": 100,
            "native_tokens_reasoning": 0,
            "native_tokens_cached": 0,
            "total_cost": cost,
            "is_byok": False,
        }
    }


def test_fusion_generations_are_grouped_by_request(catalog: Catalog, tmp_path: Path) -> None:
    opus = 1000 * (D(5) / M) + 100 * (D(25) / M)  # 0.0075 per generation
    rows = [
        generation("req-1", "openrouter/fusion", "anthropic/claude-opus-5", float(opus), 1),
        generation("req-1", "openrouter/fusion", "anthropic/claude-opus-5", float(opus), 2),
        generation("req-1", "openrouter/fusion", "anthropic/claude-opus-5", float(opus), 3),
        generation("req-2", None, "anthropic/claude-opus-5", float(opus), 4),
    ]
    log = tmp_path / "generations.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = replay(log, catalog, [])
    assert result.log_kind == "generation"
    assert result.fusion is not None
    assert (result.fusion.requests, result.fusion.rows) == (1, 3)
    assert result.fusion.per_request_usd == pytest.approx(3 * float(opus))
    # each generation is an ordinary billed call: all four reproduced
    (model,) = result.calibration.by_model
    assert model.rows == 4 and model.flagged == 0
    assert result.profile["requests"] == 2  # one plain request and one Fusion request


def test_generation_records_are_billed_on_native_tokens(catalog: Catalog, tmp_path: Path) -> None:
    evidence = json.loads((REAL / "generation-record-2026-06-25.json").read_text())
    data = evidence["calls"][6]["response"]["body"]["data"]
    assert (data["tokens_prompt"], data["native_tokens_prompt"]) == (9, 11)
    log = tmp_path / "generation.jsonl"
    log.write_text(json.dumps({"data": data}) + "\n")
    # Fireworks served it at $0.14 / $0.28 per 1M (provider-prices CSV): a catalog of that day
    fireworks = dated(
        catalog,
        datetime(2026, 6, 25, tzinfo=UTC),
        {"deepseek/deepseek-v4-flash": {"prompt": "0.00000014", "completion": "0.00000028"}},
        "jun-25",
    )
    result, lines = rows_out(log, catalog, history=[fireworks])
    (line,) = lines
    # native counts: 11 x 0.14/1M + 16 x 0.28/1M = 0.00000602 (the record's total_cost)
    assert D(line["repriced_usd"]) == pytest.approx(11 * D("0.14") / M + 16 * D("0.28") / M)
    assert D(line["difference_usd"]) == pytest.approx(D(0), abs=D("1e-12"))
    assert result.calibration.flagged_rows == 0


# --- what a review of the calibration found ---------------------------------------------------


def grok_record(n: int, **usage: Any) -> dict[str, Any]:
    base = {
        "prompt_tokens": 1000,
        "completion_tokens": 100,
        "cost": float(1000 * (D(2) / M) + 100 * (D(6) / M)),  # 0.0026
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0},
    }
    base.update(usage)
    return {
        "id": f"gen-{n}",
        "model": "x-ai/grok-4.5",
        "created": 1787000000 + n,  # 2026-08-17
        "provider": "xAI",
        "usage": base,
    }


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_rows_without_a_logged_cost_are_not_compared(catalog: Catalog, tmp_path: Path) -> None:
    record = grok_record(2)
    del record["usage"]["cost"]
    log = write_jsonl(tmp_path / "partial.jsonl", [grok_record(1), record])
    from estimator.scenario.build import build_all
    from estimator.scenario.io import validate_scenario

    scenario = validate_scenario(
        {
            "workload": {"requests_per_month": 0, "input_tokens": 0, "output_tokens": 0},
            "strategies": [{"name": "grok", "single": {"model": "x-ai/grok-4.5"}}],
        },
        "t",
    )
    result = replay(log, catalog, build_all(scenario, catalog))
    (grok,) = result.calibration.by_model
    assert (grok.rows, grok.flagged) == (1, 0)
    assert grok.agreement == pytest.approx(1.0)
    # the same model as a strategy: against the one row whose cost is known
    assert result.strategies[0].vs_logged == pytest.approx(1.0)


def test_byok_shows_openrouters_fee_and_compares_the_providers_charge(
    catalog: Catalog, tmp_path: Path
) -> None:
    provider = 1000 * (D(2) / M) + 100 * (D(6) / M)  # what xAI billed on your key: $0.0026
    fee = D("0.00013")  # OpenRouter's 5%
    record = grok_record(1, cost=float(fee), is_byok=True)
    record["usage"]["cost_details"] = {"upstream_inference_cost": float(provider)}
    result, lines = rows_out(write_jsonl(tmp_path / "byok.jsonl", [record]), catalog)
    cal = result.calibration
    (grok,) = cal.by_model
    assert grok.flagged == 0 and grok.logged_usd == pytest.approx(float(provider))
    (separated,) = cal.separated
    assert separated.kind == "BYOK fee (OpenRouter's)"
    assert separated.usd == pytest.approx(float(fee))
    assert cal.logged_total_usd == pytest.approx(float(provider + fee))  # what you paid in all
    (line,) = lines
    assert D(line["separated_usd"]) == pytest.approx(fee)  # positive: the fee


def test_a_price_change_between_two_catalogs_is_not_a_provider_price(catalog: Catalog) -> None:
    # only the 2026-08-01 catalog (old terra prices) and today's: the rows after the cut on
    # 2026-08-10 match today's prices, so they agree, and nothing is called a provider price
    history = [dated(catalog, datetime(2026, 8, 1, tzinfo=UTC), TERRA_BEFORE_CUT, "aug-01")]
    result = replay(USAGE, catalog, [], history=history)
    terra = by_model(result)[TERRA]
    assert terra.flagged == 0
    assert all(d.model != TERRA for d in result.calibration.flag_details)


def test_a_cache_price_change_points_at_the_prompt_part(catalog: Catalog, tmp_path: Path) -> None:
    cheaper = dated(
        catalog,
        datetime(2026, 8, 16, tzinfo=UTC),
        {"x-ai/grok-4.5": {"input_cache_read": "0.0000006"}},
        "cache",
    )
    cached = grok_record(1, prompt_tokens_details={"cached_tokens": 500})
    cached["usage"]["cost"] = float(500 * (D(2) / M) + 500 * (D("0.3") / M) + 100 * (D(6) / M))
    cached["usage"]["cost_details"] = {
        "upstream_inference_prompt_cost": float(500 * (D(2) / M) + 500 * (D("0.3") / M)),
        "upstream_inference_completions_cost": float(100 * (D(6) / M)),
    }
    log = write_jsonl(tmp_path / "cache.jsonl", [cached])
    # priced with a catalog whose cache read is $0.6 instead of $0.3, dated before the row
    from estimator.logs.calibration import REASON_PROMPT

    result = replay(log, cheaper, [])
    assert result.calibration.flagged_by_reason == {REASON_PROMPT: 1}


def test_a_fusion_row_of_an_activity_log_is_observed(catalog: Catalog, tmp_path: Path) -> None:
    log = tmp_path / "fusion.csv"
    log.write_text(
        "created_at,model_permaslug,tokens_prompt,tokens_completion,cost_total\n"
        "2026-08-17 10:00:00,openrouter/fusion,5227,822,0.33475\n"
        "2026-08-17 10:00:05,openai/gpt-5.4-mini,1000,200,0.00165\n"
    )
    result = replay(log, catalog, [])
    assert result.fusion is not None and result.fusion.requests == 1
    assert result.fusion.logged_usd == pytest.approx(0.33475)
    assert result.profile["requests"] == 2 and result.profile["rows"] == 1


def test_fusion_generations_without_request_ids_are_not_requests(
    catalog: Catalog, tmp_path: Path
) -> None:
    rows = [
        generation(None, "openrouter/fusion", "anthropic/claude-opus-5", 0.0075, n)
        for n in range(5)
    ]
    result = replay(write_jsonl(tmp_path / "ungrouped.jsonl", rows), catalog, [])
    assert result.fusion is not None
    assert (result.fusion.requests, result.fusion.ungrouped_rows) == (0, 5)
    assert result.fusion.per_request_usd is None
    assert any("no request id" in w for w in result.warnings)


def test_a_generation_records_web_search_fee_is_separated(catalog: Catalog, tmp_path: Path) -> None:
    tokens = 1000 * (D(2) / M) + 100 * (D(6) / M)
    record = generation("req-9", None, "x-ai/grok-4.5", float(tokens + D("0.007")), 9)
    record["data"].update(num_search_results=8, web_search_engine="exa")
    record["data"]["created_at"] = "2026-08-20T10:00:00Z"  # after Exa's $0.007 took effect
    result = replay(write_jsonl(tmp_path / "web.jsonl", [record]), catalog, [])
    cal = result.calibration
    assert cal.flagged_rows == 0
    (web,) = cal.separated
    assert (web.kind, web.usd) == ("web search fee", pytest.approx(0.007))


def test_history_catalogs_are_read_only_when_a_row_needs_one(
    catalog: Catalog, tmp_path: Path
) -> None:
    from estimator.logs.timeline import Timeline
    from estimator.pricing.refresh import import_file
    from estimator.pricing.store import history_files, read_catalog_file

    cache = tmp_path / "cache"
    for day in ("2026-07-01", "2026-07-15", "2026-08-01"):  # three catalogs in the history
        document = json.loads(PAYLOAD.read_text())
        document["data"][0]["pricing"]["prompt"] = f"0.0000{day[-2:]}"
        path = tmp_path / f"models-{day}.json"
        path.write_text(json.dumps(document))
        import_file(path, cache, source=f"test {day}")
    files = history_files(cache)
    assert len(files) == 3
    timeline = Timeline(read_catalog_file(cache / "catalog.json"), (), files)
    assert [e.fetched_at.date().isoformat() for e in timeline.entries] == [
        "2026-07-01",
        "2026-07-15",
        "2026-08-01",
    ]
    assert sum(e.loaded is not None for e in timeline.entries) == 1  # today's only
    index, _ = timeline.locate(np.array([days_since_epoch(datetime(2026, 7, 20, tzinfo=UTC))]), 1)
    assert timeline.catalog(int(index[0])) is not None  # loaded now, on demand
    assert sum(e.loaded is not None for e in timeline.entries) == 2


def test_replay_ranks_the_auto_router_for_the_logs_own_requests(catalog: Catalog) -> None:
    from estimator.scenario.build import build_all
    from estimator.scenario.io import validate_scenario

    scenario = validate_scenario(
        {
            "workload": {"requests_per_month": 0, "input_tokens": 0, "output_tokens": 0},
            "strategies": [{"name": "auto", "auto": {"cost_tier": "max"}}],
        },
        "t",
    )
    (auto,) = build_all(scenario, catalog)
    assert "(1,000 in, 250 out)" in auto.notes()[0]  # built for a typical request
    (total,) = replay(USAGE, catalog, [auto]).strategies
    # ranked again for the log's first chunk (here all 697 rows): its mean request
    usage = [r["usage"] for r in records()]
    prompt = round(sum(u["prompt_tokens"] for u in usage) / len(usage))
    visible = round(
        sum(
            u["completion_tokens"] - u["completion_tokens_details"]["reasoning_tokens"]
            for u in usage
        )
        / len(usage)
    )
    assert f"({prompt:,} in, {visible:,} out)" in total.notes[0]
