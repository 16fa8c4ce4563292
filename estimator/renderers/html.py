"""`report`: the Estimate as one self-contained HTML page (inline CSS, SVG and a little JS).

The view built here is presentation only (labels, formatted numbers, chart coordinates); every
amount comes from the Estimate. The what-if controls recompute from per-request figures
embedded as JSON, with the same formulas as Python (checked in a browser test).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from estimator.documents.common import nice_max
from estimator.documents.decision import BreakEven, Decision, Sensitivity, WhatIf, WhatIfPoint
from estimator.documents.estimate import Estimate, StrategyResult
from estimator.renderers import charts
from estimator.renderers import report_words as words
from estimator.renderers.evidence import illustrative_note, rate_text
from estimator.renderers.fmt import (
    BAND_LABEL,
    band_text,
    cannot_run_text,
    ratio,
    tokens,
    up_to,
    usd,
)
from estimator.renderers.headline import Decided, Headline, headline
from estimator.renderers.one_call import one_call_sentence
from estimator.renderers.reasons import break_even_note, labeller
from estimator.renderers.safe import plain_text
from estimator.strategies.registry import is_premium
from estimator.strategies.stages import STAGES


def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("estimator", "renderers/templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_no_controls,
    )
    env.filters.update(usd=usd, tokens=tokens, ratio=ratio, up_to=up_to)
    return env


def _no_controls(value: Any) -> Any:
    """Every printed string without control characters: the HTML parser would turn CR into LF
    and NUL into U+FFFD in `data-strategy`, and the what-if script would no longer find the
    strategy by the name in its JSON (which gets the same treatment, in `_whatif`)."""
    import markupsafe

    if isinstance(value, markupsafe.Markup):
        return markupsafe.Markup(plain_text(value))
    return plain_text(value) if isinstance(value, str) else value


def _floats(values: Any) -> Any:
    """Money for the page's JSON: floats, nested as they come (None stays None)."""
    if isinstance(values, list):
        return [_floats(v) for v in values]
    return None if values is None else float(values)


def own_decided(e: Estimate) -> Decided | None:
    """The headline's inputs at the scenario's own values."""
    d = e.decision
    if d is None:
        return None
    over = [r.strategy for r in d.expected if r.fits_budget is False]
    return Decided(
        verdict=d.verdict,
        chosen=d.chosen_strategy,
        share=d.subset_share,
        rest=d.rest_strategy,
        monthly=d.recommended_monthly_usd,
        monthly_high=d.recommended_monthly_high_usd,
        comparison=d.comparison,
        reasons=d.reasons,
        months={s.name: s.monthly_usd for s in e.strategies},
        budget=d.monthly_budget_usd,
        over_budget=over,
    )


def decided_at(e: Estimate, point: WhatIfPoint) -> Decided:
    """The headline's inputs at one stop of the sliders."""
    d, w = e.decision, e.decision.what_if if e.decision else None
    assert d is not None and w is not None
    rate = point.rate
    months = {name: rows[rate][point.volume] for name, rows in w.monthly_usd.items()}
    over = [n for n, rows in w.fits_budget.items() if rows[rate][point.volume] is False]
    return Decided(
        verdict=point.verdict,
        chosen=point.chosen,
        share=point.share,
        rest=point.rest,
        monthly=point.monthly_usd,
        monthly_high=point.monthly_high_usd,
        comparison=point.comparison,
        reasons=point.reasons,
        months=months,
        budget=d.monthly_budget_usd,
        over_budget=over,
    )


ELSEWHERE = (  # the how-sure line away from the scenario's own inputs
    "worked out for the scenario's own inputs only (from the graded answers); reset the "
    "sliders to see it."
)
HEADLINE_FIELDS = (  # a stop's headline as indexes into one table of texts (whatif.js)
    "badge",
    "chosen",
    "share",
    "recommendation_value",
    "recommendation_label",
    "pair_label",
    "multiplier",
    "break_even_label",
    "break_even_value",
    "cost_title",
    "decision_title",
)
POINT_FIELDS = (*HEADLINE_FIELDS, "reasons", "monthly", "pair_break_even")


def _stops(e: Estimate, w: WhatIf) -> tuple[list[list[Any]], list[str]]:
    """Each stop's headline as a row of indexes into one table of texts (POINT_FIELDS)."""
    label = labeller(e)
    texts: dict[str, int] = {}

    def text(value: str) -> int:
        return texts.setdefault(plain_text(value), len(texts))

    name = plain_text  # as the page prints names (see _no_controls)
    points = []
    for point in w.points:
        said = headline(decided_at(e, point), label)
        pair = point.comparison.break_even if point.comparison else None
        crossing = None
        if pair is not None:
            crossing = [name(pair.premium), name(pair.versus), _floats(pair.usd_per_error)]
        points.append(
            [text(getattr(said, k)) for k in HEADLINE_FIELDS]
            + [[text(r) for r in said.reasons], _floats(point.monthly_usd), crossing]
        )
    return points, list(texts)


def _whatif(e: Estimate) -> dict[str, Any]:
    """The sliders' data: every figure they touch at every stop, precomputed by the
    decision (decision/whatif.py) and worded here (renderers/headline.py); the page only
    looks them up."""
    d = e.decision
    w = d.what_if if d else None
    if d is None or w is None:
        return {"enabled": False}
    points, texts = _stops(e, w)
    name = plain_text  # as the page prints names (see _no_controls)
    breaks: dict[str, dict[str, Any]] = {}
    for key, values in w.break_even_usd_per_error.items():
        premium, versus = key.split("\n")
        breaks.setdefault(name(premium), {})[name(versus)] = _floats(values)

    def own(axis: list[Any], value: float | None) -> int:
        return axis.index(value) if value in axis else 0

    return {
        "enabled": True,
        "volumes": w.volumes,
        "costs_per_error": w.costs_per_error,
        "rates": w.rates,
        "own": {
            "volume": own(w.volumes, e.workload.requests_per_month),
            "cpe": own(w.costs_per_error, _floats(d.cost_per_error_usd)),
            # different rates per strategy: the "each its own" stop; else the common rate
            "rate": own(w.rates, None if None in w.rates else _invocation_rate(e)),
        },
        "per_request": {name(k): _floats(v) for k, v in w.per_request_usd.items()},
        "monthly": {name(k): _floats(v) for k, v in w.monthly_usd.items()},
        "total": {name(k): _floats(v) for k, v in w.total_per_request_usd.items()},
        "total_monthly": {name(k): _floats(v) for k, v in w.total_monthly_usd.items()},
        "fits_budget": {name(k): v for k, v in w.fits_budget.items()},
        "budget": _floats(d.monthly_budget_usd),
        "break_even": breaks,
        "premiums": [name(s.name) for s in e.strategies if is_premium(s.kind)],
        "order": [name(s.name) for s in e.strategies],  # tojson sorts keys: keep the page's
        "colours": {name(n): c for n, c in colours(e).items()},
        "points": points,
        "point_fields": POINT_FIELDS,
        "texts": texts,
        "how_sure": next((r.text for r in d.reasons if r.kind == "how_sure"), None),
        "how_sure_elsewhere": ELSEWHERE,
        "chart": _decision_frame(e),
    }


def colours(e: Estimate) -> dict[str, str]:
    """Each strategy's colour, in scenario order: the same in every chart of the page."""
    return charts.strategy_colours([s.name for s in e.strategies])


def _invocation_rate(e: Estimate) -> float | None:
    """The slider's start: the (first) Fusion strategy's own invocation rate."""
    return next((s.invocation_rate for s in e.strategies if s.invocation_rate is not None), None)


def _decision_frame(e: Estimate) -> dict[str, Any]:
    """The decision chart's axes: wide enough for the stated cost per error and break-evens."""
    d = e.decision
    frame = charts.decision_geometry()
    frame["x_max"] = d.chart_axis_usd if d else 10.0
    totals = []
    for s in e.strategies:
        rate = _rate(e, s.name) or 0.0
        totals.append(float(s.per_request_usd) + rate * frame["x_max"])
    frame["y_max"] = nice_max(max(totals, default=1.0))
    return frame


def _rate(e: Estimate, name: str) -> float | None:
    if e.decision is None:
        return None
    return next((r.error_rate for r in e.decision.expected if r.strategy == name), None)


def _scales(frame: dict[str, Any]) -> tuple[Any, Any]:
    """Data -> SVG coordinates for the decision chart (the page's JS uses the same frame)."""
    width, height = frame["width"], frame["height"]
    left, right, top, bottom = frame["left"], frame["right"], frame["top"], frame["bottom"]

    def px(x: float) -> float:
        return float(left + x / frame["x_max"] * (width - left - right))

    def py(y: float) -> float:
        return float(height - bottom - y / frame["y_max"] * (height - top - bottom))

    return px, py


def _decision_lines(e: Estimate, frame: dict[str, Any]) -> list[dict[str, Any]]:
    """Server-side first drawing of total cost per request against cost per error."""
    d = e.decision
    if d is None:
        return []
    px, py = _scales(frame)
    drawn = []
    palette = colours(e)
    for row in d.expected:
        if row.error_rate is None:
            continue
        base = float(row.per_request_usd) + float(row.latency_cost_per_request_usd)
        end = base + row.error_rate * frame["x_max"]
        drawn.append(
            {
                "name": row.strategy,
                "colour": palette[row.strategy],
                "x1": px(0),
                "y1": py(base),
                "x2": px(frame["x_max"]),
                "y2": py(end),
                "dash": "" if is_premium(row.kind) else "6 3",
            }
        )
    return drawn


def _crossings(e: Estimate, frame: dict[str, Any]) -> list[dict[str, Any]]:
    d = e.decision
    if d is None:
        return []
    px, py = _scales(frame)
    out: list[dict[str, Any]] = []
    rates = {r.strategy: r for r in d.expected}
    for row in _chart_break_evens(d):
        if row.usd_per_error is None or float(row.usd_per_error) > frame["x_max"]:
            continue
        fusion = rates[row.premium]
        c = float(row.usd_per_error)
        y = (
            float(fusion.per_request_usd)
            + float(fusion.latency_cost_per_request_usd)
            + ((fusion.error_rate or 0) * c)
        )
        number = len(out) + 1  # every break-even on the chart is numbered and keyed
        x, y_px = px(c), py(y)
        out.append(
            {
                "x": x,
                "y": y_px,
                "label_y": _label_y(x, y_px - 6, [(o["x"], o["label_y"]) for o in out]),
                "title": f"{row.premium} = {row.versus} at {usd(row.usd_per_error)} per error",
                "number": number,
                "key": f"{number}: {row.premium} = {row.versus} at {usd(row.usd_per_error)}",
            }
        )
    return out


LABEL_W, LABEL_H = 14, 12  # a break-even number's box on the chart


def _label_y(x: float, y: float, placed: list[tuple[float, float]]) -> float:
    """A number's height above its circle, moved up until it overlaps no number placed
    before it (whatif.js places them the same way)."""
    while any(abs(x - px) < LABEL_W and abs(y - py) < LABEL_H for px, py in placed):
        y -= LABEL_H
    return y


def _chart_break_evens(d: Decision) -> list[BreakEven]:
    """The table's break-evens and the verdict's pair's, when the table has not got it."""
    rows = list(d.break_even)
    pair = d.comparison.break_even if d.comparison else None
    if pair is not None and not any(
        (r.premium, r.versus) == (pair.premium, pair.versus) for r in rows
    ):
        rows.append(pair)
    return rows


def _stage_parts(s: StrategyResult) -> dict[str, Decimal]:
    return {c.stage: c.cost_usd for c in s.by_stage}


def _model_parts(s: StrategyResult) -> dict[str, Decimal]:
    parts: dict[str, Decimal] = {}
    for row in s.breakdown:
        parts[row.model] = parts.get(row.model, Decimal(0)) + row.cost_usd
    return parts


def view(e: Estimate) -> dict[str, Any]:
    """Everything the template draws, from the Estimate alone."""
    fusions = [s for s in e.strategies if is_premium(s.kind)]
    cost_bars = _cost_bars(e)
    stage_chart = _stage_chart(fusions)
    model_chart = _model_chart(fusions)
    projection = _projection_chart(e)
    frame = _decision_frame(e)
    d = e.decision
    tornado = panel = latency = None
    if d is not None and d.sensitivity is not None:
        sens = d.sensitivity
        tornado = _tornado(sens)
        panel = _panel_chart(sens)
    if d is not None:
        latency = _latency_bars(d, colours(e))
    label = labeller(e)
    decided = own_decided(e)
    said = None if decided is None else headline(decided, label)
    return {
        "fusions": fusions,
        "one_call": [line for s in fusions if (line := one_call_sentence(s))],
        "cannot_run": {
            s.name: text for s in e.strategies if (text := cannot_run_text(s.name, s.context))
        },
        "premium_label": label(""),
        "money_heading": "Fusion's"
        if all(s.kind == "fusion" for s in fusions)
        else "the premium strategies'",
        "cost_bars": cost_bars,
        "stage_chart": stage_chart,
        "model_chart": model_chart,
        "projection": projection,
        "decision_frame": frame,
        "tornado": tornado,
        "panel": panel,
        "latency": latency,
        "whatif": _whatif(e),
        "legend": [{"name": n, "colour": c} for n, c in colours(e).items()],
        "headline": said,
        "assumed": [a for a in e.assumptions if not a.documented],
        "documented": [a for a in e.assumptions if a.documented],
        "assumption_rows": words.assumption_rows(e.assumptions),
        "titles": _titles(e, fusions, said),
        "aliases": sorted(
            {(m.requested, m.id) for s in e.strategies for m in s.models if m.via == "alias"}
        ),
    } | _decision_view(e, frame)


def _decision_view(e: Estimate, frame: dict[str, Any]) -> dict[str, Any]:
    """The decision's parts of the view: its chart, rates and where they come from, budgets."""
    d = e.decision
    label = labeller(e)
    cpe = None if d is None or d.cost_per_error_usd is None else float(d.cost_per_error_usd)
    return {
        "break_even_notes": [break_even_note(b, label) for b in d.break_even] if d else [],
        "cpe_x": None if cpe is None else _scales(frame)[0](min(cpe, frame["x_max"])),
        "cpe_beyond": cpe is not None and cpe > frame["x_max"],
        "decision_lines": _decision_lines(e, frame),
        "crossings": _crossings(e, frame),
        "illustrative": illustrative_note(d) if d else None,
        "rate_texts": {r.strategy: rate_text(r, d) for r in d.expected} if d else {},
        "over_budget": {r.strategy: r.fits_budget is False for r in d.expected} if d else {},
        "waiting": bool(d and d.value_of_latency_usd_per_s > 0),
        "how_sure": next((r.text for r in d.reasons if r.kind == "how_sure"), None) if d else None,
        "budget": d.monthly_budget_usd if d else None,
    }


def _titles(e: Estimate, fusions: list[StrategyResult], said: Headline | None) -> dict[str, str]:
    """Each chart's title: what the reader should see in it (the cost and decision charts
    state the verdict's pair, as the headline does)."""
    d = e.decision
    found = {"projection": words.projection_title(e), "costs": "Monthly cost per strategy"}
    if said is not None:
        found |= {"costs": said.cost_title, "decision": said.decision_title}
    if fusions:
        found |= {"stages": words.stage_title(fusions), "models": words.model_title(fusions)}
    if d is not None:
        found |= {"latency": words.latency_title(e)}
        if d.sensitivity is not None:
            found |= {"tornado": words.tornado_title(e), "panel": words.panel_title(e)}
    return found


def _cost_bars(e: Estimate) -> dict[str, Any]:
    """Monthly cost per strategy, with its band across the user's input ranges if any."""
    items = []
    palette = colours(e)
    for s in e.strategies:
        item: dict[str, Any] = {
            "label": s.name,
            "value": s.monthly_usd,
            "colour": palette[s.name],
            "title": f"{s.name}: {usd(s.monthly_usd)} per month",
        }
        if s.monthly_band is not None:
            item |= {"low": s.monthly_band.p5_usd, "high": s.monthly_band.p95_usd}
            item["title"] += f" ({BAND_LABEL} {band_text(s.monthly_band)})"
        items.append(item)
    budget = e.decision.monthly_budget_usd if e.decision else None
    limit = None if budget is None else (float(budget), f"budget {usd(budget)}")
    return charts.hbars(items, limit=limit)


def _stage_chart(fusions: list[StrategyResult]) -> dict[str, Any] | None:
    """The premium strategies' cost by stage, stages in pipeline order (none without them)."""
    return (
        charts.stacked(
            [{"label": s.name, "parts": _stage_parts(s)} for s in fusions],
            [k.name for k in STAGES if any(k.name in _stage_parts(s) for s in fusions)],
        )
        if fusions
        else None
    )


def _model_chart(fusions: list[StrategyResult]) -> dict[str, Any] | None:
    """The premium strategies' cost by model (none without them)."""
    model_keys = sorted({m for s in fusions for m in _model_parts(s)})
    return (
        charts.stacked([{"label": s.name, "parts": _model_parts(s)} for s in fusions], model_keys)
        if fusions
        else None
    )


def _projection_chart(e: Estimate) -> dict[str, Any]:
    """Monthly cost per strategy over the projected months, with its input-range band."""
    months = [row.month for row in e.projection]
    series = []
    palette = colours(e)
    for s in e.strategies:
        line: dict[str, Any] = {
            "name": s.name,
            "colour": palette[s.name],
            "values": [float(row.cost_usd[s.name]) for row in e.projection],
        }
        lows = [row.p5_usd[s.name] for row in e.projection if row.p5_usd is not None]
        highs = [row.p95_usd[s.name] for row in e.projection if row.p95_usd is not None]
        if len(lows) == len(months):
            line |= {"low": [float(v) for v in lows], "high": [float(v) for v in highs]}
        series.append(line)
    return charts.lines(series, months, x_label="month")


def _panel_chart(sens: Sensitivity) -> dict[str, Any]:
    """The premium strategy's monthly cost as the panel grows."""
    return charts.lines(
        [
            {
                "name": f"{sens.premium} monthly",
                "values": [float(p.monthly_usd) for p in sens.panel_sweep],
            }
        ],
        [p.size for p in sens.panel_sweep],
        x_label="panel size",
        band=False,
    )


def _latency_bars(d: Decision, palette: dict[str, str]) -> dict[str, Any]:
    """p50 latency per strategy, its bar stretched to p95."""
    return charts.hbars(
        [
            {
                "label": name,
                "colour": palette[name],
                "value": Decimal(str(info.p50_s)),
                "low": Decimal(str(info.p50_s)),
                "high": Decimal(str(info.p95_s)),
                "text": f"{info.p50_s:.1f} s / {info.p95_s:.1f} s",
                "title": f"{name}: p50 {info.p50_s:.1f} s, p95 {info.p95_s:.1f} s",
            }
            for name, info in d.latency_s.items()
        ],
        tick_format=lambda t: f"{t:g} s",
    )


def _ends(row: Any) -> tuple[str, str]:
    """How a tornado bar's ends are named: your range's values, or -50% / +50%."""
    if row.low_value is None:
        return "-50%", "+50%"
    return f"at {row.low_value:,g}", f"at {row.high_value:,g}"


def _tornado(sens: Any) -> dict[str, Any]:
    width, row, label_w = 640, 30, 170
    extent = (
        max(
            (
                max(
                    abs(float(r.low_monthly_delta_usd) - float(sens.base_monthly_delta_usd)),
                    abs(float(r.high_monthly_delta_usd) - float(sens.base_monthly_delta_usd)),
                )
                for r in sens.tornado
            ),
            default=1.0,
        )
        or 1.0
    )
    half = (width - label_w - 20) / 2
    centre = label_w + half
    bars = []
    for n, r in enumerate(sens.tornado):
        lo = float(r.low_monthly_delta_usd) - float(sens.base_monthly_delta_usd)
        hi = float(r.high_monthly_delta_usd) - float(sens.base_monthly_delta_usd)
        x1, x2 = sorted((centre + lo / extent * half, centre + hi / extent * half))
        bars.append(
            {
                "label": r.driver,
                "y": 10 + n * row,
                "x": x1,
                "w": max(1.0, x2 - x1),
                "h": row - 10,
                "title": f"{r.driver}: {_ends(r)[0]} {usd(r.low_monthly_delta_usd)}, "
                f"{_ends(r)[1]} {usd(r.high_monthly_delta_usd)} per month",
            }
        )
    return {
        "width": width,
        "height": 30 + len(bars) * row,
        "bars": bars,
        "centre": centre,
        "label_w": label_w,
    }


def render_html(estimate: Estimate) -> str:
    page: str = _environment().get_template("report.html.j2").render(e=estimate, v=view(estimate))
    return page
