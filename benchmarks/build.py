"""Benchmark of the whole build at scale: for each N (default 1,000, 10,000 and 100,000 synthetic
articles from benchmarks/corpus.py), the wall time of a full build, articles per second, peak RSS
(the build's process and its workers), the time of each stage, and the cost of a rebuild after
one article changed and of a rebuild with nothing changed, as ratios of the full build.

    python benchmarks/build.py [N ...] [--jobs J] [--keep DIR]

Each build runs in a fresh process, so that its peak memory is its own. Before each build, every
file of the corpus is read once (not timed), so that the figures are the build's and not the
disk's: on a machine whose file cache lets files go within minutes (this project's, a virtual
machine), reading 20,000 files back from its disk took 32 s against 0.4 s from the cache.
`--cold` leaves that out."""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.corpus import generate, touch

DEFAULT_SIZES = (1_000, 10_000, 100_000)
# How often the processes under a build are looked at for their peak memory.
WATCH_SECONDS = 0.1


def peaks_below(pid: int, peaks: dict[int, float]) -> None:
    """Note in peaks the peak memory (VmHWM, its own peak RSS, in MB) of every process under pid
    (its children, theirs, and so on: the build's children, the pools' workers, the processes forked
    from multiprocessing's forkserver), read from /proc (nothing on a system without it)."""
    stack = [pid]
    while stack:
        try:
            children = Path(f"/proc/{stack.pop()}/task").glob("*/children")
            kids = [int(k) for path in children for k in path.read_text().split()]
        except (OSError, ValueError):
            continue
        for kid in kids:
            try:
                status = Path(f"/proc/{kid}/status").read_text()
                peaks[kid] = max(int(status.split("VmHWM:")[1].split()[0]) / 1024, peaks.get(kid, 0.0))
            except (OSError, IndexError, ValueError):
                continue
        stack += kids


def child(raw: Path, root: Path, jobs: int | None, full: bool) -> None:
    """Run one build here and print its figures as JSON (the parent reads them)."""
    from etl.build import build

    marks: list[tuple[str, float]] = [("start", time.perf_counter())]

    def progress(message: str) -> None:
        marks.append((message.split(" ")[0] if message[0].islower() else message, time.perf_counter()))

    report = build(root=root, raw_dir=raw, progress=progress, jobs=jobs, full=full)
    marks.append(("end", time.perf_counter()))
    stages: dict[str, float] = {}
    for (name, at), (_, following) in itertools.pairwise(marks):
        stages[name] = stages.get(name, 0.0) + following - at
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # (those waited for)
    print(
        json.dumps(
            {
                "wall": marks[-1][1] - marks[0][1],
                "published": len(report.published),
                "rss_mb": own,
                "worker_rss_mb": workers,
                "stages": stages,
            }
        )
    )


def warm(raw: Path) -> None:
    """Read every file of a corpus once, so that the build reads them from the file cache."""
    for path in raw.iterdir():
        if path.is_file():
            path.read_bytes()


def run(raw: Path, root: Path, jobs: int | None, full: bool = False, cold: bool = False) -> dict[str, object]:
    """One build in a fresh process (the corpus read once before, unless cold); its figures."""
    if not cold:
        warm(raw)
    command = [sys.executable, "-m", "benchmarks.build", "--child", str(raw), str(root)]
    command += [f"--jobs={jobs}"] if jobs else []
    command += ["--full"] if full else []
    # the build's process watched from here (a thread there would keep it from forking, see
    # etl/apart.py), for the peak of every process under it, those waited for or not
    peaks: dict[int, float] = {}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True)
        while process.poll() is None:
            peaks_below(process.pid, peaks)
            time.sleep(WATCH_SECONDS)
        out.seek(0)
        err.seek(0)
        if process.returncode:
            raise SystemExit(f"the build failed (exit code {process.returncode}):\n{err.read()}")
        figures: dict[str, object] = json.loads(out.read().strip().splitlines()[-1])
    figures["worker_rss_mb"] = max(float(figures["worker_rss_mb"]), *peaks.values(), 0.0)  # type: ignore[arg-type]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sizes", nargs="*", type=int, default=list(DEFAULT_SIZES))
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--keep", type=Path, default=None, help="Keep the corpora in this folder.")
    parser.add_argument("--cold", action="store_true", help="Do not read the corpus before each build.")
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--full", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.jobs, args.full)
        return
    with tempfile.TemporaryDirectory() as scratch:
        base = args.keep or Path(scratch)
        for size in args.sizes:
            raw = base / f"corpus-{size}"
            if not raw.exists():
                started = time.perf_counter()
                paths = generate(size, raw)
                print(f"N={size}: corpus generated in {time.perf_counter() - started:.1f} s")
            else:
                paths = sorted(p for p in raw.iterdir() if p.suffix in (".txt", ".html"))
            root = base / f"release-{size}"
            full = run(raw, root, args.jobs, full=True, cold=args.cold)
            wall = float(full["wall"])  # type: ignore[arg-type]
            stages = ", ".join(f"{k} {v:.1f}s" for k, v in full["stages"].items())  # type: ignore[attr-defined]
            print(
                f"N={size}: full build {wall:.1f} s, {size / wall:.0f} articles/s, peak RSS "
                f"{full['rss_mb']:.0f} MB (workers {full['worker_rss_mb']:.0f} MB); stages: {stages}"
            )
            noop = run(raw, root, args.jobs, cold=args.cold)
            touch(paths[len(paths) // 2])
            one = run(raw, root, args.jobs, cold=args.cold)
            stages = ", ".join(f"{k} {v:.1f}s" for k, v in one["stages"].items())  # type: ignore[attr-defined]
            print(
                f"N={size}: no-op rebuild {float(noop['wall']):.1f} s ({float(noop['wall']) / wall:.1%}), "  # type: ignore[arg-type]
                f"one article changed {float(one['wall']):.1f} s ({float(one['wall']) / wall:.1%}); "  # type: ignore[arg-type]
                f"its stages: {stages}"
            )


if __name__ == "__main__":
    main()
