"""A local double of OpenRouter's chat completions endpoint (pytest-httpserver) that answers
like the real API: `usage` shaped after the real bills in tests/data/real (cost, tokens,
prompt and completion details, upstream cost), a Fusion answer shaped after the real Fusion
response (outer-model tokens only in usage; the whole cost in usage.cost; a failed panel
member), the Auto Router naming the model it picked; and faults on demand (`FAULTS`): 429 with
Retry-After, 5xx, refusals, a response without usage, a slow or drip-fed answer, bills no
bound foresaw, BYOK bills, billed answers that cannot be read (cut off, streamed, a list,
a 5,000-digit cost, an error body, odd usage values), answers and errors that quote the key,
lone surrogates, huge answers. Every fault that a real server would bill is billed."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from werkzeug import Request, Response

# list prices of the 2026-08-19 catalog, USD per token, typed in
PRICES = {
    "openai/gpt-5.4-mini": (Decimal("0.00000075"), Decimal("0.0000045")),
    "deepseek/deepseek-v4-flash": (Decimal("0.0000000798"), Decimal("0.0000001596")),
    "google/gemini-3.7-flash": (Decimal("0.000000375"), Decimal("0.000001875")),
}
FUSION_INNER_USD = Decimal("0.004")  # the panel and analyst of one small Fusion call
ANSWER_TOKENS = 120
D_OVERBILL = Decimal("0.25")
BYOK_FEE = Decimal("0.05")  # OpenRouter's fee on a BYOK call: its usage.cost
# billed answers the pilot cannot read: (content type, body) from the answer as JSON text
UNREADABLE = {
    "cut": lambda text: ("application/json", text[: len(text) // 2]),
    "sse": lambda text: ("text/event-stream", f"data: {text}\n\ndata: [DONE]\n\n"),
    "list": lambda text: ("application/json", f"[{text}]"),
    "bignum": lambda text: (
        "application/json",
        text.replace('"cost": ', '"cost": ' + "9" * 5000, 1),
    ),
    "nan": lambda text: ("application/json", text.replace('"cost": ', '"cost": NaN, "x": ', 1)),
    "inf": lambda text: (
        "application/json",
        text.replace('"cost": ', '"cost": Infinity, "x": ', 1),
    ),
}
# usage values no bill holds (answer kept, bill unsettled)
ODD_USAGE: dict[str, Any] = {
    "cost-abc": {"cost": "abc"},
    "cost-true": {"cost": True},
    "cost-negative": {"cost": -5.0},
    "tokens-null": {"prompt_tokens": None, "completion_tokens": None},
    "tokens-text": {"prompt_tokens": "abc"},
    "tokens-missing": {},  # popped below
}
FAULTS = (
    {"429", "500", "400", "no-usage", "slow", "overbill", "byok", "error200", "echo-key"}
    | {"surrogate", "message-str", "drip", "huge"}
    | set(UNREADABLE)
    | set(ODD_USAGE)
)


@dataclass
class Double:
    """Counts what it was asked and what it billed; faults are queued per request."""

    billed: Decimal = Decimal(0)
    requests: list[dict[str, Any]] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)  # 429, 500, no-usage, slow, overbill
    delay_s: float = 0.0
    keys_seen: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def sent(self, prompt: str, model: str) -> int:
        return sum(
            1
            for r in self.requests
            if r["body"]["messages"][-1]["content"] == prompt and r["body"]["model"] == model
        )

    def handler(self, request: Request) -> Response:
        body = json.loads(request.data)
        key = request.headers.get("Authorization", "").removeprefix("Bearer ")
        with self.lock:
            fault = self.faults.pop(0) if self.faults else ""
            assert fault in FAULTS | {""}, fault
            self.requests.append({"body": body, "fault": fault})
            self.keys_seen.add(request.headers.get("Authorization", ""))
        if self.delay_s or fault == "slow":
            time.sleep(self.delay_s or 0.5)
        if fault == "400":
            error = {"error": {"code": 400, "message": f"bad request for key {key}"}}
            return Response(json.dumps(error), status=400, content_type="application/json")
        if fault == "429":
            return Response(
                json.dumps({"error": {"code": 429, "message": "Rate limit exceeded"}}),
                status=429,
                headers={"Retry-After": "0"},
                content_type="application/json",
            )
        if fault == "500":
            return Response(
                json.dumps({"error": {"code": 500, "message": "upstream error"}}),
                status=502,
                content_type="application/json",
            )
        answer, cost = self._answer(body)
        cost = self._fault(fault, answer, cost, key)
        with self.lock:
            self.billed += cost
        return self._respond(fault, answer)

    def _fault(self, fault: str, answer: dict[str, Any], cost: Decimal, key: str) -> Decimal:
        """The answer changed as the fault says; returns what the call really billed."""
        usage, message = answer["usage"], answer["choices"][0]["message"]
        if fault == "no-usage":
            answer.pop("usage")
        if fault == "overbill":  # a bill no bound foresaw
            cost = D_OVERBILL
            usage["cost"] = float(cost)
        if fault == "byok":  # the provider bills the user; OpenRouter's cost is its fee
            usage["is_byok"] = True
            usage["cost"] = float(cost * BYOK_FEE)
            usage["cost_details"]["upstream_inference_cost"] = float(cost)
            cost += cost * BYOK_FEE
        if fault == "error200":
            answer["error"] = {"code": 502, "message": "provider error after billing"}
        if fault == "echo-key":  # the key, raw and in encodings, wherever a string goes
            message["content"] += " " + " ".join(encodings(key))
            answer["model"] = f"Bearer {key}"
            answer["provider"] = key
        if fault == "surrogate":
            message["content"] += " \ud800 lone"
        if fault == "message-str":
            answer["choices"][0]["message"] = "a bare string message"
        if fault in ODD_USAGE:
            usage.update(ODD_USAGE[fault])
            if fault == "tokens-missing":
                usage.pop("prompt_tokens")
                usage.pop("completion_tokens")
        return cost

    def _respond(self, fault: str, answer: dict[str, Any]) -> Response:
        text = json.dumps(answer)
        if fault in UNREADABLE:
            kind, text = UNREADABLE[fault](text)
            return Response(text, content_type=kind)
        if fault == "drip":  # one byte at a time, slower than any deadline
            return Response(_drip(text.encode()), content_type="application/json")
        if fault == "huge":  # the answer padded to 40 MiB
            return Response(_huge(text.encode()), content_type="application/json")
        return Response(text, content_type="application/json")

    def _answer(self, body: dict[str, Any]) -> tuple[dict[str, Any], Decimal]:
        model = body["model"]
        plugins = body.get("plugins") or []
        if model == "openrouter/auto":
            allowed = plugins[0].get("allowed_models") or ["openai/gpt-5.4-mini"]
            model = allowed[len(self.requests) % len(allowed)]
        text = json.dumps(body["messages"])
        prompt = 7 + len(text) // 4
        completion = min(ANSWER_TOKENS, int(body["max_tokens"]))
        price_in, price_out = PRICES[model]
        outer = prompt * price_in + completion * price_out
        fusion = bool(body.get("tools")) or model == "openrouter/fusion"
        cost = outer + (FUSION_INNER_USD if fusion else 0)
        usage = usage_object(prompt, completion, cost, outer)
        usage["cost_details"]["upstream_inference_prompt_cost"] = float(prompt * price_in)
        usage["cost_details"]["upstream_inference_completions_cost"] = float(completion * price_out)
        answer: dict[str, Any] = {
            "id": f"gen-{len(self.requests)}",
            "object": "chat.completion",
            "model": model,
            "provider": "Double",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {
                        "role": "assistant",
                        "content": f"answer {len(self.requests)}: {text[-30:]}",
                    },
                }
            ],
            "usage": usage,
        }
        if fusion:
            usage["server_tool_use_details"] = {"tool_calls_requested": 1, "tool_calls_executed": 1}
            answer["failed_models"] = [
                {
                    "model": "~openai/gpt-latest",
                    "error": "Stream completed without producing any text",
                }
            ]
        return answer, cost


def usage_object(prompt: int, completion: int, cost: Decimal, outer: Decimal) -> dict[str, Any]:
    """A chat completion's `usage` shaped after the real bills in tests/data/real: tokens,
    `cost`, `is_byok`, prompt and completion details, `cost_details.upstream_inference_cost`
    (the outer model's share)."""
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "cost": float(cost),
        "is_byok": False,
        "prompt_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "cost_details": {"upstream_inference_cost": float(outer)},
        "completion_tokens_details": {"reasoning_tokens": 0},
    }


def encodings(secret: str) -> list[str]:
    """`secret` as text that still reads as it: raw, percent-encoded, as HTML character
    references, as JSON and Python escapes written out."""
    return [
        secret,
        "".join(f"%{b:02X}" for b in secret.encode()),
        "".join(f"&#{ord(c)};" for c in secret),
        "".join(f"\\u{ord(c):04x}" for c in secret),
        "".join(f"\\x{ord(c):02x}" for c in secret),
    ]


def _drip(data: bytes, pause_s: float = 0.25) -> Iterator[bytes]:
    for i in range(len(data)):
        time.sleep(pause_s)
        yield data[i : i + 1]


def _huge(data: bytes, size: int = 40 * 1024 * 1024) -> Iterator[bytes]:
    """`data` with a 40 MiB answer: the text padded with spaces before its last brace."""
    yield data[:-1]
    chunk = b" " * (1024 * 1024)
    for _ in range(size // len(chunk)):
        yield chunk
    yield data[-1:]
