"""Rows packed in memory give back the rows they were given, in order, and take less room."""

from __future__ import annotations

import sys

import pytest

from etl.release.packed import Packed

ROWS = [
    {"source": f"{i:06d}_abc", "field": "quotes.person", "message": "no person named", "char_start": i}
    for i in range(2_345)
]


@pytest.mark.parametrize("batch", [1, 7, 1_000, 5_000])
def test_packed_rows_are_the_rows_given_in_their_order(batch: int) -> None:
    packed = Packed(iter(ROWS), batch)
    assert len(packed) == len(ROWS)
    assert list(packed) == ROWS
    assert list(packed) == ROWS  # and again: it is gone through as often as wanted
    assert packed[0] == ROWS[0] and packed[1_000] == ROWS[1_000] and packed[-1] == ROWS[-1]
    assert packed[5:9] == ROWS[5:9]
    assert packed == ROWS and packed != ROWS[:-1]
    with pytest.raises(IndexError):
        packed[len(ROWS)]


def test_no_rows_pack_to_nothing() -> None:
    packed = Packed([])
    assert len(packed) == 0 and not packed and list(packed) == [] and packed == []


def test_packed_rows_take_a_fraction_of_their_dictionaries_room() -> None:
    packed = Packed(ROWS)
    held = sum(len(blob) for blob in packed.batches)
    dictionaries = sum(sys.getsizeof(r) + sum(sys.getsizeof(v) for v in r.values()) for r in ROWS)
    assert held * 10 < dictionaries
