"""A seeded synthetic OpenRouter activity log, for tests, benchmarks and trying `replay`.

    python -m estimator.logs.synthlog activity.csv --rows 1000000 --seed 7

Rows follow the activity export's columns and conventions: `tokens_completion` includes
`tokens_reasoning`, `tokens_prompt` includes `tokens_cached`. `cost_total` is the catalog price
of the row's own call (so calibration agrees exactly), unless `perturb` marks a share of rows
whose cost is off (as after a price change), or `bad` injects malformed rows.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

COLUMNS = (
    "generation_id",
    "created_at",
    "cost_total",
    "cost_web_search",
    "cost_cache",
    "cost_file_processing",
    "byok_usage_inference",
    "tokens_prompt",
    "tokens_completion",
    "tokens_reasoning",
    "tokens_cached",
    "model_permaslug",
    "provider_name",
    "variant",
    "cancelled",
    "streamed",
    "user",
    "finish_reason_raw",
    "finish_reason_normalized",
    "generation_time_ms",
    "time_to_first_token_ms",
    "app_name",
    "api_key_name",
)
MODELS = {
    "openai/gpt-5.4-mini": 0.45,
    "anthropic/claude-sonnet-5": 0.2,
    "google/gemini-3.7-flash": 0.2,
    "deepseek/deepseek-v4-pro": 0.1,
    "anthropic/claude-opus-5": 0.05,
}
START = np.datetime64("2026-08-01T00:00:00")
DAYS = 30


def generate(
    rows: int, seed: int, catalog: Any, perturb: float = 0.0, bad: float = 0.0, offset: int = 0
) -> Any:
    """An Arrow table of `rows` activity rows (exact costs from `catalog`)."""
    import pyarrow as pa

    rng = np.random.default_rng(seed + offset)
    names = list(MODELS)
    model_index = rng.choice(len(names), size=rows, p=np.array(list(MODELS.values())))
    prompt = np.rint(rng.lognormal(np.log(1500), 0.8, rows))
    completion = np.rint(rng.lognormal(np.log(350), 0.7, rows))
    reasoning = np.where(
        rng.random(rows) < 0.3, np.rint(rng.lognormal(np.log(400), 0.6, rows)), 0.0
    )
    cached = np.floor(prompt * np.where(rng.random(rows) < 0.4, rng.random(rows) * 0.8, 0.0))
    seconds = rng.integers(0, DAYS * 86400, rows)
    minutes = (seconds % 86400) // 60
    cost = _exact_costs(catalog, names, model_index, prompt, completion, reasoning, cached, minutes)
    # as OpenRouter logs it: completion tokens include the reasoning tokens
    completion = completion + reasoning
    if perturb:
        off = rng.random(rows) < perturb
        cost = np.where(off, cost * 1.3, cost)
    created = (START + seconds.astype("timedelta64[s]")).astype(str)
    created = np.char.replace(created, "T", " ")
    table = {
        "generation_id": np.char.add("gen-", (np.arange(rows) + offset).astype(str)),
        "created_at": created,
        "cost_total": cost,
        "cost_web_search": np.zeros(rows),
        "cost_cache": np.zeros(rows),
        "cost_file_processing": np.zeros(rows),
        "byok_usage_inference": np.zeros(rows),
        "tokens_prompt": prompt.astype(np.int64),
        "tokens_completion": completion.astype(np.int64),
        "tokens_reasoning": reasoning.astype(np.int64),
        "tokens_cached": cached.astype(np.int64),
        "model_permaslug": np.array(names, dtype=object)[model_index],
        "provider_name": np.full(rows, "Provider"),
        "variant": np.full(rows, "standard"),
        "cancelled": np.zeros(rows, dtype=bool),
        "streamed": np.ones(rows, dtype=bool),
        "user": np.full(rows, ""),
        "finish_reason_raw": np.full(rows, "stop"),
        "finish_reason_normalized": np.full(rows, "stop"),
        "generation_time_ms": rng.integers(300, 30000, rows),
        "time_to_first_token_ms": rng.integers(100, 3000, rows),
        "app_name": np.full(rows, "synthetic"),
        "api_key_name": np.full(rows, "default"),
    }
    arrow = pa.table({name: table[name] for name in COLUMNS})
    if bad:
        arrow = _inject_bad(arrow, rng, bad)
    return arrow


def _exact_costs(
    catalog: Any,
    names: list[str],
    model_index: np.ndarray,
    prompt: np.ndarray,
    completion: np.ndarray,
    reasoning: np.ndarray,
    cached: np.ndarray,
    minutes: np.ndarray,
) -> np.ndarray:
    """Each row's catalog price for its own call; zeroes `reasoning` in place for the rows of
    models that do not reason (they bill none)."""
    from estimator.costing.pricer import vector_cost
    from estimator.strategies.callplan import Call

    cost = np.zeros(len(model_index))
    for index, name in enumerate(names):
        mask = model_index == index
        model = catalog.get_exact(name)
        call = Call(
            "single",
            name,
            prompt[mask],
            completion[mask],  # the visible answer; reasoning comes on top of it
            reasoning[mask] if model.reasons else np.zeros(int(mask.sum())),
            cached_tokens=cached[mask],
        )
        cost[mask] = vector_cost(call, model, minutes[mask], None)
        if not model.reasons:
            reasoning[mask] = 0.0
    return cost


def _inject_bad(table: Any, rng: np.random.Generator, share: float) -> Any:
    """Negative tokens, unparseable dates and empty required cells in a share of rows."""
    import pyarrow as pa

    rows = table.num_rows
    kind = np.where(rng.random(rows) < share, rng.integers(1, 4, rows), 0)
    prompt = table.column("tokens_prompt").to_numpy().astype(object)
    prompt[kind == 1] = -5
    prompt[kind == 3] = None
    created = table.column("created_at").to_numpy(zero_copy_only=False).astype(object)
    created[kind == 2] = "not a date"
    table = table.set_column(
        table.schema.get_field_index("tokens_prompt"), "tokens_prompt", pa.array(prompt, pa.int64())
    )
    return table.set_column(
        table.schema.get_field_index("created_at"), "created_at", pa.array(created, pa.string())
    )


def write(
    path: Path, rows: int, seed: int, catalog: Any, chunk: int = 1_000_000, **options: Any
) -> Path:
    """Write a CSV (or .csv.gz / .parquet / .jsonl) in chunks of bounded memory."""
    import pyarrow as pa
    import pyarrow.csv as csv
    import pyarrow.parquet as pq

    name = path.name.lower()
    writer: Any = None
    sink: Any = None
    try:
        for offset in range(0, rows, chunk):
            table = generate(min(chunk, rows - offset), seed, catalog, offset=offset, **options)
            if name.endswith(".parquet"):
                writer = writer or pq.ParquetWriter(path, table.schema)
                writer.write_table(table)
            elif name.endswith((".jsonl", ".jsonl.gz")):
                import gzip
                import json

                if sink is None:
                    opener = gzip.open if name.endswith(".gz") else open
                    sink = opener(path, "wt")
                for record in table.to_pylist():
                    sink.write(json.dumps(record) + "\n")
            else:
                if sink is None:
                    sink = (
                        pa.CompressedOutputStream(str(path), "gzip")
                        if name.endswith(".gz")
                        else pa.OSFile(str(path), "wb")
                    )
                    writer = csv.CSVWriter(sink, table.schema)
                writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
        if sink is not None:
            sink.close()
    return path


def main(argv: list[str] | None = None) -> None:
    from estimator.pricing.store import load_catalog

    parser = argparse.ArgumentParser(description="Write a seeded synthetic activity log.")
    parser.add_argument("path", type=Path)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--perturb", type=float, default=0.0, help="share of rows whose logged cost is 30%% off"
    )
    parser.add_argument("--bad", type=float, default=0.0, help="share of malformed rows")
    args = parser.parse_args(argv)
    write(args.path, args.rows, args.seed, load_catalog(), perturb=args.perturb, bad=args.bad)
    print(args.path)


if __name__ == "__main__":
    main()
