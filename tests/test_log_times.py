"""Dates in logs are instants: every `created_at` is converted to UTC before its minute picks a
time-of-day price and its day meets --since/--until, in CSV, JSONL and Parquet.

Hand-calculated with deepseek/deepseek-v4-pro (`fusion-cost prices show deepseek/deepseek-v4-pro`):
its windows alternate price, 10:00-01:00 UTC 0.66/1.98 USD per 1M prompt/completion tokens,
01:00-04:00 1.32/3.96, 04:00-06:00 0.66/1.98, 06:00-10:00 1.32/3.96. A row of k million prompt
and k million completion tokens costs k x 2.64 USD in a cheap window, k x 5.28 in a dear one.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from estimator.logs.rows import _timestamps
from tests.hostile_helpers import assert_clean, run_cli

MODEL = "deepseek/deepseek-v4-pro"
M = 1_000_000
# (created_at, k, the instant in UTC, its window's price per k)
ROWS = [
    ("2026-08-19T02:30:00+05:00", 1, "2026-08-18 21:30:00", 2.64),  # naively 02:30: dear
    ("2026-08-19T02:30:00Z", 2, "2026-08-19 02:30:00", 5.28),
    ("2026-08-19T12:00:00+0530", 3, "2026-08-19 06:30:00", 5.28),  # naively 12:00: cheap
    ("2026-08-18T23:30:00-03:00", 4, "2026-08-19 02:30:00", 5.28),  # naively 23:30 on the 18th
]
TOTAL = 1 * 2.64 + 2 * 5.28 + 3 * 5.28 + 4 * 5.28  # 50.16 (read naively: 34.32)
ON_THE_19TH = 2 * 5.28 + 3 * 5.28 + 4 * 5.28  # 47.52: the first row is on the 18th in UTC


def _utc_seconds(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


def _instants() -> list[int]:
    return [_utc_seconds(text) for text, *_ in ROWS]


def _csv(dates: list[str]) -> bytes:
    lines = ["created_at,model_permaslug,tokens_prompt,tokens_completion"]
    lines += [f"{d},{MODEL},{k * M},{k * M}" for d, (_, k, *_) in zip(dates, ROWS, strict=True)]
    return ("\n".join(lines) + "\n").encode()


def _jsonl(dates: list[object]) -> bytes:
    records = [
        {
            "created_at": d,
            "model_permaslug": MODEL,
            "tokens_prompt": k * M,
            "tokens_completion": k * M,
        }
        for d, (_, k, *_) in zip(dates, ROWS, strict=True)
    ]
    return "".join(json.dumps(r) + "\n" for r in records).encode()


def _parquet(created: pa.Array) -> bytes:
    ks = [k for _, k, *_ in ROWS]
    table = pa.table(
        {
            "created_at": created,
            "model_permaslug": [MODEL] * len(ks),
            "tokens_prompt": [k * M for k in ks],
            "tokens_completion": [k * M for k in ks],
        }
    )
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


def _nanoseconds(extra: int) -> list[int]:
    return [s * 10**9 + extra for s in _instants()]


TEXT = [text for text, *_ in ROWS]
LOGS = {
    "offsets.csv": _csv(TEXT),
    "offsets.jsonl": _jsonl(TEXT),
    "offsets.parquet": _parquet(pa.array(TEXT)),
    # pandas' defaults: nanoseconds, a fraction of a second; with a zone and without (UTC)
    "timestamps-with-a-zone.parquet": _parquet(
        pa.array(_nanoseconds(250_000_000), pa.timestamp("ns", "Asia/Kolkata"))
    ),
    "timestamps-without-a-zone.parquet": _parquet(
        pa.array(_nanoseconds(999_999_999), pa.timestamp("ns"))
    ),
    "timestamps-in-ms.parquet": _parquet(
        pa.array([s * 1000 + 5 for s in _instants()], pa.timestamp("ms", "-03:00"))
    ),
    "epoch-seconds.csv": _csv([str(s) for s in _instants()]),
    "epoch-milliseconds.jsonl": _jsonl([s * 1000 + 999 for s in _instants()]),
    "epoch-seconds.parquet": _parquet(pa.array(_instants(), pa.int64())),
}


def _replay(tmp_path: Path, name: str, *flags: str) -> dict:
    log = tmp_path / name
    log.write_bytes(LOGS[name])
    done = run_cli(*["replay", str(log), "--single", MODEL, "--format", "json", *flags])
    assert_clean(done)
    assert done.code == 0, done.describe()
    return json.loads(done.out)


@pytest.mark.parametrize("name", sorted(LOGS))
def test_time_of_day_prices_use_the_utc_minute(tmp_path: Path, name: str) -> None:
    result = _replay(tmp_path, name)
    assert result["rows_used"] == 4, result["bad_rows"]
    assert result["strategies"][0]["total_usd"] == pytest.approx(TOTAL, rel=1e-12)
    assert result["period"]["first"] == "2026-08-18 21:30:00"
    assert result["period"]["last"] == "2026-08-19 06:30:00"


@pytest.mark.parametrize("name", sorted(LOGS))
def test_since_and_until_pick_the_utc_day(tmp_path: Path, name: str) -> None:
    result = _replay(tmp_path, name, "--since", "2026-08-19", "--until", "2026-08-19")
    assert result["rows_outside_dates"] == 1
    assert result["strategies"][0]["total_usd"] == pytest.approx(ON_THE_19TH, rel=1e-12)
    before = _replay(tmp_path, name, "--until", "2026-08-18")
    assert before["strategies"][0]["total_usd"] == pytest.approx(2.64, rel=1e-12)


FORMS = [
    "2026-08-19T02:30:00+05:00",
    "2026-08-19T02:30:00Z",
    "2026-08-19T02:30:00+0530",
    "2026-08-19 02:30:00-03:00",
    "2026-08-19T02:30:00.123456+05:00",
    "2026-08-19T02:30:00.123456789-09:30",
    "2026-08-19 02:30:00+00",
    "2026-08-19T23:59:59+14:00",
    "2026-08-19T00:00:00-12:00",
    "2026-08-19 02:30:00",
    "2026-08-19T02:30",
    "2026-08-19",
]


def _python(text: str) -> int:
    """Python's own ISO parser (a naive time is UTC), truncated to the second."""
    parsed = datetime.fromisoformat(text.replace(".123456789", ".123456"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() // 1)


@pytest.mark.parametrize("mixed", [False, True])
def test_iso_forms_agree_with_python(mixed: bool) -> None:
    # alone, a chunk of one form takes Arrow's fast path; mixed, the vectorised slow path
    chunks = [FORMS] if mixed else [[form] for form in FORMS]
    for chunk in chunks:
        got = _timestamps(pa.array(chunk))
        assert list(got) == [_python(text) for text in chunk], chunk


def test_epoch_numbers_are_told_apart_by_their_size() -> None:
    second = _utc_seconds("2026-08-19T02:30:00+00:00")
    cells = [
        str(second),  # 10 digits: seconds
        str(second * 1000 + 999),  # 13: milliseconds
        str(second * 10**6 + 1),  # 16: microseconds
        str(second * 10**9 + 5),  # 19: nanoseconds
        f"{second}.75",  # a fraction of a second
        "20260819",  # 8 digits is not an epoch (nor a date Arrow reads): unparseable
        "123456789012",  # 12 digits: between seconds and milliseconds, refused
    ]
    got = _timestamps(pa.array(cells))
    assert list(got[:5]) == [second] * 5
    assert all(value != value for value in got[5:])  # NaN


def test_dates_that_are_not_days_are_unparseable() -> None:
    got = _timestamps(pa.array(["2026-02-30 10:00:00+01:00", "2026-08-19 24:00:00Z", "x"]))
    assert all(value != value for value in got)
