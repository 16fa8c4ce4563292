"""Replay where the logs live: the engines against references, side by side (run by hand;
results go to benchmarks/results-engines.md and the README's Performance section).

    python benchmarks/bench_engines.py [--rounds 5] [--dir /tmp/fc-engines] [--big 100000000]
                                       [--spark 10000000] [--skip-big] [--skip-spark]

Targets (issue 24), ratios of medians of interleaved runs (A, B, A, B, ...), each a fresh
process, so both sides pay their interpreter and imports:
- `replay LOG.csv --single M` (1M rows) <= 1.0 x DuckDB's `SELECT sum(cost_total)` of the file;
- `replay LOG.parquet --single M` (1M rows) <= 1.0 x DuckDB's sum of every column replay reads;
- 100M rows of Parquet, three strategies: peak RSS <= 1 GiB (the child's own VmHWM), and the
  time per 1M rows within 1.2 x the 1M-row run's (linear scaling);
- `replay --engine spark` (local mode) on 10M rows: the total equals the Decimal path to the
  last digit (the single strategy by hand: tokens x prices, as in tests/test_engines_spark.py).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_speed import interleaved, logs, peak_rss_mib, replayed_columns, run  # noqa: E402

RESULTS = HERE / "results-engines.md"
MODEL = "openai/gpt-5.4-mini"
SINGLE = ["--single", MODEL, "--format", "json", "--no-history"]
THREE = ["--single", MODEL, "--auto", "medium", "--fusion", "general-high", "--no-history"]


def repeated(source: Path, times: int, target: Path) -> Path:
    """`times` copies of a Parquet log's rows in one file (a 100M-row log in seconds)."""
    import pyarrow.parquet as pq

    if not target.exists():
        table = pq.read_table(source)
        with pq.ParquetWriter(target, table.schema) as writer:
            for _ in range(times):
                writer.write_table(table)
    return target


def duckdb(query: str) -> list[str]:
    return [sys.executable, "-c", f'import duckdb; duckdb.sql("""{query}""").fetchall()']


def small(args: argparse.Namespace, row: object) -> None:
    cli = [sys.executable, "-m", "estimator", "replay"]
    csv, parquet = logs(args.dir, 1_000_000)
    reference = duckdb(f"SELECT sum(cost_total) FROM read_csv('{csv}')")
    ours, ref = interleaved([*cli, str(csv), *SINGLE], reference, args.rounds)
    row("`replay` 1M-row CSV, one strategy vs DuckDB `SELECT sum(cost_total)`", ours, ref, 1.0)
    python, ref2 = interleaved([*cli, str(csv), *SINGLE, "--engine", "python"], reference, 3)
    row("... the python reader (`--engine python`) on the same file", python, ref2, None)
    sums = ", ".join(f"sum(hash({c}))" for c in replayed_columns())
    reference = duckdb(f"SELECT {sums} FROM read_parquet('{parquet}')")
    ours, ref = interleaved([*cli, str(parquet), *SINGLE], reference, args.rounds)
    row("`replay` 1M-row Parquet vs DuckDB's sum of the columns replay reads", ours, ref, 1.0)


def big(args: argparse.Namespace, lines: list[str]) -> None:
    _, parquet = logs(args.dir, 1_000_000)
    copies = args.big // 1_000_000
    large = repeated(parquet, copies, args.dir / f"log-{args.big}.parquet")
    one, _ = peak_rss_mib(["replay", str(parquet), *THREE, "--format", "json"])
    seconds, peak = peak_rss_mib(["replay", str(large), *THREE, "--format", "json"])
    per_million = seconds / copies
    lines += [
        "",
        f"{args.big:,} rows of Parquet ({large.stat().st_size / 1e9:.2f} GB; {copies} copies "
        f"of the 1M-row log), three strategies: **{seconds:.0f} s**, peak RSS **{peak:,.0f} "
        f"MiB** (target <= 1,024 MiB); {per_million:.2f} s per 1M rows against {one:.2f} s for "
        f"the 1M-row run: **{per_million / one:.2f}x** (target <= 1.2x).",
    ]
    print(lines[-1], flush=True)


def spark(args: argparse.Namespace, lines: list[str]) -> None:
    from decimal import Decimal

    from estimator.pricing.store import load_catalog

    sys.path.insert(0, str(HERE.parent))
    from tests.test_engines_spark import _hand_calculation

    _, parquet = logs(args.dir, args.spark)
    out = args.dir / "spark.json"
    seconds = run(
        [
            sys.executable,
            "-m",
            "estimator",
            "replay",
            str(parquet),
            *SINGLE,
            "--engine",
            "spark",
            "-o",
            str(out),
        ]
    )
    import json

    total = Decimal(json.loads(out.read_text())["strategies"][0]["total_exact"])
    expected = _hand_calculation(parquet, load_catalog())
    lines += [
        "",
        f"`replay --engine spark` (local[2]) on {args.spark:,} rows of Parquet, one strategy: "
        f"{seconds:.0f} s end to end (session start included); total {total} USD, by hand "
        f"{expected} USD: **{'equal' if total == expected else 'DIFFERENT'}**.",
    ]
    print(lines[-1], flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "fc-engines")
    parser.add_argument("--big", type=int, default=100_000_000)
    parser.add_argument("--spark", type=int, default=10_000_000)
    parser.add_argument("--skip-big", action="store_true")
    parser.add_argument("--skip-spark", action="store_true")
    args = parser.parse_args()
    lines = [
        "# Benchmark results: replay engines",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared), Python "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d')}. Medians of {args.rounds} "
        "interleaved runs, each a fresh process. `python benchmarks/bench_engines.py`.",
        "",
        "| what | fusion-cost | reference | ratio | target |",
        "|---|--:|--:|--:|--:|",
    ]

    def row(what: str, ours: float, ref: float, target: float | None) -> None:
        goal = "-" if target is None else f"<= {target:.1f}x"
        lines.append(f"| {what} | {ours:.3f} s | {ref:.3f} s | {ours / ref:.2f}x | {goal} |")
        print(lines[-1], flush=True)

    small(args, row)
    if not args.skip_big:
        big(args, lines)
    if not args.skip_spark:
        spark(args, lines)
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
