"""Text normalised once, where it enters: NFC, and no invisible character that could make a page
show other words or numbers than the ones stored (format characters, Unicode category Cf: soft
hyphen, zero-width space and joiners, word joiner, byte order mark, the bidirectional controls
LRE RLE PDF LRO RLO LRI RLI FSI PDI LRM RLM ALM; control characters, Cc, but tab and line breaks),
each one named with its offset in the normalised text."""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

# Removed from any text, by Unicode general category (unicodedata's, so always the same set).
REMOVED_CATEGORIES = frozenset({"Cf", "Cc"})
KEPT_CONTROLS = frozenset("\t\n\r")
# Controls unicodedata has no name for, named as the Unicode name aliases do.
CONTROL_NAMES = {
    "\x00": "NULL",
    "\x07": "BELL",
    "\x08": "BACKSPACE",
    "\x0b": "LINE TABULATION",
    "\x0c": "FORM FEED",
    "\x1b": "ESCAPE",
    "\x7f": "DELETE",
    "\x85": "NEXT LINE",
}


@cache
def removed_char(char: str) -> bool:
    """Whether a character is removed: of the removed categories, and not a kept control."""
    return unicodedata.category(char) in REMOVED_CATEGORIES and char not in KEPT_CONTROLS


def invisible_in(text: str) -> frozenset[str]:
    """The characters of a text that are removed, found among its distinct characters (a few
    hundred in an article: building the set of every removed character of Unicode instead went
    through its 1.1 million code points, a second in each process that read a changed source)."""
    return frozenset(char for char in set(text) if removed_char(char))


def holds_invisible(text: str) -> bool:
    """Whether a text holds a character that is removed."""
    return any(removed_char(char) for char in set(text))


@cache
def runs_of(chars: frozenset[str]) -> re.Pattern[str]:
    """A run of some characters (those of a text that are removed)."""
    return re.compile("[" + "".join(re.escape(c) for c in sorted(chars)) + "]+")


def describe(char: str) -> str:
    """A character as a warning names it: 'U+202E RIGHT-TO-LEFT OVERRIDE'."""
    name = unicodedata.name(char, None) or CONTROL_NAMES.get(char) or "a control character"
    return f"U+{ord(char):04X} {name}"


@dataclass(frozen=True)
class Removed:
    """An invisible character taken out of a text, and the offset where it stood in the result."""

    offset: int
    char: str

    def message(self) -> str:
        """One line: which character was removed and where."""
        kind = "formatting" if unicodedata.category(self.char) == "Cf" else "control"
        return f"removed {describe(self.char)} at offset {self.offset} (an invisible {kind} character)"


@dataclass(frozen=True)
class Normalised:
    """A text in NFC without invisible characters, what was taken out of it, and how offsets of
    its NFC form (whitespace collapsed when asked) move into it."""

    text: str
    removed: tuple[Removed, ...] = ()
    gone: tuple[int, ...] = ()
    recomposed: str | None = None

    def position(self, offset: int) -> int:
        """Where an offset of the text before removal lands in the normalised text."""
        moved = offset - bisect.bisect_left(self.gone, offset)
        if self.recomposed is None:
            return moved
        return len(unicodedata.normalize("NFC", self.recomposed[:moved]))


def spaces_around(text: str, start: int, end: int, collapse: bool) -> list[int]:
    """The space that removing text[start:end] would double (or leave at an end), when collapsing."""
    if not collapse:
        return []
    before = start == 0 or text[start - 1] == " "
    if before and end < len(text) and text[end] == " ":
        return [end]
    if end == len(text) and start > 0 and text[start - 1] == " ":
        return [start - 1]
    return []


def normalise(text: str, collapse: bool = False) -> Normalised:
    """The text in NFC (runs of white space as one space, when collapsing) without its invisible
    characters, each removed one with the offset where it stood."""
    nfc = unicodedata.normalize("NFC", text)
    if collapse:
        nfc = " ".join(nfc.split())
    gone: list[int] = []
    chars: list[int] = []
    found = invisible_in(nfc)
    for match in runs_of(found).finditer(nfc) if found else ():
        start, end = match.span()
        chars.extend(range(start, end))
        gone.extend(sorted({*range(start, end), *spaces_around(nfc, start, end, collapse)}))
    if not gone:
        return Normalised(nfc)
    gone = sorted(set(gone))
    pieces, last = [], 0
    for index in gone:
        pieces.append(nfc[last:index])
        last = index + 1
    pieces.append(nfc[last:])
    out = "".join(pieces)
    removed = [Removed(i - bisect.bisect_left(gone, i), nfc[i]) for i in chars]
    if unicodedata.is_normalized("NFC", out):
        return Normalised(out, tuple(removed), tuple(gone))
    # A removed character stood between a letter and its accent: they compose now.
    final = unicodedata.normalize("NFC", out)
    moved = [Removed(len(unicodedata.normalize("NFC", out[: r.offset])), r.char) for r in removed]
    return Normalised(final, tuple(moved), tuple(gone), out)


def first_difference(a: str, b: str) -> int:
    """The first offset where two texts differ (by bisection: compared in C, not char by char)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def unnormalised(text: str) -> str | None:
    """Why a text cannot be stored as it is (not NFC, or holding an invisible character), naming
    the first offending character and its offset, or None."""
    chars = invisible_in(text)
    found = runs_of(chars).search(text) if chars else None
    if found is not None:
        removed = Removed(found.start(), found.group(0)[0])
        return f"holds {describe(removed.char)} at offset {removed.offset}, an invisible character; remove it"
    if unicodedata.is_normalized("NFC", text):
        return None
    at = first_difference(text, unicodedata.normalize("NFC", text))
    return f"not in Unicode NFC (decomposed {text[at : at + 2]!r} at offset {at}); convert it to NFC"
