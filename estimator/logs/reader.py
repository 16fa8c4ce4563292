"""Reading logs in bounded memory: OpenRouter's activity CSV, any CSV, JSONL or Parquet file
with a column mapping, or JSONL usage and generation records (records.py); `.gz` accepted.
Rows arrive in Arrow record batches of canonical columns (`OPENROUTER_COLUMNS`).

Columns are read as text and parsed here, so one bad cell marks one bad row instead of failing
the file: rows with missing or negative tokens or unparseable dates are counted (with the
first line numbers) and skipped by the caller.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from estimator.errors import UserError

# The canonical columns every log format is read into (described once): canonical name -> the
# column of OpenRouter's activity export (or, for the last ones, the name a log may use; usage
# and generation records fill them from their own fields, see records.py). Bills' conventions:
# completion tokens include reasoning; prompt tokens include cached reads and cache writes.
OPENROUTER_COLUMNS: dict[str, str] = {
    "generation_id": "generation_id",
    "created_at": "created_at",
    "model": "model_permaslug",
    "provider": "provider_name",
    "tokens_prompt": "tokens_prompt",
    "tokens_completion": "tokens_completion",
    "tokens_reasoning": "tokens_reasoning",
    "tokens_cached": "tokens_cached",
    "tokens_cache_write": "tokens_cache_write",
    "cost_total": "cost_total",
    "cost_web_search": "cost_web_search",
    "byok_usage_inference": "byok_usage_inference",
    "cancelled": "cancelled",
    "cost_upstream": "upstream_inference_cost",
    "cost_upstream_prompt": "upstream_prompt_cost",
    "cost_upstream_completion": "upstream_completions_cost",
    "is_byok": "is_byok",
    "router": "router",
    "fusion": "fusion",
    "request_id": "request_id",
    "web_search_results": "num_search_results",  # generation records' web tool use
    "web_search_engine": "web_search_engine",
    "fetches": "num_fetches",
}
REQUIRED = ("tokens_prompt", "tokens_completion")
BINARY_COLUMNS = ("model", "provider", "generation_id", "request_id", "router", "web_search_engine")
CHUNK_ROWS = 250_000
BLOCK_BYTES = 4 << 20  # small parse blocks keep Arrow's read-ahead memory low
MAX_JSON_LINE_BYTES = 1 << 20  # a longer JSON line is skipped (read in pieces) and counted
MAX_HEADER_BYTES = 1 << 20  # a longer CSV header refuses the file
CSV_LINE_BLOCKS = 2  # a CSV line may be as long as two parse blocks (8 MiB), see _Lines


def parse_mapping(text: str | None) -> dict[str, str]:
    """`tokens_prompt=in,tokens_completion=out` -> {canonical: column in the file}.

    Each name reads its own column: two names mapped to one column are refused, and a default
    column taken by a mapping (`model=provider_name`) no longer means its default name."""
    columns = dict(OPENROUTER_COLUMNS)
    if not text:
        return columns
    given: dict[str, str] = {}
    for part in text.split(","):
        canonical, sep, source = part.partition("=")
        canonical, source = canonical.strip(), source.strip()
        if not sep or not source or canonical not in OPENROUTER_COLUMNS:
            raise UserError(
                f"--columns {part!r}: expected NAME=COLUMN with NAME one of "
                f"{', '.join(OPENROUTER_COLUMNS)}"
            )
        if canonical in given and given[canonical] != source:
            raise UserError(f"--columns maps {canonical} twice ({given[canonical]!r}, {source!r})")
        given[canonical] = source
    owner: dict[str, str] = {}
    for canonical, source in given.items():
        if source in owner:
            raise UserError(
                f"--columns maps {owner[source]} and {canonical} to the same column "
                f"{source!r}: each name needs its own column"
            )
        owner[source] = canonical
    for canonical, default_column in OPENROUTER_COLUMNS.items():
        if canonical not in given and default_column in owner:
            del columns[canonical]
    columns.update(given)
    return columns


@dataclass
class ReadStats:
    """What the reader saw: rows, malformed lines it had to drop itself, bytes consumed."""

    rows: int = 0
    malformed: int = 0
    malformed_lines: list[int] = field(default_factory=list)  # also the over-long lines'
    too_long: int = 0  # lines longer than `line_limit` bytes, skipped unread
    line_limit: int = 0
    bytes_read: int = 0
    total_bytes: int = 0
    kind: str = "columns"  # "columns", or JSON "usage" / "generation" records


class _Counting:
    """A binary file wrapper that counts bytes read (for the progress bar)."""

    def __init__(self, handle: IO[bytes], stats: ReadStats) -> None:
        self.handle, self.stats = handle, stats
        self.closed = False

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.stats.bytes_read = (
            self.handle.tell()
            if hasattr(self.handle, "tell")
            else (self.stats.bytes_read + len(data))
        )
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.closed = True
        self.handle.close()


def log_format(path: Path) -> str:
    name = path.name.lower().removesuffix(".gz")
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith(".parquet"):
        return "parquet"
    return "csv"


def read_batches(
    path: str | os.PathLike[str],
    columns: dict[str, str],
    stats: ReadStats,
    chunk_rows: int = CHUNK_ROWS,
    block_bytes: int = BLOCK_BYTES,
    then: Callable[[int, dict[str, Any]], Any] | None = None,
) -> Iterator[tuple[int, Any]]:
    """Yield (first data line number, {canonical: Arrow array}) per chunk; with `then`, yield
    (line, then(line, chunk)) instead, computed in the reading thread (validating a chunk
    overlaps repricing the previous one on a second core)."""
    source = Path(path)
    if not source.is_file():
        raise UserError(f"{source}: no such log file")
    stats.total_bytes = source.stat().st_size
    kind = log_format(source)
    if kind == "parquet":
        batches = _parquet(source, columns, stats, chunk_rows)
    elif kind == "jsonl":
        batches = _jsonl(source, columns, stats, chunk_rows)
    else:
        batches = _csv(source, columns, stats, block_bytes, chunk_rows)
    chunks: Iterator[tuple[int, Any]] = _readable(batches, source)
    if then is not None:
        chunks = ((line, then(line, chunk)) for line, chunk in chunks)
    yield from prefetch(chunks)


def _readable(batches: Iterator[Any], source: Path) -> Iterator[Any]:
    """A truncated or fake .gz, or a file that breaks mid-way: one line, not a traceback."""
    import zlib

    import pyarrow as pa

    try:
        yield from batches
    except (EOFError, OSError, zlib.error, pa.ArrowException) as exc:
        raise UserError(f"{source}: cannot read the log ({exc})") from None


def prefetch(items: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """Produce the next chunks in a thread while the caller computes on this one.

    Arrow's parsers and numpy release the GIL, so on two cores reading and repricing overlap;
    `depth` bounds how many parsed chunks wait in memory.
    """
    import queue
    import threading

    done = object()
    slots: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        slots.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slots.put(done)
        except BaseException as exc:  # handed to the consumer, raised there
            slots.put(exc)

    worker = threading.Thread(target=produce, name="fusion-cost-reader", daemon=True)
    worker.start()
    try:
        while True:
            item = slots.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():
            try:
                slots.get_nowait()
            except queue.Empty:
                worker.join(timeout=0.05)


def _open(source: Path) -> IO[bytes]:
    if source.name.lower().endswith(".gz"):
        return gzip.open(source, "rb")  # type: ignore[return-value]
    return source.open("rb")


def _check_required(present: list[str], columns: dict[str, str], source: Path) -> dict[str, str]:
    available = {canonical: col for canonical, col in columns.items() if col in present}
    missing = [columns.get(c, c) for c in REQUIRED if c not in available]
    if missing:
        raise UserError(
            f"{source}: no column {', '.join(repr(m) for m in missing)} (the file has: "
            f"{', '.join(present[:15])}); map yours with --columns "
            "tokens_prompt=COL,tokens_completion=COL"
        )
    return available


def _csv(
    source: Path, columns: dict[str, str], stats: ReadStats, block_bytes: int, chunk_rows: int
) -> Iterator[tuple[int, dict[str, Any]]]:
    handle = _Counting(_open(source), stats)
    try:
        yield from _csv_chunks(source, handle, columns, stats, block_bytes, chunk_rows)
    finally:
        handle.close()


class _Lines:
    """The CSV after its header, for Arrow, in bounded memory: a line longer than `limit`
    bytes (counting its LF or CR; a CRLF's LF starts an empty line) is dropped while it is
    read, and counted with its line number. Line ends are LF, CRLF or a lone CR (old Macs).
    Every read ends at a line end, except the pieces of a line longer than the read, so a kept
    line up to twice the read size fits in two of Arrow's blocks: Arrow refuses a row that
    straddles more ("straddling object straddles two block boundaries"), which would fail the
    whole file for one long line."""

    def __init__(self, raw: Any, stats: ReadStats, piece: int, limit: int) -> None:
        self.raw, self.stats, self.piece, self.limit = raw, stats, min(piece, limit), limit
        self.ready = bytearray()  # whole lines, handed out by read()
        self.partial = bytearray()  # the line being read (no line end yet)
        self.skipping = False  # inside an over-long line, dropping it
        self.eof = False
        self.after_cr = False  # the last byte seen was a CR (a CRLF may straddle two pieces)
        self.line = 1  # the line number of the line being read
        self.closed = False

    def header(self, source: Path) -> bytes:
        """The first line, read in pieces up to MAX_HEADER_BYTES (the rest waits for read())."""
        head = bytearray()
        while True:
            data = self.raw.read(self.piece)
            end = _line_end(data)
            if end >= 0:
                head += data[:end]
                self.after_cr = data[end : end + 1] == b"\r"
                self.line = 2
                self._feed(data[end + 1 :])
                break
            head += data
            if not data:
                self.eof = True
                break
            if len(head) > MAX_HEADER_BYTES:
                break
        if len(head) > MAX_HEADER_BYTES:
            raise UserError(
                f"{source}: the first line (the CSV header) is longer than "
                f"{byte_size(MAX_HEADER_BYTES)}"
            )
        return bytes(head)

    def _feed(self, data: bytes) -> None:
        if not data:
            return
        ends = data.count(b"\n")
        if b"\r" in data:  # CRLF or lone CR line ends: each CRLF is one line end
            ends += data.count(b"\r") - data.count(b"\r\n")
        if self.after_cr and data[:1] == b"\n":
            ends -= 1  # the LF of a CRLF split between two pieces ends no line
        self.after_cr = data[-1:] == b"\r"
        first = _line_end(data)
        view = memoryview(data)  # slices without copies
        if first < 0:  # the line goes on
            if not self.skipping:
                self.partial += data
                if len(self.partial) >= self.limit:  # with its line end, longer than limit
                    self._drop()
            return
        if self.skipping:
            self.skipping = False  # the over-long line ends here
        elif len(self.partial) + first + 1 > self.limit:
            self._drop()
            self.skipping = False
        else:
            self.ready += self.partial
            self.ready += view[: first + 1]
        self.partial.clear()
        last = max(data.rfind(b"\n"), data.rfind(b"\r"))
        self.ready += view[first + 1 : last + 1]  # whole lines, each shorter than a piece
        self.partial += view[last + 1 :]
        self.line += ends

    def _drop(self) -> None:
        self.stats.too_long += 1
        if len(self.stats.malformed_lines) < 5:
            self.stats.malformed_lines.append(self.line)
        self.partial.clear()
        self.skipping = True

    def read(self, size: int = -1) -> bytes | bytearray:
        size = self.piece if size is None or size < 0 else size
        while len(self.ready) < size and not self.eof:
            data = self.raw.read(self.piece)
            if not data:
                self.eof = True
                if not self.skipping:  # the last line, without a line end
                    self.ready += self.partial
                self.partial.clear()
                break
            self._feed(data)
        if len(self.ready) <= size:
            out, self.ready = self.ready, bytearray()
            return out
        # up to the last line end within size; a longer line in pieces of size
        cut = max(self.ready.rfind(b"\n", 0, size), self.ready.rfind(b"\r", 0, size)) + 1
        cut = cut or size
        with memoryview(self.ready) as view:
            out = bytearray(view[:cut])
        del self.ready[:cut]
        return out

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.closed = True


def _line_end(data: bytes) -> int:
    """The index of the first LF or CR in data, or -1."""
    lf, cr = data.find(b"\n"), data.find(b"\r")
    if lf < 0 or cr < 0:
        return max(lf, cr)
    return min(lf, cr)


def byte_size(limit: int) -> str:
    """`1 MiB`, or `8,192 B` for a size that is not a whole number of MiB."""
    return f"{limit >> 20} MiB" if limit >= 1 << 20 and not limit % (1 << 20) else f"{limit:,} B"


def _csv_chunks(
    source: Path,
    handle: _Counting,
    columns: dict[str, str],
    stats: ReadStats,
    block_bytes: int,
    chunk_rows: int,
) -> Iterator[tuple[int, dict[str, Any]]]:
    import pyarrow as pa

    stats.line_limit = CSV_LINE_BLOCKS * block_bytes
    lines = _Lines(handle, stats, block_bytes, stats.line_limit)
    header = _header(lines.header(source), source)
    available = _check_required(header, columns, source)
    reader = _open_csv(source, lines, header, available, stats, block_bytes)
    line = 2
    pending: list[Any] = []
    pending_rows = 0

    def combined() -> dict[str, Any]:
        return {
            c: pa.concat_arrays([b.column(col) for b in pending]) for c, col in available.items()
        }

    try:
        for batch in reader:  # small blocks, regrouped into chunks of about chunk_rows
            stats.rows += batch.num_rows
            pending.append(batch)
            pending_rows += batch.num_rows
            if pending_rows >= chunk_rows:
                yield line, combined()
                line += pending_rows
                pending, pending_rows = [], 0
        if pending:
            yield line, combined()
    except pa.ArrowInvalid as exc:
        raise UserError(f"{source}: cannot read as CSV ({exc})") from None


def _open_csv(
    source: Path,
    lines: _Lines,
    header: list[str],
    available: dict[str, str],
    stats: ReadStats,
    block_bytes: int,
) -> Any:
    """Arrow's streaming CSV reader over `lines`, reading the `available` columns as text."""
    import pyarrow as pa
    from pyarrow import csv

    try:  # opening reads and converts the first block already
        return csv.open_csv(
            lines,
            # one parsing thread keeps malformed-row numbers known; ours overlaps it with pricing
            read_options=csv.ReadOptions(
                column_names=header, block_size=block_bytes, use_threads=False
            ),
            parse_options=csv.ParseOptions(
                invalid_row_handler=_invalid_row_handler(stats), newlines_in_values=False
            ),
            convert_options=csv.ConvertOptions(
                include_columns=list(dict.fromkeys(available.values())),
                # free text may hold any bytes (a provider name in latin-1): read it as binary
                column_types={
                    col: pa.binary()
                    if canonical in BINARY_COLUMNS or canonical.startswith("group:")
                    else pa.string()
                    for canonical, col in available.items()
                },
                strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise UserError(f"{source}: cannot read as CSV ({exc})") from None


def _invalid_row_handler(stats: ReadStats) -> Callable[[Any], str]:
    """Arrow's callback for a row it cannot parse: count it (and its line) in `stats`, skip it."""

    def invalid(row: Any) -> str:
        # a quote left open swallows the following lines into this one bad row: count them all
        text = row.text or ""
        stats.malformed += 1 + text.count("\n") + text.count("\r") - text.count("\r\n")
        if len(stats.malformed_lines) < 5 and row.number is not None:
            stats.malformed_lines.append(row.number + 1)  # +1: we consumed the header
        return "skip"

    return invalid


def _header(line: bytes, source: Path) -> list[str]:
    """The names of a CSV header line, parsed by Arrow as it parses the rows (fields of any
    length; the file's own quoting)."""
    import io

    import pyarrow as pa
    from pyarrow import csv

    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{source}: the first line is not a CSV header in UTF-8") from None
    if not text.strip():
        return []
    data = text.encode() + b"\n"
    options = csv.ReadOptions(block_size=len(data) + 1, use_threads=False)
    try:
        names: list[str] = csv.read_csv(io.BytesIO(data), read_options=options).column_names
        return names
    except pa.ArrowInvalid as exc:
        raise UserError(f"{source}: the first line is not a CSV header ({exc})") from None


def _parquet(
    source: Path, columns: dict[str, str], stats: ReadStats, chunk_rows: int
) -> Iterator[tuple[int, dict[str, Any]]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(source)
    except (pa.ArrowInvalid, OSError) as exc:
        raise UserError(f"{source}: not a Parquet file ({exc})") from None
    available = _check_required(parquet.schema_arrow.names, columns, source)
    wanted = list(dict.fromkeys(available.values()))
    line = 1
    for batch in parquet.iter_batches(batch_size=chunk_rows, columns=wanted):
        stats.rows += batch.num_rows
        stats.bytes_read = min(
            stats.total_bytes,
            stats.bytes_read
            + stats.total_bytes * batch.num_rows // max(1, parquet.metadata.num_rows),
        )
        # a name the file repeats reads its first column, as in a CSV header
        first = {col: batch.schema.get_all_field_indices(col)[0] for col in wanted}
        yield line, {c: batch.column(first[col]) for c, col in available.items()}
        line += batch.num_rows


def _jsonl(
    source: Path, columns: dict[str, str], stats: ReadStats, chunk_rows: int
) -> Iterator[tuple[int, dict[str, Any]]]:
    """JSON lines: flat rows of activity columns, usage records or generation records (the
    kind is taken from the first record; records.py maps the last two to canonical columns)."""
    handle = _Counting(_open(source), stats)
    try:
        yield from _jsonl_chunks(source, handle, columns, stats, chunk_rows)
    finally:
        handle.close()


def _jsonl_chunks(
    source: Path, handle: _Counting, columns: dict[str, str], stats: ReadStats, chunk_rows: int
) -> Iterator[tuple[int, dict[str, Any]]]:
    from estimator.logs.records import kind_of

    wanted = dict(columns)
    buffers: dict[str, list[Any]] = {c: [] for c in wanted}
    first_line = 1
    seen: set[str] = set()
    checked = False
    mapper: Any = None
    kind: str | None = None
    stats.line_limit = MAX_JSON_LINE_BYTES
    lines = _json_lines(handle.handle, stats)
    if source.name.lower().removesuffix(".gz").endswith(".json"):
        lines = _json_document_or_lines(source, handle.handle, stats)
    for number, raw in lines:
        if raw is None:  # too long: skipped unread
            continue
        if not raw.strip():
            continue
        try:
            record = _loads(raw)
        except (ValueError, RecursionError):  # not JSON, not UTF-8, [[[[... too deep
            _malformed(stats, number)
            continue
        if not isinstance(record, dict):
            _malformed(stats, number)
            continue
        if kind is None:
            kind, mapper, wanted, buffers = _records_kind(record, stats, wanted, buffers)
        if mapper is not None:
            try:
                record = mapper(record) if kind_of(record) == kind else None
            except (AttributeError, KeyError, TypeError):
                record = None
            if record is None:
                _malformed(stats, number)
                continue
            seen.update(k for k, v in record.items() if v is not None)
        else:
            seen.update(k for k in record if k in wanted.values())
        if not buffers[REQUIRED[0]]:
            first_line = number
        for canonical, col in wanted.items():
            buffers[canonical].append(record.get(col))
        stats.rows += 1
        if len(buffers[REQUIRED[0]]) >= chunk_rows:
            if not checked:
                _check_required(sorted(seen), wanted, source)
                checked = True
            yield first_line, _flush(buffers, wanted, seen)
    if buffers[REQUIRED[0]]:
        if not checked:
            _check_required(sorted(seen), wanted, source)
        yield first_line, _flush(buffers, wanted, seen)
    elif stats.rows == 0:
        raise UserError(f"{source}: no JSON records")


def _records_kind(
    record: dict[str, Any],
    stats: ReadStats,
    wanted: dict[str, str],
    buffers: dict[str, list[Any]],
) -> tuple[str, Any, dict[str, str], dict[str, list[Any]]]:
    """(kind, its mapper or None, wanted columns, buffers) from the file's first record:
    mapped records carry canonical names, so they are read under those."""
    from estimator.logs.records import MAPPERS, kind_of

    kind = stats.kind = kind_of(record)
    mapper = MAPPERS.get(kind)
    if mapper is not None:  # records carry canonical names once mapped
        wanted = {c: c for c in OPENROUTER_COLUMNS}
        buffers = {c: [] for c in wanted}
    return kind, mapper, wanted, buffers


def _flush(buffers: dict[str, list[Any]], wanted: dict[str, str], seen: set[str]) -> dict[str, Any]:
    """The buffered rows as Arrow text columns (those some record had), emptying the buffers."""
    import pyarrow as pa

    present = {c: col for c, col in wanted.items() if col in seen}
    out = {
        c: pa.array([None if v is None else str(v) for v in buffers[c]], pa.string())
        for c in present
    }
    for values in buffers.values():
        values.clear()
    return out


def _json_lines(handle: IO[bytes], stats: ReadStats) -> Iterator[tuple[int, bytes | None]]:
    """(line number, line) of a JSON lines file, each read up to MAX_JSON_LINE_BYTES: a longer
    line is skipped in bounded pieces, counted, and given as None."""
    limit = MAX_JSON_LINE_BYTES
    number = 0
    while raw := handle.readline(limit + 1):
        number += 1
        stats.bytes_read += len(raw)
        if len(raw) <= limit:
            yield number, raw
            continue
        while not raw.endswith(b"\n"):
            raw = handle.readline(limit)
            stats.bytes_read += len(raw)
            if not raw:
                break
        stats.too_long += 1
        if len(stats.malformed_lines) < 5:
            stats.malformed_lines.append(number)
        yield number, None


MAX_JSON_DOCUMENT_BYTES = 64 << 20  # a .json holding one document is read whole up to this


def _json_document_or_lines(
    source: Path, handle: IO[bytes], stats: ReadStats
) -> Iterator[tuple[int, bytes | None]]:
    """A `.json` file: JSON lines when its first line is a record on its own, else one JSON
    document (a record, e.g. one saved API response, or a list of records), read whole within
    MAX_JSON_DOCUMENT_BYTES; its records come out numbered 1, 2, ... as lines would."""
    first = handle.readline(MAX_JSON_LINE_BYTES + 1)
    try:
        alone = isinstance(_loads(first), dict) if first.strip() else False
    except (ValueError, RecursionError):
        alone = False
    if alone or not first.strip():
        stats.bytes_read += len(first)
        yield 1, first
        yield from ((n + 1, raw) for n, raw in _json_lines(handle, stats))
        return
    rest = handle.read(MAX_JSON_DOCUMENT_BYTES + 1 - len(first))
    stats.bytes_read += len(first) + len(rest)
    if len(first) + len(rest) > MAX_JSON_DOCUMENT_BYTES:
        raise UserError(
            f"{source}: one JSON document of more than {MAX_JSON_DOCUMENT_BYTES >> 20} MiB: "
            "write one record per line (JSON lines, .jsonl) instead"
        )
    try:
        document = _loads(first + rest)
    except (ValueError, RecursionError):
        raise UserError(
            f"{source}:1: not JSON: a .json log holds one record per line (JSON lines), one "
            "record, or a list of records"
        ) from None
    if isinstance(document, dict) and isinstance(document.get("data"), list) and len(document) == 1:
        document = document["data"]  # an API listing ({"data": [...]}): its records
    records = document if isinstance(document, list) else [document]
    for number, record in enumerate(records, 1):
        yield number, json.dumps(record).encode() if isinstance(record, dict) else b"[]"


def _loads(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise
    except ValueError:  # an integer of more than 4,300 digits: Python will not convert it
        return json.loads(raw, parse_int=float)  # read as a float (inf): a bad cell, not a line


def _malformed(stats: ReadStats, line: int) -> None:
    stats.malformed += 1
    if len(stats.malformed_lines) < 5:
        stats.malformed_lines.append(line)
