"""`diplodata serve --workers N`: N processes serving one port, each with its own app on the release
(etl/site/workers.py). Each worker answers, with the pages one process serves; a stop ends them all
and deletes their snapshots; a worker that dies stops the server; workers switch to a new release
together (etl/site/releases.py, Peers)."""

from __future__ import annotations

import asyncio
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from etl.layout import METADATA, STAGING
from etl.site.metadata import datasette_app
from etl.site.releases import SNAPSHOTS, Peers, ReleaseSwitch
from etl.site.workers import Board, default_workers
from tests.conftest import Server, unused_port
from tests.site.test_start import linked_copy

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

PAGES = (
    "/",
    "/diplomacy",
    "/diplomacy/articles",
    "/diplomacy/articles.json",
    "/diplomacy/articles?_facet=language",
    "/diplomacy/paragraphs?_search=embassy",
    "/-/downloads",
    "/-/downloads.json",
)
TOOK = re.compile(rb"took [0-9.]+ms|\"query_ms\": [0-9.e-]+")
# A TCP connection's state in /proc/net/tcp: established.
ESTABLISHED = "01"
LISTEN = "0A"


def children(pid: int) -> set[int]:
    """The processes whose parent is pid."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def socket_inodes(local_port: int, remote_port: int | None, state: str) -> list[int]:
    """The inodes of the sockets from local_port (to remote_port, None: any) in that state."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            next(lines)
            for line in lines:
                fields = line.split()
                local, remote = int(fields[1].rsplit(":", 1)[1], 16), int(fields[2].rsplit(":", 1)[1], 16)
                if fields[3] == state and local == local_port and remote_port in (None, remote):
                    found.append(int(fields[9]))
    return found


def socket_inode(local_port: int, remote_port: int) -> int | None:
    """The inode of the established socket from local_port to remote_port on this machine."""
    found = socket_inodes(local_port, remote_port, ESTABLISHED)
    return found[0] if found else None


def holder(pids: set[int], inode: int) -> int | None:
    """Which of the processes has the socket of that inode open."""
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    return None


def wait_listening(server: Server, count: int, timeout: float = 60) -> set[int]:
    """The server's workers, once count of them listen on its port (the first answers before the
    others have started)."""
    deadline = time.monotonic() + timeout
    while True:
        workers = children(server.process.pid)
        listening = {holder(workers, inode) for inode in socket_inodes(server.port, None, LISTEN)} - {None}
        if len(listening) >= count or time.monotonic() > deadline:
            return {pid for pid in listening if pid is not None}
        time.sleep(0.1)


def get(server: Server, path: str, pids: set[int] | None = None) -> tuple[int, bytes, int | None]:
    """Status and body of a GET on a connection of its own, and which of the processes answered it."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        answered = None
        if pids is not None:
            inode = socket_inode(server.port, connection.sock.getsockname()[1])
            answered = holder(pids, inode) if inode is not None else None
        return response.status, body, answered
    finally:
        connection.close()


def same(body: bytes, server: Server) -> bytes:
    """A page without what differs between two servers of the same release: their port and the time
    the page's queries took."""
    return TOOK.sub(b"took", body.replace(str(server.port).encode(), b"PORT"))


def test_the_default_is_a_worker_a_core() -> None:
    assert default_workers() == len(os.sched_getaffinity(0))


def test_two_workers_each_answer_the_pages_one_process_serves(release: Path, tmp_path: Path) -> None:
    root = linked_copy(release, tmp_path / "release")
    one, two = Server(root, workers=1), Server(root, workers=2)
    try:
        one.wait()
        two.wait()
        workers = children(two.process.pid)
        assert len(workers) == 2 and children(one.process.pid) == set()
        assert wait_listening(two, 2) == workers
        answered: set[int | None] = set()
        for turn in range(3):
            for path in PAGES:
                status, body, pid = get(two, path, workers)
                expected_status, expected, _ = get(one, path)
                assert (status, same(body, two)) == (expected_status, same(expected, one)), (turn, path)
                assert status == 200, path
                answered.add(pid)
        # 24 connections, spread by the kernel: each worker answered some (all to one: odds 2^-23).
        assert answered == workers
        snapshots = {folder.name.split("-")[0] for folder in (root / STAGING / SNAPSHOTS).iterdir()}
        assert {str(pid) for pid in workers} <= snapshots  # a snapshot each
    finally:
        two.stop()
        one.stop()
    assert two.process.returncode == 0
    assert not any((root / STAGING / SNAPSHOTS).iterdir())  # every worker deleted its snapshot
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


def test_a_worker_that_dies_stops_the_server_with_an_error(release: Path, tmp_path: Path) -> None:
    root = linked_copy(release, tmp_path / "release")
    server = Server(root, workers=2)
    try:
        server.wait()
        workers = sorted(children(server.process.pid))
        assert len(workers) == 2
        os.kill(workers[0], signal.SIGKILL)
        server.process.wait(timeout=30)
    finally:
        server.stop()
    assert server.process.returncode != 0
    assert not Path(f"/proc/{workers[1]}").exists()


def test_workers_switch_to_a_new_release_only_once_each_has_it_open(release: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(release, root, ignore=shutil.ignore_patterns(STAGING))
    board = Board(2)
    # No watcher's poll meanwhile: the test asks each to look for a new release.
    first, second = (
        ReleaseSwitch(root, datasette_app, poll_seconds=3600, peers=Peers(board, seat)) for seat in range(2)
    )

    async def served(switch: ReleaseSwitch) -> int:
        """Which of its apps a switch answers a request from (the one current once it answered)."""
        statuses: list[object] = []

        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        scope = {
            "type": "http",
            "method": "GET",
            "path": "/-/downloads.json",
            "raw_path": b"/-/downloads.json",
            "query_string": b"",
            "headers": [(b"host", b"localhost")],
            "scheme": "http",
            "http_version": "1.1",
            "server": ("localhost", 80),
            "client": ("127.0.0.1", 1),
            "root_path": "",
        }
        await switch(scope, receive, send)  # type: ignore[arg-type]
        assert statuses == [200]
        return id(switch.current)

    async def run() -> None:
        await first.start()
        await second.start()
        try:
            old = await served(first), await served(second)
            later = time.time_ns() + 10**9
            os.utime(root / METADATA, ns=(later, later))  # a new identity, as a publish gives
            assert await first.refresh() is False  # open here, not yet in the second
            assert first.pending is not None
            assert await served(first) == old[0]  # still answered from the old release
            assert await second.refresh() is True  # open in both: the second switches at once
            assert await served(second) != old[1]
            assert await served(first) != old[0]  # and the first at its next request
            assert first.pending is None and not first.retiring  # the old one closed, idle
            assert await first.refresh() is False and await second.refresh() is False
        finally:
            await first.stop()
            await second.stop()

    asyncio.run(run())
    assert not any((root / STAGING / SNAPSHOTS).iterdir())


def test_a_first_worker_that_cannot_start_stops_the_server_before_the_others(
    release: Path, tmp_path: Path
) -> None:
    root = tmp_path / "root"
    shutil.copytree(release, root, ignore=shutil.ignore_patterns(STAGING))
    (root / METADATA).write_text("{: not yaml", encoding="utf-8")  # the app cannot be made
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "etl",
            "serve",
            "--root",
            str(root),
            "--port",
            str(unused_port()),
            "--workers",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert done.stderr.count("Started server process") == 1  # the second worker was never started
    assert not any((root / STAGING / SNAPSHOTS).iterdir())


def answers(seat_values: list[int], concurrent: int) -> list[bool]:
    """Whether each of so many requests answered at once by seat 0's Balance (the other seats' board
    values as given) asked the client to close its connection, in the order they were answered."""
    from etl.site.workers import CLOSE, Balance

    board = Board(1 + len(seat_values))
    for seat, value in enumerate(seat_values, start=1):
        board.set(seat, value)
    release = asyncio.Event()
    counts: list[int] = []

    async def app(scope: dict, receive: object, send) -> None:  # type: ignore[no-untyped-def, type-arg]
        await release.wait()
        counts.append(board.values()[0])
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x", b"y")]})
        await send({"type": "http.response.body", "body": b"ok"})

    balanced = Balance(app, board, 0)
    assert board.values()[0] == 1  # serving, nothing in hand
    closed: list[bool] = []

    async def one() -> None:
        sent: list[dict] = []  # type: ignore[type-arg]

        async def send(message: dict) -> None:  # type: ignore[type-arg]
            sent.append(message)

        await balanced({"type": "http"}, None, send)
        closed.append(CLOSE in sent[0]["headers"])
        assert (b"x", b"y") in sent[0]["headers"]

    async def run() -> None:
        tasks = [asyncio.ensure_future(one()) for _ in range(concurrent)]
        await asyncio.sleep(0.01)
        release.set()
        await asyncio.gather(*tasks)

    asyncio.run(run())
    assert board.values()[0] == 1 and counts[0] == concurrent + 1  # every request counted, then let go
    return closed


def test_a_worker_with_more_in_hand_than_a_peer_asks_clients_to_reconnect() -> None:
    # a serving peer with nothing in hand: answered with 3 and 2 in hand, closed; with 1, kept
    assert answers([1], 3) == [True, True, False]
    assert answers([2], 3) == [True, False, False]  # the peer has one in hand
    assert answers([1, 4], 2) == [True, False]  # the least busy peer counts
    assert answers([0], 5) == [False] * 5  # a peer not serving yet takes no connection
    assert answers([], 5) == [False] * 5  # alone


def test_an_answer_asking_to_close_closes_the_connection(tmp_path: Path) -> None:
    port = unused_port()
    script = tmp_path / "serve.py"
    script.write_text(
        "import sys, uvicorn\n"
        "import etl.site.workers as workers\n"
        "async def app(scope, receive, send):\n"
        "    if scope['type'] != 'http':\n"
        "        return\n"
        "    headers = [(b'content-length', b'2')]\n"
        "    await send({'type': 'http.response.start', 'status': 200, 'headers': headers})\n"
        "    await send({'type': 'http.response.body', 'body': b'ok'})\n"
        "board = workers.Board(2)\n"
        "board.set(1, 1)\n"
        "workers.SHED_MARGIN = -1  # every answer sheds its connection\n"
        "uvicorn.run(workers.Balance(app, board, 0), host='127.0.0.1', port=int(sys.argv[1]),\n"
        "            log_level='warning', lifespan='off')\n"
    )
    process = subprocess.Popen([sys.executable, str(script), str(port)], cwd=Path(__file__).parents[2])
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                client = socket.create_connection(("127.0.0.1", port), timeout=10)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        with client:
            client.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            received = b""
            while chunk := client.recv(4096):  # until the server closes its end (else: a timeout)
                received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200") and body == b"ok"
        assert b"connection: close" in head.lower()
    finally:
        process.terminate()
        process.wait(timeout=30)
