"""Text normalised once: NFC, invisible characters removed and named with their offset, offsets kept."""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

import pytest

from etl.raw import normalise, read_source, unnormalised
from etl.raw.normal import describe, holds_invisible, invisible_in
from etl.raw.sources import SourceError

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
ZERO_WIDTH = "\u00ad\u200b\u200c\u200d\u2060\ufeff"


def test_normalise_removes_a_bidi_override_that_would_show_78_as_87() -> None:
    fixed = normalise("Belgium has \u202e78\u202c embassies")
    assert fixed.text == "Belgium has 78 embassies"
    assert [(r.offset, r.char) for r in fixed.removed] == [(12, "\u202e"), (14, "\u202c")]


@pytest.mark.parametrize("char", list(BIDI_CONTROLS + ZERO_WIDTH + "\x07\x1b\x7f\x85"))
def test_normalise_removes_every_invisible_formatting_and_control_character(char: str) -> None:
    fixed = normalise(f"86{char} embassies")
    assert fixed.text == "86 embassies"
    assert fixed.removed[0].message().startswith(f"removed U+{ord(char):04X} ")


def test_invisible_is_every_format_and_control_character_but_tab_and_line_breaks() -> None:
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        expected = unicodedata.category(char) in ("Cf", "Cc") and char not in "\t\n\r"
        assert (invisible_in(f"a{char}b") == {char}) == expected, hex(code)
        assert holds_invisible(f"a{char}b") == expected, hex(code)


def test_describe_names_a_character_by_its_code_and_unicode_name() -> None:
    assert describe("\u202e") == "U+202E RIGHT-TO-LEFT OVERRIDE"
    assert describe("\u00ad") == "U+00AD SOFT HYPHEN"
    assert describe("\x1b") == "U+001B ESCAPE"


def test_normalise_composes_nfd_letters() -> None:
    assert normalise("Maxime Pre\u0301vot").text == "Maxime Prévot"


def test_normalise_collapses_the_space_a_removed_character_leaves_between_two() -> None:
    assert normalise("86 \u200b embassies \u200b", collapse=True).text == "86 embassies"


def test_normalise_position_moves_offsets_past_what_it_removed() -> None:
    fixed = normalise("ab\u200bcd\u00adef")
    assert fixed.text == "abcdef"
    assert [fixed.text[fixed.position(i)] for i in (0, 3, 4, 6, 7)] == list("acdef")


def test_normalise_composes_a_letter_and_accent_a_removed_character_stood_between() -> None:
    fixed = normalise("caf\u200be\u0301!")
    assert fixed.text == "café!" and fixed.removed[0].offset == 3


def test_unnormalised_names_the_first_invisible_or_decomposed_character() -> None:
    assert unnormalised("has \u202e78") == (
        "holds U+202E RIGHT-TO-LEFT OVERRIDE at offset 4, an invisible character; remove it"
    )
    assert unnormalised("Maxime Pre\u0301vot") == (
        "not in Unicode NFC (decomposed 'e\u0301' at offset 9); convert it to NFC"
    )
    assert unnormalised("Maxime Prévot\n\tand\r\n") is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Belgium has \u202e78\u202c embassies.\n", "U+202E RIGHT-TO-LEFT OVERRIDE at offset 12"),
        ("Maxime Pre\u0301vot visited 3 posts.\n", "not in Unicode NFC"),
        ("A soft\u00adhyphen.\n", "U+00AD SOFT HYPHEN at offset 6"),
    ],
)
def test_read_source_refuses_a_text_capture_its_body_could_not_store_as_it_is(
    tmp_path: Path, text: str, reason: str
) -> None:
    path = tmp_path / "capture.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        read_source(path, require_record=False)
    assert str(caught.value).startswith(f"{path}: ") and reason in str(caught.value)


def test_read_source_keeps_a_page_with_invisible_characters_for_extraction(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<html><body><p>Belgium has \u202e78\u202c embassies.</p></body></html>", encoding="utf-8"
    )
    assert "\u202e" in read_source(path, require_record=False).text
