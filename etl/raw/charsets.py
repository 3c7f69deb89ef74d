"""The charset of a page and the checks its text must pass, by the book: a byte order mark wins
over the Content-Type header, the header over a `<meta>` tag; the labels the WHATWG Encoding
Standard maps to windows-1252 (iso-8859-1, latin1, ascii…) are read as windows-1252; and text
that decodes but reads wrong is refused: mojibake by ftfy's badness heuristic, and letters of
another script than the project's languages use, where windows-1252 would read the bytes right
(latin-1 bytes served as windows-1257)."""

from __future__ import annotations

import re

from ftfy.badness import BADNESS_RE

DEFAULT_CHARSET = "utf-8"
META_SCAN_BYTES = 4096
BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16le"), (b"\xfe\xff", "utf-16be"))
META_CHARSET = re.compile(rb"""<meta\s[^>]*?charset\s*=\s*["']?\s*([a-z0-9_.:-]+)""", re.IGNORECASE)
# Labels the WHATWG Encoding Standard decodes as windows-1252 (https://encoding.spec.whatwg.org/).
WINDOWS_1252 = "windows-1252"
WINDOWS_1252_LABELS = frozenset(
    {
        "ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819", "iso-8859-1",
        "iso-ir-100", "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1",
        "us-ascii", "windows-1252", "x-cp1252",
    }
)  # fmt: skip
# Characters the project's languages (English, Dutch, French) write: ASCII, Latin-1, and the
# typographic signs windows-1252 adds. A letter outside them is foreign to these texts.
PLAUSIBLE = re.compile(
    "[\x00-\xff\u0152\u0153\u0178\u0160\u0161\u017d\u017e\u0192"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
# A text is read wrongly when so many of its letters beyond ASCII are foreign to its languages.
IMPLAUSIBLE_SHARE = 0.3
IMPLAUSIBLE_MIN = 3
NON_ASCII_WORD = re.compile(r"\S*[\u0080-\uffff]\S*")
NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
# Each sequence ftfy's badness heuristic looks for holds a character beyond ASCII, and reaches at
# most two characters past the first and last it holds (`[a-z]\s?[ÃÂ][ ]`); a search from this
# many characters before a run of them to as many after finds what a search of the whole text finds.
BADNESS_REACH = 8


class ContentError(ValueError):
    """A page whose bytes cannot be archived as text; str() is the reason."""


class Undecodable(ContentError):
    """Bytes that are not valid in their charset: the first bad byte and its offset."""

    def __init__(self, charset: str, byte: int, offset: int) -> None:
        super().__init__(f"bytes are not valid {charset} (byte 0x{byte:02x} at offset {offset})")
        self.charset, self.byte, self.offset = charset, byte, offset


def header_charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, lower case, or None."""
    for parameter in (content_type or "").split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip("\"'"):
            return value.strip().strip("\"'").lower()
    return None


BEYOND_ASCII = re.compile(r"[^\x00-\x7f]")


def bom_charset(body: bytes) -> str | None:
    """The charset a byte order mark at the start of the body announces, or None."""
    for bom, charset in BOMS:
        if body.startswith(bom):
            return charset
    return None


def meta_charset(body: bytes) -> str | None:
    """The charset of a `<meta charset>` or `<meta http-equiv="Content-Type">` near the top, or None."""
    found = META_CHARSET.search(body[:META_SCAN_BYTES])
    return found.group(1).decode("ascii").lower() if found else None


def effective(label: str) -> str:
    """The charset a label is decoded with: windows-1252 for the labels the WHATWG maps to it."""
    return WINDOWS_1252 if label.strip().lower() in WINDOWS_1252_LABELS else label.strip().lower()


def find_charset(content_type: str | None, body: bytes) -> str:
    """The charset of a page: a BOM's, else the Content-Type header's, else a meta tag's, else utf-8;
    latin-1 and ascii labels read as windows-1252."""
    label = bom_charset(body) or header_charset(content_type) or meta_charset(body) or DEFAULT_CHARSET
    return effective(label)


def letters_beyond_ascii(text: str) -> list[str]:
    """The letters of a text that are not ASCII (found by a pattern, not char by char)."""
    return [c for c in BEYOND_ASCII.findall(text) if c.isalpha()]


def foreign_letters(text: str) -> list[str]:
    """The characters of a text outside those its languages write (ASCII, Latin-1, typography)."""
    return [c for c in letters_beyond_ascii(text) if not PLAUSIBLE.match(c)]


def misread(text: str, body: bytes, charset: str) -> str | None:
    """Why a decoded text is the bytes read with the wrong charset, or None: most of its letters
    beyond ASCII are foreign to the project's languages, while windows-1252 reads them all."""
    if charset == WINDOWS_1252 or text.isascii():
        return None
    beyond = letters_beyond_ascii(text)
    foreign = [c for c in beyond if not PLAUSIBLE.match(c)]
    if len(foreign) < IMPLAUSIBLE_MIN or len(foreign) < IMPLAUSIBLE_SHARE * len(beyond):
        return None
    try:
        other = body.decode(WINDOWS_1252)
    except UnicodeDecodeError:
        return None
    if foreign_letters(other):
        return None
    shown = "".join(dict.fromkeys(foreign))[:8]
    return (
        f"the text read as {charset} has letters foreign to English, Dutch and French ({shown!r}) that "
        f"{WINDOWS_1252} reads as ordinary letters: the charset label looks wrong"
    )


def is_bad(text: str) -> bool:
    """ftfy's `is_bad` (does the text look like mojibake?), searched only around the characters
    beyond ASCII, close runs of them together: an article in Latin letters has few of them, and
    ftfy's pattern, tried at every character of the text, took a third of the time to read raw/."""
    start = end = -1
    for run in NON_ASCII_RUN.finditer(text):
        if end >= 0 and run.start() - BADNESS_REACH > end:
            if BADNESS_RE.search(text, max(start, 0), end):
                return True
            end = -1
        if end < 0:
            start = run.start() - BADNESS_REACH
        end = run.end() + BADNESS_REACH
    return end >= 0 and BADNESS_RE.search(text, max(start, 0), end) is not None


def decoded(body: bytes, charset: str) -> str:
    """The text of bytes in a charset, without a BOM (which is not part of the text)."""
    return body.decode(charset).removeprefix("\ufeff")


def check_text(body: bytes, charset: str) -> str:
    """Decode a page with its charset (see decoded), refusing empty, binary, undecodable, misread
    and mojibake text."""
    if not body:
        raise ContentError("empty body")
    try:
        text = decoded(body, charset)
    except LookupError:
        raise LookupError(charset) from None
    except UnicodeDecodeError as exc:
        raise Undecodable(charset, body[exc.start], exc.start) from None
    nul = text.find("\x00")
    if nul >= 0:
        raise ContentError(f"binary content (NUL character at offset {nul})")
    wrong = misread(text, body, charset)
    if wrong is not None:
        raise ContentError(wrong)
    if is_bad(text):
        words = (m.group(0) for m in NON_ASCII_WORD.finditer(text))
        sample = next((w for w in words if is_bad(w)), "")
        raise ContentError(
            f"mojibake: {sample[:40]!r} reads as text decoded with a wrong charset ({charset})"
        )
    return text
