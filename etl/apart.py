"""Work run in a child process forked for it, so that the memory it takes goes with the child.

A build reads every source's record and extracts every source before it merges them. Python frees
what that took, but the allocator cannot give back the pages that a few objects still alive hold
(the ids and warnings kept among the records freed): at 100,000 articles, about 200 MB that the
build then carried to its end. Done in a child, the work hands back only its result, which the
building process unpickles into memory of its own; what the child took is given back when it ends.

The child reports progress messages as they come (the building process passes them on), and an
error it raises is raised again here, its traceback added as a note. Where this process cannot
be forked safely (not POSIX, or other threads running), the work runs in this process.

Work that needs none of what this process holds (it reads files) can start fresh instead
(fresh_context): forked from a small server process that imported only the project's modules, so
that it does not carry, nor count in its memory, the build's."""

from __future__ import annotations

import contextlib
import ctypes
import importlib.machinery
import multiprocessing
import multiprocessing.forkserver
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext, SpawnContext
from typing import Any, Generic, TypeVar

T = TypeVar("T")
U = TypeVar("U")
V = TypeVar("V")
Progress = Callable[[str], None]
# What the child sends: a progress message, that its result follows, or the error it raised.
MESSAGE, RESULT, ERROR = "message", "result", "error"
# The exit status of a child whose result could not be pickled.
UNSENT = 70
# Linux's prctl option by which a process is sent a signal when the one that forked it dies.
PR_SET_PDEATHSIG = 1
# Seconds a child that sent its result (or its error) is given to end before it is killed; a child
# still at work when this process stops (interrupted, or failing) is killed at once.
END_SECONDS = 30
# What the server that fresh processes are forked from imports once: the modules of the work done
# apart (extraction, reading raw/, validation, workbooks).
FRESH_PRELOAD = ["etl.engine", "etl.raw", "etl.package"]
# How often a process started fresh checks that the build still runs.
WATCH_SECONDS = 0.5


def can_fork() -> bool:
    """Whether this process can be forked safely: the platform forks processes (the child then
    shares this process's modules and state) and this process runs no other thread, whose locks
    the child would inherit held, with no thread to release them (a Dask client's event loop, a
    server run in a thread)."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


# Whether this process may have started multiprocessing's forkserver, and whether it was forked
# from one that may have: the server belongs to that process, and its children cannot use it.
SERVER = {"started": False, "inherited": False}


def fresh_context() -> ForkServerContext | SpawnContext:
    """The start method of processes that begin small: multiprocessing's forkserver, whose server
    (started once, on first use) imported only FRESH_PRELOAD and forks each of them, so that they
    neither copy nor count this process's memory; spawn where there is no forkserver, or in a
    process forked from one that started it (whose server it cannot use). Their work and its
    arguments are pickled (module-level functions, not closures)."""
    if "forkserver" not in multiprocessing.get_all_start_methods() or SERVER["inherited"]:
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    if not SERVER["started"]:
        context.set_forkserver_preload(FRESH_PRELOAD)
        SERVER["started"] = True
    return context


def start_fresh_server() -> None:
    """Start now the server that fresh processes are forked from (see fresh_context), so that its
    start (a new interpreter importing the project's modules: 1–2 s) goes on while this process
    works, not when the first fresh process is wanted. Call it after forking any child that is to
    start fresh processes of its own (a child forked after the server started uses spawn)."""
    if isinstance(fresh_context(), ForkServerContext):
        with main_unimported():
            multiprocessing.forkserver.ensure_running()


@contextlib.contextmanager
def main_unimported() -> Iterator[None]:
    """While processes are started fresh (or pool tasks submitted, which start them): have them
    not import this process's main module. Spawn and forkserver import it in every process they
    start, and so run again a script that does not guard its work with
    `if __name__ == "__main__"` (a build, again, in each worker); the work they are given is the
    project's functions, which need nothing of it. The main module is named to them "__main__",
    which multiprocessing does not import."""
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    had, spec = "__spec__" in vars(main), getattr(main, "__spec__", None)
    main.__spec__ = importlib.machinery.ModuleSpec("__main__", None)
    try:
        yield
    finally:
        if had:
            main.__spec__ = spec
        else:
            del main.__spec__


class FreshPool(ProcessPoolExecutor):
    """A pool of jobs processes started fresh (fresh_context), for work that reads files and needs
    none of what this process holds: forked from the build, each worker would carry its memory.
    Submitting starts the workers, so it is done with the main module unimported (see
    main_unimported); the work and its arguments are pickled."""

    def __init__(self, jobs: int) -> None:
        super().__init__(max_workers=jobs, mp_context=fresh_context())

    def submit(self, fn: Callable[..., V], /, *args: Any, **kwargs: Any) -> Future[V]:
        with main_unimported():
            return super().submit(fn, *args, **kwargs)


def forked() -> None:
    """In a child just forked: the forkserver its parent may have started is not its own."""
    SERVER["inherited"] = SERVER["inherited"] or SERVER["started"]


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=forked)


def running(pid: int) -> bool:
    """Whether a process of that id still runs."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def die_with_parent(parent: int) -> None:
    """Have this process end when the build (parent) dies, so that a killed build leaves no child
    running on, holding its lock: on Linux, killed with the process it was forked from; a process
    started fresh (forked from a server that may outlive the build) also watches the build, every
    WATCH_SECONDS; and it ends now if the build already died."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == parent:
        return
    if not running(parent):
        os._exit(1)

    def watch() -> None:
        while running(parent):
            time.sleep(WATCH_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="diplodata-watch", daemon=True).start()


def child(work: Callable[[Progress], Any], sending: Connection, parent: int) -> None:
    """The child's side: run the work, send each progress message, then its error, or that its
    result follows and the result pickled straight into the pipe (never whole in memory: at
    100,000 articles, the extraction's result is hundreds of MB pickled). A result that cannot be
    pickled ends the child with UNSENT, its error on stderr."""
    die_with_parent(parent)
    try:
        result = work(lambda message: sending.send((MESSAGE, message)))
    except BaseException as error:  # sent back, to be raised in the building process
        note = "".join(traceback.format_exception(error)).rstrip()
        try:
            pickle.loads(pickle.dumps(error))  # it can be sent, and made again on the other side
        except Exception:  # it cannot: its type and message
            error = RuntimeError(f"{type(error).__name__}: {error}")
        sending.send((ERROR, (error, note)))
        sending.close()
        return
    sending.send((RESULT, None))
    try:
        with open(sending.fileno(), "wb", closefd=False) as stream:
            pickle.dump(result, stream, protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:
        traceback.print_exc()
        os._exit(UNSENT)
    sending.close()


class Apart(Generic[T]):
    """Work running in a child process forked for it (started when made; this process must be one
    that can be forked, see can_fork), or started fresh (fresh_context; the work then pickled):
    result() waits for it, passing its progress messages on, and returns its result or raises its
    error; stop() ends it at once if it still runs (a build that fails does not leave it at work)."""

    def __init__(self, work: Callable[[Progress], T], fresh: bool = False) -> None:
        context = fresh_context() if fresh else multiprocessing.get_context("fork")
        self.receiving, sending = context.Pipe(duplex=False)
        # not a daemon: the work may start processes of its own
        self.process = context.Process(target=child, args=(work, sending, os.getpid()), daemon=False)
        with main_unimported() if fresh else contextlib.nullcontext():
            self.process.start()
        sending.close()
        self.done = False

    def result(self, progress: Progress = lambda message: None) -> T:
        """The work's result, once it is there; its error raised here (its traceback added as a
        note); a child that ends without a result is a RuntimeError."""
        answered = False
        try:
            while True:
                try:
                    kind, value = self.receiving.recv()
                except EOFError:
                    self.process.join()
                    code = self.process.exitcode
                    raise RuntimeError(
                        f"the build's child process ended without a result (exit code {code})"
                    ) from None
                if kind == MESSAGE:
                    progress(value)
                    continue
                answered = True
                if kind == RESULT:
                    return self.streamed()
                error, note = value
                error.add_note(f"raised in the build's child process:\n{note}")
                raise error
        finally:
            self.end(END_SECONDS if answered else 0)

    def streamed(self) -> T:
        """The result the child pickles into the pipe after saying it follows (see child), read
        as it comes; a child that ends before it is whole is a RuntimeError."""
        try:
            with open(self.receiving.fileno(), "rb", closefd=False) as stream:
                found: T = pickle.load(stream)
                return found
        except Exception as exc:
            self.process.join()
            code = self.process.exitcode
            raise RuntimeError(
                f"the build's child process ended before its result came whole (exit code {code})"
            ) from exc

    def stop(self) -> None:
        """End the work at once if it still runs (what it wrote is left as it is)."""
        self.end(0)

    def end(self, seconds: float) -> None:
        """Give the child so many seconds to end, then kill it; close the pipe. Done once."""
        if self.done:
            return
        self.done = True
        self.receiving.close()
        self.process.join(seconds)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def halves(weights: Sequence[int]) -> tuple[list[int], list[int]]:
    """The indexes of pieces of work (their weights given) in two shares of about the same weight,
    for this process and a child: the heaviest first, each to the share with less so far."""
    shares: tuple[list[int], list[int]] = ([], [])
    loads = [0, 0]
    for index in sorted(range(len(weights)), key=lambda i: -weights[i]):
        side = 0 if loads[0] <= loads[1] else 1
        shares[side].append(index)
        loads[side] += weights[index]
    return shares


def alongside(
    work: Callable[[Progress], T],
    here: Callable[[], U],
    progress: Progress = lambda message: None,
    apart: bool = True,
) -> tuple[T, U]:
    """The results of work(progress), run in a forked child when apart (and this process can be
    forked, see can_fork), and of here(), run in this process meanwhile; without a child, work
    runs first, then here. The child's progress messages are passed to progress; an error either
    raised is raised here (the child ended at once if here() fails); a child that ends without a
    result is a RuntimeError."""
    if not apart or not can_fork():
        done = work(progress)
        return done, here()
    child = Apart(work)
    try:
        mine = here()
        return child.result(progress), mine
    finally:
        child.stop()


def run_apart(work: Callable[[Progress], T], progress: Progress, apart: bool = True) -> T:
    """The result of work(progress), run in a forked child when apart (see alongside)."""
    return alongside(work, lambda: None, progress, apart)[0]
