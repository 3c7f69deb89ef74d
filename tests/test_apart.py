"""Work run apart in a forked child: its result, its progress and its errors come back, and the
memory it took goes with it. Each case runs in a fresh interpreter, so that no thread left by
another test keeps it from forking (see etl/apart.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from etl.apart import alongside, can_fork, halves, run_apart

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks, and reads /proc")

PRELUDE = """
import json, os, sys
from etl.apart import can_fork, run_apart
from tests.test_memory import rss_mb

assert can_fork()
"""


def fresh(code: str) -> dict[str, object]:
    """What a case run in a fresh interpreter prints (one JSON object on its last line)."""
    done = subprocess.run(
        [sys.executable, "-c", PRELUDE + textwrap.dedent(code)], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    found: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_the_result_and_the_progress_messages_come_back_in_order_from_another_process() -> None:
    found = fresh(
        """
        def work(progress):
            for step in range(3):
                progress(f"step {step}")
            return os.getpid(), list(range(10_000))

        messages = []
        pid, numbers = run_apart(work, messages.append)
        print(json.dumps({"apart": pid != os.getpid(), "right": numbers == list(range(10_000)),
                          "messages": messages}))
        """
    )
    assert found == {"apart": True, "right": True, "messages": ["step 0", "step 1", "step 2"]}


def test_an_error_in_the_child_is_raised_here_with_its_type_and_where_it_was_raised() -> None:
    found = fresh(
        """
        def work(progress):
            progress("before")
            raise KeyError("no such source")

        messages = []
        try:
            run_apart(work, messages.append)
        except KeyError as error:
            print(json.dumps({"error": str(error), "notes": error.__notes__, "messages": messages}))
        """
    )
    assert found["error"] == "'no such source'" and found["messages"] == ["before"]
    (note,) = found["notes"]  # type: ignore[misc]
    assert "raised in the build's child process" in note and "in work" in note


def test_an_error_that_cannot_come_back_as_it_is_comes_back_as_its_type_and_message() -> None:
    found = fresh(
        """
        class Refused(Exception):
            def __init__(self, file, reason):
                super().__init__(f"{file}: {reason}")  # not its args: it cannot be unpickled

        def work(progress):
            raise Refused("a.txt", "unreadable")

        try:
            run_apart(work, print)
        except RuntimeError as error:
            print(json.dumps({"error": str(error)}))
        """
    )
    assert found == {"error": "Refused: a.txt: unreadable"}


def test_a_child_that_dies_without_a_result_is_an_error_naming_its_exit_code() -> None:
    found = fresh(
        """
        try:
            run_apart(lambda progress: os._exit(3), print)
        except RuntimeError as error:
            print(json.dumps({"error": str(error)}))
        """
    )
    assert found == {"error": "the build's child process ended without a result (exit code 3)"}


def test_the_memory_the_work_took_is_not_this_process_s() -> None:
    found = fresh(
        """
        def work(progress):
            held = [bytes(1000) + i.to_bytes(4, "little") for i in range(300_000)]  # 300 MB
            return len(held), rss_mb()

        before = rss_mb()
        count, child = run_apart(work, print)
        print(json.dumps({"count": count, "child": child - before, "here": rss_mb() - before}))
        """
    )
    assert found["count"] == 300_000
    assert found["child"] > 250 and found["here"] < 50  # type: ignore[operator]


def test_a_result_that_cannot_be_sent_is_an_error_naming_the_exit_code() -> None:
    found = fresh(
        """
        import threading

        try:
            run_apart(lambda progress: [1, threading.Lock()], print)  # a lock cannot be pickled
        except RuntimeError as error:
            print(json.dumps({"error": str(error), "cause": error.__cause__ is not None}))
        """
    )
    assert found == {
        "error": "the build's child process ended before its result came whole (exit code 70)",
        "cause": True,
    }


def peak_mb(progress: object) -> float:
    """The work of a process started apart: its own peak memory (its VmHWM), in MB."""
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) / 1024


def test_a_process_started_fresh_does_not_carry_this_process_s_memory() -> None:
    found = fresh(
        """
        from etl.apart import Apart
        from tests.test_apart import peak_mb

        held = bytearray(400 * 2**20)  # 400 MB, every page touched
        held[:: 4096] = b"x" * len(held[:: 4096])
        forked, started = Apart(peak_mb).result(), Apart(peak_mb, fresh=True).result()
        print(json.dumps({"forked": forked, "fresh": started}))
        """
    )
    assert found["forked"] > 400 and found["fresh"] < 300  # type: ignore[operator]


def test_a_script_that_does_not_guard_its_work_is_not_run_again_by_the_processes_it_starts(
    tmp_path: Path,
) -> None:
    runs = tmp_path / "runs"
    script = tmp_path / "unguarded.py"
    script.write_text(
        "import json\nfrom pathlib import Path\nfrom etl.apart import Apart\n"
        "from tests.test_apart import peak_mb\n"
        f"with Path({str(runs)!r}).open('a') as out:\n    out.write('ran\\n')\n"
        "peak = Apart(peak_mb, fresh=True).result()\n"
        "print(json.dumps({'peak': peak > 0}))\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parent.parent,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)},
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"peak": True}
    assert runs.read_text() == "ran\n"  # once: the process it started did not import it


def test_a_process_forked_after_one_started_fresh_can_start_its_own() -> None:
    found = fresh(
        """
        from etl.apart import Apart
        from tests.test_apart import peak_mb

        def work(progress):
            return Apart(peak_mb, fresh=True).result()  # its parent's server is not its own

        first = Apart(peak_mb, fresh=True).result()
        print(json.dumps({"first": first > 0, "then": run_apart(work, print) > 0}))
        """
    )
    assert found == {"first": True, "then": True}


def test_the_work_runs_here_when_not_apart_or_while_another_thread_runs() -> None:
    assert run_apart(lambda progress: os.getpid(), print, apart=False) == os.getpid()
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not can_fork()
        assert run_apart(lambda progress: os.getpid(), print) == os.getpid()
    finally:
        stop.set()
        other.join()


def test_a_child_still_at_work_when_this_process_stops_is_killed_at_once() -> None:
    found = fresh(
        """
        import time

        def work(progress):
            progress(str(os.getpid()))
            time.sleep(600)

        def stop(message):
            global child
            child = int(message)
            raise KeyboardInterrupt  # as Ctrl-C in the building process would

        started = time.monotonic()
        try:
            run_apart(work, stop)
        except KeyboardInterrupt:
            pass
        try:
            os.kill(child, 0)
            alive = True
        except ProcessLookupError:
            alive = False
        print(json.dumps({"alive": alive, "seconds": time.monotonic() - started}))
        """
    )
    assert found["alive"] is False and found["seconds"] < 10  # type: ignore[operator]


def test_work_alongside_runs_in_a_child_while_this_process_works_and_both_results_come_back() -> None:
    found = fresh(
        """
        import time
        from etl.apart import alongside

        def work(progress):
            progress("child")
            return os.getpid()

        messages = []
        child, here = alongside(work, lambda: os.getpid(), messages.append)
        try:
            alongside(lambda progress: time.sleep(30), lambda: 1 / 0)
        except ZeroDivisionError:
            failed_here = True
        started = time.monotonic()
        try:
            alongside(lambda progress: 1 / 0, lambda: None)
        except ZeroDivisionError:
            failed_there = time.monotonic() - started < 20
        print(json.dumps({"apart": child != here == os.getpid(), "messages": messages,
                          "failed_here": failed_here, "failed_there": failed_there}))
        """
    )
    assert found == {"apart": True, "messages": ["child"], "failed_here": True, "failed_there": True}


def test_work_alongside_without_a_child_runs_first_then_this_process_works() -> None:
    order: list[str] = []
    done = alongside(
        lambda progress: order.append("work") or 1, lambda: order.append("here") or 2, apart=False
    )
    assert done == (1, 2) and order == ["work", "here"]


@pytest.mark.parametrize(
    ("weights", "shares"),
    [
        ([], ([], [])),
        ([5], ([0], [])),
        ([1, 9, 4, 4], ([1], [2, 3, 0])),  # the heaviest alone, the rest against it
        ([3, 3, 2, 2, 2], ([0, 2, 4], [1, 3])),
    ],
)
def test_work_is_shared_in_two_halves_by_weight_the_heaviest_first(
    weights: list[int], shares: tuple[list[int], list[int]]
) -> None:
    assert halves(weights) == shares
    assert sorted(shares[0] + shares[1]) == list(range(len(weights)))  # (each piece once)
