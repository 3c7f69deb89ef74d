"""The articles' bodies by id, as the checks of the evidence spans look them up, kept in a
temporary file rather than in memory: at 100,000 articles the bodies are 200 MB of strings, and
the merged rows' checks and the validation each held them all at once. The file holds each body's
UTF-8 bytes one after the other, the mapping only where each one lies; a body looked up is read
back from the file (the one looked up last is kept, since rows come an article at a time)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping


class Bodies(Mapping[str, str]):
    """Texts by id, in a temporary file (removed when the mapping goes, or on close)."""

    def __init__(self, texts: Iterable[tuple[str, str]]) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 - open as long as the mapping is
        self.where: dict[str, tuple[int, int]] = {}
        offset = 0
        for key, text in texts:
            data = text.encode("utf-8", "surrogatepass")
            self.file.write(data)
            self.where[key] = (offset, len(data))
            offset += len(data)
        self.file.flush()
        self.last: tuple[str, str] | None = None

    def __getitem__(self, key: str) -> str:
        if self.last is not None and self.last[0] == key:
            return self.last[1]
        offset, size = self.where[key]
        text = os.pread(self.file.fileno(), size, offset).decode("utf-8", "surrogatepass")
        self.last = (key, text)
        return text

    def __iter__(self) -> Iterator[str]:
        return iter(self.where)

    def __len__(self) -> int:
        return len(self.where)

    def close(self) -> None:
        self.file.close()
