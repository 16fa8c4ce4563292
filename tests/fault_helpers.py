"""Helpers for the fault-injection tests: a raw-socket HTTP server that misbehaves on purpose,
the CLI in a subprocess that cannot reach anything but loopback, and tmpfs mounts.

`RawServer` answers each connection with a handler that writes whatever bytes it likes (slow
drips, resets, endless bodies) -- faults pytest-httpserver cannot produce. Handlers get a
`stop` event and must return soon after it is set; the server joins every thread and closes
every socket on `close()`, so `filterwarnings = error` sees no leaked resource.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import struct
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.cli import Outcome

Handler = Callable[[socket.socket, "Received", threading.Event], None]


@dataclass
class Received:
    """One request as the server saw it: the request line and headers (lower-cased names)."""

    line: str
    headers: dict[str, str]

    @property
    def target(self) -> str:
        return self.line.split(" ")[1] if " " in self.line else ""


class RawServer:
    """A threaded TCP server on 127.0.0.1 whose handler writes raw HTTP (or not-HTTP) bytes."""

    def __init__(self, handler: Handler, host: str = "127.0.0.1") -> None:
        self.handler = handler
        self.received: list[Received] = []
        self.connections = 0
        self.sent = 0  # body bytes the handlers managed to write, for the size-cap tests
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, 0))
        self._sock.listen(32)
        self._sock.settimeout(0.05)
        self.host = host
        self.port = self._sock.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)
        self._acceptor.start()

    def url(self, path: str = "/api/v1", host: str | None = None) -> str:
        return f"http://{host or self.host}:{self.port}{path}"

    def count_sent(self, n: int) -> None:
        with self._lock:
            self.sent += n

    def _accept_loop(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                request = _read_head(conn)
                if request is None:
                    return
                with self._lock:
                    self.received.append(request)
                self.handler(conn, request, self.stop)
            except OSError:  # the client hung up (reset, timeout): that is the point
                pass

    def close(self) -> None:
        self.stop.set()
        self._acceptor.join(5)
        for thread in self._threads:
            thread.join(5)
        self._sock.close()
        assert not any(t.is_alive() for t in [self._acceptor, *self._threads]), "stuck handler"

    def __enter__(self) -> RawServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _read_head(conn: socket.socket) -> Received | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return None
        data += chunk
        if len(data) > 65536:
            return None
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Received(head[0], headers)


def head(status: str = "200 OK", **headers: str | int) -> bytes:
    """A response head; header names use `_` for `-` (Content_Length=...)."""
    lines = [f"HTTP/1.1 {status}", "Connection: close"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def reset(conn: socket.socket) -> None:
    """Close with a TCP RST instead of a FIN (SO_LINGER on, timeout 0)."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def drip(conn: socket.socket, stop: threading.Event, data: bytes, every_s: float) -> None:
    """Send `data` one byte at a time, then spaces, forever (until `stop`)."""
    index = 0
    while not stop.wait(every_s):
        conn.sendall(data[index : index + 1] or b" ")
        index += 1


def assert_one_line_error(run: Outcome, code: int, *needles: str) -> str:
    """Exit `code`, no traceback, exactly one `fusion-cost: error:` line containing `needles`."""
    assert run.code == code, (run.code, run.err)
    assert "Traceback" not in run.err, run.err
    (line,) = run.error_lines
    for needle in needles:
        assert needle in line, (needle, line)
    return line


# --- tmpfs mounts (root only) -------------------------------------------------------------------


def mount_problem() -> str | None:
    """Why a tmpfs cannot be mounted here, or None if it can."""
    if os.geteuid() != 0:
        return "needs root to mount a tmpfs"
    with tempfile.TemporaryDirectory() as probe:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", probe],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            return f"mount -t tmpfs failed: {done.stderr.strip() or done.returncode}"
        subprocess.run(["umount", probe], check=True)
    return None


@contextlib.contextmanager
def tmpfs(directory: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted on `directory` (created) for the duration; always unmounted."""
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(directory)],
        check=True,
    )
    try:
        yield directory
    finally:
        subprocess.run(["umount", "-l", str(directory)], check=False)


def remount(directory: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(directory)], check=True)


def fill(directory: Path, leave_free: int) -> Path:
    """Write a filler file so that about `leave_free` bytes stay free on `directory`'s fs."""
    stats = os.statvfs(directory)
    free = stats.f_bavail * stats.f_frsize
    filler = directory / "filler.bin"
    with filler.open("wb") as handle:
        handle.write(b"\0" * max(0, free - leave_free))
    return filler


def free_bytes(directory: Path) -> int:
    stats = os.statvfs(directory)
    return stats.f_bavail * stats.f_frsize


def facts(catalog_path: Path) -> str:
    """The sha256 of a catalog's models (verified against its data by `read_catalog_file`)."""
    from estimator.pricing.store import read_catalog_file

    return read_catalog_file(catalog_path).meta.sha256 or ""


def dumps(document: object) -> bytes:
    return json.dumps(document).encode()
