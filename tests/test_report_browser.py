"""The report in a real browser: offline, no errors, charts drawn, numbers equal to Python."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from estimator.cli import main
from estimator.renderers.fmt import up_to
from tests.browser import Page, browser  # noqa: F401  (fixture)
from tests.report_helpers import (
    PAGE_HEADLINE,
    SAMPLES,
    WALK_STOPS,
    estimate_of,
    example_data,
    headline_of,
    headlines_at_every_stop,
    write_scenario,
)

XSS = "<img src=x onerror=alert(1)>"


def _report(tmp_path: Path, scenario: Path | None = None, *extra: str) -> Path:
    out = tmp_path / "report.html"
    args = [
        "report",
        *([str(scenario)] if scenario else []),
        "-o",
        str(out),
        "--samples",
        str(SAMPLES),
        *extra,
    ]
    assert main(args) == 0
    return out


@pytest.fixture(scope="module")
def example_page(browser, tmp_path_factory) -> Any:  # noqa: F811
    tmp = tmp_path_factory.mktemp("report")
    page = Page(browser, _report(tmp))
    yield page
    page.close()


def _numbers(page: Any, kind: str) -> dict[str, float | None]:
    values = page.page.eval_on_selector_all(
        f"[data-whatif={kind}]",
        "els => els.map(e => [e.dataset.strategy || e.dataset.versus, e.dataset.usd])",
    )
    return {name: (float(v) if v else None) for name, v in values}


def _slide(page: Any, selector: str, value: float) -> None:
    """Move a slider to the stop holding `value` (the sliders step through precomputed stops)."""
    stops = json.loads(page.page.get_attribute(selector, "data-stops"))
    assert value in stops, (selector, value, stops)
    page.page.eval_on_selector(
        selector,
        "(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }",
        str(stops.index(value)),
    )


def _reset(page: Any) -> None:
    page.page.click("#wi-reset")


def _page_matches(page: Any, python: Any) -> None:
    """Every figure the sliders touch, and the verdict, against a full Python estimate."""
    monthly = _numbers(page, "monthly")
    per_request = _numbers(page, "per-request")
    for s in python.strategies:
        assert monthly[s.name] == pytest.approx(float(s.monthly_usd), rel=1e-12), s.name
        assert per_request[s.name] == pytest.approx(float(s.per_request_usd), rel=1e-12)
    totals, months = _numbers(page, "total"), _numbers(page, "total-monthly")
    for row in python.decision.expected:
        assert totals[row.strategy] == pytest.approx(float(row.total_per_request_usd), rel=1e-12)
        assert months[row.strategy] == pytest.approx(float(row.total_monthly_usd), rel=1e-12)
    cells = page.page.eval_on_selector_all(
        "[data-whatif=breakeven-cell]",
        "els => els.map(e => [e.dataset.premium, e.dataset.versus, e.dataset.usd])",
    )
    table = python.decision.break_even_usd_per_error
    for premium, versus, value in cells:
        want = table[premium][versus]
        if want is None:
            assert not value
        else:
            assert float(value) == pytest.approx(float(want), rel=1e-9)
    d = python.decision
    assert page.page.text_content("#verdict") == d.verdict
    assert page.page.text_content("#verdict-chosen") == d.chosen_strategy
    share = page.page.text_content("#verdict-share")
    assert (f"up to {up_to(d.subset_share)}" in share) if d.subset_share else "up to" not in share
    # the whole headline region (badge, reasons, cards, the pair, the chart titles) as the full
    # Python estimate of that scenario words it
    assert page.page.evaluate(PAGE_HEADLINE) == headline_of(python)


def test_opens_offline_without_errors_or_requests(example_page, tmp_path) -> None:
    page = example_page
    assert page.errors == []
    assert page.dialogs == []
    own = page.page.url
    assert [url for url in page.requests if url != own] == []
    shot = tmp_path / "report.png"
    page.page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")


def test_every_chart_has_drawn_marks_and_a_title(example_page) -> None:
    charts = example_page.page.eval_on_selector_all(
        "svg.chart",
        """els => els.map(svg => ({
            title: (svg.querySelector('title') || {}).textContent || '',
            marks: svg.querySelectorAll('rect, line.mark, polyline, polygon, circle').length,
            box: svg.getBoundingClientRect().height}))""",
    )
    assert len(charts) >= 7
    # no growth: the 12-month projection is a sentence, not seven flat lines
    sentence = example_page.page.text_content("#projection-sentence")
    assert "monthly_growth_pct is 0" in sentence and "12 months" in sentence
    for chart in charts:
        assert chart["title"], chart
        assert chart["marks"] > 0, chart
        assert chart["box"] > 50, chart


def test_headline_numbers_equal_estimate_json(example_page, capsys) -> None:
    assert main(["estimate", "--format", "json", "--samples", str(SAMPLES)]) == 0
    expected = json.loads(capsys.readouterr().out)
    shown = _numbers(example_page, "monthly")
    assert shown.keys() == {s["name"] for s in expected["strategies"]}
    for strategy in expected["strategies"]:
        assert shown[strategy["name"]] == pytest.approx(strategy["monthly_usd"], rel=1e-12)
    verdict = example_page.page.text_content("#verdict")
    decision = expected["decision"]
    assert verdict == decision["verdict"]
    # the pair card and the break-even card state the verdict's pair, from the JSON's figures
    pair = decision["comparison"]
    assert pair["strategy"] == decision["chosen_strategy"] == "fusion-quality"
    assert pair["versus"] == decision["rest_strategy"] == "single-opus"
    label = example_page.page.text_content("#pair-label")
    assert label == "fusion-quality vs single-opus"
    assert example_page.page.text_content("#pair-multiplier") == f"{pair['multiplier']:.1f}x"
    be = pair["break_even"]
    assert example_page.page.text_content("#break-even-label") == (
        f"break-even: {be['premium']} vs {be['versus']}"
    )
    from decimal import Decimal

    from estimator.renderers.fmt import usd

    shown = example_page.page.text_content("#break-even-value")
    assert shown == usd(Decimal(repr(be["usd_per_error"])))
    assert (
        decision["break_even_usd_per_error"]["fusion-quality"]["single-opus"] == be["usd_per_error"]
    )


def test_volume_slider_matches_python(example_page, catalog) -> None:
    _slide(example_page, "#wi-volume", 300_000)
    try:
        data = example_data()
        data["workload"]["requests_per_month"] = 300_000
        _page_matches(example_page, estimate_of(data, catalog))
    finally:
        _reset(example_page)
    assert example_page.page.evaluate(PAGE_HEADLINE) == headline_of(
        estimate_of(example_data(), catalog)
    )


def test_cost_per_error_slider_matches_python(example_page, catalog) -> None:
    _slide(example_page, "#wi-cpe", 0)
    try:
        data = example_data()
        data["decision"]["cost_per_error_usd"] = 0
        python = estimate_of(data, catalog)
        _page_matches(example_page, python)
        # the reason moved: at $0 a wrong answer only the high-stakes slice pays for Fusion
        assert python.decision.reasons[0].kind == "high_stakes"
        assert "high-stakes 10%" in example_page.page.text_content("#verdict-reasons li")
        circles = example_page.page.eval_on_selector_all("#decision-lines circle", "e => e.length")
        assert circles >= 1
        assert example_page.page.text_content("#decision-cpe-label") == "your $0"
    finally:
        _reset(example_page)


def test_invocation_rate_slider_matches_python(example_page, catalog) -> None:
    before = _numbers(example_page, "monthly")
    _slide(example_page, "#wi-rate", 0.4)
    try:
        data = copy.deepcopy(example_data())
        for strategy in data["strategies"]:
            if "fusion" in strategy:
                strategy["fusion"]["invocation_rate"] = 0.4
        python = estimate_of(data, catalog)
        _page_matches(example_page, python)
        shown = _numbers(example_page, "monthly")
        for s in python.strategies:
            if s.kind == "fusion":
                assert shown[s.name] < before[s.name]
    finally:
        _reset(example_page)


def test_three_sliders_at_once_match_python(example_page, catalog) -> None:
    """The page at a stop of every slider equals the estimate of that scenario."""
    _slide(example_page, "#wi-volume", 600_000)
    _slide(example_page, "#wi-cpe", 40)
    _slide(example_page, "#wi-rate", 0.8)
    try:
        data = copy.deepcopy(example_data())
        data["workload"]["requests_per_month"] = 600_000
        data["decision"]["cost_per_error_usd"] = 40
        for strategy in data["strategies"]:
            if "fusion" in strategy:
                strategy["fusion"]["invocation_rate"] = 0.8
        _page_matches(example_page, estimate_of(data, catalog))
    finally:
        _reset(example_page)


def test_readable_without_javascript(browser, tmp_path) -> None:  # noqa: F811
    page = Page(browser, _report(tmp_path), javascript=False)
    try:
        text = page.page.inner_text("#headline")
        from estimator import estimate, load_catalog, load_scenario
        from estimator.renderers.fmt import usd

        monthly = estimate(load_scenario(), load_catalog()).strategy("fusion-quality").monthly_usd
        assert usd(monthly) in text  # the fusion-quality monthly cost, rendered by Python
        assert page.page.is_visible("#nojs")
    finally:
        page.close()


def test_hostile_names_are_text_not_html(browser, tmp_path) -> None:  # noqa: F811
    data = example_data()
    data["name"] = XSS
    data["strategies"][0]["name"] = XSS
    data["baseline"] = XSS
    data["decision"]["error_rate"] = {
        XSS: 0.08,
        **{k: v for k, v in data["decision"]["error_rate"].items() if k != "single-mini"},
    }
    scenario = write_scenario(tmp_path / "xss.yaml", data)
    page = Page(browser, _report(tmp_path, scenario))
    try:
        assert page.dialogs == []
        assert page.errors == []
        assert page.page.title() == f"fusion-cost: {XSS}"
        assert XSS in page.page.inner_text("h1")
        assert page.page.eval_on_selector_all("img", "e => e.length") == 0
    finally:
        page.close()


# the values where half-even, half-up and binary rounding part ways, and every threshold
ROUNDING = [
    134.465,
    134.455,
    2.675,
    1.005,
    0.125,
    0.00125,
    0.0000005,
    0.0000015,
    999.5,
    999.49,
    0.995,
    0.00995,
    1234.5,
    49442.5,
    0.0,
    -2.675,
    1e-9,
    123456789.5,
]


def test_page_and_python_round_money_the_same_way(example_page) -> None:
    from decimal import Decimal

    from estimator.renderers.fmt import usd

    shown = example_page.page.evaluate("vs => vs.map(v => window.fusionCostUsd(v))", ROUNDING)
    assert shown == [usd(Decimal(repr(v))) for v in ROUNDING]
    assert shown[0] == "$134.47"  # half up, where Python's default (half-even) said $134.46


SECTIONS = [
    "headline",
    "whatif",
    "costs",
    "breakdown",
    "decision",
    "latency",
    "sensitivity",
    "context",
    "evidence",
    "appendix",
]


def test_sections_come_in_the_order_a_reader_needs(example_page) -> None:
    """The headline (verdict, monthly per strategy with the budget, the stale warning) first,
    the comparison next, the assumptions last and folded."""
    ids = example_page.page.eval_on_selector_all("main > section", "els => els.map(e => e.id)")
    assert ids == SECTIONS
    headline = example_page.page.text_content("#headline")
    assert "days old" in headline  # the stale-price warning, above the sliders
    assert "within the $20,000 budget" in headline and "over the $20,000 budget" in headline
    top = example_page.page.evaluate(
        "document.querySelector('#costs table').getBoundingClientRect().top + window.scrollY"
    )
    assert top < 2000, top  # the cost table used to start ~4,000 px down
    print(f"cost table at {top:.0f} px")
    assert example_page.page.is_hidden("#assumptions table")  # folded until opened


def test_charts_say_what_to_see(example_page) -> None:
    titles = example_page.page.eval_on_selector_all(
        "p.chart-title", "els => els.map(e => e.textContent)"
    )
    # the cost and decision charts state the verdict's pair: fusion-quality against single-opus
    cost = example_page.page.text_content("#cost-title")
    assert cost.startswith("fusion-quality costs $60,658 a month, 13.5x single-opus"), titles
    assert "2 of 5 exceed the $20,000 budget" in cost
    decision = example_page.page.text_content("#decision-title")
    assert decision == (
        "Above $18.72 per wrong answer, fusion-quality costs less than single-opus including errors"
    )
    limit = example_page.page.text_content("#costs svg .limit-label")
    assert limit == "budget $20,000"
    # every break-even circle is numbered, and the key names each
    key = example_page.page.text_content("#break-even-key")
    circles = example_page.page.eval_on_selector_all("#decision-lines circle", "e => e.length")
    labels = example_page.page.eval_on_selector_all(
        "#decision-lines text.label", "els => els.map(e => e.textContent)"
    )
    assert circles == 6 and labels == [str(n) for n in range(1, 7)]
    assert key.startswith("Break-even points: 1: fusion-quality = single-mini at $6.66 · 2: ")


def test_an_all_fusion_report_renders(browser, tmp_path) -> None:  # noqa: F811
    """Two presets compared, no single model (it used to end in a jinja2 traceback)."""
    out = tmp_path / "fusions.html"
    args = ["report", "--requests-per-month", "10000", "--input-tokens", "2000"]
    args += ["--output-tokens", "500", "--fusion", "general-high", "--fusion", "general-budget"]
    assert main([*args, "-o", str(out), "--samples", str(SAMPLES)]) == 0
    page = Page(browser, out)
    try:
        assert page.errors == []
        ids = page.page.eval_on_selector_all("main > section", "els => els.map(e => e.id)")
        assert ids[:4] == ["headline", "whatif", "costs", "breakdown"]
        cards = page.page.eval_on_selector_all(
            "[data-whatif=monthly]", "els => els.map(e => e.dataset.strategy)"
        )
        assert cards == ["fusion-general-high", "fusion-general-budget"]
    finally:
        page.close()


@pytest.mark.parametrize(("paper", "size"), [("a4", (595, 842)), ("letter", (612, 792))])
def test_pdf_prints_the_report_on_the_paper_asked_for(
    tmp_path, paper: str, size: tuple[int, int]
) -> None:
    """In a child process: Playwright's sync API refuses to run inside this module's browser."""
    import subprocess
    import sys

    import pypdf

    html, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    command = ["report", "-o", str(html), "--pdf", "--paper", paper, "--samples", "300"]
    done = subprocess.run(
        [sys.executable, "-m", "estimator", *command], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    printed = done.stdout
    reader = pypdf.PdfReader(str(pdf))
    pages = len(reader.pages)
    assert f"{pdf} ({pages} pages, {paper.upper()})" in printed
    assert 4 <= pages <= 16, pages
    width, height = (
        round(float(v)) for v in (reader.pages[0].mediabox.width, reader.pages[0].mediabox.height)
    )
    assert abs(width - size[0]) <= 2 and abs(height - size[1]) <= 2, (width, height)
    first = reader.pages[0].extract_text()
    assert "Support answers" in first and "fusion-for-a-subset" in first
    text = "".join(p.extract_text() for p in reader.pages)
    assert "What if" not in text  # the sliders are screen-only
    assert "Appendix" in text and "Defaults used" in text  # the folded appendix is printed
    print(f"pdf {paper}: {pages} pages")


def test_pdf_without_chromium_is_a_clear_error(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("FUSION_COST_CHROMIUM", str(tmp_path / "no-chromium"))
    html = tmp_path / "r.html"
    assert main(["report", "-o", str(html), "--pdf", "--samples", "200"]) == 2
    err = capsys.readouterr().err
    assert "--pdf needs Chromium" in err and "apt-get install -y chromium" in err
    assert err.count("\n") == 1
    assert not (tmp_path / "r.pdf").exists()


def test_the_headline_follows_the_volume_slider(example_page, catalog) -> None:
    """At 5x the volume single-opus ($4,500 x 5 = $22,500) no longer fits the $20,000
    budget; the recommendation's monthly cost is the Python estimate's."""
    _slide(example_page, "#wi-volume", 1_000_000)
    try:
        data = example_data()
        data["workload"]["requests_per_month"] = 1_000_000
        python = estimate_of(data, catalog)
        fit = example_page.page.text_content("[data-whatif=budget-fit][data-strategy=single-opus]")
        assert fit == "over the $20,000 budget"
        shown = example_page.page.get_attribute("#recommended-monthly", "data-usd")
        assert float(shown) == pytest.approx(float(python.decision.recommended_monthly_usd))
        assert example_page.page.text_content("#sub-requests") == "1,000,000"
    finally:
        _reset(example_page)


def _walk(browser: Any, tmp_path: Path, data: dict[str, Any] | None, catalog: Any) -> int:  # noqa: F811
    """Every stop of the sliders: the page's headline region equals Python's at that stop."""
    from estimator.api import Options, estimate
    from estimator.scenario.io import validate_scenario

    scenario = None if data is None else write_scenario(tmp_path / "walk.yaml", data)
    page = Page(browser, _report(tmp_path, scenario))
    try:
        shown = page.page.evaluate(WALK_STOPS)
        assert page.errors == []
    finally:
        page.close()
    source = data if data is not None else example_data()
    found = estimate(
        validate_scenario(source, "walk"), catalog, Options(samples=SAMPLES, what_if=True)
    )
    expected = headlines_at_every_stop(found)
    assert len(shown) == len(expected)
    for stop, (page_texts, python_texts) in enumerate(zip(shown, expected, strict=True)):
        assert page_texts == python_texts, stop
    return len(shown)


def test_every_stop_of_the_example_matches_python(browser, tmp_path, catalog) -> None:  # noqa: F811
    stops = _walk(browser, tmp_path, None, catalog)
    assert stops == 9 * 12 * 6  # volume x cost per error x invocation rate
    print(f"walked {stops} stops")


ALL_FUSION = {
    "name": "Two presets",
    "workload": {"requests_per_month": 50_000, "input_tokens": 2000, "output_tokens": 500},
    "strategies": [
        {"name": "quality", "fusion": {"preset": "general-high"}},
        {"name": "budget", "fusion": {"preset": "general-budget"}},
    ],
    "decision": {
        "cost_per_error_usd": 5,
        "error_rate": {"quality": 0.03, "budget": 0.05},
        "monthly_budget_usd": 10_000,
    },
}

# Fusion is the best buy including errors ($25 an error) but takes ~56 s at p50 against a
# 30 s budget: the requests that can wait go through it, the rest through single-opus.
LATENCY_SUBSET = {
    "name": "Latency subset",
    "workload": {"requests_per_month": 20_000, "input_tokens": 2000, "output_tokens": 500},
    "strategies": [
        {"name": "mini", "single": {"model": "openai/gpt-5.4-mini"}},
        {"name": "opus", "single": {"model": "anthropic/claude-opus-5"}},
        {"name": "fusion", "fusion": {"preset": "general-high"}},
    ],
    "decision": {
        "cost_per_error_usd": 25,
        "error_rate": {"mini": 0.08, "opus": 0.05, "fusion": 0.02},
        "latency_budget_s": {"p50": 30},
    },
}


def test_every_stop_of_an_all_fusion_report_matches_python(browser, tmp_path, catalog) -> None:  # noqa: F811
    assert _walk(browser, tmp_path, ALL_FUSION, catalog) >= 50


def test_every_stop_of_a_latency_subset_matches_python(browser, tmp_path, catalog) -> None:  # noqa: F811
    from estimator.api import Options, estimate
    from estimator.scenario.io import validate_scenario

    own = estimate(validate_scenario(LATENCY_SUBSET, "t"), catalog, Options(samples=SAMPLES))
    d = own.decision
    assert (d.verdict, d.chosen_strategy, d.rest_strategy) == (
        "fusion-for-a-subset",
        "fusion",
        "opus",
    )
    assert d.subset_share is None  # only latency stops it: no share, a range of months
    months = {s.name: s.monthly_usd for s in own.strategies}
    assert d.recommended_monthly_usd == months["opus"]
    assert d.recommended_monthly_high_usd == months["fusion"]
    assert _walk(browser, tmp_path, LATENCY_SUBSET, catalog) >= 50


def test_tables_fit_a_laptop_and_scroll_in_their_box_on_a_phone(browser, tmp_path) -> None:  # noqa: F811
    """At 1280 px every table (the folded ones opened) fits its box; on a 390 px phone the
    page itself does not scroll sideways: wide tables scroll inside their own box."""
    path = _report(tmp_path)
    for width in (1280, 390):
        page = Page(browser, path, viewport={"width": width, "height": 900})
        try:
            page.page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            page_width = page.page.evaluate("document.documentElement.scrollWidth")
            boxes = page.page.eval_on_selector_all(
                ".scroll",
                "els => els.map(e => [e.scrollWidth, e.clientWidth,"
                " getComputedStyle(e).overflowX])",
            )
            tables = page.page.eval_on_selector_all("table", "e => e.length")
        finally:
            page.close()
        assert page_width <= width, (width, page_width)
        assert len(boxes) == tables  # every table sits in its own scrolling box
        assert all(overflow == "auto" for _, _, overflow in boxes)
        wide = [(s, c) for s, c, _ in boxes if s > c]
        if width == 1280:
            assert wide == [], wide
        else:
            assert wide, "the phone's narrow screen must make some table scroll in its box"


def test_own_invocation_rates_open_on_the_estimate(browser, tmp_path, catalog) -> None:  # noqa: F811
    """fusion-quality at rate 0, fusion-budget at its default 1: the rate slider opens on
    "yours" (each at its own), so the page as loaded (and reset) says what `estimate` says."""
    data = example_data()
    data["strategies"][3]["fusion"]["invocation_rate"] = 0
    scenario = write_scenario(tmp_path / "rates.yaml", data)
    page = Page(browser, _report(tmp_path, scenario))
    try:
        assert page.page.text_content("#wi-rate-out") == "yours"
        shown = page.page.evaluate(PAGE_HEADLINE)
        _slide(page, "#wi-rate", 0.4)
        _reset(page)
        reset = page.page.evaluate(PAGE_HEADLINE)
    finally:
        page.close()
    own = headline_of(estimate_of(data, catalog))
    assert shown == own and reset == own
    assert _walk(browser, tmp_path, data, catalog) >= 9 * 11 * 7  # six rates and "yours"
