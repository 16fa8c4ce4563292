"""FinOps FOCUS export (`replay --focus-out FILE`): the log and its counterfactuals as FOCUS
cost rows at day grain, money as exact decimal strings.

Columns (FOCUS 1.x names, focus.finops.org): BillingPeriodStart/End (the log's UTC month),
ChargePeriodStart/End (the day), BilledCost and EffectiveCost (what was billed; for a
strategy, what it would have cost), ListCost (the same tokens at list prices: the catalog's
repricing for the log's own rows, the strategy's cost for a counterfactual), BillingCurrency
USD, ChargeCategory Usage, ServiceName OpenRouter, ServiceCategory AI and Machine Learning,
ProviderName and PublisherName OpenRouter, ResourceId (the model, or the strategy for a
counterfactual), ConsumedQuantity (requests) with ConsumedUnit Requests, and the custom
columns x_Strategy ("as-billed" for the log itself, else the strategy's name) and x_Kind.
As-billed rows cover the requests replayed (Fusion traffic is reported apart, not here).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import IO, Any

from estimator.logs.attribution import money_text
from estimator.logs.engines.bands import BandTable
from estimator.logs.engines.stats import Stats
from estimator.logs.summary import Label, band_cost
from estimator.strategies.base import Strategy

COLUMNS = (
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "BillingCurrency",
    "ChargeCategory",
    "ChargeDescription",
    "ServiceName",
    "ServiceCategory",
    "ProviderName",
    "PublisherName",
    "ResourceId",
    "ConsumedQuantity",
    "ConsumedUnit",
    "x_Strategy",
    "x_Kind",
)
AS_BILLED = "as-billed"


def _day(day: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=day)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _periods(day: int) -> list[str]:
    """Billing period (the UTC month) and charge period (the day), as FOCUS timestamps."""
    start = _day(day)
    month = start.replace(day=1)
    following = (month + timedelta(days=32)).replace(day=1)
    return [_stamp(month), _stamp(following), _stamp(start), _stamp(start + timedelta(days=1))]


def _row(day: int, billed: Decimal, listed: Decimal, resource: str, n: int, **x: str) -> list[str]:
    description = f"{n:,} requests" + ("" if x["x_Strategy"] == AS_BILLED else " (counterfactual)")
    return [
        *_periods(day),
        money_text(billed),
        money_text(billed),
        money_text(listed),
        "USD",
        "Usage",
        description,
        "OpenRouter",
        "AI and Machine Learning",
        "OpenRouter",
        "OpenRouter",
        resource,
        str(n),
        "Requests",
        x["x_Strategy"],
        x["x_Kind"],
    ]


def write_focus(
    out: IO[str],
    stats: Stats,
    bands: BandTable,
    by_label: dict[str, dict[Label, Decimal]],
    strategies: Sequence[Strategy],
) -> None:
    """As-billed rows per (day, model), then each strategy's per day (rows without a date
    are left out: a FOCUS charge has a period)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    billed: dict[tuple[int, str], list[Any]] = {}
    for (model, _, day), values in stats.get("mix").items():
        if model is not None and int(day) >= 0:
            entry = billed.setdefault((int(day), model), [Decimal(0), Decimal(0), 0])
            entry[0] += Decimal(values["cost"] or 0)
            entry[2] += int(values["n"])
    for (band_id, _, _, _, day), values in stats.get("cal").items():
        band = bands.by_id[int(band_id)]
        if int(day) >= 0 and (int(day), band.name) in billed:
            billed[(int(day), band.name)][1] += band_cost(bands, band.id, values)
    for (day, model), (cost, listed, n) in sorted(billed.items()):
        writer.writerow(_row(day, cost, listed, model, n, x_Strategy=AS_BILLED, x_Kind="log"))
    requests: dict[int, int] = {}
    for (_, _, day), values in stats.get("mix").items():
        if int(day) >= 0:
            requests[int(day)] = requests.get(int(day), 0) + int(values["n"])
    for strategy in strategies:
        days: dict[int, Decimal] = {}
        for (_, day, _), value in by_label.get(strategy.name, {}).items():
            if day >= 0:
                days[day] = days.get(day, Decimal(0)) + value
        for day, value in sorted(days.items()):
            writer.writerow(
                _row(
                    day,
                    value,
                    value,
                    strategy.name,
                    requests.get(day, 0),
                    x_Strategy=strategy.name,
                    x_Kind=strategy.kind,
                )
            )
