"""The spend cap and the records, in one place: a call may start only when the most it can
cost fits in what is left of `--max-spend` after what was spent and what running calls may
still spend; every call leaves one JSONL line, flushed and synced before the next decision.

Resume and idempotence: a "started" line is written before a request leaves, its result
line after. On a rerun, pairs with a result are skipped; pairs that may have been billed
without an answer (the process died mid-call, or the call ended in a timeout or a server
error) are *in doubt*: they are not sent again unless asked (`--retry-in-doubt`), and their
bound counts as spent, for good (a retried pair keeps the first attempt's bound counted).
Nothing is paid twice without being asked. A torn last line (a kill while writing) is
dropped. One process at a time holds a directory (an exclusive lock); `--dry-run` only reads.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from estimator.errors import UserError

RECORDS = "records.jsonl"
LOCK = ".pilot.lock"


def pair_key(prompt_id: str, strategy: str) -> str:
    return json.dumps([prompt_id, strategy])


@dataclass
class Ledger:
    """What was spent, what is reserved, and the records file."""

    path: Path
    cap: Decimal
    spent: Decimal = Decimal(0)
    reserved: Decimal = Decimal(0)
    done: dict[str, dict[str, Any]] = field(default_factory=dict)
    in_doubt: dict[str, dict[str, Any]] = field(default_factory=dict)
    over_bound: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _held: Any = None  # the directory lock's file

    @classmethod
    def open(cls, directory: Path, cap: Decimal, read_only: bool = False) -> Ledger:
        """The ledger of `directory`; unless `read_only`, held by this process alone."""
        if not read_only:
            directory.mkdir(parents=True, exist_ok=True)
        ledger = cls(directory / RECORDS, cap)
        if not read_only:
            ledger._hold(directory)
        ledger._load(repair=not read_only)
        return ledger

    def _hold(self, directory: Path) -> None:
        import fcntl

        handle = (directory / LOCK).open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise UserError(f"{directory}: another pilot is running on this directory") from None
        self._held = handle  # kept open: the lock lasts as long as this process

    def close(self) -> None:
        """Let another process have the directory."""
        if self._held is not None:
            self._held.close()
            self._held = None

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _load(self, repair: bool) -> None:
        if not self.path.exists():
            return
        started: dict[str, dict[str, Any]] = {}
        raw = self.path.read_bytes()
        complete = raw[: raw.rfind(b"\n") + 1]  # a torn last line is dropped
        if repair and len(complete) != len(raw):
            with self.path.open("r+b") as handle:
                handle.truncate(len(complete))
        for line in complete.decode("utf-8").splitlines():
            if line.strip():
                self._replay(json.loads(line), started)
        for key, row in started.items():  # died mid-call: it may have been billed
            self.in_doubt[key] = row
            self.spent += Decimal(str(row["bound_usd"]))

    def _replay(self, row: dict[str, Any], started: dict[str, dict[str, Any]]) -> None:
        key = pair_key(row["prompt_id"], row["strategy"])
        if row["event"] == "started":
            if key in started:  # an earlier attempt never finished: its bound stays counted
                self.spent += Decimal(str(started[key]["bound_usd"]))
            started[key] = row
            return
        started.pop(key, None)
        self.spent += Decimal(str(row.get("charged_usd") or 0))
        if row["event"] == "done":
            self.done[key] = row
            self.in_doubt.pop(key, None)
        elif row.get("maybe_billed"):
            self.in_doubt[key] = row

    def _write(self, row: dict[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def reserve(self, row: dict[str, Any], bound: Decimal) -> bool:
        """Start a call if its worst case fits what is left; writes its "started" line."""
        with self._lock:
            if self.over_bound or self.spent + self.reserved + bound > self.cap:
                return False
            self.reserved += bound
            self._write({**row, "event": "started", "bound_usd": str(bound)})
            return True

    def settle(self, row: dict[str, Any], bound: Decimal, charged: Decimal, ok: bool) -> None:
        """A call ended: release its reservation, count what it was (or may have been) billed."""
        with self._lock:
            self.reserved -= bound
            self.spent += charged
            if charged > bound:
                self.over_bound = True  # the bound was wrong: no further call is started
            event = "done" if ok else "failed"
            figures = {"bound_usd": str(bound), "charged_usd": str(charged)}
            self._write({**row, "event": event, **figures})
            key = pair_key(row["prompt_id"], row["strategy"])
            if ok:
                self.done[key] = row
            elif row.get("maybe_billed"):
                self.in_doubt[key] = row

    @property
    def left(self) -> Decimal:
        return self.cap - self.spent - self.reserved
