"""Work run apart in a forked child: its result, its progress and its errors come back, and the
memory it took goes with it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from etl.apart import Progress, can_fork, run_apart

pytestmark = pytest.mark.skipif(not can_fork(), reason="a platform that forks")


def rss_mb() -> float:
    """This process's resident memory, from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def test_the_result_and_the_progress_messages_come_back_in_order_from_another_process() -> None:
    messages: list[str] = []

    def work(progress: Progress) -> tuple[int, list[int]]:
        for step in range(3):
            progress(f"step {step}")
        return os.getpid(), list(range(10_000))

    pid, numbers = run_apart(work, messages.append)
    assert pid != os.getpid() and numbers == list(range(10_000))
    assert messages == ["step 0", "step 1", "step 2"]


def test_the_work_runs_here_when_not_apart() -> None:
    assert run_apart(lambda progress: os.getpid(), print, apart=False) == os.getpid()


class Refused(Exception):
    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: {reason}")  # its arguments are not its args: it cannot be unpickled


def test_an_error_in_the_child_is_raised_here_with_its_type_and_where_it_was_raised() -> None:
    def work(progress: Progress) -> None:
        progress("before")
        raise KeyError("no such source")

    messages: list[str] = []
    with pytest.raises(KeyError, match="no such source") as raised:
        run_apart(work, messages.append)
    assert messages == ["before"]
    (note,) = raised.value.__notes__
    assert "raised in the build's child process" in note and "in work" in note


def test_an_error_that_cannot_come_back_as_it_is_comes_back_as_its_type_and_message() -> None:
    def work(progress: Progress) -> None:
        raise Refused("a.txt", "unreadable")

    with pytest.raises(RuntimeError, match=r"^Refused: a\.txt: unreadable\n"):
        run_apart(work, print)


def test_a_child_that_dies_without_a_result_is_an_error_naming_its_exit_code() -> None:
    with pytest.raises(RuntimeError, match="ended without a result \\(exit code 3\\)"):
        run_apart(lambda progress: os._exit(3), print)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_memory_the_work_took_is_not_this_process_s() -> None:
    before = rss_mb()

    def work(progress: Progress) -> int:
        held = [bytes(1000) + i.to_bytes(4, "little") for i in range(300_000)]  # 300 MB
        return len(held)

    assert run_apart(work, print) == 300_000
    assert rss_mb() < before + 50


def test_the_work_runs_here_while_another_thread_runs() -> None:
    import threading

    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not can_fork()
        assert run_apart(lambda progress: os.getpid(), print) == os.getpid()
    finally:
        stop.set()
        other.join()
    assert can_fork()
    assert run_apart(lambda progress: os.getpid(), print) != os.getpid()
