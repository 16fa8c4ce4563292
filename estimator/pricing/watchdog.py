"""A deadline on HTTP requests that holds even against a server that drips bytes.

httpx's timeouts bound each read, not a request: a server sending one byte a second holds a
1 s read timeout forever. A `Watchdog` is handed to httpx as the `trace` extension, so it sees
every socket its requests connect; when its deadline passes, a timer shuts them all, and a
read blocked on one returns at once. Used by the models-API fetcher and by the pilot's calls.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

_CONNECTED = ("connection.connect_tcp.complete", "connection.start_tls.complete")


class Watchdog:
    """The sockets of some requests, and a timer that shuts them at a deadline."""

    def __init__(self) -> None:
        self._sockets: list[socket.socket] = []
        self._expired = threading.Event()
        self._lock = threading.Lock()

    @property
    def expired(self) -> bool:
        return self._expired.is_set()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpx's `trace` extension: remember each socket once it is connected."""
        if event not in _CONNECTED:
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            expired = self._expired.is_set()
        if expired:
            _shut(sock)

    def expire(self) -> None:
        """The deadline passed: shut every socket so a blocked read returns at once."""
        with self._lock:
            self._expired.set()
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)

    @contextlib.contextmanager
    def armed(self, seconds: float) -> Iterator[Watchdog]:
        """Expire after `seconds` unless the block ends first."""
        timer = threading.Timer(max(0.0, seconds), self.expire)
        timer.daemon = True
        timer.start()
        try:
            yield self
        finally:
            timer.cancel()
            timer.join()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
