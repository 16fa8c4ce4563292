"""Counting a huge one-line prompt (issue 23: a 64 MiB line without a space took 132 s and
3.4 GB): `count_tokens` encodes it a chunk at a time (workload/prompts.encoded_length), the
reference hands tiktoken the whole line. Run by hand; results go to
benchmarks/results-prompts.md.

    python benchmarks/bench_prompts.py [--mib 64] [--reference-mib 16]

Each side runs in a fresh process; time is wall clock, memory the child's peak RSS (VmHWM).
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results-prompts.md"
CHILD = r"""
import sys
from estimator.workload import prompts
mib, whole = int(sys.argv[1]), sys.argv[2] == "whole"
text = "a" * (mib * 1024 * 1024)
if whole:
    n = len(prompts._encoding("o200k_base").encode_ordinary(text))
else:
    n = prompts.count_tokens([prompts.PromptSample("1", 1, text=text)]).input[0]
with open("/proc/self/status") as status:
    kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(n, kib)
"""


def measure(mib: int, how: str) -> tuple[float, int, int]:
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(mib), how], capture_output=True, text=True, check=True
    )
    tokens, kib = (int(x) for x in done.stdout.split())
    return time.monotonic() - start, kib // 1024, tokens


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=64)
    parser.add_argument("--reference-mib", type=int, default=16)
    args = parser.parse_args()
    rows = []
    for mib, how in (
        (args.mib, "chunked"),
        (args.reference_mib, "chunked"),
        (args.reference_mib, "whole"),
    ):
        seconds, peak, tokens = measure(mib, how)
        rows.append(f"| {mib} MiB of `a`, {how} | {seconds:.1f} s | {peak:,} MiB | {tokens:,} |")
        print(rows[-1])
    head = (
        f"# Counting a huge one-line prompt\n\nMachine: {platform.machine()}, Python "
        f"{platform.python_version()}. `python benchmarks/bench_prompts.py`. One fresh process "
        "each (wall clock, peak RSS).\n\n| prompt | time | peak RSS | tokens |\n|---|--:|--:|--:|\n"
    )
    RESULTS.write_text(head + "\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
