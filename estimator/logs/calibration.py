"""Calibration: reprice every row as it was billed, and compare like with like.

A row's *token* part is repriced with the billing rule (`pricing.rules`), its own model,
tokens and minute, and the catalog in force at its date (`timeline.py`). It is compared with
the logged token cost: the provider's split when the log has it (upstream prompt + completion
cost), else `cost_total` minus the web fees (the log's `cost_web_search`, or what a generation
record's searches cost on its date), else `cost_total`. What a row was billed besides its
tokens is *separated* by kind and never compared with token prices: web search fees (checked
against Exa's fee on the row's date), the inner calls and tools of a Fusion response (whose
tokens cover only the outer model), OpenRouter's own BYOK fee (the provider bills the tokens).

A row that still differs is blamed on prices only when prices explain it: its prompt and its
completion parts are off by the same factor (a price level). If a catalog covers its date,
that is a provider's own price (the models API quotes the top provider's); if none does, the
price may have changed since, unless rows of the same model at the list price come earlier
(then the list price held and the difference is the provider's). One part off alone points at
that part's prices (or, for the prompt, at the cached/written split); parts off by different
factors mean the tokens are not reproduced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import numpy as np

from estimator.documents.replay import (
    Calibration,
    CatalogUse,
    FlagDetail,
    ModelCalibration,
    Separated,
    WebFees,
)
from estimator.logs.rows import Rows
from estimator.logs.timeline import Timeline
from estimator.pricing.fees import FETCH_FEES, SEARCH_FEES, days_since_epoch, extra_results_usd
from estimator.pricing.models import ModelInfo
from estimator.pricing.rules import NO_TOOLS, VECTOR, Usage, charges, coefficients

TOLERANCE_REL = 0.0005  # a row agrees within 0.05% of its logged token cost...
TOLERANCE_USD = 1e-6  # ...or $0.000001, whichever is larger
UNIFORM = 0.002  # prompt and completion off by the same factor within 0.2%: a price level
MAX_HELD_LINES = 1_000_000  # --rows-out lines of differing rows kept until their cause is final

REASON_PROVIDER = "provider price (not the list price)"
REASON_CHANGED = "price changed since? (the row is older than every catalog)"
REASON_BETWEEN = "price changed between two catalogs (the row matches neither)"
REASON_PROMPT = "prompt part differs (an input or cache price, or the cached/written split)"
REASON_COMPLETION = "completion part differs (a completion or reasoning price)"
REASON_TOKENS = "tokens not reproduced (prompt and completion off by different factors)"
REASON_DIFFERS = "price or tokens differ (the log has no prompt/completion split)"
REASON_NO_WRITES = "cache writes not in this export (its cost says some prompt tokens were written)"
NOTE_INFERRED = "cache writes inferred from the cost"
REASON_FUSION = "Fusion response without an upstream split (its cost covers every call)"
REASON_BYOK = "BYOK"  # billed by your provider at its own price (or its cost not in the log)
REASON_CANCELLED = "cancelled"

# what a row was billed besides its tokens: a code per row (int8), named here
SEP_WEB, SEP_BYOK, SEP_FUSION = 0, 1, 2
SEPARATED = ("web search fee", "BYOK fee (OpenRouter's)", "Fusion inner calls and tools")

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
REASON_AT = ROWS_OUT_HEADER.index("reason")  # (attribution columns follow it)


@dataclass
class Ledger:
    """What each row was billed, split like with like (arrays, one element per row)."""

    tokens: np.ndarray  # the logged token cost (NaN: unknown)
    separated: np.ndarray  # billed besides tokens
    kinds: np.ndarray  # what `separated` is (SEP_* codes, names in SEPARATED)
    split: np.ndarray  # the provider's prompt/completion split is known
    paid: np.ndarray  # everything the row cost its user (NaN: unknown)


def ledger(rows: Rows) -> Ledger:
    n = len(rows)
    nan = np.full(n, np.nan)
    cost = rows.cost_total if rows.cost_total is not None else nan
    up_prompt = rows.upstream_prompt if rows.upstream_prompt is not None else nan
    up_completion = rows.upstream_completion if rows.upstream_completion is not None else nan
    upstream = rows.upstream if rows.upstream is not None else nan
    split = ~np.isnan(up_prompt) & ~np.isnan(up_completion)
    byok_usage = rows.byok if rows.byok is not None else np.zeros(n)
    byok = (rows.is_byok if rows.is_byok is not None else np.zeros(n, dtype=bool)) | (
        byok_usage > 0
    )
    # BYOK: the provider bills the tokens (`upstream`, the activity export's
    # byok_usage_inference); the row's cost is OpenRouter's fee
    provider = np.where(~np.isnan(upstream), upstream, np.where(byok_usage > 0, byok_usage, nan))
    tokens = cost.copy()
    if rows.web_search is not None:
        tokens = np.where(split | byok, tokens, cost - rows.web_search)
    tokens = np.where(byok, provider, tokens)
    tokens = np.where(split, up_prompt + up_completion, tokens)
    separated = np.where(byok, np.nan_to_num(cost), cost - tokens)
    separated = np.where(np.isnan(separated) | (np.abs(separated) < 1e-12), 0.0, separated)
    fusion = np.zeros(n, dtype=bool) if rows.fusion is None else rows.fusion
    kinds = np.where(fusion, SEP_FUSION, np.where(byok, SEP_BYOK, SEP_WEB)).astype(np.int8)
    paid = np.where(byok, provider + np.nan_to_num(cost), cost)
    return Ledger(tokens, separated, kinds, split, paid)


@dataclass(frozen=True)
class _Writes:
    """A log without cache-write counts: per row, whether its writes were inferred from its
    cost (said in --rows-out), and whether they are still missing (a cause of its difference)."""

    inferred: np.ndarray
    missing: np.ndarray


@dataclass
class _ModelSums:
    rows: int = 0  # rows compared (with a logged cost)
    rows_seen: int = 0
    logged: float = 0.0
    repriced: float = 0.0
    flagged: int = 0
    max_difference: float = 0.0
    first_agreeing_day: float = np.inf


@dataclass
class _Detail:
    rows: int = 0
    low: float = np.inf
    high: float = -np.inf
    last_day: float = -np.inf


@dataclass
class Calibrator:
    """Running sums over all chunks (bounded memory: no per-row state is kept, except the
    --rows-out lines of differing rows until their cause is final)."""

    timeline: Timeline
    rows_out: Any = None  # a csv.writer for --rows-out, or None
    models: dict[str, _ModelSums] = field(default_factory=dict)
    details: dict[tuple[str, str, str], _Detail] = field(default_factory=dict)
    separated: dict[str, list[float]] = field(default_factory=dict)  # kind -> [rows, usd]
    catalog_rows: dict[int, list[int]] = field(default_factory=dict)  # index -> [rows, covered]
    changed: dict[int, set[str]] = field(default_factory=dict)
    logged_total: float = 0.0
    web: list[float] = field(default_factory=lambda: [0, 0.0, 0])  # rows, usd, matching
    unknown: dict[str, int] = field(default_factory=dict)
    held: list[tuple[list[Any], tuple[str, str, str]]] = field(default_factory=list)
    has_cost: bool = False
    inferred_writes: int = 0  # rows whose cache writes were inferred from their cost

    def add(self, rows: Rows, billed: Ledger | None = None) -> None:
        """Compare these rows with their bill (`billed`: their ledger, when already made)."""
        if rows.model is None or not len(rows):
            return
        n = len(rows)
        self.has_cost = self.has_cost or rows.cost_total is not None
        billed = billed if billed is not None else ledger(rows)
        index, covered = self.timeline.locate(rows.days, n)
        for model_index, name in enumerate(rows.models):
            in_model = rows.model == model_index
            if not in_model.any():
                continue
            for catalog_index in np.unique(index[in_model]):
                mask = in_model & (index == catalog_index)
                self._model_group(rows, mask, int(catalog_index), name, billed, covered[mask])

    def _model_group(
        self,
        rows: Rows,
        mask: np.ndarray,
        catalog_index: int,
        name: str,
        billed: Ledger,
        covered: np.ndarray,
    ) -> None:
        count = int(mask.sum())
        found = self.timeline.model(catalog_index, name)
        if found is None:
            self.unknown[name] = self.unknown.get(name, 0) + count
            return
        used, model_id = found
        catalog = self.timeline.catalog(used)
        assert catalog is not None  # `model` only answers from catalogs that read
        model = catalog.get_exact(model_id)
        if model.pricing.is_dynamic:
            self.unknown[name] = self.unknown.get(name, 0) + count
            return
        if used != catalog_index:
            covered = np.zeros_like(covered)
        tokens, separated, kinds = _with_tool_fees(rows, mask, model, billed)
        written, writes = None, None
        if not rows.has_writes:
            written, inferred, explained = infer_writes(
                rows, mask, model, tokens, billed.split[mask]
            )
            self.inferred_writes += int(inferred.sum())
            writes = _Writes(inferred, ~inferred & explained)
        repriced, parts = _reprice(rows, mask, model, written)
        shown = np.full(count, catalog.meta.fetched_at.date().isoformat(), dtype=object)
        following = self.timeline.next_differs(used, model_id) if used == catalog_index else None
        if following is not None:  # the price changed before the next catalog: try it too
            repriced, parts, shown, covered = self._try_following(
                rows, mask, following, model_id, tokens, repriced, parts, shown, covered, written
            )
        self._catalog_use(used, model_id, count, int(covered.sum()))
        self._compare(
            rows,
            mask,
            name,
            billed,
            covered,
            following,
            tokens,
            separated,
            kinds,
            repriced,
            parts,
            shown,
            writes,
        )

    def _try_following(
        self,
        rows: Rows,
        mask: np.ndarray,
        following: int,
        model_id: str,
        tokens: np.ndarray,
        repriced: np.ndarray,
        parts: tuple[Any, Any],
        shown: np.ndarray,
        covered: np.ndarray,
        written: np.ndarray | None = None,
    ) -> tuple[np.ndarray, tuple[Any, Any], np.ndarray, np.ndarray]:
        """Rows that only the next catalog's (changed) price reproduces take that price."""
        later = self.timeline.catalog(following)
        if later is None or model_id not in later:
            return repriced, parts, shown, covered
        again, again_parts = _reprice(rows, mask, later.get_exact(model_id), written)
        matches = _agrees(again, tokens) & ~_agrees(repriced, tokens)
        repriced = np.where(matches, again, repriced)
        parts = (
            np.where(matches, again_parts[0], parts[0]),
            np.where(matches, again_parts[1], parts[1]),
        )
        shown = np.where(matches, later.meta.fetched_at.date().isoformat(), shown)
        covered = covered & matches  # between two prices: known only where one fits
        return repriced, parts, shown, covered

    def _compare(
        self,
        rows: Rows,
        mask: np.ndarray,
        name: str,
        billed: Ledger,
        covered: np.ndarray,
        following: int | None,
        tokens: np.ndarray,
        separated: np.ndarray,
        kinds: np.ndarray,
        repriced: np.ndarray,
        parts: tuple[Any, Any],
        shown: np.ndarray,
        writes: _Writes | None = None,
    ) -> None:
        """Add the group's logged and repriced costs to its model's sums; flag and write rows."""
        count = len(tokens)
        known = ~np.isnan(tokens) if self.has_cost else np.zeros(count, dtype=bool)
        sums = self.models.setdefault(name, _ModelSums())
        sums.rows_seen += count
        if not self.has_cost:
            sums.rows += count
            sums.repriced += float(repriced.sum())
            self._write(rows, mask, shown, repriced, tokens, separated, kinds, None, writes)
            return
        sums.rows += int(known.sum())
        sums.repriced += float(repriced[known].sum())
        sums.logged += float(tokens[known].sum())
        self.logged_total += float(np.nansum(np.where(known, billed.paid[mask], np.nan)))
        self._separate(rows, mask, known, separated, kinds)
        difference = np.where(known, np.abs(repriced - tokens), 0.0)
        sums.max_difference = max(sums.max_difference, float(difference.max(initial=0.0)))
        off = known & ~_agrees(repriced, tokens)
        days = rows.days[mask] if rows.days is not None else np.full(count, np.nan)
        agreeing = known & ~off & ~np.isnan(days)
        if agreeing.any():
            sums.first_agreeing_day = min(sums.first_agreeing_day, float(days[agreeing].min()))
        reasons = None
        if off.any():
            sums.flagged += int(off.sum())
            reasons = self._flag(
                rows,
                mask,
                off,
                billed.split[mask],
                covered,
                following,
                name,
                repriced,
                tokens,
                parts,
                writes,
            )
        self._write(rows, mask, shown, repriced, tokens, separated, kinds, reasons, writes)

    def _catalog_use(self, index: int, model_id: str, count: int, covered: int) -> None:
        entry = self.catalog_rows.setdefault(index, [0, 0])
        entry[0] += count
        entry[1] += covered
        current = self.timeline.current
        then = self.timeline.catalog(index)
        if index == self.timeline.current_index or then is None or model_id not in current:
            return
        if then.get_exact(model_id).pricing != current.get_exact(model_id).pricing:
            self.changed.setdefault(index, set()).add(model_id)

    def _separate(
        self,
        rows: Rows,
        mask: np.ndarray,
        known: np.ndarray,
        separated: np.ndarray,
        kinds: np.ndarray,
    ) -> None:
        amounts = np.where(known, separated, 0.0)
        for code in np.unique(kinds[amounts > 0]):
            hit = (kinds == code) & (amounts > 0)
            entry = self.separated.setdefault(SEPARATED[int(code)], [0, 0.0])
            entry[0] += int(hit.sum())
            entry[1] += float(amounts[hit].sum())
        web = (kinds == SEP_WEB) & (amounts > 0)
        if web.any():
            self.web[0] += int(web.sum())
            self.web[1] += float(amounts[web].sum())
            if rows.days is not None:
                fee = _dated(SEARCH_FEES["exa"], rows.days[mask][web])
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
        following: int | None,
        name: str,
        repriced: np.ndarray,
        logged: np.ndarray,
        parts: tuple[np.ndarray, np.ndarray],
        writes: _Writes | None = None,
    ) -> np.ndarray:
        """Name the cause of each disagreeing row (first matching cause wins)."""
        n = len(off)
        reasons = np.full(n, "", dtype=object)

        def column(values: np.ndarray | None, fill: Any = False) -> np.ndarray:
            return np.full(n, fill) if values is None else values[mask]

        byok = column(rows.is_byok) | (column(rows.byok, 0.0) > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio_prompt = column(rows.upstream_prompt, np.nan) / parts[0]
            ratio_completion = column(rows.upstream_completion, np.nan) / parts[1]
            ratio = logged / repriced
        both = split & (parts[0] > 0) & (parts[1] > 0)
        close = np.abs(ratio_prompt - ratio_completion) <= UNIFORM * np.maximum(
            ratio_prompt, ratio_completion
        )
        level = (both & close) | (split & ~both)  # one part billed: its ratio says it all
        prompt_fits = np.abs(ratio_prompt - 1) <= UNIFORM
        completion_fits = np.abs(ratio_completion - 1) <= UNIFORM
        uncovered = REASON_BETWEEN if following is not None else REASON_CHANGED
        order = (
            (REASON_CANCELLED, column(rows.cancelled)),
            (REASON_FUSION, column(rows.fusion) & ~split),
            (REASON_BYOK, byok),
            (REASON_PROVIDER, level & covered),
            (uncovered, level & ~covered),
            (REASON_PROMPT, both & completion_fits),
            (REASON_COMPLETION, both & prompt_fits),
            (REASON_TOKENS, split),
            (REASON_NO_WRITES, _unwritten(writes, logged, repriced, n)),
            (REASON_DIFFERS, np.ones(n, dtype=bool)),
        )
        remaining = off.copy()
        providers = column(rows.provider, -1)
        days = column(rows.days, np.nan)
        for reason, hit in order:
            chosen = remaining & hit
            if not chosen.any():
                continue
            remaining &= ~chosen
            reasons[chosen] = reason
            self._tally(rows, reason, name, chosen, providers, ratio, days)
        return reasons

    def _tally(
        self,
        rows: Rows,
        reason: str,
        name: str,
        chosen: np.ndarray,
        providers: np.ndarray,
        ratio: np.ndarray,
        days: np.ndarray,
    ) -> None:
        """Count the rows given `reason` per provider, with their billed/list range and date."""
        for provider_index in np.unique(providers[chosen]):
            picked = chosen & (providers == provider_index)
            provider = rows.providers[provider_index] if provider_index >= 0 else "-"
            detail = self.details.setdefault((reason, name, provider), _Detail())
            detail.rows += int(picked.sum())
            finite = ratio[picked][np.isfinite(ratio[picked])]
            if len(finite):
                detail.low = min(detail.low, float(finite.min()))
                detail.high = max(detail.high, float(finite.max()))
            dated = days[picked][~np.isnan(days[picked])]
            if len(dated):
                detail.last_day = max(detail.last_day, float(dated.max()))

    def _write(
        self,
        rows: Rows,
        mask: np.ndarray,
        shown: np.ndarray,
        repriced: np.ndarray,
        logged: np.ndarray,
        separated: np.ndarray,
        kinds: np.ndarray,
        reasons: np.ndarray | None,
        writes: _Writes | None = None,
    ) -> None:
        """--rows-out: agreeing rows at once; differing rows when their cause is final. A row
        whose cache writes were inferred from its cost says so in its reason column."""
        if self.rows_out is None:
            return
        count = int(mask.sum())
        ids = rows.generation_id[mask].values() if rows.generation_id is not None else [""] * count
        days = rows.days[mask] if rows.days is not None else np.full(count, np.nan)
        model = rows.models[int(rows.model[mask][0])] if rows.model is not None else ""
        providers = rows.provider[mask] if rows.provider is not None else np.full(count, -1)
        extra = [text[mask].values() for text in rows.extra.values()]  # --group-by columns
        for i in range(count):
            known = not np.isnan(logged[i])
            line = [
                ids[i] or "",
                "" if np.isnan(days[i]) else _iso(days[i]),
                model,
                shown[i],
                f"{logged[i]:.9f}" if known else "",
                f"{repriced[i]:.9f}",
                f"{repriced[i] - logged[i]:+.9f}" if known else "",
                f"{separated[i]:.9f}" if separated[i] else "",
                SEPARATED[kinds[i]] if separated[i] else "",
                "" if reasons is None else reasons[i],
                *(values[i] or "" for values in extra),
            ]
            differs = bool(line[REASON_AT])
            if not differs and writes is not None and writes.inferred[i]:
                line[REASON_AT] = NOTE_INFERRED
            if differs and len(self.held) < MAX_HELD_LINES:
                provider = rows.providers[providers[i]] if providers[i] >= 0 else "-"
                self.held.append((line, (line[REASON_AT], model, provider)))
            else:
                self.rows_out.writerow(line)

    def _settle(self) -> None:
        """A price that seems to have changed since cannot have, when rows of the same model
        at the list price come before it: the list price held then, the provider's differed."""
        for (reason, model, provider), detail in list(self.details.items()):
            first_agreeing = self.models[model].first_agreeing_day
            if reason == REASON_CHANGED and first_agreeing < detail.last_day:
                moved = self.details.pop((reason, model, provider))
                target = self.details.setdefault((REASON_PROVIDER, model, provider), _Detail())
                target.rows += moved.rows
                target.low, target.high = min(target.low, moved.low), max(target.high, moved.high)
                target.last_day = max(target.last_day, moved.last_day)
                for line, key in self.held:
                    if key == (reason, model, provider):
                        line[REASON_AT] = REASON_PROVIDER
        if self.rows_out is not None:
            for line, _ in self.held:
                self.rows_out.writerow(line)
        self.held.clear()

    def result(self) -> Calibration | None:
        self._settle()
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
        flags: dict[str, int] = {}
        for (reason, _, _), detail in self.details.items():
            flags[reason] = flags.get(reason, 0) + detail.rows
        return Calibration(
            rows_compared=sum(m.rows for m in by_model),
            logged_usd=logged,
            repriced_usd=repriced,
            agreement=(repriced / logged) if has_cost and logged else None,
            flagged_rows=sum(m.flagged for m in by_model),
            flagged_by_reason=dict(sorted(flags.items(), key=lambda kv: -kv[1])),
            tolerance=f"{TOLERANCE_REL:.2%} of the logged token cost (at least ${TOLERANCE_USD:f})",
            by_model=by_model,
            logged_total_usd=self.logged_total,
            separated=[
                Separated(kind=kind, rows=int(v[0]), usd=v[1])
                for kind, v in sorted(self.separated.items(), key=lambda kv: -kv[1][1])
            ],
            flag_details=self._flag_details(),
            catalogs=self._catalog_uses(),
            max_row_difference_usd=max((m.max_difference_usd for m in by_model), default=0.0),
            web_fees=self._web_fees(),
            inferred_writes_rows=self.inferred_writes,
        )

    def _flag_details(self) -> list[FlagDetail]:
        return [
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
        ]

    def _catalog_uses(self) -> list[CatalogUse]:
        return [
            CatalogUse(
                **self.timeline.describe(i),
                rows=v[0],
                covered_rows=v[1],
                models_changed_since=sorted(self.changed.get(i, set())),
            )
            for i, v in sorted(self.catalog_rows.items())
        ]

    def _web_fees(self) -> WebFees | None:
        rows, usd, matching = self.web
        if not rows:
            return None
        return WebFees(rows=int(rows), usd=usd, matching_dated_exa_fee=int(matching))


def _agrees(repriced: np.ndarray, logged: np.ndarray) -> np.ndarray:
    difference = np.abs(repriced - logged)
    return cast(np.ndarray, difference <= np.maximum(TOLERANCE_USD, TOLERANCE_REL * np.abs(logged)))


def _reprice(
    rows: Rows, mask: np.ndarray, model: ModelInfo, written: np.ndarray | None = None
) -> tuple[np.ndarray, tuple[Any, Any]]:
    """The token cost of the rows under `mask` at `model`'s prices (with `written` cache
    writes instead of the logged ones), and its prompt and completion parts."""
    usage = Usage(
        rows.prompt[mask],
        rows.completion[mask],
        rows.reasoning[mask],
        rows.cached[mask],
        rows.written[mask] if written is None else written,
    )
    minutes = None if rows.minutes is None else rows.minutes[mask]
    billed = charges(usage, NO_TOOLS, model.pricing, minutes, None, VECTOR, model.id)
    shape = (int(mask.sum()),)
    prompt = np.broadcast_to(billed.input + billed.cache_read + billed.cache_write, shape)
    completion = np.broadcast_to(billed.output + billed.reasoning, shape)
    return np.broadcast_to(billed.tokens, shape).astype(float), (prompt, completion)


def infer_writes(
    rows: Rows, mask: np.ndarray, model: ModelInfo, logged: np.ndarray, split: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cache writes of rows whose log does not count them, where their cost pins them: the
    logged prompt part (else the token cost) minus the rule without writes is writes x (write
    price - prompt price); taken only as whole tokens that fit the uncached prompt and
    reproduce the logged cost. Returns the writes (0 where not inferred), where they were
    inferred, and where unknown writes could explain the row's difference at these prices."""
    count = int(mask.sum())
    none = np.zeros(count)
    base, parts = _reprice(rows, mask, model, none)
    minutes = None if rows.minutes is None else rows.minutes[mask]
    rates = coefficients(model.pricing, rows.prompt[mask], minutes, VECTOR, model.id)
    step = np.broadcast_to(np.asarray(rates.cache_write - rates.prompt, dtype=float), (count,))
    upstream = rows.upstream_prompt[mask] if rows.upstream_prompt is not None else none
    residual = np.where(split, upstream - parts[0], logged - base)
    with np.errstate(divide="ignore", invalid="ignore"):
        wanted = np.where(step > 0, residual / step, np.nan)
    whole = np.rint(np.nan_to_num(wanted))
    room = rows.prompt[mask] - rows.cached[mask]
    candidate = (
        np.isfinite(wanted) & (whole >= 1) & (whole <= room) & (np.abs(wanted - whole) <= 0.1)
    )
    written = np.where(candidate, whole, 0.0)
    again, _ = _reprice(rows, mask, model, written)
    inferred = candidate & _agrees(again, logged)
    # what writes alone could explain: billed more, by at most every uncached token written
    explained = (residual > 0) & (residual <= room * step * (1 + TOLERANCE_REL) + TOLERANCE_USD)
    return np.where(inferred, written, 0.0), inferred, explained


def _unwritten(
    writes: _Writes | None, logged: np.ndarray, repriced: np.ndarray, n: int
) -> np.ndarray:
    """Rows a missing cache-write count explains (billed more than the rule without writes, by
    no more than writes could add)."""
    if writes is None:
        return np.zeros(n, dtype=bool)
    return cast(np.ndarray, writes.missing & (logged > repriced))


def _with_tool_fees(
    rows: Rows, mask: np.ndarray, model: ModelInfo, billed: Ledger
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ledger of these rows, with a generation record's searches and fetches (priced on
    the row's date) moved from the token cost to the separated web fees."""
    tokens, separated, kinds = billed.tokens[mask], billed.separated[mask], billed.kinds[mask]
    if rows.search_results is None and rows.fetches is None:
        return tokens, separated, kinds
    count = int(mask.sum())
    results = rows.search_results[mask] if rows.search_results is not None else np.zeros(count)
    fetches = rows.fetches[mask] if rows.fetches is not None else np.zeros(count)
    days = rows.days[mask] if rows.days is not None else np.full(count, np.inf)
    engines = (
        [rows.engines[i] if i >= 0 else "" for i in rows.engine[mask]]
        if rows.engine is not None
        else [""] * count
    )
    native = float(coefficients(model.pricing, 0, None, VECTOR, model.id).web_search)
    fee = np.zeros(count)
    for engine in set(engines):
        pick = np.array([e == engine for e in engines]) & (results > 0)
        if not pick.any():
            continue
        if engine == "native":
            fee[pick] = native
        else:
            known = engine if engine in SEARCH_FEES else "exa"
            extra = np.array([float(extra_results_usd(known, int(r))) for r in results[pick]])
            fee[pick] = _dated(SEARCH_FEES[known], days[pick]) + extra
    fee += fetches * _dated(FETCH_FEES["exa"], days)
    unsplit = ~billed.split[mask] & (fee > 0) & (separated == 0)
    return (
        np.where(unsplit, tokens - fee, tokens),
        np.where(unsplit, fee, separated),
        np.where(unsplit, SEP_WEB, kinds).astype(np.int8),
    )


def _dated(steps: Any, days: np.ndarray) -> np.ndarray:
    fee = np.zeros(np.shape(days))
    for step in steps:
        fee = np.where(days >= days_since_epoch(step.since), float(step.usd), fee)
    return fee


def _iso(day: float) -> str:
    return datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d %H:%M:%S")
