"""`report`: the Estimate as one self-contained HTML page (inline CSS, SVG and a little JS).

The view built here is presentation only (labels, formatted numbers, chart coordinates); every
amount comes from the Estimate. The what-if controls recompute from per-request figures
embedded as JSON, with the same formulas as Python (checked in a browser test).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from estimator.documents.common import nice_max
from estimator.documents.decision import Decision, Sensitivity
from estimator.documents.estimate import Estimate, StrategyResult
from estimator.renderers import charts
from estimator.renderers import report_words as words
from estimator.renderers.fmt import (
    BAND_LABEL,
    band_text,
    cannot_run_text,
    ratio,
    tokens,
    up_to,
    usd,
)
from estimator.renderers.one_call import one_call_sentence
from estimator.renderers.reasons import break_even_note, labeller, word
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


def _whatif(e: Estimate) -> dict[str, Any]:
    """The sliders' data: every figure they touch at every stop, precomputed by the
    decision (decision/whatif.py); the page only looks them up and formats them."""
    d = e.decision
    w = d.what_if if d else None
    if d is None or w is None:
        return {"enabled": False}
    label = labeller(e)
    leads: list[str] = []
    points = []
    for point in w.points:
        text = word(point.lead, label) if point.lead else ""
        if text not in leads:
            leads.append(text)
        points.append(
            [
                point.verdict,
                plain_text(point.chosen),
                point.share,
                leads.index(text),
                plain_text(point.rest) if point.rest else None,
                _floats(point.monthly_usd),
            ]
        )
    name = plain_text  # as the page prints names (see _no_controls)
    breaks: dict[str, dict[str, Any]] = {}
    for key, values in w.break_even_usd_per_error.items():
        premium, versus = key.split("\n")
        breaks.setdefault(name(premium), {})[name(versus)] = _floats(values)
    rates = {r.strategy: r.error_rate for r in d.expected}

    def own(axis: list[float], value: float | None) -> int:
        return axis.index(value) if value in axis else 0

    return {
        "enabled": True,
        "volumes": w.volumes,
        "costs_per_error": w.costs_per_error,
        "rates": w.rates,
        "own": {
            "volume": own(w.volumes, e.workload.requests_per_month),
            "cpe": own(w.costs_per_error, _floats(d.cost_per_error_usd)),
            "rate": own(w.rates, _invocation_rate(e)),
        },
        "per_request": {name(k): _floats(v) for k, v in w.per_request_usd.items()},
        "monthly": {name(k): _floats(v) for k, v in w.monthly_usd.items()},
        "total": {name(k): _floats(v) for k, v in w.total_per_request_usd.items()},
        "total_monthly": {name(k): _floats(v) for k, v in w.total_monthly_usd.items()},
        "multiplier": {name(k): v for k, v in w.multiplier_vs_baseline.items()},
        "fits_budget": {name(k): v for k, v in w.fits_budget.items()},
        "budget": _floats(d.monthly_budget_usd),
        "break_even": breaks,
        "error_rate": {name(k): v for k, v in rates.items()},
        "premiums": [name(s.name) for s in e.strategies if is_premium(s.kind)],
        "order": [name(s.name) for s in e.strategies],  # tojson sorts keys: keep the page's
        "points": points,
        "leads": leads,
        "premium": name(d.premium_strategy) if d.premium_strategy else None,
        "chart": _decision_frame(e),
    }


def _invocation_rate(e: Estimate) -> float | None:
    """The slider's start: the (first) Fusion strategy's own invocation rate."""
    return next((s.invocation_rate for s in e.strategies if s.invocation_rate is not None), None)


def _decision_frame(e: Estimate) -> dict[str, Any]:
    """The decision chart's axes: wide enough for the stated cost per error and break-evens."""
    d = e.decision
    frame = charts.decision_geometry()
    frame["x_max"] = d.cost_per_error_axis_usd if d else 10.0
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
    for n, row in enumerate(d.expected):
        if row.error_rate is None:
            continue
        base = float(row.per_request_usd) + float(row.latency_cost_per_request_usd)
        end = base + row.error_rate * frame["x_max"]
        drawn.append(
            {
                "name": row.strategy,
                "colour": charts.PALETTE[n % len(charts.PALETTE)],
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
    for row in d.break_even:
        if row.usd_per_error is None or float(row.usd_per_error) > frame["x_max"]:
            continue
        fusion = rates[row.premium]
        c = float(row.usd_per_error)
        y = (
            float(fusion.per_request_usd)
            + float(fusion.latency_cost_per_request_usd)
            + ((fusion.error_rate or 0) * c)
        )
        named = row.premium == d.premium_strategy  # numbered on the chart; the rest on hover
        number = len([o for o in out if o["number"]]) + 1 if named else 0
        out.append(
            {
                "x": px(c),
                "y": py(y),
                "title": f"{row.premium} = {row.versus} at {usd(row.usd_per_error)} per error",
                "number": number,
                "key": f"{number}: {row.premium} = {row.versus} at {usd(row.usd_per_error)}",
            }
        )
    return out


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
        latency = _latency_bars(d)
    label = labeller(e)
    return {
        "fusions": fusions,
        "one_call": [line for s in fusions if (line := one_call_sentence(s))],
        "cannot_run": {
            s.name: text for s in e.strategies if (text := cannot_run_text(s.name, s.context))
        },
        "premium_label": label(""),
        "break_even_notes": [break_even_note(b, label) for b in d.break_even] if d else [],
        "cost_bars": cost_bars,
        "stage_chart": stage_chart,
        "model_chart": model_chart,
        "projection": projection,
        "decision_frame": frame,
        "cpe_x": None
        if d is None or d.cost_per_error_usd is None
        else _scales(frame)[0](float(d.cost_per_error_usd)),
        "decision_lines": _decision_lines(e, frame),
        "crossings": _crossings(e, frame),
        "tornado": tornado,
        "panel": panel,
        "latency": latency,
        "whatif": _whatif(e),
        "legend": [
            {"name": s.name, "colour": charts.PALETTE[n % len(charts.PALETTE)]}
            for n, s in enumerate(e.strategies)
        ],
        "assumed": [a for a in e.assumptions if not a.documented],
        "documented": [a for a in e.assumptions if a.documented],
        "assumption_rows": words.assumption_rows(e.assumptions),
        "titles": _titles(e, fusions),
        "how_sure": next((r.text for r in d.reasons if r.kind == "how_sure"), None) if d else None,
        "budget": d.monthly_budget_usd if d else None,
        "aliases": sorted(
            {(m.requested, m.id) for s in e.strategies for m in s.models if m.via == "alias"}
        ),
    }


def _titles(e: Estimate, fusions: list[StrategyResult]) -> dict[str, str]:
    """Each chart's title: what the reader should see in it."""
    d = e.decision
    found = {"costs": words.cost_title(e), "projection": words.projection_title(e)}
    if fusions:
        found |= {"stages": words.stage_title(fusions), "models": words.model_title(fusions)}
    if d is not None:
        found |= {"decision": words.decision_title(e), "latency": words.latency_title(e)}
        if d.sensitivity is not None:
            found |= {"tornado": words.tornado_title(e), "panel": words.panel_title(e)}
    return found


def _cost_bars(e: Estimate) -> dict[str, Any]:
    """Monthly cost per strategy, with its band across the user's input ranges if any."""
    items = []
    for s in e.strategies:
        item: dict[str, Any] = {
            "label": s.name,
            "value": s.monthly_usd,
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
    for s in e.strategies:
        line: dict[str, Any] = {
            "name": s.name,
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


def _latency_bars(d: Decision) -> dict[str, Any]:
    """p50 latency per strategy, its bar stretched to p95."""
    return charts.hbars(
        [
            {
                "label": name,
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
