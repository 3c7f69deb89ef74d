"""The mojibake check searched around the characters beyond ASCII finds what ftfy's finds."""

from __future__ import annotations

from pathlib import Path

from ftfy.badness import MOJIBAKE_CATEGORIES
from ftfy.badness import is_bad as ftfy_is_bad
from hypothesis import given, settings
from hypothesis import strategies as st

from etl.raw.charsets import BADNESS_REACH, is_bad

TESTS = Path(__file__).resolve().parents[1]
# The characters ftfy's pattern is made of, with letters, spaces and punctuation of ASCII.
SUSPECT = (
    "".join(MOJIBAKE_CATEGORIES.values()).replace("-", "") + "ÃÂÎÐØÙ€œŠšŸž°·»×²³√±∂†≠®™´≤≥¥µøВГРСЂўΒΓΞΟβā"
)
ALPHABET = SUSPECT + "abcxyzABC .,?!\n\t-'\"0123456789éèàçëï"


def test_the_gold_articles_read_as_ftfy_reads_them() -> None:
    texts = [
        p.read_text(encoding="utf-8") for p in sorted(TESTS.glob("*/*.txt")) + sorted(TESTS.glob("*/*.html"))
    ]
    assert len(texts) > 50
    for text in texts:
        assert is_bad(text) == ftfy_is_bad(text)
        garbled = text.encode("utf-8").decode("windows-1252", errors="replace")
        assert is_bad(garbled) == ftfy_is_bad(garbled)


def test_mojibake_far_from_the_start_and_between_runs_is_found() -> None:
    clean = "Un café à Bruxelles. " * 50
    found = []
    for garbled in ("cafÃ© ", "lâ€™ambassade", "Ã ", "x Â «"):
        for where in (0, 1, 7, 500, len(clean)):
            text = clean[:where] + garbled + clean[where:]
            assert is_bad(text) == ftfy_is_bad(text)
            found.append(is_bad(text))
    assert found[:10] == [True] * 10 and found[10] is True  # "Ã " counts at the start
    assert not is_bad(clean) and not is_bad("") and not is_bad("plain ASCII " * 100)
    assert not is_bad("é" + "a" * (3 * BADNESS_REACH) + "é")


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=60), st.integers(0, 40), st.integers(0, 40))
def test_any_text_reads_as_ftfy_reads_it(text: str, before: int, after: int) -> None:
    padded = "a" * before + text + " " * after
    assert is_bad(text) == ftfy_is_bad(text)
    assert is_bad(padded) == ftfy_is_bad(padded)
