"""A fuzzing double of OpenRouter's chat completions for the pilot's property test: each
request gets a generated `Plan` (what the server does with it) and is billed by an honest
oracle written here, independently of the pilot's bounds:

- **prompt tokens** at most one per UTF-8 byte of what the messages carry (role, content,
  name) under whichever Unicode normalisation makes it longest, plus the cookbook's framing
  (4 a message, 3 a request); the plan bills a share of that;
- **completion tokens** a share of `max_tokens`;
- every token at the model's dearest listed price of its side (`price_factor` above 1 is a
  server billing above its own catalog: the adversarial case), plus its request fee;
- the Auto Router picks any model its globs allow; Fusion runs every panel member and the
  analyst for up to `max_tool_calls` steps (each step's answer up to `max_completion_tokens`,
  a web fee a step), then the outer model reads the prompt and the inner answers twice;
- BYOK: `usage.cost` is OpenRouter's 5% and the provider's bill is `upstream_inference_cost`.

Answers are shaped after tests/data/real (usage with cost, cost_details, is_byok, token
details; Fusion's failed and answering members). Faults: 429 (not billed), 400 (not billed,
quoting the key), 5xx (billed a share: web fees), answers that cannot be read (cut, streamed,
a list, a 5,000-digit cost, NaN, an error body) and odd usage values (all billed), drip-fed
and oversized answers (billed), answers quoting the key in several encodings, delays.
"""

from __future__ import annotations

import fnmatch
import json
import threading
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from werkzeug import Request, Response

from tests.openrouter_double import ODD_USAGE, UNREADABLE, encodings, usage_object

KINDS = ("ok", "byok", "429", "400", "500", "slow", "drip", "huge", "echo")
KINDS += (*(f"unreadable:{k}" for k in UNREADABLE), "unreadable:error200")
KINDS += tuple(f"odd:{k}" for k in ODD_USAGE)
BYOK_FEE = Decimal("0.05")
WEB_FEE = Decimal("0.005")  # one search on a Fusion tool step (Exa's base fee)
FORMS = ("NFC", "NFD", "NFKC", "NFKD")


@dataclass(frozen=True)
class Plan:
    kind: str = "ok"
    prompt_share: float = 1.0
    answer_share: float = 1.0
    price_factor: float = 1.0
    pick: int = 0  # which allowed model the Auto Router takes
    delay_s: float = 0.0


@dataclass
class Seen:
    body: dict[str, Any]
    plan: Plan
    billed: Decimal


@dataclass
class FuzzDouble:
    """Bills every request by its plan; `billed` is what a user would pay."""

    catalog: Any
    plans: list[Plan] = field(default_factory=list)
    billed: Decimal = Decimal(0)
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handler(self, request: Request) -> Response:
        body = json.loads(request.data)
        key = request.headers.get("Authorization", "").removeprefix("Bearer ")
        with self.lock:
            plan = self.plans.pop(0) if self.plans else Plan()
        if plan.delay_s:
            time.sleep(plan.delay_s)
        if plan.kind in ("429", "400"):
            with self.lock:
                self.seen.append(Seen(body, plan, Decimal(0)))
            error = {"error": {"code": int(plan.kind), "message": f"no ({key})"}}
            headers = {"Retry-After": "0"} if plan.kind == "429" else {}
            return Response(json.dumps(error), status=int(plan.kind), headers=headers)
        answer, cost = self._answer(body, plan, key)
        with self.lock:
            self.billed += cost
            self.seen.append(Seen(body, plan, cost))
        return self._respond(plan, answer, key)

    def _prices(self, model: str, factor: float) -> tuple[Decimal, Decimal, Decimal]:
        """The dearest prompt-side and completion-side price per token, and the request fee."""
        pricing = self.catalog.get_exact(model).pricing
        tables = [pricing.prices, *(o.prices for o in pricing.overrides)]

        def dearest(*keys: str) -> Decimal:
            found = [t[k].value for t in tables for k in keys if k in t]
            return max(found, default=Decimal(0)) * Decimal(str(factor))

        prompt = dearest("prompt", "input_cache_write", "input_cache_write_1h")
        return prompt, dearest("completion", "internal_reasoning"), dearest("request")

    def _call(self, model: str, prompt: int, completion: int, factor: float) -> Decimal:
        p_in, p_out, fee = self._prices(model, factor)
        return prompt * p_in + completion * p_out + fee

    def _answer(self, body: dict[str, Any], plan: Plan, key: str) -> tuple[dict[str, Any], Decimal]:
        prompt = round(plan.prompt_share * worst_prompt(body["messages"]))
        completion = round(plan.answer_share * int(body["max_tokens"]))
        model, cost, fusion = self._bill(body, plan, prompt, completion)
        outer = self._call(model, prompt, completion, plan.price_factor)
        usage = usage_object(prompt, completion, cost, outer)
        if fusion:
            usage["server_tool_use_details"] = {"tool_calls_requested": 1, "tool_calls_executed": 1}
        if plan.kind == "500":  # may have run: a share of it billed (web fees are)
            cost = cost * Decimal(str(plan.answer_share))
        cost = _as_reported(cost)  # a JSON number is the bill: the server bills what it says
        usage["cost"] = float(cost)
        if plan.kind == "byok":
            usage["is_byok"] = True
            fee = _as_reported(cost * BYOK_FEE)
            usage["cost"] = float(fee)
            usage["cost_details"]["upstream_inference_cost"] = float(cost)
            cost += fee
        text = f"answer to {json.dumps(body['messages'])[-24:]}"
        if plan.kind == "echo":
            text += " " + " ".join(encodings(key))
        answer: dict[str, Any] = {
            "id": f"gen-{len(self.seen)}",
            "object": "chat.completion",
            "model": f"Bearer {key}" if plan.kind == "echo" else model,
            "provider": "FuzzDouble",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}}],
            "usage": usage,
        }
        if fusion:
            answer["failed_models"] = [{"model": "~openai/gpt-latest", "error": "no text"}]
        if plan.kind.startswith("odd:"):
            name = plan.kind.removeprefix("odd:")
            usage.update(ODD_USAGE[name])
            if name == "tokens-missing":
                usage.pop("prompt_tokens")
        return answer, cost

    def _bill(
        self, body: dict[str, Any], plan: Plan, prompt: int, completion: int
    ) -> tuple[str, Decimal, bool]:
        """(the model that ran, what the whole call costs, whether Fusion ran)."""
        plugins = body.get("plugins") or []
        fusion = [t["parameters"] for t in body.get("tools") or []] + [
            p for p in plugins if p.get("id") == "fusion"
        ]
        model = body["model"]
        if model == "openrouter/auto":
            model = self._route(plugins[0])
        if fusion:
            parameters = fusion[0]
            if model == "openrouter/fusion":
                model = parameters["model"]
            inner, outputs = self._inner(parameters, plan, prompt)
            reading = self._call(model, 2 * (prompt + outputs), completion, plan.price_factor)
            return model, inner + reading, True
        return model, self._call(model, prompt, completion, plan.price_factor), False

    def _inner(self, parameters: dict[str, Any], plan: Plan, prompt: int) -> tuple[Decimal, int]:
        """The panel, then the analyst reading their answers: (cost, tokens they wrote)."""
        steps = max(1, round(plan.answer_share * int(parameters["max_tool_calls"])))
        answer = round(plan.answer_share * int(parameters["max_completion_tokens"]))
        cost, outputs = Decimal(0), 0
        for member in [*parameters["analysis_models"], parameters["model"]]:
            context = prompt + (outputs if member == parameters["model"] else 0)
            for _ in range(steps):
                cost += self._call(member, context, answer, plan.price_factor) + WEB_FEE
            outputs += answer
        return cost, outputs

    def _route(self, plugin: dict[str, Any]) -> str:
        allowed = plugin.get("allowed_models") or ["*"]
        models = sorted(
            m.id
            for m in self.catalog
            if m.is_text_model
            and not m.pricing.is_dynamic
            and any(fnmatch.fnmatch(m.id, g) for g in allowed)
        )
        with self.lock:
            return models[len(self.seen) % len(models)]

    def _respond(self, plan: Plan, answer: dict[str, Any], key: str) -> Response:
        text = json.dumps(answer)
        if plan.kind == "500":
            error = {"error": {"code": 502, "message": f"upstream failed for {key}"}}
            return Response(json.dumps(error), status=502, content_type="application/json")
        if plan.kind == "unreadable:error200":
            answer["error"] = {"code": 502, "message": "billed, then failed"}
            return Response(json.dumps(answer), content_type="application/json")
        if plan.kind.startswith("unreadable:"):
            kind, text = UNREADABLE[plan.kind.removeprefix("unreadable:")](text)
            return Response(text, content_type=kind)
        if plan.kind == "drip":
            return Response(_drip(text.encode()), content_type="application/json")
        if plan.kind == "huge":
            return Response(
                _padded(text.encode(), 2 * 1024 * 1024), content_type="application/json"
            )
        return Response(text, content_type="application/json")


def _as_reported(cost: Decimal) -> Decimal:
    return Decimal(repr(float(cost)))


def worst_prompt(messages: list[dict[str, Any]]) -> int:
    """The most prompt tokens `messages` can bill: a token per UTF-8 byte of the text they
    carry, however normalised, plus the chat framing (the cookbook's 3 a message and 1 a
    name, 3 a request; one more a message here)."""
    text = "".join(
        m.get("role", "") + str(m.get("content", "")) + str(m.get("name", "")) for m in messages
    )
    longest = max(len(unicodedata.normalize(f, text).encode()) for f in FORMS)
    return max(longest, len(text.encode())) + 4 * len(messages) + 3


def _drip(data: bytes, pause_s: float = 0.05) -> Iterator[bytes]:
    for i in range(len(data)):
        time.sleep(pause_s)
        yield data[i : i + 1]


def _padded(data: bytes, size: int) -> Iterator[bytes]:
    yield data[:-1]
    chunk = b" " * (256 * 1024)
    for _ in range(size // len(chunk)):
        yield chunk
    yield data[-1:]
