"""Speed against references, side by side on the same machine (run by hand; results go to
benchmarks/results-speed.md and the README's Performance section).

    pip install duckdb            # the replay reference (not a dependency of fusion-cost)
    python benchmarks/bench_speed.py [--rounds 7] [--dir /tmp/fusion-cost-speed] [--big 10000000]

Targets (issue 14), each a ratio of medians of interleaved runs (A, B, A, B, ...), every run a
fresh process, so both sides pay their own interpreter start and imports:
- `fusion-cost estimate` of the built-in example <= 0.5 x `python -c "import pandas"`;
- `fusion-cost replay LOG.csv --single M` (1M rows) <= 1.0 x DuckDB's
  `SELECT sum(tokens_prompt*p + tokens_completion*c), sum(cost_total) FROM read_csv(LOG)`;
- `fusion-cost replay LOG.parquet --single M` <= 1.2 x `pyarrow.parquet.read_table` of the
  columns replay reads;
- peak RSS of `fusion-cost replay` of a 10M-row CSV (three strategies) < 1 GiB (the child's own
  VmHWM, not ru_maxrss: that also counts the parent's RSS at fork).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results-speed.md"
MODEL = "openai/gpt-5.4-mini"  # $0.75 / $4.50 per million tokens on the bundled catalog
PROMPT_USD, COMPLETION_USD = 0.75e-6, 4.5e-6
PEAK = r"""
import atexit, runpy, sys
report = sys.argv[1]
def peak():
    with open("/proc/self/status") as status:
        kib = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:"))
    with open(report, "w") as out:
        out.write(str(kib))
atexit.register(peak)
sys.argv = ["fusion-cost", *sys.argv[2:]]
runpy.run_module("estimator", run_name="__main__")
"""


def replayed_columns() -> list[str]:
    """The columns of the synthetic log that replay reads (its column mapping's)."""
    from estimator.logs.reader import OPENROUTER_COLUMNS
    from estimator.logs.synthlog import COLUMNS

    wanted = set(OPENROUTER_COLUMNS.values())
    return [column for column in COLUMNS if column in wanted]


def run(command: Sequence[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def interleaved(a: Sequence[str], b: Sequence[str], rounds: int) -> tuple[float, float]:
    """Medians of `rounds` runs of each, alternating, after one warm-up of each."""
    run(a), run(b)
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(rounds):
        times[0].append(run(a))
        times[1].append(run(b))
    return statistics.median(times[0]), statistics.median(times[1])


def peak_rss_mib(args: Sequence[str]) -> tuple[float, float]:
    """(wall seconds, the child's own peak RSS in MiB) of `fusion-cost ARGS`."""
    with tempfile.NamedTemporaryFile(delete=False) as handle:
        report = Path(handle.name)
    try:
        seconds = run([sys.executable, "-c", PEAK, str(report), *args])
        return seconds, int(report.read_text()) / 1024
    finally:
        report.unlink(missing_ok=True)


def logs(directory: Path, rows: int) -> tuple[Path, Path]:
    from estimator.logs.synthlog import write
    from estimator.pricing.store import load_catalog

    directory.mkdir(parents=True, exist_ok=True)
    csv, parquet = directory / f"log-{rows}.csv", directory / f"log-{rows}.parquet"
    catalog = load_catalog()
    for path in (csv, parquet):
        if not path.exists():
            write(path, rows, 7, catalog)
    return csv, parquet


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "fc-speed")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--big", type=int, default=10_000_000)
    args = parser.parse_args()
    python, cli = sys.executable, [sys.executable, "-m", "estimator"]
    lines = [
        "# Benchmark results: speed against references",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d')}. Medians of {args.rounds} "
        "interleaved runs, each a fresh process. `python benchmarks/bench_speed.py`.",
        "",
        "| what | fusion-cost | reference | ratio | target |",
        "|---|--:|--:|--:|--:|",
    ]

    def row(what: str, ours: float, ref: float, target: str) -> None:
        lines.append(f"| {what} | {ours:.3f} s | {ref:.3f} s | {ours / ref:.2f}x | {target} |")
        print(lines[-1], flush=True)

    ours, pandas = interleaved([*cli, "estimate"], [python, "-c", "import pandas"], args.rounds)
    row("`estimate` (built-in example) vs `import pandas`", ours, pandas, "<= 0.5x")
    floor = run([python, "-c", "import numpy, pydantic.main, yaml, rich.console"])
    lines.append(
        f"| floor: `import numpy, pydantic, yaml, rich` alone | {floor:.3f} s | {pandas:.3f} s "
        f"| {floor / pandas:.2f}x | - |"
    )

    csv, parquet = logs(args.dir, args.rows)
    query = (
        'import duckdb; duckdb.sql("SELECT sum(tokens_prompt*'
        f"{PROMPT_USD} + tokens_completion*{COMPLETION_USD}), sum(cost_total) FROM "
        f"read_csv('{csv}')\").fetchall()"
    )
    single = ["--single", MODEL, "--format", "json", "--no-history"]
    ours, duck = interleaved([*cli, "replay", str(csv), *single], [python, "-c", query], 3)
    row(f"`replay` {args.rows:,}-row CSV, one strategy vs DuckDB", ours, duck, "<= 1.0x")
    read = (
        f"import pyarrow.parquet as pq; pq.read_table('{parquet}', columns={replayed_columns()!r})"
    )
    ours, arrow = interleaved([*cli, "replay", str(parquet), *single], [python, "-c", read], 3)
    row(
        f"`replay` {args.rows:,}-row Parquet vs `read_table` of its columns", ours, arrow, "<= 1.2x"
    )

    big, _ = logs(args.dir, args.big)
    three = ["--single", MODEL, "--auto", "medium", "--fusion", "general-high", "--no-history"]
    seconds, peak = peak_rss_mib(["replay", str(big), *three, "--format", "json"])
    lines += [
        "",
        f"Peak RSS of `replay` over {args.big:,} rows ({big.stat().st_size / 1e9:.2f} GB CSV, "
        f"three strategies): **{peak:,.0f} MiB** (target < 1,024 MiB), {seconds:.1f} s.",
    ]
    print(lines[-1])
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
