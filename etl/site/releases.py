"""Serving one whole release at a time while builds publish new ones.

`diplodata serve` never serves the published files themselves: it serves a snapshot of them, a
folder of hard links under `.build/serve/` (the same bytes, no copy), taken while no publish was
under way. A publish renames the published names and deletes the previous release's files, but the
snapshot's links keep those bytes on disk, under a name of their own, for as long as the snapshot
is served: no file is ever deleted under a reader.

A watcher notices a new release (the published names' identities change, no publish journal
open), snapshots it, opens a new Datasette app on it, and switches: each request is answered whole
by the app current when it arrived, so every response after the switch is from the new release and
every one before it from the old. A new app answers its landing page once before it serves anyone,
so that the first visitor does not wait for what the page reads from the release. The old app's
snapshot is deleted once its last request is done. Every response names its release in an
`X-Diplodata-Release` header.

Served by several processes (`--workers`, etl/site/workers.py), each has its own snapshot and app,
and they switch together (Peers): each says, in memory they share, which release it has open; one
that has the new release open answers from it only once every one has it open, checked at each
request. So no visitor sees the new release and then the old one from another process."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import shutil
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etl.apart import running
from etl.layout import PUBLISHED, STAGING
from etl.site.facts import release_version

SNAPSHOTS = "serve"
JOURNAL = "publish.json"  # etl.release.publish's journal: while it exists, a publish is under way
POLL_SECONDS = 1.0
ATTEMPTS = 50
RELEASE_HEADER = b"x-diplodata-release"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]


Identity = tuple[tuple[str, int, int], ...]


class SnapshotError(Exception):
    """The published release could not be snapshotted; str() is one line."""


def publishing(root: Path) -> bool:
    """Whether a publish is under way under root, or was interrupted (its journal is there)."""
    return (root / STAGING / JOURNAL).exists()


def identity(root: Path) -> Identity | None:
    """What tells one published release from the next (each published name's inode and modification time),
    or None while a publish is under way."""
    if publishing(root):
        return None
    found = []
    for name in PUBLISHED:
        with contextlib.suppress(FileNotFoundError):
            stat = (root / name).stat()
            found.append((name, stat.st_ino, stat.st_mtime_ns))
    return tuple(found)


def link_tree(source: Path, target: Path) -> None:
    """Hard-link a file, or every file of a folder, into target (a copy where links are refused)."""
    if source.is_dir():
        shutil.copytree(source, target, copy_function=link_or_copy)
    else:
        link_or_copy(str(source), str(target))


def link_or_copy(source: str, target: str) -> None:
    """Hard-link a file, or copy it where the file system refuses links."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def version_of(folder: Path) -> str:
    """The release version of a snapshot, as its packages' descriptors give it (not its build report,
    which holds every warning: 190 MB to parse at 100,000 articles), or "" when it has none."""
    try:
        return release_version(folder) or ""
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def take_snapshot(root: Path, folder: Path) -> tuple[Identity, Path]:
    """Snapshot the release published under root into folder, whole: retried when a publish began or
    ended meanwhile. Its identity and the folder."""
    for _ in range(ATTEMPTS):
        before = identity(root)
        if before is None:
            time.sleep(0.1)
            continue
        remove_tree(folder)
        folder.mkdir(parents=True)
        for name, _inode, _changed in before:
            with contextlib.suppress(FileNotFoundError):
                link_tree(root / name, folder / name)
        if identity(root) == before:
            return before, folder
    remove_tree(folder)
    raise SnapshotError(f"{root}: the published release kept changing; could not take a whole snapshot")


def remove_tree(folder: Path) -> None:
    """Delete a snapshot folder, if there is one."""
    shutil.rmtree(folder, ignore_errors=True)


def snapshot_base(root: Path) -> Path:
    """The folder of this root's serving snapshots."""
    return root / STAGING / SNAPSHOTS


def clear_stale(root: Path) -> None:
    """Delete the snapshots of serving processes that are no longer running."""
    base = snapshot_base(root)
    folders = sorted(base.iterdir()) if base.is_dir() else []
    if not folders:
        return
    for folder in folders:
        pid = folder.name.split("-")[0]
        if not pid.isdigit() or not running(int(pid)):
            remove_tree(folder)


def identity_key(found: Identity) -> int:
    """A release's identity as a non-zero 64-bit number, the same in every process."""
    digest = hashlib.blake2b(repr(found).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True) or 1


@dataclass
class Peers:
    """The serving processes of one `diplodata serve`, as one of them sees them: in a board of
    shared memory (etl/site/workers.py), each process's seat holds the key of the release it has
    open."""

    board: Any  # etl.site.workers.Board
    seat: int

    def have(self, found: Identity) -> None:
        """Say that this process has this release open."""
        self.board.set(self.seat, identity_key(found))

    def all_have(self, found: Identity) -> bool:
        """Whether every process has this release open."""
        key = identity_key(found)
        return all(value == key for value in self.board.values())


@dataclass
class Generation:
    """One snapshot being served: its app, its folder, and how many requests it is answering."""

    identity: Identity
    folder: Path
    datasette: Any
    asgi: Asgi
    version: str
    requests: int = 0
    retired: bool = False

    def close(self) -> None:
        """Close its database connections and threads, and delete its snapshot."""
        for database in self.datasette.databases.values():
            with contextlib.suppress(Exception):
                database.close()
        executor = getattr(self.datasette, "executor", None)
        if executor is not None:
            executor.shutdown(wait=False)
        remove_tree(self.folder)


@dataclass
class ReleaseSwitch:
    """An ASGI app answering each request from the release current when it arrived, and switching to
    each newly published release as soon as it is whole (see the module's docstring)."""

    root: Path
    make_datasette: Callable[[Path], Any]
    poll_seconds: float = POLL_SECONDS
    current: Generation | None = None
    retiring: list[Generation] = field(default_factory=list)
    counter: int = 0
    watcher: asyncio.Task[None] | None = None
    starting: asyncio.Lock = field(default_factory=asyncio.Lock)
    log: Callable[[str], None] = lambda message: None
    # The other serving processes, if any, and the new release opened here waiting for them.
    peers: Peers | None = None
    pending: Generation | None = None
    # Told once the server's start-up is done (the first release open, its landing page answered).
    started: Callable[[], None] | None = None

    def open_generation(self) -> Generation:
        """Snapshot the published release and open a Datasette app on it (blocking: run in a thread)."""
        self.counter += 1
        folder = snapshot_base(self.root) / f"{os.getpid()}-{self.counter}"
        found, folder = take_snapshot(self.root, folder)
        try:
            datasette = self.make_datasette(folder)
            return Generation(found, folder, datasette, datasette.app(), version_of(folder))
        except BaseException:  # no app on it: nothing will delete the snapshot otherwise
            remove_tree(folder)
            raise

    async def start(self) -> None:
        """Serve the release published now, and watch for the next."""
        async with self.starting:
            if self.current is None:
                await self.open_first()

    async def open_first(self) -> None:
        """Open the release published now and start the watcher."""
        clear_stale(self.root)
        generation = await asyncio.to_thread(self.open_generation)
        await self.warm(generation)
        self.current = generation
        if self.peers is not None:
            self.peers.have(generation.identity)
        self.watcher = asyncio.create_task(self.watch())

    async def warm(self, generation: Generation) -> None:
        """Start a generation's app and answer its landing page once, so that what the page reads
        from the release (its files' facts, its figures) is read before the first visitor asks."""
        await generation.datasette.invoke_startup()
        with contextlib.suppress(Exception):  # a page that fails will fail for the visitor, logged then
            await generation.datasette.client.get("/")

    async def stop(self) -> None:
        """Stop watching and delete every snapshot of this process."""
        if self.watcher is not None:
            self.watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.watcher
        opened = [self.current, self.pending]
        for generation in [*self.retiring, *(g for g in opened if g is not None)]:
            generation.close()
        self.retiring, self.current, self.pending = [], None, None

    async def watch(self) -> None:
        """Switch to each new release once it is published whole."""
        while True:
            await asyncio.sleep(self.poll_seconds)
            try:
                await self.refresh()
            except Exception as exc:  # keep serving the release it has
                self.log(f"could not switch to the new release: {exc}")

    async def refresh(self) -> bool:
        """Open the published release if it is not the one served (nor the one waiting for the other
        processes), and switch to it once every process has it open; True when it switched."""
        assert self.current is not None
        now = identity(self.root)
        newest = self.pending or self.current
        if now is not None and now != newest.identity:
            generation = await asyncio.to_thread(self.open_generation)
            await self.warm(generation)
            if self.pending is not None:  # a release that no request was answered from
                self.pending.close()
            self.pending = generation
            if self.peers is not None:
                self.peers.have(generation.identity)
        return self.adopt()

    def adopt(self) -> bool:
        """Switch to the release waiting, if every process has it open; True when it switched."""
        generation = self.pending
        if generation is None or self.current is None:
            return False
        if self.peers is not None and not self.peers.all_have(generation.identity):
            return False
        old, self.current, self.pending = self.current, generation, None
        old.retired = True
        self.retiring.append(old)
        self.release_idle()
        self.log(f"now serving release {generation.version or '(unversioned)'}")
        return True

    def release_idle(self) -> None:
        """Close the retired generations no request is using any more."""
        for generation in [g for g in self.retiring if g.requests == 0]:
            generation.close()
            self.retiring.remove(generation)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
            return
        if self.current is None:
            await self.start()
        if self.pending is not None:
            self.adopt()
        generation = self.current
        assert generation is not None
        generation.requests += 1
        header = (RELEASE_HEADER, generation.version.encode("ascii", "replace"))

        async def send_named(message: Message) -> None:
            if message["type"] == "http.response.start" and generation.version:
                message = {**message, "headers": [*message.get("headers", []), header]}
            await send(message)

        try:
            await generation.asgi(scope, receive, send_named)
        finally:
            generation.requests -= 1
            if generation.retired:
                self.release_idle()

    async def lifespan(self, receive: Receive, send: Send) -> None:
        """Start on the server's start-up, clean up on its shut-down."""
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.start()
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
                if self.started is not None:
                    self.started()
            elif message["type"] == "lifespan.shutdown":
                await self.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return
