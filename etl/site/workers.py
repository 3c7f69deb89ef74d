"""Serving in several processes: `diplodata serve --workers N` (the cores by default).

Datasette answers a page in one process, whose Python runs one page at a time: on a machine of
several cores, pages never asked for before queue behind each other on one core. Here the serving
process imports what serving needs, then forks N workers (fork: the imports are done once, before),
each of which builds its own app from the same settings (an app factory: etl/site/releases.py's
ReleaseSwitch on the release) and, once its app has answered its landing page, listens on the same
address with its own socket (SO_REUSEPORT: the kernel spreads the connections over the workers).
The parent only watches them: a stop (SIGTERM, SIGINT, SIGHUP) is passed to every worker, each
finishing its requests and deleting its snapshot; a worker that exits on its own stops the others,
and the command exits with an error, as one serving process would.

The workers switch to a new release together (etl/site/releases.py, Peers): each opens it on its
own, and none answers from it before all of them have it open, so that no visitor sees the new
release and then the old one.

The kernel spreads connections by their addresses, not by the workers' load: 16 keep-alive
connections opened at once went 10/6, and the busier worker's visitors waited twice as long. So
each worker says in shared memory how many requests it has in hand (Balance), and one with more
than a peer's count and one more asks the client to close the connection after its answer
(`Connection: close`, which HTTP/1.1 clients follow by opening a new one, spread again by the
kernel): the connections drift to the workers with less to do.

One worker (or a system without SO_REUSEPORT or fork) is one process serving, as before."""

from __future__ import annotations

import contextlib
import mmap
import os
import signal
import socket
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

# The exit status of the command when a worker exited on its own (or failed to start).
WORKER_FAILED = 1
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
LOG_LEVEL = "info"
# A worker with more requests in hand than a serving peer's count and this many more closes the
# connection after its answer (see Balance).
SHED_MARGIN = 1
CLOSE = (b"connection", b"close")


def default_workers() -> int:
    """The number of workers when none is asked for: the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork_workers() -> bool:
    """Whether this system can serve from several forked processes sharing one port."""
    return hasattr(os, "fork") and hasattr(socket, "SO_REUSEPORT")


def listening_socket(host: str, port: int, shared: bool) -> socket.socket:
    """A TCP socket bound to host and port (with SO_REUSEPORT when shared: every worker binds its
    own), not yet listening: uvicorn listens on it once the app has started."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if shared:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def run_app(app: Any, sock: socket.socket) -> None:
    """Serve an ASGI app with uvicorn on a bound socket until it is stopped."""
    import uvicorn

    config = uvicorn.Config(app, log_level=LOG_LEVEL, lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])


class Board:
    """What each worker has ready, in memory shared by the workers: one 64-bit slot a worker, set
    by that worker only (0: nothing yet)."""

    def __init__(self, seats: int) -> None:
        self.seats = seats
        self.memory = mmap.mmap(-1, 8 * seats)  # anonymous and shared: the forked workers see it

    def set(self, seat: int, value: int) -> None:
        self.memory[8 * seat : 8 * seat + 8] = value.to_bytes(8, "little", signed=True)

    def values(self) -> list[int]:
        data = self.memory[:]
        return [int.from_bytes(data[8 * i : 8 * i + 8], "little", signed=True) for i in range(self.seats)]


class Balance:
    """An ASGI app's HTTP requests counted in a worker's seat of a Board (the count and one, 0
    meaning a worker not serving yet), each answer asking the client to close its connection
    while this worker has more in hand than a serving peer and SHED_MARGIN more."""

    def __init__(self, app: Any, board: Board, seat: int) -> None:
        self.app, self.board, self.seat = app, board, seat
        self.busy = 0
        board.set(seat, 1)

    def __getattr__(self, name: str) -> Any:
        """The wrapped app's attributes (a ReleaseSwitch's start, stop and current release)."""
        if name == "app":  # not set yet
            raise AttributeError(name)
        return getattr(self.app, name)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start" and self.shedding():
                message = {**message, "headers": [*message.get("headers", []), CLOSE]}
            await send(message)

        self.busy += 1
        self.board.set(self.seat, self.busy + 1)
        try:
            await self.app(scope, receive, sending)
        finally:
            self.busy -= 1
            self.board.set(self.seat, self.busy + 1)

    def shedding(self) -> bool:
        """Whether a serving peer has fewer requests in hand, by more than the margin."""
        peers = [v - 1 for i, v in enumerate(self.board.values()) if i != self.seat and v > 0]
        return bool(peers) and self.busy > min(peers) + SHED_MARGIN


def preload() -> None:
    """Import, in the parent, what every worker's app needs, so that the workers do not import it each."""
    from etl.site.startup import import_datasette

    import_datasette()  # first: the site's plugin imports Datasette too
    import uvicorn.lifespan.on
    import uvicorn.loops.auto
    import uvicorn.protocols.http.auto  # noqa: F401

    import etl.site.plugin  # noqa: F401


class Workers:
    """The parent of the workers: forks them, passes a stop on to them and waits for them."""

    def __init__(self, count: int, log: Callable[[str], None]) -> None:
        self.count = count
        self.log = log
        self.children: dict[int, int] = {}  # pid: seat
        self.stopping = False
        self.failed = False

    def run(self, serve_seat: Callable[[int, Callable[[], None]], None]) -> int:
        """Fork a worker running serve_seat(seat, started) for each seat (started: to be called once
        it serves), and wait until all have exited: the command's exit status. The first worker
        starts alone, the others once it serves: the first visitor waits for one start, not for
        several sharing the cores."""
        previous = {sig: signal.signal(sig, self.on_signal) for sig in STOP_SIGNALS}
        try:
            ready, told = os.pipe()

            def tell() -> None:
                with contextlib.suppress(OSError):  # the parent stopped waiting
                    os.write(told, b"1")
                    os.close(told)

            self.fork(0, lambda seat: serve_seat(seat, tell), ready)
            os.close(told)
            serving = b""
            with contextlib.suppress(OSError):
                serving = os.read(ready, 1)  # the first worker serves, or it exited (nothing to read)
            os.close(ready)
            for seat in range(1, self.count):
                if self.stopping or not serving:
                    break
                self.fork(seat, lambda seat: serve_seat(seat, lambda: None))
            self.wait()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return WORKER_FAILED if self.failed else 0

    def fork(self, seat: int, serve_seat: Callable[[int], None], close: int | None = None) -> None:
        """Start one worker (closing, in it, a file descriptor of the parent's)."""
        pid = os.fork()
        if pid == 0:  # the worker
            status = 0
            try:
                if close is not None:
                    os.close(close)
                for sig in STOP_SIGNALS:
                    signal.signal(sig, signal.SIG_DFL)
                serve_seat(seat)
            except SystemExit as exc:  # uvicorn exits so when the app fails to start
                status = exc.code if isinstance(exc.code, int) else WORKER_FAILED
            except BaseException as exc:  # the end of the worker, told to the log
                print(f"worker {seat}: {exc!r}", file=sys.stderr, flush=True)
                status = WORKER_FAILED
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(status)
        self.children[pid] = seat

    def on_signal(self, sig: int, frame: FrameType | None) -> None:
        """A stop: passed on to every worker (a second one kills them)."""
        del frame
        second = self.stopping
        self.stopping = True
        self.signal_all(signal.SIGKILL if second else signal.SIGTERM)

    def signal_all(self, sig: int) -> None:
        for pid in list(self.children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)

    def wait(self) -> None:
        """Wait for every worker to exit; one exiting on its own stops the others."""
        while self.children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            seat = self.children.pop(pid, None)
            if seat is None or self.stopping:
                continue
            code = os.waitstatus_to_exitcode(status)
            self.log(f"worker {seat} (process {pid}) exited with status {code}; stopping the others")
            self.failed = True
            self.stopping = True
            self.signal_all(signal.SIGTERM)
