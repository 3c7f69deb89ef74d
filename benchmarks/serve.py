"""Load test of the site against plain Datasette, on the same database, on 127.0.0.1: for each
endpoint (table JSON, table HTML, full-text search, row page, the search across tables), a bounded
number of requests from 16 concurrent clients to the project's site (`diplodata serve`) and to
plain Datasette with suggested facets off and no plugins; prints req/s, p50 and p99 of each and
their ratio, the slowest request, and the time from launching each server to its first page (each
started alone, --starts times, the median with the fastest and slowest). The requests to each
server are made in rounds, the two servers taking turns, so that a machine busy with other work
slows both alike.

    python benchmarks/serve.py RELEASE_ROOT [--clients 16] [--requests 400] [--rounds 4] [--starts 3]

RELEASE_ROOT is a built release (benchmarks/build.py --keep DIR leaves DIR/release-N)."""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ENDPOINTS = {
    "table JSON": "/diplomacy/articles.json",
    "table HTML": "/diplomacy/articles",
    "paragraphs HTML": "/diplomacy/paragraphs",
    # articles has the full-text index (title, body); paragraphs has none, so Datasette ignores
    # `_search=` on it and the page is the plain paragraphs page.
    "full-text": "/diplomacy/articles?_search=embassies",
    "row": "/diplomacy/articles/{article}",
    # Each request a page not asked for before ({n}: the request's number; Datasette ignores the
    # parameter), as a crawler asks: nothing of the site's memo of pages helps.
    "table HTML, new": "/diplomacy/articles?_n={n}",
    "row, new": "/diplomacy/articles/{article}?_n={n}",
}
START_TIMEOUT = 60
# Datasette 0.65 loads every installed plugin (this project's, datasette-search-all) and has no
# switch to load none; it skips them when imported by its own tests, which set this attribute.
PLAIN_DATASETTE = "import sys; sys._called_from_test = True; from datasette.cli import cli; cli()"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(server: subprocess.Popen[bytes]) -> None:
    """Stop a server and wait for it to exit."""
    server.terminate()
    server.wait(timeout=10)


def start_times(seconds: list[float]) -> str:
    """The median time to the first page over the starts, with the fastest and slowest."""
    if len(seconds) == 1:
        return f"{seconds[0]:.2f} s"
    spread = f"{min(seconds):.2f}–{max(seconds):.2f} over {len(seconds)} starts"
    return f"{statistics.median(seconds):.2f} s ({spread})"


def first_page(url: str) -> float:
    """Seconds from now to the first successful answer of the site's home page."""
    started = time.perf_counter()
    while time.perf_counter() - started < START_TIMEOUT:
        try:
            if httpx.get(url + "/", timeout=30).status_code == 200:
                return time.perf_counter() - started
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {START_TIMEOUT} s")


async def load(url: str, path: str, clients: int, requests: int, offset: int = 0) -> list[float]:
    """The latency of each of `requests` GETs of a path made by `clients` concurrent clients (`{n}` in
    the path: the request's number, from offset)."""
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(requests):
        queue.put_nowait(number)

    async def client(http: httpx.AsyncClient) -> None:
        while not queue.empty():
            number = queue.get_nowait()
            started = time.perf_counter()
            answer = await http.get(url + path.replace("{n}", f"{offset + number}"))
            latencies.append(time.perf_counter() - started)
            if answer.status_code != 200:
                raise RuntimeError(f"{url + path}: {answer.status_code}")

    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    return latencies


def figures(latencies: list[float], elapsed: float) -> tuple[float, float, float, float]:
    """req/s, p50, p99 (ms) and the slowest request (ms)."""
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return len(ordered) / elapsed, statistics.median(ordered) * 1000, p99 * 1000, ordered[-1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("root", type=Path)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument(
        "--starts", type=int, default=3, help="Starts of each server timed to its first page."
    )
    args = parser.parse_args()
    database = args.root / "diplomacy.db"
    with sqlite3.connect(database) as db:
        article = db.execute("select id from articles order by id limit 1 offset 10").fetchone()[0]
    ours, plain = free_port(), free_port()
    env = {**os.environ}
    commands = {
        ours: [sys.executable, "-m", "etl", "serve", "--root", str(args.root), "--port", str(ours)],
        plain: [sys.executable, "-c", PLAIN_DATASETTE, "serve", "-i", str(database), "--port", str(plain),
                "--host", "127.0.0.1", "--setting", "suggest_facets", "off"],
    }  # fmt: skip
    # Each server is started alone, the other not running, so that neither's start slows the other's.
    starts: dict[int, list[float]] = {ours: [], plain: []}
    servers: list[subprocess.Popen[bytes]] = []
    try:
        for turn in range(args.starts):
            for port in (ours, plain):
                server = start(commands[port], env)
                servers.append(server)
                starts[port].append(first_page(f"http://127.0.0.1:{port}"))
                if turn < args.starts - 1:
                    stop(server)
                    servers.remove(server)
        plugins = httpx.get(f"http://127.0.0.1:{plain}/-/plugins.json").json()
        if plugins:
            raise RuntimeError(f"plain Datasette loaded plugins: {[p['name'] for p in plugins]}")
        print(f"first page after start: ours {start_times(starts[ours])}, plain {start_times(starts[plain])}")
        for name, template in ENDPOINTS.items():
            path = template.replace("{article}", article)
            latencies: dict[int, list[float]] = {ours: [], plain: []}
            elapsed = {ours: 0.0, plain: 0.0}
            for turn in range(args.rounds):
                for port in (ours, plain) if turn % 2 == 0 else (plain, ours):
                    started = time.perf_counter()
                    url = f"http://127.0.0.1:{port}"
                    share = args.requests // args.rounds
                    latencies[port] += asyncio.run(load(url, path, args.clients, share, turn * share))
                    elapsed[port] += time.perf_counter() - started
            (rate, p50, p99, worst), (plain_rate, plain_p50, plain_p99, _) = (
                figures(latencies[port], elapsed[port]) for port in (ours, plain)
            )
            print(
                f"{name:16} ours {rate:7.1f} req/s p50 {p50:6.0f} ms p99 {p99:6.0f} ms max {worst:6.0f} ms | "
                f"plain {plain_rate:7.1f} req/s p50 {plain_p50:6.0f} ms p99 {plain_p99:6.0f} ms | "
                f"ratio {rate / plain_rate:.2f}"
            )
    finally:
        for server in servers:
            stop(server)


if __name__ == "__main__":
    main()
