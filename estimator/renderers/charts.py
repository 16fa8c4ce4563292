"""Chart geometry for the HTML report's inline SVG: scales and coordinates, never money.

Every function takes numbers already computed in the Estimate and returns plain dicts the
templates draw. Keeping geometry here keeps the templates readable and the math testable.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from estimator.documents.common import nice_max
from estimator.renderers.fmt import usd
from estimator.strategies.stages import BY_NAME

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


def strategy_colours(names: Sequence[str]) -> dict[str, str]:
    """One colour per strategy, the same in every chart of the page (scenario order)."""
    return {name: PALETTE[n % len(PALETTE)] for n, name in enumerate(names)}


def ticks(maximum: float, count: int = 4) -> list[float]:
    return [maximum * i / count for i in range(count + 1)]


def hbars(
    items: Sequence[dict[str, Any]],
    width: int = 640,
    row: int = 34,
    label_w: int = 150,
    tick_format: Any = None,
    limit: tuple[float, str] | None = None,
) -> dict[str, Any]:
    """Horizontal bars; items: label, value, optional low/high (a band), colour; `limit`: a
    vertical line (a budget) at a value, with its label."""
    tick_format = tick_format or (lambda t: usd(Decimal(repr(t))))
    top = max((float(i.get("high", i["value"])) for i in items), default=0.0)
    top = max(top, limit[0] if limit else 0.0)
    xmax = nice_max(top)
    plot = width - label_w - 90
    scale = plot / xmax
    bars = []
    for n, item in enumerate(items):
        value = float(item["value"])
        bar = {
            "label": item["label"],
            "y": 10 + n * row,
            "x": label_w,
            "w": max(1.0, value * scale),
            "h": row - 12,
            "text": item.get("text", usd(item["value"])),
            "colour": item.get("colour", PALETTE[n % len(PALETTE)]),
            "title": item.get("title", ""),
        }
        bar["text_x"] = label_w + bar["w"] + 6
        if "low" in item:
            bar["band"] = (
                label_w + float(item["low"]) * scale,
                label_w + float(item["high"]) * scale,
            )
            bar["text_x"] = max(bar["text_x"], bar["band"][1] + 6)
        bars.append(bar)
    axis = [{"x": label_w + t * scale, "text": tick_format(t)} for t in ticks(xmax)]
    return {
        "width": width,
        "height": 30 + len(items) * row,
        "bars": bars,
        "axis": axis,
        "label_w": label_w,
        "plot_w": plot,
        "limit": None if limit is None else {"x": label_w + limit[0] * scale, "text": limit[1]},
    }


def stacked(
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    width: int = 640,
    row: int = 38,
    label_w: int = 150,
) -> dict[str, Any]:
    """One horizontal stacked bar per row; rows: label, parts {key: value}."""
    top = max((sum(float(v) for v in r["parts"].values()) for r in rows), default=0.0)
    xmax = nice_max(top)
    scale = (width - label_w - 40) / xmax
    bars = []
    for n, r in enumerate(rows):
        x = float(label_w)
        segments = []
        for key in keys:
            value = float(r["parts"].get(key, 0))
            if value <= 0:
                continue
            w = value * scale
            segments.append(
                {
                    "key": key,
                    "x": x,
                    "w": w,
                    "colour": colour(key, keys),
                    "title": f"{r['label']}: {key} {usd(r['parts'][key])}",
                }
            )
            x += w
        bars.append({"label": r["label"], "y": 10 + n * row, "h": row - 14, "segments": segments})
    axis = [{"x": label_w + t * scale, "text": usd(Decimal(repr(t)))} for t in ticks(xmax)]
    per_row = 3
    legend_top = 34 + len(rows) * row
    legend = [
        {
            "key": k,
            "colour": colour(k, keys),
            "x": 10 + (i % per_row) * 210,
            "y": legend_top + (i // per_row) * 18,
        }
        for i, k in enumerate(keys)
    ]
    height = legend_top + ((len(keys) + per_row - 1) // per_row) * 18 + 4
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "axis": axis,
        "legend": legend,
        "axis_y": legend_top - 14,
        "grid_bottom": legend_top - 28,
    }


def colour(key: str, keys: Sequence[str]) -> str:
    """A stage's own colour (the stage table), else the palette's next one (models)."""
    row = BY_NAME.get(key)
    return row.colour if row is not None else PALETTE[list(keys).index(key) % len(PALETTE)]


def lines(
    series: Sequence[dict[str, Any]],
    x_values: Sequence[float],
    width: int = 640,
    height: int = 260,
    x_label: str = "",
    band: bool = True,
) -> dict[str, Any]:
    """Line chart; series: name, values, optional low/high lists (an uncertainty band)."""
    left, right, top_pad, bottom = 70, 20, 14, 36
    ymax = nice_max(max(float(max(s.get("high", s["values"]))) for s in series))
    xmin, xmax = min(x_values), max(x_values)
    span = (xmax - xmin) or 1

    def px(x: float) -> float:
        return left + (x - xmin) / span * (width - left - right)

    def py(y: float) -> float:
        return height - bottom - float(y) / ymax * (height - top_pad - bottom)

    drawn = []
    for n, s in enumerate(series):
        points = " ".join(
            f"{px(x):.1f},{py(y):.1f}" for x, y in zip(x_values, s["values"], strict=True)
        )
        item = {
            "name": s["name"],
            "points": points,
            "colour": s.get("colour", PALETTE[n % len(PALETTE)]),
        }
        if band and "low" in s:
            upper = [f"{px(x):.1f},{py(y):.1f}" for x, y in zip(x_values, s["high"], strict=True)]
            lower = [f"{px(x):.1f},{py(y):.1f}" for x, y in zip(x_values, s["low"], strict=True)]
            item["band"] = " ".join(upper + lower[::-1])
        drawn.append(item)
    yaxis = [{"y": py(t), "text": usd(Decimal(repr(t)))} for t in ticks(ymax)]
    xaxis = [{"x": px(x), "text": f"{x:g}"} for x in x_values]
    return {
        "width": width,
        "height": height,
        "series": drawn,
        "yaxis": yaxis,
        "xaxis": xaxis,
        "left": left,
        "bottom": height - bottom,
        "right": width - right,
        "x_label": x_label,
        "legend": [{"name": d["name"], "colour": d["colour"]} for d in drawn]
        if len(drawn) > 1
        else [],
    }


def decision_geometry(width: int = 640, height: int = 280) -> dict[str, Any]:
    """The frame of the total-cost-vs-cost-per-error chart, shared with the page's JS."""
    return {"width": width, "height": height, "left": 70, "right": 20, "top": 14, "bottom": 36}
