"""Hostile activity logs for `replay`: every bad row is counted and skipped, or the whole file is
refused with one line (exit 2); never a traceback, never unbounded memory.

The giant-field cases run in a subprocess limited to 2 GiB of address space.
"""

from __future__ import annotations

import gzip
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.hostile_helpers import (
    CONTROL,
    Outcome,
    assert_bounded,
    assert_clean,
    run_cli,
    run_limited,
    write,
)

HEADER = "created_at,model_permaslug,tokens_prompt,tokens_completion,cost_total\n"
ROW = "2026-08-01 10:00:00,openai/gpt-5.4-mini,1000,200,0.00165\n"
MINI = 1000 * 0.75e-6 + 200 * 4.5e-6  # openai/gpt-5.4-mini: 0.75 / 4.5 USD per 1M tokens
JSON_ROW = b'{"tokens_prompt": 10, "tokens_completion": 5}\n'
GIANT = 5 << 20  # a 5 MB field


@dataclass(frozen=True)
class Case:
    content: bytes
    code: int = 0
    used: int | None = None  # rows repriced
    bad: int | None = None  # rows counted as bad
    reason: str = ""  # in the bad-row reasons (exit 0) or the error message (exit 2)


def csv_bytes(*rows: str) -> bytes:
    return (HEADER + "".join(rows)).encode()


def parquet_bytes(rename: dict[str, str] | None = None, **columns: pa.Array | list) -> bytes:
    """A Parquet log of gpt-5.4-mini rows (1000 prompt, 200 completion tokens unless given);
    `rename` gives columns their final names (two columns may then share one)."""
    rows = len(next(iter(columns.values())))
    table = {
        "model_permaslug": ["openai/gpt-5.4-mini"] * rows,
        "tokens_prompt": [1000] * rows,
        "tokens_completion": [200] * rows,
        **columns,
    }
    names = [(rename or {}).get(name, name) for name in table]
    out = io.BytesIO()
    pq.write_table(pa.Table.from_arrays([pa.array(v) for v in table.values()], names=names), out)
    return out.getvalue()


NOON = 1_787_140_800  # 2026-08-19 12:00:00 UTC
YEAR_0, YEAR_99999 = -62_167_219_200, 3_093_527_980_800  # seconds since 1970


CASES: dict[str, Case] = {
    "wrong-column-counts.csv": Case(
        csv_bytes(ROW, "2026-08-01 10:00:00,openai/gpt-5.4-mini,1000\n", "a,b,c,d,e,f,g\n", ROW),
        used=2,
        bad=2,
        reason="malformed line 2",
    ),
    # the open quote swallows the rest of the parse block: those lines are counted, not lost
    "quote-left-open.csv": Case(
        csv_bytes(ROW, '2026-08-01 10:00:00,"openai/gpt-5.4-mini,1000,200,0.1\n', ROW * 3),
        used=1,
        bad=4,
        reason="malformed line 4",
    ),
    "nul-bytes.csv": Case(
        csv_bytes(ROW, "2026-08-01 10:00:00,openai/gpt\x00-5.4-mini,10\x0000,200,0.1\n", ROW),
        used=2,
        bad=1,
        reason="non-numeric tokens_prompt",
    ),
    "bad-numbers-and-dates.csv": Case(
        csv_bytes(
            ROW.replace("1000", "-5"),
            ROW.replace("200", "1e400"),
            ROW.replace("1000", "1e300"),
            ROW.replace("1000", "NaN"),
            ROW.replace("200", "inf"),
            ROW.replace("1000", "ten"),
            ROW.replace("2026-08-01", "2026-13-45"),
            ROW.replace("0.00165", "1.7e308"),  # an absurd cost is dropped, the row kept
            ROW,
        ),
        used=2,
        bad=7,
        reason="tokens_prompt above 1,000,000,000,000",
    ),
    # a model name that is not UTF-8 marks itself (U+FFFD) as an unknown model; the row counts
    "latin-1-row.csv": Case(
        csv_bytes(ROW).replace(b"openai/gpt-5.4-mini", b"caf\xe9/model"), used=1, bad=0, reason=""
    ),
    "latin-1-header.csv": Case(
        b"created_at,mod\xe8le,tokens_prompt,tokens_completion\n" + ROW.encode(),
        code=2,
        reason="not a CSV header in UTF-8",
    ),
    "utf-16.csv": Case((HEADER + ROW * 3).encode("utf-16"), code=2, reason="in UTF-8"),
    "utf-8-bom.csv": Case((HEADER + ROW * 3).encode("utf-8-sig"), used=3, bad=0),
    "crlf-and-blank-lines.csv": Case(
        (HEADER + "\n" + ROW * 2).replace("\n", "\r\n").encode(), used=2, bad=0
    ),
    "empty.csv": Case(b"", code=2, reason="no column 'tokens_prompt'"),
    "header-only.csv": Case(HEADER.encode(), code=2, reason="Empty CSV file"),
    "header-only-no-newline.csv": Case(HEADER.strip().encode(), code=2, reason="Empty CSV file"),
    "no-token-columns.csv": Case(b"a,b\n1,2\n", code=2, reason="--columns"),
    "empty.jsonl": Case(b"", code=2, reason="no JSON records"),
    "malformed.jsonl": Case(
        JSON_ROW
        + b'[1, 2]\nnot json\n{"tokens_prompt": 1\n\x00\x00\n"text"\n'
        + b'{"tokens_prompt": "x", "tokens_completion": 5}\n'
        + b'{"tokens_prompt": 1e400, "tokens_completion": NaN}\n'
        + JSON_ROW,
        used=2,
        bad=7,
        reason="malformed line 5",
    ),
    "deeply-nested.jsonl": Case(
        b'{"tokens_prompt": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n" + JSON_ROW,
        used=1,
        bad=1,
        reason="malformed line 1",
    ),
    "utf-16.jsonl": Case(JSON_ROW.decode().encode("utf-16") * 2, code=2, reason="no JSON records"),
    "latin-1.jsonl": Case(
        JSON_ROW + b'{"model": "caf\xe9", "tokens_prompt": 1, "tokens_completion": 1}\n',
        used=1,
        bad=1,
        reason="malformed line 1",
    ),
    "truncated.csv.gz": Case(
        gzip.compress(csv_bytes(ROW * 2000))[:300], code=2, reason="end-of-stream marker"
    ),
    "not-gzip.csv.gz": Case(csv_bytes(ROW), code=2, reason="Not a gzipped file"),
    "garbage.parquet": Case(b"PAR1" + bytes(range(256)) * 8, code=2, reason="not a Parquet file"),
    # --- dates: zones, units, epochs, ranges
    "dates-out-of-range.csv": Case(
        csv_bytes(
            ROW.replace("2026-08-01", "0000-01-01"),
            ROW.replace("2026-08-01", "99999-01-01"),
            ROW.replace("2026-08-01 10:00:00", "-62167219200"),  # year 0 as an epoch
            ROW,
        ),
        used=1,
        bad=3,
        reason="created_at outside 1970-9999 2",
    ),
    "epoch-dates.csv": Case(
        csv_bytes(
            ROW.replace("2026-08-01 10:00:00", str(NOON)),
            ROW.replace("2026-08-01 10:00:00", str(NOON * 1000)),
            ROW.replace("2026-08-01 10:00:00", "20260819"),  # not an epoch: unparseable
        ),
        used=2,
        bad=1,
        reason="unparseable created_at 1",
    ),
    "nan-dates.jsonl": Case(
        b'{"tokens_prompt": 10, "tokens_completion": 5, "created_at": NaN}\n'
        b'{"tokens_prompt": 10, "tokens_completion": 5, "created_at": -Infinity}\n'
        b'{"tokens_prompt": 10, "tokens_completion": 5, "created_at": 1e400}\n'
        b'{"tokens_prompt": 10, "tokens_completion": 5, "created_at": "2026-08-19T12:00:00Z"}\n',
        used=1,
        bad=3,
        reason="unparseable created_at 3",
    ),
    # Parquet as pandas writes it: timestamps in ns, us or ms, with a fraction of a second
    **{
        f"timestamps-in-{unit}.parquet": Case(
            parquet_bytes(
                created_at=pa.array([(NOON * 1000 + 250) * 10**scale], pa.timestamp(unit, zone))
            ),
            used=1,
            bad=0,
        )
        for unit, scale, zone in (("ns", 6, None), ("us", 3, "Europe/Paris"), ("ms", 0, None))
    },
    "timestamps-out-of-range.parquet": Case(
        parquet_bytes(created_at=pa.array([YEAR_0, YEAR_99999, NOON], pa.timestamp("s"))),
        used=1,
        bad=2,
        reason="created_at outside 1970-9999 2",
    ),
    "epoch-dates.parquet": Case(
        parquet_bytes(created_at=pa.array([NOON, NOON * 1000, 20260819], pa.int64())),
        used=2,
        bad=1,
        reason="unparseable created_at 1",
    ),
    # --- cells of any type and size
    "huge-integers.jsonl": Case(
        b'{"tokens_prompt": '
        + b"9" * 5000
        + b', "tokens_completion": 5}\n'
        + b'{"request": '
        + b"9" * 5000
        + b', "tokens_prompt": 10, "tokens_completion": 5}\n'
        + b'{"tokens_prompt": 10, "tokens_completion": 5, "tokens_cached": -'
        + b"9" * 5000
        + b"}\n"
        + JSON_ROW,
        used=2,  # a huge number in a column replay does not read leaves its row alone
        bad=2,
        reason="missing or non-numeric tokens_prompt 1",
    ),
    "nan-and-infinity.jsonl": Case(
        b'{"tokens_prompt": NaN, "tokens_completion": 5}\n'
        b'{"tokens_prompt": 10, "tokens_completion": Infinity}\n'
        b'{"tokens_prompt": 10, "tokens_completion": 5, "tokens_reasoning": NaN}\n'
        b'{"tokens_prompt": 10, "tokens_completion": 5, "cost_total": NaN}\n' + JSON_ROW,
        used=2,  # a NaN cost is an unknown cost, not a bad row
        bad=3,
        reason="missing or non-numeric tokens_reasoning 1",
    ),
    "binary-tokens.parquet": Case(
        parquet_bytes(tokens_prompt=pa.array([b"1000", b"\xff\xfe", None], pa.binary())),
        used=1,
        bad=2,
        reason="missing or non-numeric tokens_prompt 2",
    ),
    "uint64-tokens.parquet": Case(
        parquet_bytes(tokens_prompt=pa.array([2**64 - 1, 1000], pa.uint64())),
        used=1,
        bad=1,
        reason="tokens_prompt above 1,000,000,000,000 1",
    ),
    "list-tokens.parquet": Case(
        parquet_bytes(tokens_cached=pa.array([None, [5]], pa.list_(pa.int64()))),
        used=1,
        bad=1,
        reason="missing or non-numeric tokens_cached 1",
    ),
    "struct-tokens.parquet": Case(
        parquet_bytes(tokens_reasoning=pa.array([None, {"n": 5}], pa.struct([("n", pa.int64())]))),
        used=1,
        bad=1,
        reason="missing or non-numeric tokens_reasoning 1",
    ),
    # a name the file repeats reads its first column (as Arrow does for a CSV header)
    "duplicate-column-names.parquet": Case(
        parquet_bytes(tokens_prompt=[1000, -1], again=[-1, -1], rename={"again": "tokens_prompt"}),
        used=1,
        bad=1,
        reason="negative tokens_prompt 1",
    ),
    # --- lines: line ends, long headers
    # old Mac line ends (a lone CR) are line ends
    "cr-only-line-ends.csv": Case((HEADER + ROW * 3).replace("\n", "\r").encode(), used=3, bad=0),
    "header-with-a-128-kib-field.csv": Case(
        HEADER.replace("cost_total", "x" * (128 << 10) + "y,cost_total").encode()
        + ROW.replace(",0.00165", ",a,0.00165").encode(),
        used=1,
        bad=0,
    ),
    "header-longer-than-1-mib.csv": Case(
        ("z" * (1 << 20) + "," + HEADER + ROW).encode(), code=2, reason="longer than 1 MiB"
    ),
    "header-longer-than-1-mib-cr-only.csv": Case(
        ("y," * (1 << 19) + HEADER + ROW).replace("\n", "\r").encode(),
        code=2,
        reason="longer than 1 MiB",
    ),
}


def check(outcome: Outcome, case: Case, result: dict | None) -> None:
    assert_clean(outcome)
    assert outcome.code == case.code, outcome.describe()
    if case.code == 2:
        assert case.reason in outcome.err, outcome.err
        return
    assert result is not None
    assert result["rows_used"] == case.used, result
    assert result["bad_rows"]["count"] == case.bad, result["bad_rows"]
    reasons = ", ".join(f"{k} {v}" for k, v in result["bad_rows"]["by_reason"].items())
    assert case.reason in reasons, reasons
    if case.used:
        total = {s["name"]: s["total_usd"] for s in result["strategies"]}
        assert total["openai/gpt-5.4-mini"] > 0
    json.dumps(result, allow_nan=False)  # no inf/NaN made it into the numbers


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_log_is_counted_or_refused(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    log = write(tmp_path / name, case.content)
    argv = ["replay", str(log), "--single", "openai/gpt-5.4-mini", "--fusion", "general-high"]
    table = run_cli(*[*argv, "--profile-out", str(tmp_path / "profile.yaml")])
    assert_bounded(table)
    assert not CONTROL.search(table.out + table.err), repr(table.out[:300])
    as_json = run_cli(*[*argv, "--format", "json"])
    result = json.loads(as_json.out) if as_json.code == 0 else None
    check(as_json, case, result)
    assert table.code == as_json.code
    if case.code == 0:
        assert "bad rows: " in table.out
        profile = tmp_path / "profile.yaml"
        if case.used:  # the profile of what was kept feeds an estimate without complaint
            done = run_cli(*["estimate", "--workload-from", str(profile), "--samples", "50"])
            assert done.code == 0, done.describe()


def test_one_row_with_exact_cost_survives_its_bad_neighbours(tmp_path: Path) -> None:
    log = write(tmp_path / "mixed.csv", CASES["bad-numbers-and-dates.csv"].content)
    done = run_cli(*["replay", str(log), "--single", "openai/gpt-5.4-mini", "--format", "json"])
    result = json.loads(done.out)
    assert result["strategies"][0]["total_usd"] == pytest.approx(2 * MINI, rel=1e-12)
    # the 1.7e308 cost_total was dropped as a cost (not logged), the row itself priced
    assert result["period"]["logged_cost_usd"] == pytest.approx(0.00165, rel=1e-12)


GIANT_MODEL = "m" * GIANT
# name -> (content, rows used, bad rows, unknown models)
GIANTS: dict[str, tuple[bytes, int, int, int]] = {
    # a 5 MB model name is a valid row of an unknown model: listed, not repriced
    "unquoted-field.csv": (
        csv_bytes(ROW, f"2026-08-01 10:00:00,{GIANT_MODEL},1000,200,0.1\n", ROW),
        3,
        0,
        1,
    ),
    "quoted-field.csv": (
        csv_bytes(ROW, f'2026-08-01 10:00:00,"{GIANT_MODEL}",1000,200,0.1\n', ROW),
        3,
        0,
        1,
    ),
    "numeric-field.csv": (
        csv_bytes(ROW, f"2026-08-01 10:00:00,openai/gpt-5.4-mini,{'9' * GIANT},200,0.1\n", ROW),
        2,
        1,
        0,
    ),
    "line.jsonl": (
        JSON_ROW + b'{"model": "' + GIANT_MODEL.encode() + b'", "tokens_prompt": 1}\n' + JSON_ROW,
        2,
        1,
        0,
    ),
    "line.jsonl.gz": (
        gzip.compress(JSON_ROW + b'{"x": "' + GIANT_MODEL.encode() + b'"}\n' + JSON_ROW),
        2,
        1,
        0,
    ),
}


@pytest.mark.parametrize("name", sorted(GIANTS))
def test_giant_fields_in_bounded_memory(tmp_path: Path, name: str) -> None:
    content, used, bad, unknown = GIANTS[name]
    log = write(tmp_path / name, content)
    argv = ["replay", str(log), "--single", "openai/gpt-5.4-mini", "--format", "json"]
    outcome = run_limited(argv)  # 2 GiB of address space at most
    assert_clean(outcome)
    assert outcome.code == 0, outcome.describe()
    assert outcome.seconds < 10, outcome.describe()
    assert outcome.peak_rss_mb < 600, outcome.describe()
    print(f"{name}: {outcome.describe()}")
    result = json.loads(outcome.out)
    assert result["rows_used"] == used, result["bad_rows"]
    assert result["bad_rows"]["count"] == bad, result["bad_rows"]
    assert len(result["unknown_models"]) == unknown
    if unknown:
        assert result["unknown_models"] == {GIANT_MODEL: 1}


def test_columns_of_the_wrong_type_mark_every_row(tmp_path: Path) -> None:
    """A list of tokens, a struct for a date, lists for model names: bad cells, never a crash."""
    log = write(
        tmp_path / "types.parquet",
        parquet_bytes(
            tokens_prompt=pa.array([[1000], None], pa.list_(pa.int64())),
            created_at=pa.array([{"n": 5}, None], pa.struct([("n", pa.int64())])),
            model_permaslug=pa.array([["a"], ["b"]], pa.list_(pa.string())),
            cancelled=pa.array([[True], None], pa.list_(pa.bool_())),
        ),
    )
    done = run_cli(*["replay", str(log), "--single", "openai/gpt-5.4-mini", "--format", "json"])
    assert_clean(done)
    assert done.code == 0, done.describe()
    bad = json.loads(done.out)["bad_rows"]
    assert bad == {
        "count": 2,
        "by_reason": {"missing or non-numeric tokens_prompt": 2},
        "first_lines": [1, 2],
    }


def test_two_names_mapped_to_one_column_is_one_line(tmp_path: Path) -> None:
    log = write(tmp_path / "generic.csv", "when,x\n2026-08-19 12:00:00,1000\n")
    argv = ["replay", str(log), "--single", "openai/gpt-5.4-mini"]
    done = run_cli(*[*argv, "--columns", "tokens_prompt=x,tokens_completion=x"])
    assert_clean(done)
    assert done.code == 2
    assert "tokens_prompt and tokens_completion to the same column 'x'" in done.err
    twice = run_cli(*[*argv, "--columns", "tokens_prompt=x,tokens_prompt=when"])
    assert twice.code == 2 and "maps tokens_prompt twice" in twice.err, twice.describe()


def test_a_mapped_column_no_longer_means_its_default_name() -> None:
    from estimator.logs.reader import OPENROUTER_COLUMNS, parse_mapping

    mapping = parse_mapping("model=provider_name")
    assert mapping["model"] == "provider_name"
    assert "provider" not in mapping  # provider_name now holds the model, not the provider
    assert len(set(mapping.values())) == len(mapping) == len(OPENROUTER_COLUMNS) - 1


LIMIT_BLOCK = 4096  # parse blocks of 4 KiB: CSV lines up to 8 KiB (their line end included)


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("before", [0, 1, 77, 150])
def test_csv_lines_up_to_two_blocks_are_read_longer_ones_counted(
    tmp_path: Path, catalog, end: str, before: int
) -> None:
    """Whatever the alignment of a long line in Arrow's blocks: a line of exactly the limit is
    a row, one byte more is counted with its line number, the rest of the file is read."""
    from estimator.logs import replay
    from tests.test_replay import strategies

    limit = 2 * LIMIT_BLOCK
    prefix, suffix = "2026-08-01 10:00:00,", ",1000,200,0.1"

    def long_row(size: int) -> str:  # `size` bytes with its line end (a CRLF counts its CR)
        return prefix + "m" * (size - 1 - len(prefix) - len(suffix)) + suffix + "\n"

    rows = [ROW] * before + [long_row(limit), ROW, long_row(limit + 1), ROW, long_row(3 * limit)]
    text = (HEADER + "".join(rows) + ROW).replace("\n", end)
    log = write(tmp_path / "long-lines.csv", text.encode())
    result = replay(log, catalog, strategies(catalog), block_bytes=LIMIT_BLOCK)
    assert result.rows_used == before + 4
    assert result.unknown_models == {"m" * (limit - 1 - len(prefix) - len(suffix)): 1}
    assert result.bad_rows.by_reason == {"line longer than 8,192 B": 2}
    assert result.bad_rows.count == 2
    assert result.bad_rows.first_lines == [before + 4, before + 6]  # the header is line 1


def _gzip_members(*parts: tuple[bytes, int]) -> bytes:
    """A .gz of concatenated members (one stream to any reader), each part compressed once and
    repeated: 800 MiB of one byte cost 8 MiB of memory and 800 KB of file to make."""
    return b"".join(gzip.compress(data, compresslevel=9) * times for data, times in parts)


HUGE = (b"m" * (8 << 20), 100)  # 800 MiB
# name -> (content, exit code, rows used, bad rows, the reason with its count, first lines)
HUGE_LINES: dict[str, tuple[bytes, int, int, int, str, list[int]]] = {
    "one-800-mib-line.jsonl.gz": (
        _gzip_members((JSON_ROW + b'{"model": "', 1), HUGE, (b'"}\n' + JSON_ROW, 1)),
        0,
        2,
        1,
        "line longer than 1 MiB 1",
        [2],
    ),
    "800-mib-without-a-line-end.jsonl.gz": (
        _gzip_members((JSON_ROW * 3, 1), HUGE),
        0,
        3,
        1,
        "line longer than 1 MiB 1",
        [4],
    ),
    "one-800-mib-line.csv.gz": (
        _gzip_members(
            (csv_bytes(ROW) + b"2026-08-01 10:00:00,", 1), HUGE, (b",1,2\n" + ROW.encode(), 1)
        ),
        0,
        2,
        1,
        "line longer than 8 MiB 1",
        [3],
    ),
    "800-mib-of-cr-only-lines.csv.gz": (
        _gzip_members((csv_bytes(ROW).replace(b"\n", b"\r"), 1), HUGE, (b"\r" + ROW.encode(), 1)),
        0,
        2,
        1,
        "line longer than 8 MiB 1",
        [3],
    ),
    "an-800-mib-header.csv.gz": (_gzip_members(HUGE, (b"\n" + ROW.encode(), 1)), 2, 0, 0, "", []),
}


@pytest.mark.parametrize("name", sorted(HUGE_LINES))
def test_an_800_mib_line_is_skipped_in_bounded_memory(tmp_path: Path, name: str) -> None:
    content, code, used, bad, reason, lines = HUGE_LINES[name]
    assert len(content) < 1 << 20  # the whole attack fits in a small file
    log = write(tmp_path / name, content)
    argv = ["replay", str(log), "--single", "openai/gpt-5.4-mini"]
    outcome = run_limited([*argv, "--format", "json"])  # 2 GiB of address space at most
    print(f"{name}: {outcome.describe()}")
    assert_clean(outcome)
    assert outcome.code == code, outcome.describe()
    assert outcome.peak_rss_mb < 400, outcome.describe()
    assert outcome.seconds < 30, outcome.describe()
    if code == 2:
        assert "the first line (the CSV header) is longer than 1 MiB" in outcome.err
        return
    result = json.loads(outcome.out)
    assert result["rows_used"] == used
    counted = result["bad_rows"]
    assert counted["count"] == bad
    assert reason in ", ".join(f"{k} {v}" for k, v in counted["by_reason"].items())
    assert counted["first_lines"] == lines


def _reference(data: bytes, limit: int) -> tuple[bytes, list[int]]:
    """What _Lines must give for `data` (after the header): every line whose length, counting
    its LF or CR, is above `limit` dropped with its line end (a CRLF's LF is an empty line of
    its own), and the line numbers of the dropped ones (the header is line 1)."""
    kept, dropped = [], []
    lines = re.findall(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", data)
    for number, line in enumerate(lines, start=2):
        body = line.rstrip(b"\r\n")
        if len(body) + 1 > limit:
            dropped.append(number)
            kept.append(b"\n" if line.endswith(b"\r\n") else b"")
        else:
            kept.append(line)
    return b"".join(kept), dropped


def test_bounded_lines_against_a_reference_on_random_streams() -> None:
    """Random lines (LF, CRLF, lone CR; short, at the limit, far above it) read in random
    piece sizes: the same bytes and line numbers as the reference, each read at most `size`
    bytes, and every kept line spread over at most two reads (Arrow's two-block limit)."""
    import random

    from estimator.logs.reader import ReadStats, _Lines

    rng = random.Random(13)
    for _ in range(400):
        piece = rng.randint(4, 64)
        limit = 2 * piece
        lines = []
        for _ in range(rng.randint(0, 30)):
            size = rng.choice([0, 1, 3, piece - 1, piece, limit - 1, limit, limit + 1, 5 * limit])
            lines.append(b"x" * size + rng.choice([b"\n", b"\r\n", b"\r"]))
        data = b"".join(lines) + b"y" * rng.choice([0, 2, limit - 1, limit, 3 * limit])
        stats = ReadStats()
        reader = _Lines(io.BytesIO(b"h\n" + data), stats, piece, limit)
        assert reader.header(Path("t.csv")) == b"h"
        reads = []
        while chunk := reader.read(piece):
            assert len(chunk) <= piece
            reads.append(bytes(chunk))
        expected, dropped = _reference(data, limit)
        assert b"".join(reads) == expected, (piece, lines)
        assert stats.too_long == len(dropped)
        assert stats.malformed_lines == dropped[:5]
        # a kept line (up to its LF or CR: a CRLF's LF may start the next block) never spans
        # more than two reads
        starts = [0]
        for chunk in reads:
            starts.append(starts[-1] + len(chunk))
        position = 0
        for line in re.findall(rb"[^\r\n]*[\r\n]|[^\r\n]+$", expected):
            first = max(i for i, s in enumerate(starts) if s <= position)
            last = max(i for i, s in enumerate(starts) if s < position + len(line))
            assert last - first <= 1, (piece, line)
            position += len(line)
