"""Calibration: reprice every row as it was billed, and compare like with like.

A row's *token* part is repriced with the billing rule (`pricing.rules`), its own model,
tokens and minute, and the catalog in force at its date (`Timeline`). It is compared with the
logged token cost: the provider's split when the log has it (upstream prompt + completion
cost), else `cost_total` minus the web-search fee, else `cost_total`. What a row was billed
besides its tokens is *separated* by kind and never compared with token prices: web search
fees (checked against Exa's fee on the row's date), the inner calls and tools of a Fusion
response (whose tokens cover only the outer model), OpenRouter's BYOK fee.

A row that still differs is blamed on prices only when prices explain it: its prompt and its
completion parts are off by the same factor. Then, if a catalog covers its date, the cause is
a provider's own price (the models API quotes the top provider's); if none does, the price
may have changed since. Parts off by different factors mean the tokens are not reproduced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from estimator.errors import UnknownModelError, UserError
from estimator.pricing.catalog import Catalog
from estimator.pricing.fees import SEARCH_FEES, days_since_epoch
from estimator.pricing.rules import NO_TOOLS, VECTOR, Usage, charges
from estimator.replay.result import (
    Calibration,
    CatalogUse,
    FlagDetail,
    ModelCalibration,
    Separated,
    WebFees,
)
from estimator.replay.rows import Rows

TOLERANCE_REL = 0.0005  # a row agrees within 0.05% of its logged token cost...
TOLERANCE_USD = 1e-6  # ...or $0.000001, whichever is larger
UNIFORM = 0.002  # prompt and completion off by the same factor within 0.2%: a price level

REASON_PROVIDER = "provider price (not the list price)"
REASON_CHANGED = "price changed since? (the row is older than every catalog)"
REASON_TOKENS = "tokens not reproduced (prompt and completion off by different factors)"
REASON_DIFFERS = "price or tokens differ (the log has no prompt/completion split)"
REASON_FUSION = "Fusion response without an upstream split (its cost covers every call)"
REASON_BYOK = "BYOK"
REASON_CANCELLED = "cancelled"

SEP_WEB = "web search fee"
SEP_FUSION = "Fusion inner calls and tools"
SEP_BYOK = "BYOK fee (OpenRouter's)"


class Timeline:
    """The catalogs rows can be priced with: for a row, the newest fetched at or before its
    date ("covered"); a row older than every catalog gets the oldest (not covered)."""

    def __init__(self, current: Catalog, history: Sequence[Catalog] = ()) -> None:
        unique: dict[tuple[str, str], Catalog] = {}
        for catalog in (*history, current):
            key = (catalog.meta.sha256, catalog.meta.fetched_at.isoformat())
            unique.setdefault(key, catalog)
        self.catalogs = sorted(unique.values(), key=lambda c: c.meta.fetched_at)
        self.current = current
        self.current_index = self.catalogs.index(
            next(c for c in self.catalogs if c.meta.sha256 == current.meta.sha256)
        )
        self.days = np.array([days_since_epoch(c.meta.fetched_at) for c in self.catalogs])
        self._ids: dict[tuple[int, str], tuple[int, str] | None] = {}

    def locate(self, days: np.ndarray | None, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(catalog index, covered) per row; no dates: today's catalog, not covered."""
        if days is None:
            return np.full(n, self.current_index), np.zeros(n, dtype=bool)
        index = np.searchsorted(self.days, days, side="right") - 1
        return np.maximum(index, 0), index >= 0

    def model(self, index: int, name: str) -> tuple[int, str] | None:
        """(catalog index actually used, model id) for a name; an older catalog that lacks
        the model falls back to today's; None when no catalog knows it."""
        key = (index, name)
        if key not in self._ids:
            found: tuple[int, str] | None = None
            for candidate in (index, self.current_index):
                try:
                    found = (candidate, self.catalogs[candidate].resolve(name).id)
                    break
                except (UnknownModelError, UserError):
                    continue
            self._ids[key] = found
        return self._ids[key]


@dataclass
class _ModelSums:
    rows: int = 0
    logged: float = 0.0
    repriced: float = 0.0
    flagged: int = 0
    max_difference: float = 0.0


@dataclass
class _Detail:
    rows: int = 0
    low: float = np.inf
    high: float = -np.inf


@dataclass
class Calibrator:
    """Running sums over all chunks (bounded memory: no per-row state is kept)."""

    timeline: Timeline
    rows_out: Any = None  # a csv.writer for --rows-out, or None
    models: dict[str, _ModelSums] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)
    details: dict[tuple[str, str, str], _Detail] = field(default_factory=dict)
    separated: dict[str, list[float]] = field(default_factory=dict)  # kind -> [rows, usd]
    catalog_rows: dict[int, list[int]] = field(default_factory=dict)  # index -> [rows, covered]
    changed: dict[int, set[str]] = field(default_factory=dict)
    logged_total: float = 0.0
    web: list[float] = field(default_factory=lambda: [0, 0.0, 0])  # rows, usd, matching
    unknown: dict[str, int] = field(default_factory=dict)
    has_cost: bool = False

    def add(self, rows: Rows) -> None:
        if rows.model is None or not len(rows):
            return
        n = len(rows)
        self.has_cost = self.has_cost or rows.cost_total is not None
        cost = rows.cost_total if rows.cost_total is not None else np.full(n, np.nan)
        logged, separated, kinds, split = _split(rows, cost)
        index, covered = self.timeline.locate(rows.days, n)
        for model_index, name in enumerate(rows.models):
            in_model = rows.model == model_index
            if not in_model.any():
                continue
            for catalog_index in np.unique(index[in_model]):
                mask = in_model & (index == catalog_index)
                self._model_group(
                    rows,
                    mask,
                    int(catalog_index),
                    name,
                    (logged, separated, kinds, split),
                    cost,
                    covered,
                )

    def _model_group(
        self,
        rows: Rows,
        mask: np.ndarray,
        catalog_index: int,
        name: str,
        parts: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
        cost: np.ndarray,
        covered: np.ndarray,
    ) -> None:
        logged, separated, kinds, split = parts
        found = self.timeline.model(catalog_index, name)
        count = int(mask.sum())
        if found is None:
            self.unknown[name] = self.unknown.get(name, 0) + count
            return
        used, model_id = found
        catalog = self.timeline.catalogs[used]
        model = catalog.get_exact(model_id)
        if model.pricing.is_dynamic:
            self.unknown[name] = self.unknown.get(name, 0) + count
            return
        if used != catalog_index:
            covered = np.zeros_like(covered)
        usage = Usage(
            rows.prompt[mask],
            rows.completion[mask],
            rows.reasoning[mask],
            rows.cached[mask],
            rows.written[mask],
        )
        minutes = None if rows.minutes is None else rows.minutes[mask]
        billed = charges(usage, NO_TOOLS, model.pricing, minutes, None, VECTOR, model_id)
        shape = (count,)
        repriced = np.broadcast_to(billed.tokens, shape).astype(float)
        prompt_part = np.broadcast_to(billed.input + billed.cache_read + billed.cache_write, shape)
        completion_part = np.broadcast_to(billed.output + billed.reasoning, shape)
        self._catalog_use(used, model_id, count, int(covered[mask].sum()))

        known = ~np.isnan(logged[mask]) if self.has_cost else np.zeros(count, dtype=bool)
        sums = self.models.setdefault(name, _ModelSums())
        sums.rows += count
        sums.repriced += float(repriced.sum())
        if not known.any():
            self._write_rows(rows, mask, catalog, repriced, logged, separated, kinds, None)
            return
        row_logged = logged[mask]
        sums.logged += float(row_logged[known].sum())
        self.logged_total += float(np.nansum(cost[mask]))
        self._separate(rows, mask, separated, kinds)
        difference = np.where(known, np.abs(repriced - row_logged), 0.0)
        sums.max_difference = max(sums.max_difference, float(difference.max()))
        off = known & (difference > np.maximum(TOLERANCE_USD, TOLERANCE_REL * np.abs(row_logged)))
        reasons = np.full(count, "", dtype=object)
        if off.any():
            sums.flagged += int(off.sum())
            reasons = self._flag(
                rows,
                mask,
                off,
                split[mask],
                covered[mask],
                name,
                repriced,
                row_logged,
                (prompt_part, completion_part),
            )
        self._write_rows(rows, mask, catalog, repriced, logged, separated, kinds, reasons)

    def _catalog_use(self, index: int, model_id: str, count: int, covered: int) -> None:
        entry = self.catalog_rows.setdefault(index, [0, 0])
        entry[0] += count
        entry[1] += covered
        if index != self.timeline.current_index and model_id in self.timeline.current:
            then = self.timeline.catalogs[index].get_exact(model_id).pricing
            if then != self.timeline.current.get_exact(model_id).pricing:
                self.changed.setdefault(index, set()).add(model_id)

    def _separate(
        self, rows: Rows, mask: np.ndarray, separated: np.ndarray, kinds: np.ndarray
    ) -> None:
        amounts, kind = separated[mask], kinds[mask]
        for name in np.unique(kind[amounts > 0]):
            hit = (kind == name) & (amounts > 0)
            entry = self.separated.setdefault(str(name), [0, 0.0])
            entry[0] += int(hit.sum())
            entry[1] += float(amounts[hit].sum())
        web = (kind == SEP_WEB) & (amounts > 0)
        if web.any():
            self.web[0] += int(web.sum())
            self.web[1] += float(amounts[web].sum())
            if rows.days is not None:
                fee = _exa_fee(rows.days[mask][web])
                searches = amounts[web] / fee
                whole = (np.rint(searches) >= 1) & (np.abs(searches - np.rint(searches)) < 1e-3)
                self.web[2] += int(whole.sum())

    def _flag(
        self,
        rows: Rows,
        mask: np.ndarray,
        off: np.ndarray,
        split: np.ndarray,
        covered: np.ndarray,
        name: str,
        repriced: np.ndarray,
        logged: np.ndarray,
        parts: tuple[np.ndarray, np.ndarray],
    ) -> np.ndarray:
        """Name the cause of each disagreeing row (first matching cause wins)."""
        n = len(off)
        reasons = np.full(n, "", dtype=object)

        def column(values: np.ndarray | None, fill: Any = False) -> np.ndarray:
            return np.full(n, fill) if values is None else values[mask]

        cancelled = column(rows.cancelled)
        byok = column(rows.is_byok) | (column(rows.byok, 0.0) > 0)
        fusion = column(rows.fusion)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio_prompt = column(rows.upstream_prompt, np.nan) / parts[0]
            ratio_completion = column(rows.upstream_completion, np.nan) / parts[1]
            ratio = logged / repriced
        both = split & (parts[0] > 0) & (parts[1] > 0)
        uniform = both & (
            np.abs(ratio_prompt - ratio_completion)
            <= UNIFORM * np.maximum(ratio_prompt, ratio_completion)
        )
        one_part = split & ~both  # only one part billed: its ratio is the whole story
        level = uniform | one_part
        order = (
            (REASON_CANCELLED, cancelled),
            (REASON_FUSION, fusion & ~split),
            (REASON_BYOK, byok & ~split),
            (REASON_PROVIDER, level & covered),
            (REASON_CHANGED, level & ~covered),
            (REASON_TOKENS, split),
            (REASON_DIFFERS, np.ones(n, dtype=bool)),
        )
        remaining = off.copy()
        providers = column(rows.provider, -1)
        for reason, hit in order:
            chosen = remaining & hit
            if not chosen.any():
                continue
            remaining &= ~chosen
            reasons[chosen] = reason
            self.flags[reason] = self.flags.get(reason, 0) + int(chosen.sum())
            for provider_index in np.unique(providers[chosen]):
                picked = chosen & (providers == provider_index)
                provider = rows.providers[provider_index] if provider_index >= 0 else "-"
                detail = self.details.setdefault((reason, name, provider), _Detail())
                detail.rows += int(picked.sum())
                finite = ratio[picked][np.isfinite(ratio[picked])]
                if len(finite):
                    detail.low = min(detail.low, float(finite.min()))
                    detail.high = max(detail.high, float(finite.max()))
        return reasons

    def _write_rows(
        self,
        rows: Rows,
        mask: np.ndarray,
        catalog: Catalog,
        repriced: np.ndarray,
        logged: np.ndarray,
        separated: np.ndarray,
        kinds: np.ndarray,
        reasons: np.ndarray | None,
    ) -> None:
        if self.rows_out is None:
            return
        count = int(mask.sum())
        ids = rows.generation_id[mask] if rows.generation_id is not None else [""] * count
        days = rows.days[mask] if rows.days is not None else np.full(count, np.nan)
        model = rows.models[int(rows.model[mask][0])] if rows.model is not None else ""
        stamp = catalog.meta.fetched_at.date().isoformat()
        row_logged, row_separated, row_kinds = logged[mask], separated[mask], kinds[mask]
        for i in range(count):
            known = not np.isnan(row_logged[i])
            self.rows_out.writerow(
                [
                    ids[i] or "",
                    "" if np.isnan(days[i]) else _iso(days[i]),
                    model,
                    stamp,
                    f"{row_logged[i]:.9f}" if known else "",
                    f"{repriced[i]:.9f}",
                    f"{repriced[i] - row_logged[i]:+.9f}" if known else "",
                    f"{row_separated[i]:.9f}" if row_separated[i] else "",
                    row_kinds[i] if row_separated[i] else "",
                    "" if reasons is None else reasons[i],
                ]
            )

    def result(self) -> Calibration | None:
        if not self.models:
            return None
        has_cost = self.has_cost
        by_model = [
            ModelCalibration(
                model=name,
                rows=v.rows,
                logged_usd=v.logged,
                repriced_usd=v.repriced,
                agreement=(v.repriced / v.logged) if has_cost and v.logged else None,
                flagged=v.flagged,
                max_difference_usd=v.max_difference,
            )
            for name, v in sorted(self.models.items(), key=lambda kv: -kv[1].logged)
        ]
        logged = sum(m.logged_usd for m in by_model)
        repriced = sum(m.repriced_usd for m in by_model)
        timeline = self.timeline
        return Calibration(
            rows_compared=sum(m.rows for m in by_model),
            logged_usd=logged,
            repriced_usd=repriced,
            agreement=(repriced / logged) if has_cost and logged else None,
            flagged_rows=sum(m.flagged for m in by_model),
            flagged_by_reason=dict(sorted(self.flags.items(), key=lambda kv: -kv[1])),
            tolerance=f"{TOLERANCE_REL:.2%} of the logged token cost (at least ${TOLERANCE_USD:f})",
            by_model=by_model,
            logged_total_usd=self.logged_total,
            separated=[
                Separated(kind=kind, rows=int(v[0]), usd=v[1])
                for kind, v in sorted(self.separated.items(), key=lambda kv: -kv[1][1])
            ],
            flag_details=[
                FlagDetail(
                    reason=reason,
                    model=model,
                    provider=provider,
                    rows=d.rows,
                    billed_vs_list_min=None if d.low == np.inf else d.low,
                    billed_vs_list_max=None if d.high == -np.inf else d.high,
                )
                for (reason, model, provider), d in sorted(
                    self.details.items(), key=lambda kv: -kv[1].rows
                )
            ],
            catalogs=[
                CatalogUse(
                    fetched_at=timeline.catalogs[i].meta.fetched_at.isoformat(),
                    source=timeline.catalogs[i].meta.source,
                    rows=v[0],
                    covered_rows=v[1],
                    models_changed_since=sorted(self.changed.get(i, set())),
                )
                for i, v in sorted(self.catalog_rows.items())
            ],
            max_row_difference_usd=max((m.max_difference_usd for m in by_model), default=0.0),
            web_fees=WebFees(
                rows=int(self.web[0]), usd=self.web[1], matching_dated_exa_fee=int(self.web[2])
            )
            if self.web[0]
            else None,
        )


ROWS_OUT_HEADER = [
    "generation_id",
    "created_at",
    "model",
    "catalog",
    "logged_token_usd",
    "repriced_usd",
    "difference_usd",
    "separated_usd",
    "separated_kind",
    "reason",
]


def _split(rows: Rows, cost: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(logged token cost, separated amount, its kind, whether the provider split is known)."""
    n = len(rows)
    nan = np.full(n, np.nan)
    up_prompt = rows.upstream_prompt if rows.upstream_prompt is not None else nan
    up_completion = rows.upstream_completion if rows.upstream_completion is not None else nan
    upstream = rows.upstream if rows.upstream is not None else nan
    split = ~np.isnan(up_prompt) & ~np.isnan(up_completion)
    byok = np.zeros(n, dtype=bool) if rows.is_byok is None else rows.is_byok.copy()
    byok_usage = rows.byok if rows.byok is not None else np.zeros(n)
    byok |= byok_usage > 0
    logged = cost.copy()
    if rows.web_search is not None:
        logged = np.where(split | byok, logged, cost - rows.web_search)
    logged = np.where(byok & ~np.isnan(upstream), upstream, logged)
    logged = np.where(byok & np.isnan(upstream) & (byok_usage > 0), byok_usage, logged)
    logged = np.where(split, up_prompt + up_completion, logged)
    separated = np.where(np.isnan(cost) | np.isnan(logged), 0.0, cost - logged)
    separated = np.where(np.abs(separated) < 1e-12, 0.0, separated)
    fusion = np.zeros(n, dtype=bool) if rows.fusion is None else rows.fusion
    kinds = np.where(fusion, SEP_FUSION, np.where(byok, SEP_BYOK, SEP_WEB)).astype(object)
    return logged, separated, kinds, split


def _exa_fee(days: np.ndarray) -> np.ndarray:
    fee = np.zeros_like(days)
    for step in SEARCH_FEES["exa"]:
        fee = np.where(days >= days_since_epoch(step.since), float(step.usd), fee)
    return fee


def _iso(day: float) -> str:
    return datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d %H:%M:%S")
