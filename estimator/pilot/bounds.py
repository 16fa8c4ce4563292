"""The most one pilot call can cost, from the estimator's own call plans at their limits.

Every call carries `max_tokens` (Fusion's inner calls: `max_completion_tokens`), so each has
a finite worst case: its prompt at one token per UTF-8 byte of the whole body as sent (every
field that can carry tokens: message contents and names, tools and their parameters,
plugins, Fusion's parameters), under whichever Unicode normalisation a tokenizer applies
(NFKC turns some characters into eighteen), plus framing (no byte-level tokenizer makes more
tokens than bytes, whatever the model) at the highest
prompt-side price the model lists (a long-context tier, a cache write), every completion
token at the highest completion-side price (`max_tokens` bounds the completion, reasoning
included), its request fee, and its web fees (the dearest search engine, extra results
included). A dynamic (-1) price has no worst case: such a model is refused. Fusion runs
every panel member and the analyst to `max_tool_calls` tool steps, each inner answer as long
as `max_completion_tokens`, times `FUSION_MARGIN` (a step may search more than the plan's one
search). The Auto Router may pick any model it is allowed, whatever our assumed pool: the
bound is the dearest allowed model (without `allowed_models`, the dearest text model in the
catalog). Every bound carries `BYOK_FEE` on top (with a bring-your-own key, OpenRouter's fee
comes on top of the provider's bill), and `STALE_MARGIN` more when the catalog is older than
`--max-age-days` and the user allowed it (`--allow-stale`). A call billed above its bound
stops the pilot until the user acknowledges it (see `ledger`).
"""

from __future__ import annotations

import fnmatch
import unicodedata
from decimal import Decimal
from typing import Any, Literal

from estimator.errors import UserError
from estimator.pricing.catalog import Catalog
from estimator.pricing.fees import SEARCH_FEES, extra_results_usd
from estimator.scenario.build import build_all
from estimator.scenario.spec import Scenario, StrategySpec
from estimator.strategies.callplan import Call
from estimator.workload.request import Request

CHAT_OVERHEAD = 16  # tokens a request's framing may add
PER_MESSAGE = 8  # and each message's role and separators
FUSION_MARGIN = Decimal(2)
PROMPT_SIDE = ("prompt", "input_cache_write", "input_cache_write_1h")
COMPLETION_SIDE = ("completion", "internal_reasoning")
MAX_RESULTS = 25  # the web tools' largest max_results
DEAREST_SEARCH = max(step.usd for steps in SEARCH_FEES.values() for step in steps)
NORMAL_FORMS: tuple[Literal["NFC", "NFD", "NFKC", "NFKD"], ...] = ("NFC", "NFD", "NFKC", "NFKD")
# OpenRouter's BYOK fee: 5% of what the call would cost on OpenRouter (FACTS: byok), billed on
# top of the provider's own bill, which the pilot assumes is at most the catalog's list price
BYOK_FEE = Decimal("0.05")
STALE_MARGIN = Decimal(2)  # --allow-stale: prices may have doubled since the catalog
ANSWER_BYTES = 256 * 1024  # an answer's JSON around its text (usage, ids, Fusion's fields)
BYTES_PER_TOKEN = 64  # the longest token, JSON-escaped, with room to spare


def _price(pricing: Any, keys: tuple[str, ...], model: str = "") -> Decimal:
    tables = [pricing.prices, *(o.prices for o in pricing.overrides)]
    found = [t[k] for t in tables for k in keys if k in t]
    if any(p.is_dynamic for p in found):
        raise UserError(f"{model}: a dynamic (-1) price has no worst case; a pilot cannot cap it")
    return max((p.value for p in found), default=Decimal(0))


def call_bound(call: Call, catalog: Catalog) -> Decimal:
    """The most one call can cost: every token at its dearest price, plus fees."""
    pricing = catalog.get_exact(call.model).pricing
    tokens = Decimal(call.input_tokens) * _price(pricing, PROMPT_SIDE, call.model)
    tokens += (Decimal(call.output_tokens) + Decimal(call.reasoning_tokens)) * _price(
        pricing, COMPLETION_SIDE, call.model
    )
    search = max(_price(pricing, ("web_search",), call.model), DEAREST_SEARCH)
    search += extra_results_usd("exa", max(call.search_results, MAX_RESULTS))
    fees = _price(pricing, ("request",), call.model) + Decimal(call.searches) * search
    fees += Decimal(call.fetches) * Decimal("0.001")
    return tokens + fees


def prompt_bound(payload: bytes, messages: int) -> int:
    """At most one token per UTF-8 byte of the body as sent (`bodies.encode`), under the
    Unicode normalisation that makes it longest, plus the framing of `messages` messages.

    The body's JSON is at least as long as the strings it carries (escapes only lengthen),
    and normalising it normalises them."""
    text = payload.decode("utf-8")
    longest = max(len(unicodedata.normalize(form, text).encode()) for form in NORMAL_FORMS)
    return max(len(payload), longest) + PER_MESSAGE * messages + CHAT_OVERHEAD


def answer_bytes(tokens: int) -> int:
    """The size cap of an answer that may carry `tokens` tokens (`bodies.answer_tokens`)."""
    return ANSWER_BYTES + BYTES_PER_TOKEN * tokens


def stale_check(
    catalog: Catalog, max_age_days: float, allow_stale: bool, sending: bool
) -> tuple[bool, list[str]]:
    """(stale, what to print): a catalog older than `max_age_days` is warned about like every
    command does; calls are not sent on it unless allowed (`UserError`, after its warning),
    and then bounds carry `STALE_MARGIN` (a price that rose since would otherwise slip under
    the bound)."""
    from estimator.pricing.describe import describe_catalog

    info = describe_catalog(catalog, max_age_days)
    if not info["stale"]:
        return False, []
    age = f"{info['age_days']:g} days old (older than {info['max_age_days']:g})"
    warning = f"warning: the catalog is {age}; prices may have changed: run `fusion-cost prices "
    warning += "refresh`"
    if sending and not allow_stale:
        raise StaleCatalog(
            f"the catalog is {age}: a pilot bounds every call with its prices and would not see "
            "a price that rose since; run `fusion-cost prices refresh`, or pass --allow-stale "
            f"to bound calls {STALE_MARGIN}x higher",
            warning,
        )
    return True, [warning, f"note: bounds are {STALE_MARGIN}x the stale catalog's"]


class StaleCatalog(UserError):
    """A pilot would send on a catalog older than allowed (exit 2); `warning` is the line
    every command prints about such a catalog."""

    def __init__(self, message: str, warning: str) -> None:
        super().__init__(message)
        self.warning = warning


def margin(stale: bool) -> Decimal:
    """What every bound is multiplied by: the BYOK fee, and the stale-catalog margin."""
    return (1 + BYOK_FEE) * (STALE_MARGIN if stale else 1)


def at_limits(spec: StrategySpec, max_tokens: int) -> StrategySpec:
    """A Fusion strategy at its limits: every tool step taken, every inner answer full."""
    if spec.kind != "fusion":
        return spec
    fields: Any = spec.spec
    limit = fields.max_tool_calls
    widest = fields.model_copy(
        update={
            "tool_steps": float(limit),
            "analyst_tool_steps": float(limit),
            "panel_output_tokens": fields.max_completion_tokens,
            "analysis_tokens": fields.max_completion_tokens,
            "invocation_rate": 1.0,
        }
    )
    return spec.model_copy(update={"fusion": widest})


def bounds(
    scenario: Scenario, catalog: Catalog, prompt_tokens: int, max_tokens: int
) -> dict[str, Decimal]:
    """Each strategy's most expensive call for a prompt of at most `prompt_tokens`."""
    widest = scenario.model_copy(
        update={"strategies": [at_limits(s, max_tokens) for s in scenario.strategies]}
    )
    request = Request(Decimal(prompt_tokens), Decimal(max_tokens))
    found = {}
    for spec, strategy in zip(widest.strategies, build_all(widest, catalog), strict=True):
        if spec.kind == "auto":  # the router may pick any allowed model, whatever our pool
            fields: Any = spec.spec
            found[spec.name] = _dearest_model(
                catalog, request, fields.allowed_models, fields.excluded_models
            )
            continue
        plan = strategy.expand(request)
        worst = max(
            sum((call_bound(c, catalog) for c in branch.calls), Decimal(0))
            for branch in plan.branches
        )
        found[spec.name] = worst * (FUSION_MARGIN if spec.kind == "fusion" else 1)
    return found


def _dearest_model(
    catalog: Catalog, request: Request, allowed: list[str], excluded: list[str]
) -> Decimal:
    """The Auto Router may pick any model it is allowed (globs, as the router reads them):
    the dearest of them; without `allowed_models`, of every fixed-price text model."""
    models = [
        m
        for m in catalog
        if m.is_text_model
        and not m.pricing.is_dynamic
        and (not allowed or any(fnmatch.fnmatch(m.id, g) for g in allowed))
        and not any(fnmatch.fnmatch(m.id, g) for g in excluded)
    ]
    worst = Decimal(0)
    for model in models:
        call = Call("auto", model.id, request.input_tokens, request.output_tokens)
        worst = max(worst, call_bound(call, catalog))
    return worst
