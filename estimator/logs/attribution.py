"""Attribution (`replay --group-by COLUMN,...`): each group's requests, what it was billed,
and what each strategy would have cost it, exactly, from the statistics' groups."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from estimator.documents.replay import GroupTotal
from estimator.logs.engines.stats import Stats
from estimator.logs.summary import Label, cell_parts

MONEY_PLACES = Decimal("1e-15")  # exact totals are shown to the femtodollar


def money_text(value: Decimal) -> str:
    """An exact amount as a plain decimal string (rounded half-even at 1e-15 USD)."""
    return format(value.quantize(MONEY_PLACES).normalize(), "f") if value else "0"


def group_totals(
    groups: Sequence[str],
    stats: Stats,
    by_label: dict[str, dict[Label, Decimal]],
    has_cost: bool,
) -> list[GroupTotal]:
    """One total per distinct combination of the `groups` columns, largest bill first."""
    if not groups:
        return []
    requests: dict[tuple[Any, ...], int] = {}
    for keys, values in stats.get("cells").items():
        forms = len(keys) - 4 - len(groups)
        label = cell_parts(keys, forms)[2][2]
        requests[label] = requests.get(label, 0) + int(values["n"])
    billed = {tuple(keys): values["cost"] for keys, values in stats.get("group").items()}
    costs: dict[tuple[Any, ...], dict[str, Decimal]] = {}
    for name, labels in by_label.items():
        for (_, _, group), value in labels.items():
            mine = costs.setdefault(tuple(group), {})
            mine[name] = mine.get(name, Decimal(0)) + value
    out = []
    for group in sorted(set(requests) | set(billed), key=repr):
        cost = billed.get(group)
        out.append(
            GroupTotal(
                group=dict(zip(groups, group, strict=True)),
                requests=requests.get(group, 0),
                logged_usd=money_text(Decimal(cost)) if has_cost and cost is not None else None,
                strategies={
                    name: money_text(value) for name, value in costs.get(group, {}).items()
                },
            )
        )
    out.sort(key=lambda g: -Decimal(g.logged_usd or 0))
    return out
