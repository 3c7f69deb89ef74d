"""Where a build's memory goes: one build of a corpus (from benchmarks/corpus.py) in a fresh
process, each of etl/build.py's steps timed, with the resident memory (VmRSS, MB) of the process
that ran it as the step began and ended, and the peak of the build's process sampled from outside
while the step ran. A step run in a forked child (the extraction, the data's facts, the charts)
is printed under the child's pid, its own memory; the peak column is the build's process's.

    python -m benchmarks.memory CORPUS RELEASE [--full] [--jobs J]

The build's steps are wrapped here, in the benchmark's process only (etl/build.py is unchanged);
what it prints is what docs/scale.md's memory figures are made of."""

from __future__ import annotations

import argparse
import functools
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# etl/build.py's steps, by their names there (a name it no longer has is said, not wrapped)
STEPS = (
    "extract_sources",
    "report_inputs",
    "curated_rows",
    "find_previous",
    "alongside",
    "merge",
    "asserted",
    "write_data_files",
    "choose_version",
    "write_packages",
    "validate_release",
    "quarantine",
    "count_statuses",
    "build_database",
    "add_report_tables",
    "write_data_facts",
    "inspect_data",
    "write_catalog",
    "write_report",
    "draw_charts",
    "write_checksums",
)
WATCH_SECONDS = 0.05


def resident(pid: int | str = "self") -> float | None:
    """The resident memory of a process in MB (None once it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        return int(status.split("VmRSS:")[1].split()[0]) / 1024
    except (OSError, IndexError, ValueError):
        return None


def child(raw: Path, root: Path, log: Path, full: bool, jobs: int) -> None:
    """Build here, each step's start and end written to log (a line each, shared with the children
    forked: time, B or E, step, MB, pid)."""
    import etl.build

    out = log.open("a", buffering=1)

    def note(mark: str, name: str) -> None:
        out.write(f"{time.time():.3f} {mark} {name} {resident() or 0:.0f} {os.getpid()}\n")

    def wrapped(name: str, step: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(step)
        def timed(*args: Any, **kwargs: Any) -> Any:
            note("B", name)
            try:
                return step(*args, **kwargs)
            finally:
                note("E", name)

        return timed

    for name in STEPS:
        step = getattr(etl.build, name, None)
        if step is None:
            print(f"etl/build.py has no step {name} any more", file=sys.stderr)
        else:
            setattr(etl.build, name, wrapped(name, step))
    etl.build.build(root=root, raw_dir=raw, full=full, jobs=jobs)


def report(log: Path, samples: list[tuple[float, float]]) -> list[str]:
    """The lines printed: each step as it ended, indented by its depth in its process."""
    lines, open_steps = [], dict[str, list[tuple[str, float, str]]]()
    for line in log.read_text().splitlines():
        at, mark, name, mb, pid = line.split()
        stack = open_steps.setdefault(pid, [])
        if mark == "B":
            stack.append((name, float(at), mb))
            continue
        begun, started, before = stack.pop()
        peaks = [rss for when, rss in samples if started <= when <= float(at)]
        peak = f"{max(peaks):.0f} MB" if peaks else "not sampled, too short"
        lines.append(
            f"{pid:>7} {'  ' * len(stack)}{begun:<20} {float(at) - started:8.2f} s  "
            f"{before:>5} -> {mb:>5} MB  (build's peak meanwhile: {peak})"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument("release", type=Path)
    parser.add_argument("--full", action="store_true", help="A full build (the default reuses).")
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.corpus, args.release, args.child, args.full, args.jobs)
        return
    with tempfile.TemporaryDirectory() as scratch:
        log = Path(scratch) / "steps.log"
        command = [sys.executable, "-m", "benchmarks.memory", str(args.corpus), str(args.release)]
        command += ["--child", str(log), f"--jobs={args.jobs}"] + (["--full"] if args.full else [])
        started, samples = time.perf_counter(), list[tuple[float, float]]()
        process = subprocess.Popen(command)
        while process.poll() is None:
            rss = resident(process.pid)
            if rss is not None:
                samples.append((time.time(), rss))
            time.sleep(WATCH_SECONDS)
        if process.returncode:
            raise SystemExit(f"the build failed (exit code {process.returncode})")
        print("\n".join(report(log, samples)))
        print(
            f"build {time.perf_counter() - started:.1f} s, "
            f"its process's peak {max((rss for _, rss in samples), default=0.0):.0f} MB"
        )


if __name__ == "__main__":
    main()
