"""Dates at the precision a source gives, and their typed companions."""

import pytest

from etl.curate import bounds, with_periods
from etl.specs import resource_specs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019", ("2019-01-01", "2019-12-31")),
        ("2021-03", ("2021-03-01", "2021-03-31")),
        ("2024-02", ("2024-02-01", "2024-02-29")),
        ("2023-02", ("2023-02-01", "2023-02-28")),
        ("2025-02-06", ("2025-02-06", "2025-02-06")),
        ("2026/2027", ("2026-01-01", "2027-12-31")),
        ("2021-13", None),
        ("2023-02-30", None),
        ("2027/2026", None),
        ("", None),
        (None, None),
        ("March 2021", None),
    ],
)
def test_bounds_of_a_period(text: str | None, expected: tuple[str, str] | None) -> None:
    assert bounds(text) == expected


def test_companions_are_filled_and_the_text_kept() -> None:
    spec = resource_specs()["post_counts"]
    rows = [{"as_of": "2021-03", "count": 1}, {"as_of": "", "count": 2}]
    filled = with_periods(spec, rows)
    assert filled[0] == {
        "as_of": "2021-03",
        "as_of_start": "2021-03-01",
        "as_of_end": "2021-03-31",
        "count": 1,
    }
    assert filled[1]["as_of_start"] is None and filled[1]["as_of_end"] is None
    assert rows[0] == {"as_of": "2021-03", "count": 1}  # the input is not changed


def test_every_period_field_has_typed_date_companions() -> None:
    for spec in resource_specs().values():
        fields = {f["name"]: f for f in spec.schema["fields"]}
        for field, first, last in spec.periods:
            assert fields[field]["type"] == "string"
            assert fields[first]["type"] == fields[last]["type"] == "date", spec.name
