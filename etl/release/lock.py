"""One build at a time per release root: an exclusive lock on `.build/lock`, which holds the pid of the
build that has it.

The lock is an advisory `flock` on the file, so the system releases it when its holder dies, however it
dies: a lock file whose pid no longer holds the lock is stale, and the next build takes it over and
says so. The file itself is never deleted (deleting it would let two builds lock two different files)."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from etl.apart import running

LOCK_FILE = "lock"


class LockBusy(Exception):
    """Another build holds the lock; str() is one line naming its pid and the lock file."""

    def __init__(self, path: Path, pid: int | None) -> None:
        holder = f"pid {pid}" if pid is not None else "a process that has not written its pid yet"
        super().__init__(
            f"another build is running in {path.parent.parent} ({holder}, lock {path}); "
            "wait for it to finish, then build again"
        )
        self.path = path
        self.pid = pid


def read_pid(handle: int) -> int | None:
    """The pid written in an open lock file, None when it holds none."""
    text = os.pread(handle, 64, 0).decode("ascii", errors="replace").strip()
    return int(text) if text.isdigit() else None


def stale_message(path: Path, pid: int) -> str:
    """The line a build prints when it takes over a lock its previous holder left behind."""
    state = "no longer running" if not running(pid) else "running, but no longer holding it"
    return f"took over the stale lock {path} of pid {pid} ({state})"


@contextlib.contextmanager
def build_lock(folder: Path, on_stale: Callable[[str], None] = lambda message: None) -> Iterator[Path]:
    """Hold the build lock of a `.build` folder for the block, or raise LockBusy at once."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_FILE
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES):
                raise
            raise LockBusy(path, read_pid(handle)) from None
        previous = read_pid(handle)
        if previous is not None:
            on_stale(stale_message(path, previous))
        os.ftruncate(handle, 0)
        os.pwrite(handle, f"{os.getpid()}\n".encode("ascii"), 0)
        os.fsync(handle)
        try:
            yield path
        finally:
            os.ftruncate(handle, 0)
    finally:
        os.close(handle)
