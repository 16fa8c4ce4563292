"""What a log's rows are in scenario terms, and its Fusion traffic as billed.

`log_request` turns rows into the requests the strategies expand (visible output =
completion - reasoning; the log's cache writes, or the automatic writers' share when it does
not report them). `FusionSums` keeps Fusion traffic apart: a Fusion response (one request
each) or the generations a Fusion request routed (grouped by request id), shown at their
observed cost, never repriced as one plain call nor re-expanded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from estimator.defaults import default
from estimator.documents.replay import FusionObserved
from estimator.errors import UserError
from estimator.logs.rows import Rows
from estimator.pricing.catalog import Catalog
from estimator.pricing.rules import VECTOR
from estimator.workload.distributions import auto_written
from estimator.workload.reasoning import reasoning_profile
from estimator.workload.request import Request

AUTO_WRITE_SHARE = Decimal(str(default("caching.automatic_write_share")))


def log_request(
    rows: Rows, ids: dict[str, str] | None = None, catalog: Catalog | None = None
) -> Request:
    """The requests of a log chunk in scenario terms: visible output = completion - reasoning;
    logged cache writes, or (a log that does not report them) the automatic writers' share.
    The logged reasoning is the logged model's (`logged_reasoning`): every other model thinks
    as much as its own profile. Without `ids` (a log that names no models), every model that
    reasons thinks as much as the row did."""
    share = float(AUTO_WRITE_SHARE)
    auto = (
        rows.written if rows.has_writes else auto_written(rows.prompt, rows.cached, share, VECTOR)
    )
    by_model = logged_reasoning(rows, ids, catalog) if ids is not None and catalog else {}
    return Request(
        rows.prompt,
        rows.completion - rows.reasoning,
        None if ids is not None else rows.reasoning,
        rows.cached,
        rows.written,
        auto,
        reasoning_by_model=by_model,
    )


def logged_reasoning(rows: Rows, ids: dict[str, str], catalog: Catalog) -> dict[str, Any]:
    """Per logged model (by catalog id): its own rows' logged reasoning, and on the other rows
    (requests another model served) its own reasoning profile. Models the log does not show
    think as much as their profile everywhere."""
    if rows.model is None:
        return {}
    found: dict[str, Any] = {}
    for index, name in enumerate(rows.models):
        model_id = ids.get(name)
        mine = rows.model == index
        if model_id is None or not mine.any():
            continue
        model = catalog.get_exact(model_id)
        profile = float(reasoning_profile(model).tokens) if model.reasons else 0.0
        found[model_id] = np.where(mine, rows.reasoning, found.get(model_id, profile))
    return found


def model_ids(names: Sequence[str], catalog: Catalog) -> dict[str, str]:
    """The catalog id of each logged model name it knows."""
    found = {}
    for name in names:
        try:
            found[name] = catalog.resolve(name).id
        except UserError:
            continue
    return found


@dataclass
class FusionSums:
    """Fusion traffic as billed: responses (one request each) and routed generations (grouped
    by request id; bounded by the number of Fusion requests)."""

    rows: int = 0
    logged: float = 0.0
    responses: int = 0
    outer: float = 0.0
    outer_rows: int = 0
    by_request: dict[str, float] = field(default_factory=dict)
    ungrouped: int = 0
    ungrouped_usd: float = 0.0

    def add(self, rows: Rows, mask: np.ndarray) -> None:
        if not mask.any():
            return
        cost = rows.cost_total if rows.cost_total is not None else np.zeros(len(rows))
        cost = np.nan_to_num(cost)
        self.rows += int(mask.sum())
        self.logged += float(cost[mask].sum())
        response = mask & (rows.fusion if rows.fusion is not None else False)
        self.responses += int(np.sum(response))
        if rows.upstream_prompt is not None and rows.upstream_completion is not None:
            outer = rows.upstream_prompt + rows.upstream_completion
            seen = response & ~np.isnan(outer)
            self.outer += float(outer[seen].sum())
            self.outer_rows += int(seen.sum())
        members = mask & ~response
        at = np.flatnonzero(members)
        ids = rows.request_id[members].values() if rows.request_id is not None else [None] * len(at)
        for i, request in zip(at, ids, strict=True):
            if request:
                self.by_request[request] = self.by_request.get(request, 0.0) + float(cost[i])
            else:
                self.ungrouped += 1
                self.ungrouped_usd += float(cost[i])

    def result(self) -> FusionObserved | None:
        if not self.rows:
            return None
        # generations without a request id cannot be told apart: counted as rows, not requests
        requests = self.responses + len(self.by_request)
        grouped = self.logged - self.ungrouped_usd
        whole = self.outer_rows == self.responses and not self.by_request and not self.ungrouped
        return FusionObserved(
            requests=requests,
            rows=self.rows,
            logged_usd=self.logged,
            per_request_usd=grouped / requests if requests else None,
            outer_usd=self.outer if whole else None,
            inner_usd=self.logged - self.outer if whole else None,
            ungrouped_rows=self.ungrouped,
        )
