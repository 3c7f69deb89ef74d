"""Attack battery of the public instance (issue 14), on 127.0.0.1: `diplodata serve` on a release,
then three bounded runs, each printing its figures.

- bombs: queries built to answer with 40 MB to 1 GB (JSON, CSV, streamed CSV, HTML), each sent by
  BOMB_CLIENTS clients at once; prints every answer's status and size, the server's peak RSS growth
  over its baseline (sampled every 10 ms) and its RSS a few seconds after.
- limit: runaway queries on every path that runs SQL, alone; prints the slowest answer as a ratio
  of `sql_time_limit_ms`.
- load: `--clients` clients for `--seconds` on a mix of cheap pages (table, row and search pages),
  first all of them on cheap pages, then with `--runaway` of them sending runaway queries; prints
  req/s, p50, p99, max and errors of the cheap pages in each run, and what the runaway ones got.

    python benchmarks/attack.py RELEASE_ROOT [bombs] [limit] [load] [--clients 64] [--runaway 6]
        [--seconds 60] [--think 0.5]

RELEASE_ROOT is a built release (benchmarks/build.py 1000 --keep DIR leaves DIR/release-1000). Each
cheap client waits `--think` seconds between its requests (a person or a polite script); the
runaway clients do not wait."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.serve import first_page, free_port

BIG = "hex(zeroblob(2400000))"
ROWS_200 = "with recursive r(n) as (select 1 union all select n + 1 from r where n < 200)"
ESCAPES = "select replace(hex(zeroblob(800000)), '00', char(1)) x from paragraphs limit 5"
ENDLESS = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
BOMBS = {
    "json 20 x 4.8 MB": f"/diplomacy.json?sql={quote(f'select {BIG} x from paragraphs limit 20')}",
    "json 200 x 4.8 MB": f"/diplomacy.json?sql={quote(f'{ROWS_200} select n, {BIG} x from r')}",
    "csv 200 x 4.8 MB": f"/diplomacy.csv?sql={quote(f'{ROWS_200} select n, {BIG} x from r')}",
    "csv stream": f"/diplomacy.csv?_stream=1&sql={quote(f'{ROWS_200} select n, {BIG} x from r')}",
    "html 20 x 4.8 MB": f"/diplomacy?sql={quote(f'select {BIG} x from paragraphs limit 20')}",
    # 4 M characters read, 24 MB as JSON (each control character is written \u0001).
    "json escapes": f"/diplomacy.json?sql={quote(ESCAPES)}",
    "table csv stream": "/diplomacy/paragraphs.csv?_stream=1&_size=max",
    "table json max": "/diplomacy/articles.json?_size=max&_shape=array",
}
BOMB_CLIENTS = 4
# A runaway query on each path that runs SQL: arbitrary SQL (JSON, CSV, streamed CSV, HTML) and a
# table page's `_where`.
RUNAWAYS = {
    "sql json": f"/diplomacy.json?sql={quote(ENDLESS)}",
    "sql csv": f"/diplomacy.csv?sql={quote(ENDLESS)}",
    "sql csv stream": f"/diplomacy.csv?_stream=1&sql={quote(ENDLESS)}",
    "sql html": f"/diplomacy?sql={quote(ENDLESS)}",
    "table _where": f"/diplomacy/articles.json?_where={quote(f'id != ({ENDLESS})')}",
    "cross join": "/diplomacy.json?sql="
    + quote("select count(*) from paragraphs a, paragraphs b, paragraphs c where a.text < c.text"),
}
CHEAP = [
    "/diplomacy/articles.json?_size=20",
    "/diplomacy/articles?_size=20",
    "/diplomacy/post_counts.json",
    "/diplomacy/articles/{article}",
    "/diplomacy/paragraphs?_search=embassies&_size=20",
    "/diplomacy/quotes.json?_search=belgium",
    "/-/search?q=egmont",
]


def rss(pid: int) -> int:
    """The resident memory of a process, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


class Sampler:
    """The highest RSS of a process while it runs, sampled every 10 ms in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self.running = pid, rss(pid), True
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self) -> None:
        while self.running:
            self.peak = max(self.peak, rss(self.pid))
            time.sleep(0.01)

    def stop(self) -> int:
        self.running = False
        self.thread.join()
        return self.peak


async def fetch(http: httpx.AsyncClient, path: str) -> tuple[int, int, float, bytes]:
    """Status, size, seconds and last 120 bytes of one GET, read as a stream."""
    started = time.perf_counter()
    size, tail = 0, b""
    async with http.stream("GET", path) as answer:
        async for chunk in answer.aiter_bytes():
            size += len(chunk)
            tail = (tail + chunk)[-120:]
    return answer.status_code, size, time.perf_counter() - started, tail


async def bombs(url: str, pid: int, clients: int = BOMB_CLIENTS) -> None:
    """Every bomb from `clients` clients at once; the server's RSS before, at its peak and after."""
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        await fetch(http, "/diplomacy/articles.json")
        baseline = rss(pid)
        sampler = Sampler(pid)
        for name, path in BOMBS.items():
            answers = await asyncio.gather(*(fetch(http, path) for _ in range(clients)))
            _, size, seconds, tail = answers[0]
            statuses = [a[0] for a in answers]
            print(f"bomb {name:18} {statuses} {size / 1e6:7.2f} MB {seconds:5.2f} s  {tail[-70:]!r}")
        peak = sampler.stop()
    await asyncio.sleep(3)
    after = rss(pid)
    print(
        f"bombs: baseline RSS {baseline / 1e6:.0f} MB, peak {peak / 1e6:.0f} MB "
        f"(growth {(peak - baseline) / 1e6:.0f} MB), 3 s after {after / 1e6:.0f} MB "
        f"(+{(after - baseline) / 1e6:.0f} MB)"
    )


async def limit(url: str, time_limit: float) -> None:
    """Each runaway query alone, three times: its slowest answer against the time limit."""
    worst = 0.0
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        for name, path in RUNAWAYS.items():
            answers = [await fetch(http, path) for _ in range(3)]
            slowest = max(a[2] for a in answers)
            worst = max(worst, slowest)
            print(
                f"limit {name:15} {[a[0] for a in answers]} slowest {slowest:5.2f} s {answers[0][3][-60:]!r}"
            )
    print(
        f"limit: slowest runaway {worst:.2f} s for a {time_limit:.1f} s limit: ratio {worst / time_limit:.2f}"
    )


def summary(latencies: list[float], errors: int, seconds: float) -> str:
    """req/s, p50, p99, max and errors of a list of latencies."""
    if not latencies:
        return "no requests"
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"{len(ordered) / seconds:6.1f} req/s p50 {statistics.median(ordered) * 1000:6.0f} ms "
        f"p99 {p99 * 1000:6.0f} ms max {ordered[-1] * 1000:6.0f} ms errors {errors}"
    )


async def load(url: str, pages: list[str], clients: int, runaway: int, seconds: float, think: float) -> None:
    """`clients` clients for `seconds`: `runaway` of them on runaway queries, the others on pages."""
    cheap: list[float] = []
    statuses: dict[int, int] = {}
    runaway_statuses: dict[int, int] = {}
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client(http: httpx.AsyncClient, number: int, pick: Callable[[], str], wild: bool) -> None:
        nonlocal errors
        await asyncio.sleep(random.Random(number).random() * max(think, 0.05))
        while time.perf_counter() < deadline:
            path = pick()
            started = time.perf_counter()
            try:
                answer = await http.get(path)
                status = answer.status_code
            except httpx.HTTPError:
                status = 0
            took = time.perf_counter() - started
            if wild:
                runaway_statuses[status] = runaway_statuses.get(status, 0) + 1
                continue
            cheap.append(took)
            statuses[status] = statuses.get(status, 0) + 1
            errors += status != 200
            await asyncio.sleep(think)

    limits = httpx.Limits(max_connections=clients + 8, max_keepalive_connections=clients + 8)
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
        rng = random.Random(0)
        wild = list(RUNAWAYS.values())
        await asyncio.gather(
            *(
                client(
                    http,
                    n,
                    (lambda: rng.choice(wild)) if n < runaway else (lambda: rng.choice(pages)),
                    n < runaway,
                )
                for n in range(clients)
            )
        )
    elapsed = time.perf_counter() - started
    figures = summary(cheap, errors, elapsed)
    print(f"load {clients} clients ({runaway} runaway) {seconds:.0f} s, cheap pages: {figures}")
    wild_statuses = dict(sorted(runaway_statuses.items()))
    print(f"     cheap statuses {dict(sorted(statuses.items()))}, runaway statuses {wild_statuses}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("root", type=Path)
    parser.add_argument("runs", nargs="*", default=["bombs", "limit", "load"])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--runaway", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument("--bomb-clients", type=int, default=BOMB_CLIENTS)
    args = parser.parse_args()
    with sqlite3.connect(args.root / "diplomacy.db") as db:
        article = db.execute("select id from articles order by id limit 1 offset 10").fetchone()[0]
    pages = [p.format(article=article) for p in CHEAP]
    port = free_port()
    command = [sys.executable, "-m", "etl", "serve", "--root", str(args.root), "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        first_page(url)
        settings: dict[str, Any] = json.loads(httpx.get(url + "/-/settings.json").text)
        if "bombs" in args.runs:
            asyncio.run(bombs(url, server.pid, args.bomb_clients))
        if "limit" in args.runs:
            asyncio.run(limit(url, settings["sql_time_limit_ms"] / 1000))
        if "load" in args.runs:
            for page in pages:  # warm up: the first answer of a page compiles its template
                httpx.get(url + page, timeout=60)
            asyncio.run(load(url, pages, args.clients, 0, args.seconds, args.think))
            asyncio.run(load(url, pages, args.clients, args.runaway, args.seconds, args.think))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
