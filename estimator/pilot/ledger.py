"""The spend cap and the records, in one place: a call may start only when the most it can
cost fits in what is left of `--max-spend` after what was spent and what running calls may
still spend; every call leaves one JSONL line, flushed and synced before the next decision.

Resume and idempotence: a "started" line is written before a request leaves, its result
line after. On a rerun, pairs with a result are skipped; pairs that may have been billed
without a bill read (the process died mid-call; a timeout, a server error; a 200 that could
not be settled) are *in doubt*: they are not sent again unless asked (`--retry-in-doubt`),
and their bound counts as spent, for good (a retried pair keeps the first attempt's bound
counted). Nothing is paid twice without being asked.

What a run learns is kept: a bill above its bound stops the run, and no later run sends
anything until the user acknowledges it (`accept`, `--accept-over-bound`: an "accepted" line
that raises that strategy's later bounds by the ratio seen); a bill through the user's own
provider key (BYOK) stops it unless BYOK is allowed.

The file is ours or it is left alone: every line is read strictly before anything is
written, and a file with a line that is not a pilot record (another tool's `records.jsonl`),
a symlink or a special file is refused, byte-identical. A torn last line of ours (a kill
while writing) is dropped. Every string is redacted (the key, URL credentials) before it is
written, and lines are ASCII JSON, so any string an API returns (lone surrogates included)
is kept. One process at a time holds a directory (an exclusive lock); `--dry-run` only reads.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import threading
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from estimator.errors import UserError
from estimator.pricing.payload import loads_strict
from estimator.pricing.secrets import Secrets
from estimator.pricing.usage import Usage, amount, read_usage

RECORDS = "records.jsonl"
LOCK = ".pilot.lock"
PAIR_EVENTS = ("started", "done", "unsettled", "failed")
SETTLED = ("done", "unsettled", "failed")
OURS = (b'{"prompt_id": ', b'{"event": ')  # how every line we write begins
_NO_FOLLOW = os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def pair_key(prompt_id: str, strategy: str) -> str:
    return json.dumps([prompt_id, strategy])


def _request_key(strategy: str, body: Any) -> str:
    return json.dumps([strategy, body], sort_keys=True, ensure_ascii=True)


class _Foreign(ValueError):
    pass


def redacted(value: Any, secrets: Secrets) -> Any:
    """`value` (a record) with every secret taken out of every string, keys included."""
    if not secrets:
        return value
    if isinstance(value, str):
        return secrets.redact(value)
    if isinstance(value, dict):
        return {redacted(k, secrets): redacted(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redacted(v, secrets) for v in value]
    return value


def usage_of(row: dict[str, Any]) -> Usage | None:
    """A record's bill, read strictly (None when it has none that can be trusted)."""
    # records written before the strict reader hold the raw usage: read strictly now
    billed = row.get("billed")
    found = read_usage(row.get("usage")) if billed is None else Usage.from_record(billed)
    return found if isinstance(found, Usage) else None


def _money(row: dict[str, Any], name: str) -> Decimal:
    try:
        return amount(row.get(name), name, text=True)
    except (ValueError, InvalidOperation):
        raise _Foreign(f"{name} is not an amount") from None


def _check(row: Any) -> dict[str, Any]:
    """A line of ours, or `_Foreign` saying what is wrong with it."""
    if not isinstance(row, dict):
        raise _Foreign("not a JSON object")
    event = row.get("event")
    if event == "accepted":
        keys, ratios = row.get("keys"), row.get("ratios")
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise _Foreign("accepted without its keys")
        if not isinstance(ratios, dict):
            raise _Foreign("accepted without its ratios")
        for name in ratios:
            _money(ratios, name)
        return row
    if event not in PAIR_EVENTS:
        raise _Foreign(f"event {str(event)[:20]!r}")
    if not isinstance(row.get("prompt_id"), str) or not isinstance(row.get("strategy"), str):
        raise _Foreign("no prompt_id and strategy")
    _money(row, "bound_usd")
    if event in SETTLED:
        _money(row, "charged_usd")
        tokens = row.get("prompt_tokens")
        if isinstance(tokens, bool) or not isinstance(tokens, int) or tokens < 0:
            raise _Foreign("prompt_tokens is not a count")
    if row.get("billed") is not None and usage_of(row) is None:
        raise _Foreign("billed is not a usage record")
    for name in ("model", "answer", "generation_id", "provider"):  # text, or nothing
        if not isinstance(row.get(name), str | None):
            row[name] = None
    return row


@dataclass
class Ledger:
    """What was spent, what is reserved, what was learned, and the records file."""

    path: Path
    cap: Decimal
    secrets: Secrets = field(default_factory=Secrets)
    allow_byok: bool = False
    spent: Decimal = Decimal(0)
    reserved: Decimal = Decimal(0)
    done: dict[str, dict[str, Any]] = field(default_factory=dict)
    in_doubt: dict[str, dict[str, Any]] = field(default_factory=dict)
    over_bound: dict[str, dict[str, Any]] = field(default_factory=dict)  # not yet accepted
    learned: dict[str, Decimal] = field(default_factory=dict)  # strategy -> bound multiplier
    byok: list[dict[str, Any]] = field(default_factory=list)
    stopped: str | None = None  # why no further call starts in this run
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _legacy: dict[str, str] = field(default_factory=dict)  # request -> key, in old records
    _held: int | None = None  # the directory lock's descriptor
    _out: int | None = None  # the records file, open for appending

    @classmethod
    def open(
        cls,
        directory: Path,
        cap: Decimal,
        read_only: bool = False,
        secrets: Secrets | None = None,
    ) -> Ledger:
        """The ledger of `directory`; unless `read_only`, held by this process alone."""
        ledger = cls(directory / RECORDS, cap, secrets or Secrets())
        if not read_only:
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise UserError(f"{directory}: cannot use it ({exc.strerror or exc})") from None
            ledger._hold(directory)
        try:
            ledger._load(repair=not read_only)
            if not read_only:
                ledger._out = _open_append(ledger.path)
        except BaseException:
            ledger.close()
            raise
        return ledger

    def _hold(self, directory: Path) -> None:
        import fcntl

        try:
            fd = os.open(directory / LOCK, os.O_RDWR | os.O_CREAT | _NO_FOLLOW, 0o666)
        except OSError as exc:
            raise UserError(f"{directory / LOCK}: cannot lock ({exc.strerror or exc})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise UserError(f"{directory}: another pilot is running on this directory") from None
        self._held = fd  # kept open: the lock lasts as long as this process

    def close(self) -> None:
        """Let another process have the directory."""
        for name in ("_out", "_held"):
            fd = getattr(self, name)
            if fd is not None:
                os.close(fd)
                setattr(self, name, None)

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _load(self, repair: bool) -> None:
        raw = _read_ours(self.path)
        if raw is None:
            return
        complete = raw[: raw.rfind(b"\n") + 1]
        tail = raw[len(complete) :]
        rows = []
        for number, line in enumerate(complete.split(b"\n")[:-1], 1):
            if not line.strip():
                continue
            try:
                rows.append(_check(loads_strict(line)))
            except (_Foreign, ValueError, UnicodeDecodeError) as exc:
                reason = str(exc) if isinstance(exc, _Foreign) else "not strict JSON"
                raise _refused(self.path, number, reason) from None
        if tail and not tail.startswith(OURS):
            raise _refused(self.path, complete.count(b"\n") + 1, "not a record of ours")
        if repair and tail:  # a torn last line of ours (a kill while writing) is dropped
            fd = os.open(self.path, os.O_WRONLY | _NO_FOLLOW)
            try:
                os.ftruncate(fd, len(complete))
            finally:
                os.close(fd)
        started: dict[str, dict[str, Any]] = {}
        for row in rows:
            self._replay(row, started)
        for key, row in started.items():  # died mid-call: it may have been billed
            self.in_doubt[key] = row
            self.spent += Decimal(row["bound_usd"])
        for key, row in [*self.done.items(), *self.in_doubt.items()]:
            if "line" not in row and isinstance(row.get("request"), dict):  # keyed by line
                self._legacy.setdefault(_request_key(row["strategy"], row["request"]), key)

    def adopt(self, key: str, strategy: str, body: dict[str, Any]) -> None:
        """A prompt without an id used to be keyed by its line number: a pair whose request
        an older run of this directory already made (done, or in doubt) is that pair, so an
        upgrade never pays a prompt twice."""
        old = self._legacy.get(_request_key(strategy, body))
        if old is None or key in self.done or key in self.in_doubt:
            return
        if old in self.done:
            self.done[key] = self.done[old]
        elif old in self.in_doubt:
            self.in_doubt[key] = self.in_doubt[old]

    def _replay(self, row: dict[str, Any], started: dict[str, dict[str, Any]]) -> None:
        if row["event"] == "accepted":
            self._learn(row)
            return
        key = pair_key(row["prompt_id"], row["strategy"])
        if row["event"] == "started":
            if key in started:  # an earlier attempt never finished: its bound stays counted
                self.spent += Decimal(started[key]["bound_usd"])
            started[key] = row
            return
        started.pop(key, None)
        self._count(key, row, live=False)

    def _count(self, key: str, row: dict[str, Any], live: bool) -> None:
        """A settled call: what it counts, and what it says about the bounds (`live`: in this
        run, which then stops starting calls)."""
        charged, bound = Decimal(row["charged_usd"]), Decimal(row["bound_usd"])
        self.spent += charged
        if row["event"] == "done":
            self.done[key] = row
            self.in_doubt.pop(key, None)
            usage = usage_of(row)
            if charged > bound:  # the bound was wrong: nothing more until acknowledged
                self.over_bound[key] = row
                self.stopped = "over_bound" if live else self.stopped
            if usage is not None and usage.is_byok:
                self.byok.append(row)
                if live and not self.allow_byok:
                    self.stopped = self.stopped or "byok"
        elif row.get("maybe_billed", row["event"] == "unsettled"):
            self.in_doubt[key] = row

    def _learn(self, row: dict[str, Any]) -> None:
        for key in row["keys"]:
            self.over_bound.pop(key, None)
        for name, ratio in row["ratios"].items():
            self.learned[name] = max(self.learned.get(name, Decimal(1)), Decimal(ratio))

    @property
    def blocked(self) -> bool:
        """Nothing may start: this run stopped, or a lesson is not acknowledged."""
        return bool(self.stopped or self.over_bound or (self.byok and not self.allow_byok))

    def _write(self, row: dict[str, Any], clean: bool = False) -> None:
        if self._out is None:
            raise UserError(f"{self.path}: opened read-only")
        line = json.dumps(row if clean else redacted(row, self.secrets), ensure_ascii=True)
        if self.secrets.found_in(line):  # an encoding only the whole line shows
            line = self.secrets.redact(line)
        data = (line + "\n").encode("ascii")
        try:
            written = os.write(self._out, data)
            while written < len(data):
                written += os.write(self._out, data[written:])
            os.fsync(self._out)
        except OSError as exc:
            self.stopped = "records"
            raise UserError(f"{self.path}: cannot write ({exc.strerror or exc})") from None

    def lessons(self) -> list[str]:
        """What earlier calls taught that needs the user: bills above their bounds not yet
        accepted, bills through the user's own provider key."""
        found = [over_bound_message(self)] if self.over_bound else []
        return found + ([byok_message(self)] if self.byok else [])

    def start_check(self) -> None:
        """Refuse to send anything while something learned is unacknowledged."""
        if self.over_bound:
            raise UserError(over_bound_message(self))
        if self.byok and not self.allow_byok:
            raise UserError(byok_message(self))

    def accept(self) -> None:
        """The user acknowledged the bills above their bounds: later calls of each strategy
        are bounded that many times higher (an "accepted" line keeps it)."""
        if not self.over_bound:
            return
        ratios: dict[str, Decimal] = {}
        for row in self.over_bound.values():
            ratio = Decimal(row["charged_usd"]) / Decimal(row["bound_usd"])
            ratio = ratio.quantize(Decimal("0.01"), rounding=ROUND_CEILING)
            ratios[row["strategy"]] = max(ratios.get(row["strategy"], Decimal(1)), ratio)
        row = {
            "event": "accepted",
            "keys": sorted(self.over_bound),
            "ratios": {name: str(ratio) for name, ratio in ratios.items()},
        }
        with self._lock:
            self._write(row)
            self._learn(row)

    def reserve(self, row: dict[str, Any], bound: Decimal) -> bool:
        """Start a call if its worst case fits what is left; writes its "started" line."""
        with self._lock:
            if self.blocked or self.spent + self.reserved + bound > self.cap:
                return False
            self.reserved += bound
            self._write({**row, "event": "started", "bound_usd": str(bound)})
            return True

    def settle(self, record: dict[str, Any], bound: Decimal, charged: Decimal) -> None:
        """A call ended: release its reservation, count what it was (or may have been) billed.
        `record["event"]` says how: done, unsettled or failed."""
        with self._lock:
            self.reserved -= bound
            figures = {"bound_usd": str(bound), "charged_usd": str(charged)}
            row = redacted({**record, **figures}, self.secrets)
            try:
                self._write(row, clean=True)
            finally:  # counted even when the line could not be written
                self._count(pair_key(row["prompt_id"], row["strategy"]), row, live=True)

    @property
    def left(self) -> Decimal:
        return self.cap - self.spent - self.reserved


def _refused(path: Path, line: int, reason: str) -> UserError:
    return UserError(
        f"{path}:{line}: not a fusion-cost pilot record ({reason}): this is another tool's "
        "file, left as it was; give the pilot its own --out directory"
    )


def _read_ours(path: Path) -> bytes | None:
    """The records file's bytes (None when there is none): a regular file, not a symlink."""
    try:
        fd = os.open(path, os.O_RDONLY | _NO_FOLLOW | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UserError(f"{path}: a symlink; pilot records are kept in a plain file") from None
        raise UserError(f"{path}: cannot read ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise UserError(f"{path}: not a regular file; the pilot keeps its records in one")
        return handle.read()


def _open_append(path: Path) -> int:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | _NO_FOLLOW, 0o666)
    except OSError as exc:
        raise UserError(f"{path}: cannot write ({exc.strerror or exc})") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise UserError(f"{path}: not a regular file; the pilot keeps its records in one")
    return fd


def _usd(value: Decimal) -> str:
    return f"${value:.6f}".rstrip("0").rstrip(".") if value < 1 else f"${value:,.2f}"


def over_bound_message(ledger: Ledger) -> str:
    """What a bill above its bound taught, and what to do about it."""
    rows = list(ledger.over_bound.values())
    worst = max(rows, key=lambda r: Decimal(r["charged_usd"]) / Decimal(r["bound_usd"]))
    charged, bound = Decimal(worst["charged_usd"]), Decimal(worst["bound_usd"])
    return (
        f"{ledger.path}: {len(rows)} call(s) billed above their worst case ({worst['strategy']}:"
        f" {_usd(charged)} against {_usd(bound)}, {charged / bound:.1f}x; generation "
        f"{worst.get('generation_id') or '?'}): the bound missed part of the bill (a price above"
        " the catalog's, a field it did not count), so nothing more is sent. Check the bill at "
        "openrouter.ai/activity, then rerun with --accept-over-bound: later calls of that "
        "strategy are then bounded that much higher"
    )


def byok_message(ledger: Ledger) -> str:
    row = ledger.byok[0]
    return (
        f"{ledger.path}: a call was billed through your own provider key (BYOK; "
        f"{row['strategy']}, {_usd(Decimal(row['charged_usd']))} counted: OpenRouter's fee "
        "plus the provider's bill): the provider's prices are not in the catalog, so the pilot "
        "stops. Rerun with --allow-byok to go on, bounding calls as if your provider bills at "
        "most OpenRouter's list price (plus the 5% fee)"
    )
