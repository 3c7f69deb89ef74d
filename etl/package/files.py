"""The files of one data package, wherever they are: a folder, or a zip under a prefix."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


class PackageFiles(Protocol):
    """The files of one package, wherever they are (a folder or a zip)."""

    @property
    def default_name(self) -> str:
        """The package name when its descriptor has none."""

    def read(self, relative: str) -> bytes | None:
        """The bytes of a file of the package, None when it is missing."""

    def where(self, relative: str) -> str:
        """The file's location, for messages."""


@dataclass(frozen=True)
class FolderFiles:
    """The files of a package folder."""

    folder: Path

    @property
    def default_name(self) -> str:
        """The folder's name."""
        return self.folder.name

    def read(self, relative: str) -> bytes | None:
        """The bytes of a file under the folder, None when it is missing."""
        path = self.folder / relative
        return path.read_bytes() if path.is_file() else None

    def where(self, relative: str) -> str:
        """The file's path."""
        return str(self.folder / relative)


@dataclass(frozen=True)
class ZipFiles:
    """The files of a package in a zip, under a prefix ("" or "<folder>/")."""

    archive: Path
    prefix: str
    members: dict[str, bytes]

    @property
    def default_name(self) -> str:
        """The zip's top folder, or the zip's name without .zip."""
        return self.prefix.rstrip("/") or self.archive.stem

    def read(self, relative: str) -> bytes | None:
        """The bytes of a member, None when it is missing."""
        return self.members.get(self.prefix + relative)

    def where(self, relative: str) -> str:
        """The zip and the member, as archive.zip:member."""
        return f"{self.archive}:{self.prefix}{relative}"
