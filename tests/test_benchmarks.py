"""The build benchmark runs as its users run it and prints the figures the issue asks for (a
small corpus: the figures themselves are measured by running it at scale, see docs/scale.md)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from etl.layout import ROOT


def test_the_build_benchmark_prints_full_no_op_and_one_article_figures(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.build", "12", "--jobs", "1", "--keep", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert any(line.startswith("N=12: corpus generated") for line in lines)
    full = next(line for line in lines if line.startswith("N=12: full build"))
    assert re.search(
        r"full build [\d.]+ s, \d+ articles/s, peak RSS \d+ MB \(workers \d+ MB\); stages: ", full
    )
    rebuilt = next(line for line in lines if line.startswith("N=12: no-op rebuild"))
    assert re.search(
        r"no-op rebuild [\d.]+ s \([\d.]+%\), one article changed [\d.]+ s \([\d.]+%\); its", rebuilt
    )
    assert "writing" in rebuilt  # the one-article rebuild wrote the packages again: it built
    assert (tmp_path / "release-12" / "diplomacy.db").exists()


def test_the_memory_benchmark_prints_each_step_and_the_builds_peak(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    made = subprocess.run(
        [sys.executable, "-m", "benchmarks.corpus", "12", str(corpus)], cwd=ROOT, capture_output=True
    )
    assert made.returncode == 0, made.stderr[-2000:]
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.memory", str(corpus), str(tmp_path / "release"), "--jobs=2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "has no step" not in done.stderr  # every step named is still one of etl/build.py's
    lines = done.stdout.splitlines()
    step = (
        r"\s+\d+ +{} +[\d.]+ s +\d+ -> +\d+ MB  \(build's peak meanwhile: (\d+ MB|not sampled, too short)\)"
    )
    for name in ("extract_sources", "merge", "write_data_files", "validate_release", "draw_charts"):
        assert any(re.fullmatch(step.format(name), line) for line in lines), name
    pids = {line.split()[0] for line in lines[:-1]}
    assert len(pids) >= 2  # the extraction's child is told apart from the build's process
    assert re.fullmatch(r"build [\d.]+ s, its process's peak \d+ MB", lines[-1])
    assert (tmp_path / "release" / "diplomacy.db").exists()
