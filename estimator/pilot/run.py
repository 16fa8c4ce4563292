"""The pilot run: prompts x strategies, each call reserved against the cap before it leaves,
settled with what was billed, recorded; bounded concurrency; a progress bar with the spend.

The run stops starting calls as soon as the next one's worst case would not fit what is
left (or the ledger learned something that needs the user: a bill above its bound, a BYOK
bill), and says how many pairs were done and what finishing would cost (the mean billed so
far per strategy, or the bound where nothing is billed yet).

Prompts are keyed by their `id`, or, without one, by a hash of their content: adding, removing
or reordering lines never pairs an answer with another prompt, never pays a prompt twice.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from estimator.errors import UserError
from estimator.pilot.bodies import answer_tokens, body, encode, messages_of, piloted
from estimator.pilot.bounds import answer_bytes, bounds, prompt_bound
from estimator.pilot.client import Outcome, Request
from estimator.pilot.ledger import Ledger, pair_key, usage_of
from estimator.pricing.catalog import Catalog
from estimator.scenario.spec import Scenario
from estimator.workload.prompts import PromptSample, count_tokens, read_prompts

SAMPLE_SEED = 20260819


@dataclass(frozen=True)
class Pair:
    sample: PromptSample
    prompt_id: str  # the id given in the file, else a hash of the prompt
    strategy: str
    prompt_tokens: int
    bound: Decimal
    body: dict[str, Any]
    request: Request

    @property
    def key(self) -> str:
        return pair_key(self.prompt_id, self.strategy)


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
    stopped: str | None  # what the ledger learned that stopped the run: over_bound, byok


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


def content_id(sample: PromptSample) -> str:
    """A prompt's key when the file gives it no id: a hash of what is sent."""
    content = sample.text if sample.messages is None else messages_of(sample)
    text = json.dumps(content, ensure_ascii=False, sort_keys=True)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def prompt_ids(prompts: Path, samples: list[PromptSample]) -> list[str]:
    """Each sample's key: its id, else its content's hash (`#2`... for a repeated prompt)."""
    seen: dict[str, int] = {}
    ids = []
    for s in samples:
        ident = s.id if s.given_id else content_id(s)
        if s.given_id and ident in seen:
            raise UserError(
                f"{prompts}:{s.line}: prompt id {s.id!r} is also line {seen[ident]}'s: a pilot "
                "keys its records by id, so ids must be unique"
            )
        repeat = 2
        while ident in seen:  # the same prompt again, without an id
            ident = f"{content_id(s)}#{repeat}"
            repeat += 1
        seen[ident] = s.line
        ids.append(ident)
    return ids


def plan_pairs(
    prompts: Path,
    scenario: Scenario,
    catalog: Catalog,
    max_tokens: int,
    sample: int | None,
    margin: Decimal = Decimal(1),
) -> list[Pair]:
    """Every (prompt, strategy) call with its body as sent and its bound (times `margin`)."""
    samples = read_prompts(prompts)
    ids = prompt_ids(prompts, samples)
    if sample is not None and sample < len(samples):
        chosen = set(random.Random(SAMPLE_SEED).sample(range(len(samples)), sample))
        ids = [ident for i, ident in enumerate(ids) if i in chosen]
        samples = [s for i, s in enumerate(samples) if i in chosen]
    counts = count_tokens(samples).input
    specs = [s for s in scenario.strategies if piloted(s)]
    if not specs:
        raise UserError("the scenario has no strategy a pilot can send (single, auto, fusion)")
    cache: dict[int, dict[str, Decimal]] = {}
    pairs = []
    for s, ident, tokens in zip(samples, ids, counts, strict=True):
        messages = messages_of(s)
        for spec in specs:
            sent = body(spec, messages, max_tokens, catalog)
            payload = encode(sent)
            most = prompt_bound(payload, len(messages))
            worst = cache.get(most) or cache.setdefault(
                most, bounds(scenario, catalog, most, max_tokens)
            )
            request = Request(payload, answer_bytes(answer_tokens(sent)))
            bound = worst[spec.name] * margin
            pairs.append(Pair(s, ident, spec.name, tokens, bound, sent, request))
    return pairs


def with_learned(pairs: list[Pair], ledger: Ledger) -> list[Pair]:
    """The pairs with the bounds the ledger learned (a bill above its bound, acknowledged)."""
    return [
        dataclasses.replace(p, bound=p.bound * ledger.learned[p.strategy])
        if p.strategy in ledger.learned
        else p
        for p in pairs
    ]


def run_pilot(
    pairs: list[Pair],
    ledger: Ledger,
    send: Callable[[Request], Outcome],
    concurrency: int = 4,
    retry_in_doubt: bool = False,
    progress: Callable[[Ledger, int], None] | None = None,
) -> Summary:
    """Send every pair not yet done, each only when its bound fits what is left. An error
    that stops a worker (records that cannot be written) stops the run and is raised."""
    for pair in pairs:
        if not pair.sample.given_id:  # keyed by its line in records of older versions
            ledger.adopt(pair.key, pair.strategy, pair.body)
    todo = [p for p in pairs if p.key not in ledger.done]
    doubt = [p for p in todo if p.key in ledger.in_doubt and not retry_in_doubt]
    todo = [p for p in todo if p not in doubt]
    slots = threading.Semaphore(concurrency)
    failed = 0
    lock = threading.Lock()

    def work(pair: Pair) -> None:
        nonlocal failed
        try:
            if not _send_and_settle(pair, ledger, send):
                with lock:
                    failed += 1
        except BaseException:
            ledger.stopped = ledger.stopped or "error"
            raise
        finally:
            slots.release()
            if progress:
                progress(ledger, 1)

    futures: list[Future[None]] = []
    with ThreadPoolExecutor(max_workers=concurrency) as pool:

        def submit(pair: Pair) -> Future[None]:
            futures.append(pool.submit(work, pair))
            return futures[-1]

        stopped = _schedule(todo, ledger, slots, submit)
    for future in futures:
        future.result()  # a worker's error is the run's
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
        stopped_at_cap=stopped and not ledger.stopped,
        stopped=ledger.stopped,
    )


def _started(pair: Pair) -> dict[str, Any]:
    return {"prompt_id": pair.prompt_id, "strategy": pair.strategy}


def _schedule(
    todo: list[Pair], ledger: Ledger, slots: threading.Semaphore, submit: Callable[[Pair], Any]
) -> bool:
    """Start each pair once a slot is free and its bound fits; True when it stopped early."""
    running: list[Any] = []
    for pair in todo:
        slots.acquire()
        if not ledger.reserve(_started(pair), pair.bound):
            slots.release()
            wait(running)  # calls in flight hold their whole bound: let them settle first
            running = []
            slots.acquire()
            if not ledger.reserve(_started(pair), pair.bound):
                slots.release()
                return True
        running = [f for f in running if not f.done()]
        running.append(submit(pair))
    return False


def _send_and_settle(pair: Pair, ledger: Ledger, send: Callable[[Request], Outcome]) -> bool:
    """One call, settled whatever happens: billed as reported; at its bound when the bill
    cannot be read or the call may have run without one; free when it was refused (a 4xx).
    True when it is done (its bill read)."""
    try:
        outcome = send(pair.request)
    except Exception as exc:  # nothing is lost: settled as maybe billed
        error = f"{type(exc).__name__}: {exc}"[:300]
        record = {**_record(pair), "event": "failed", "maybe_billed": True, "error": error}
        ledger.settle(record, pair.bound, pair.bound)
        return False
    event = "done" if outcome.ok else "unsettled" if outcome.unsettled else "failed"
    record = {**_record(pair), "event": event, **result(outcome)}
    ledger.settle(record, pair.bound, outcome.charge(pair.bound))
    return outcome.ok


def _record(pair: Pair) -> dict[str, Any]:
    return {
        "prompt_id": pair.prompt_id,
        "strategy": pair.strategy,
        "line": pair.sample.line,
        "prompt_tokens": pair.prompt_tokens,
        "request": pair.body,
    }


def result(outcome: Outcome) -> dict[str, Any]:
    """What a record keeps of a call's outcome: its status, the bill as read (`billed`, typed),
    the answer (any string), the model that ran, errors."""
    found = {
        "status": outcome.status,
        "maybe_billed": outcome.maybe_billed,
        "error": outcome.error,
        "latency_s": round(outcome.latency_s, 3),
        "rate_limited_waits_s": outcome.waits,
        "answer": outcome.answer,
        **outcome.fields,
    }
    if outcome.usage is not None:
        found["billed"] = outcome.usage.as_record()
    return found


def _finish(left: list[Pair], ledger: Ledger) -> Decimal:
    billed: dict[str, list[Decimal]] = {}
    for row in ledger.done.values():
        usage = usage_of(row)
        if usage is not None:
            billed.setdefault(row["strategy"], []).append(usage.billed_usd)
    total = Decimal(0)
    for pair in left:
        seen = billed.get(pair.strategy)
        total += sum(seen, Decimal(0)) / len(seen) if seen else pair.bound
    return total
