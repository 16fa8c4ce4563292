"""The spend cap and the records, in one place: a call may start only when the most it can
cost fits in what is left of `--max-spend` after what was spent and what running calls may
still spend; every call leaves one JSONL line, flushed and synced before the next decision.

Resume and idempotence: a "started" line is written before a request leaves, its result
line after. On a rerun, pairs with a result are skipped; pairs started but never finished
(the process died mid-call) are *in doubt*: they may have been billed, so they are not sent
again (`--retry-in-doubt` sends them) and their bound counts as spent. Nothing is paid twice
without being asked. A torn last line (a kill while writing) is ignored and overwritten.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

RECORDS = "records.jsonl"


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

    @classmethod
    def open(cls, directory: Path, cap: Decimal) -> Ledger:
        directory.mkdir(parents=True, exist_ok=True)
        ledger = cls(directory / RECORDS, cap)
        ledger._load()
        return ledger

    def _load(self) -> None:
        if not self.path.exists():
            return
        started: dict[str, dict[str, Any]] = {}
        raw = self.path.read_bytes()
        complete = raw[: raw.rfind(b"\n") + 1]  # a torn last line is dropped
        if len(complete) != len(raw):
            with self.path.open("r+b") as handle:
                handle.truncate(len(complete))
        for line in complete.decode("utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            key = pair_key(row["prompt_id"], row["strategy"])
            if row["event"] == "started":
                started[key] = row
            else:
                started.pop(key, None)
                if row["event"] == "done":
                    self.done[key] = row
                self.spent += Decimal(str(row.get("charged_usd") or 0))
        for key, row in started.items():
            if key not in self.done:
                self.in_doubt[key] = row
                self.spent += Decimal(str(row["bound_usd"]))  # it may have been billed

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
            self._write(
                {**row, "event": event, "bound_usd": str(bound), "charged_usd": str(charged)}
            )
            if ok:
                self.done[pair_key(row["prompt_id"], row["strategy"])] = row

    @property
    def left(self) -> Decimal:
        return self.cap - self.spent - self.reserved
