"""The workload a log shows, in scenario form: volume, token profile, caching, hours, model mix.

Token conventions turn around here: a bill's completion tokens include reasoning, a
scenario's `output_tokens` is the visible answer and reasoning the thinking on top, so the
profile's output is completion minus reasoning, and the reasoning is each logged model's own
(`reasoning_by_model`: its mean per row): a model the log does not show thinks as much as its
own profile, never as much as another model did. Fusion requests count in the volume,
but their tokens are the pipeline's (the outer model's, or one generation's), not the user's
request, so the token profile comes from the other requests; their observed cost per request
goes in a section of its own.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from estimator.documents.replay import FusionObserved
from estimator.logs.rows import Rows

HIST_BINS = 8  # histogram bins per doubling of tokens (~9% wide), for the profile's p95
HIST_SIZE = 8 * 40
DAYS_PER_MONTH = 30
SHORT_SPAN_DAYS = 7  # a shorter log gives a volume, but one to read with care


def _bins(tokens: np.ndarray) -> np.ndarray:
    index = np.floor(np.log2(tokens + 1) * HIST_BINS).astype(np.int64)
    return np.bincount(np.clip(index, 0, HIST_SIZE - 1), minlength=HIST_SIZE)


def _quantile(hist: np.ndarray, q: float) -> float:
    cumulative = np.cumsum(hist)
    if cumulative[-1] == 0:
        return 0.0
    index = int(np.searchsorted(cumulative, q * cumulative[-1]))
    return float(2 ** ((index + 0.5) / HIST_BINS) - 1)


@dataclass
class ProfileSums:
    """Running sums over the non-Fusion rows (bounded memory)."""

    rows: int = 0
    prompt: float = 0.0
    visible: float = 0.0
    reasoning: float = 0.0
    cached: float = 0.0
    written: float = 0.0
    has_writes: bool = False
    hours: np.ndarray = field(default_factory=lambda: np.zeros(24))
    hist_prompt: np.ndarray = field(default_factory=lambda: np.zeros(HIST_SIZE))
    hist_visible: np.ndarray = field(default_factory=lambda: np.zeros(HIST_SIZE))
    first_day: float = math.inf
    last_day: float = -math.inf
    dated_rows: int = 0
    model_rows: dict[str, int] = field(default_factory=dict)
    model_reasoning: dict[str, float] = field(default_factory=dict)

    def add(self, rows: Rows, dates: Rows) -> None:
        """`rows`: the requests whose tokens make the profile; `dates`: every row (span)."""
        if dates.days is not None and len(dates):
            self.first_day = min(self.first_day, float(dates.days.min()))
            self.last_day = max(self.last_day, float(dates.days.max()))
            self.dated_rows += len(dates)
        if not len(rows):
            return
        visible = rows.completion - rows.reasoning
        self.rows += len(rows)
        self.prompt += float(rows.prompt.sum())
        self.visible += float(visible.sum())
        self.reasoning += float(rows.reasoning.sum())
        self.cached += float(rows.cached.sum())
        self.written += float(rows.written.sum())
        self.has_writes = self.has_writes or rows.has_writes
        self.hist_prompt += _bins(rows.prompt)
        self.hist_visible += _bins(visible)
        if rows.minutes is not None:
            self.hours += np.bincount((rows.minutes // 60).astype(np.int64), minlength=24)[:24]
        if rows.model is not None:
            self._by_model(rows)

    def _by_model(self, rows: Rows) -> None:
        """Rows and reasoning tokens per logged model."""
        assert rows.model is not None
        known = rows.model >= 0
        counts = np.bincount(rows.model[known], minlength=len(rows.models))
        thought = np.bincount(
            rows.model[known], weights=rows.reasoning[known], minlength=len(rows.models)
        )
        for index, name in enumerate(rows.models):
            if counts[index]:
                self.model_rows[name] = self.model_rows.get(name, 0) + int(counts[index])
                self.model_reasoning[name] = self.model_reasoning.get(name, 0.0) + float(
                    thought[index]
                )

    def span_days(self) -> float | None:
        """The period the log covers: first to last row, plus one average gap between rows."""
        if self.dated_rows < 2 or self.last_day <= self.first_day:
            return None
        return (self.last_day - self.first_day) * self.dated_rows / (self.dated_rows - 1)


def _tokens(mean: float, hist: np.ndarray) -> Any:
    p95 = _quantile(hist, 0.95)
    mean_int = max(0, round(mean))
    if mean_int == 0:
        return 0
    p95_int = int(min(max(p95, mean_int), mean_int * 3.8))
    return {"mean": mean_int, "p95": p95_int} if p95_int > mean_int else mean_int


def reasoning_fields(sums: ProfileSums, unknown: Collection[str] = ()) -> dict[str, Any]:
    """The log's reasoning in scenario form: each logged model's mean per row (models the
    catalog does not know are left out), or one number for a log that names no models."""
    if not sums.model_rows:
        return {"reasoning_tokens": round(sums.reasoning / sums.rows)}
    return {
        "reasoning_by_model": {
            name: round(sums.model_reasoning.get(name, 0.0) / count)
            for name, count in sorted(sums.model_rows.items())
            if name not in unknown
        }
    }


def profile_of(
    sums: ProfileSums,
    source: str,
    fusion: FusionObserved | None,
    unknown: Collection[str] = (),
) -> tuple[dict[str, Any], list[str]]:
    """The observed workload (mean exact; p95 from a log-scale histogram) and its warnings."""
    requests = sums.rows + (fusion.requests if fusion else 0)
    if requests == 0 or sums.rows == 0:
        return {}, []
    warnings = []
    span = sums.span_days()
    if span is None:
        monthly = float(requests)
        warnings.append(
            f"{source}: the log has no span of dates, so its {requests:,} requests are taken "
            "as one month of traffic"
        )
    else:
        monthly = requests / span * DAYS_PER_MONTH
        if span < SHORT_SPAN_DAYS:
            warnings.append(
                f"{source}: the log spans only {span * 24:.1f} hours; its monthly volume "
                f"({monthly:,.0f}) extrapolates from that and misses weekly patterns"
            )
    rows = sums.rows
    workload: dict[str, Any] = {
        "requests_per_month": round(monthly, 1),
        "input_tokens": _tokens(sums.prompt / rows, sums.hist_prompt),
        "output_tokens": _tokens(sums.visible / rows, sums.hist_visible),
        **reasoning_fields(sums, unknown),
        "cached_input_share": round(sums.cached / sums.prompt, 6) if sums.prompt else 0.0,
    }
    if sums.has_writes:
        share = round(sums.written / sums.prompt, 6) if sums.prompt else 0.0
        workload["cache_write_share"] = min(share, round(1 - workload["cached_input_share"], 6))
    if sums.hours.sum() > 0:
        workload["hours_utc"] = [round(float(h / sums.hours.sum()), 6) for h in sums.hours]
    mix = {m: round(c / rows, 6) for m, c in sorted(sums.model_rows.items(), key=lambda kv: -kv[1])}
    profile: dict[str, Any] = {
        "source": source,
        "rows": rows,
        "requests": requests,
        "days": None if span is None else round(span, 3),
        "workload": workload,
        "model_mix": mix,
    }
    if fusion is not None and fusion.requests:
        profile["fusion_observed"] = {
            "requests": fusion.requests,
            "share_of_requests": round(fusion.requests / requests, 6),
            "cost_per_request_usd": fusion.per_request_usd,
        }
    return profile, warnings
