"""The pilot run: prompts x strategies, each call reserved against the cap before it leaves,
settled with what was billed, recorded; bounded concurrency; a progress bar with the spend.

The run stops starting calls as soon as the next one's worst case would not fit what is
left, and says how many pairs were done and what finishing would cost (the mean billed so
far per strategy, or the bound where nothing is billed yet).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from estimator.errors import UserError
from estimator.pilot.bodies import body, messages_of, piloted
from estimator.pilot.bounds import bounds, prompt_bound
from estimator.pilot.ledger import Ledger, pair_key
from estimator.pricing.catalog import Catalog
from estimator.scenario.spec import Scenario
from estimator.workload.prompts import PromptSample, count_tokens, read_prompts

SAMPLE_SEED = 20260819


@dataclass(frozen=True)
class Pair:
    sample: PromptSample
    strategy: str
    prompt_tokens: int
    bound: Decimal
    body: dict[str, Any]

    @property
    def key(self) -> str:
        return pair_key(self.sample.id, self.strategy)


@dataclass
class Summary:
    pairs: int
    done: int
    skipped_in_doubt: int
    failed: int
    spent_usd: Decimal
    cap_usd: Decimal
    worst_case_usd: Decimal  # of the pairs still to run
    finish_usd: Decimal  # expected, from what was billed so far
    stopped_at_cap: bool
    over_bound: bool
    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)


def max_tokens_of(scenario: Scenario, given: int | None) -> int:
    """Every call's max_tokens: --max-tokens, else the scenario's answer p95 (or its largest
    histogram value, or twice a fixed count)."""
    if given is not None:
        return given
    output = scenario.workload.output_tokens
    if isinstance(output, int):
        return max(1, 2 * output)
    if output.histogram:
        return max(t for t, _ in output.histogram)
    return int(output.p95 or 2 * (output.mean or 1))


def plan_pairs(
    prompts: Path, scenario: Scenario, catalog: Catalog, max_tokens: int, sample: int | None
) -> list[Pair]:
    samples = read_prompts(prompts)
    seen: dict[str, int] = {}
    for s in samples:
        if s.id in seen:
            raise UserError(
                f"{prompts}:{s.line}: prompt id {s.id!r} is also line {seen[s.id]}'s: a pilot "
                "keys its records by id, so ids must be unique"
            )
        seen[s.id] = s.line
    if sample is not None and sample < len(samples):
        chosen = set(random.Random(SAMPLE_SEED).sample(range(len(samples)), sample))
        samples = [s for i, s in enumerate(samples) if i in chosen]
    counts = count_tokens(samples).input
    specs = [s for s in scenario.strategies if piloted(s)]
    if not specs:
        raise UserError("the scenario has no strategy a pilot can send (single, auto, fusion)")
    cache: dict[int, dict[str, Decimal]] = {}
    pairs = []
    for s, tokens in zip(samples, counts, strict=True):
        messages = messages_of(s)
        most = prompt_bound(messages)
        worst = cache.setdefault(most, bounds(scenario, catalog, most, max_tokens))
        for spec in specs:
            sent = body(spec, messages, max_tokens, catalog)
            pairs.append(Pair(s, spec.name, tokens, worst[spec.name], sent))
    return pairs


def run_pilot(
    pairs: list[Pair],
    ledger: Ledger,
    send: Callable[[dict[str, Any]], Any],
    concurrency: int = 4,
    retry_in_doubt: bool = False,
    progress: Callable[[Ledger, int], None] | None = None,
) -> Summary:
    """Send every pair not yet done, each only when its bound fits what is left."""
    todo = [p for p in pairs if p.key not in ledger.done]
    doubt = [p for p in todo if p.key in ledger.in_doubt and not retry_in_doubt]
    todo = [p for p in todo if p not in doubt]
    slots = threading.Semaphore(concurrency)
    failed = 0
    lock = threading.Lock()

    def work(pair: Pair, row: dict[str, Any]) -> None:
        nonlocal failed
        try:
            if not _send_and_settle(pair, row, ledger, send):
                with lock:
                    failed += 1
        finally:
            slots.release()
            if progress:
                progress(ledger, 1)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        stopped = _schedule(todo, ledger, slots, lambda p, r: pool.submit(work, p, r))
    left = [p for p in todo if p.key not in ledger.done]
    return Summary(
        pairs=len(pairs),
        done=len([p for p in pairs if p.key in ledger.done]),
        skipped_in_doubt=len(doubt),
        failed=failed,
        spent_usd=ledger.spent,
        cap_usd=ledger.cap,
        worst_case_usd=sum((p.bound for p in left), Decimal(0)),
        finish_usd=_finish(left, ledger),
        stopped_at_cap=stopped,
        over_bound=ledger.over_bound,
    )


def _row(pair: Pair) -> dict[str, Any]:
    return {
        "prompt_id": pair.sample.id,
        "strategy": pair.strategy,
        "prompt_tokens": pair.prompt_tokens,
        "request": pair.body,
    }


def _schedule(
    todo: list[Pair],
    ledger: Ledger,
    slots: threading.Semaphore,
    submit: Callable[[Pair, dict[str, Any]], Any],
) -> bool:
    """Start each pair once a slot is free and its bound fits; True when the cap stopped it."""
    running: list[Any] = []
    for pair in todo:
        slots.acquire()
        row = _row(pair)
        if not ledger.reserve(row, pair.bound):
            slots.release()
            wait(running)  # calls in flight hold their whole bound: let them settle first
            running = []
            slots.acquire()
            if not ledger.reserve(row, pair.bound):
                slots.release()
                return True
        running = [f for f in running if not f.done()]
        running.append(submit(pair, row))
    return False


def _send_and_settle(
    pair: Pair, row: dict[str, Any], ledger: Ledger, send: Callable[[dict[str, Any]], Any]
) -> bool:
    """One call, settled whatever happens: billed as reported; at its bound when the bill is
    unknown or the call may have run without an answer; free when it was refused (a 4xx)."""
    try:
        outcome = send(pair.body)
        record = {**row, **_result(outcome)}
    except Exception as exc:  # nothing is lost: settled as maybe billed
        error = f"{type(exc).__name__}: {exc}"[:300]
        record = {**row, "ok": False, "maybe_billed": True, "error": error}
        ledger.settle(record, pair.bound, pair.bound, False)
        return False
    if outcome.ok:
        charged = outcome.cost if outcome.cost is not None else pair.bound
    else:
        charged = pair.bound if outcome.maybe_billed else Decimal(0)
    ledger.settle(record, pair.bound, charged, outcome.ok)
    return bool(outcome.ok)


def _result(outcome: Any) -> dict[str, Any]:
    response = outcome.response or {}
    choice = (response.get("choices") or [{}])[0] if isinstance(response, dict) else {}
    message = choice.get("message") or {} if isinstance(choice, dict) else {}
    usage = response.get("usage") if isinstance(response.get("usage"), dict) else None
    return {
        "status": outcome.status,
        "ok": outcome.ok,
        "maybe_billed": outcome.maybe_billed,
        "error": outcome.error,
        "latency_s": round(outcome.latency_s, 3),
        "rate_limited_waits_s": outcome.waits,
        "usage": usage,
        "model": response.get("model"),
        "provider": response.get("provider"),
        "generation_id": response.get("id"),
        "answer": message.get("content"),
        "fusion": {k: response[k] for k in ("failed_models", "responses_models") if k in response}
        or None,
        "cost_reported": outcome.cost is not None,
    }


def _finish(left: list[Pair], ledger: Ledger) -> Decimal:
    billed: dict[str, list[Decimal]] = {}
    for row in ledger.done.values():
        cost = (row.get("usage") or {}).get("cost")
        if cost is not None:
            billed.setdefault(row["strategy"], []).append(Decimal(str(cost)))
    total = Decimal(0)
    for pair in left:
        seen = billed.get(pair.strategy)
        total += sum(seen, Decimal(0)) / len(seen) if seen else pair.bound
    return total
