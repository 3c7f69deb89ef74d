"""The landing page's and the map's coverage line (etl/site/worldmap.py COVERAGE_SQL), read through
the index of as_of: the same row as summing every source and month and taking the newest."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from etl.layout import DATABASE
from etl.site.worldmap import COVERAGE_SQL

# The query before: every source and month summed, the newest month first.
EVERY_MONTH = """
select as_of, sum(named) as named, sum(stated) as stated from network_coverage
group by source, as_of order by as_of desc limit 1
"""


def test_the_coverage_is_that_of_the_newest_month_of_the_release(release: Path) -> None:
    with sqlite3.connect(release / DATABASE) as db:
        found = db.execute(COVERAGE_SQL).fetchall()
        assert found and found == db.execute(EVERY_MONTH).fetchall()


def test_of_the_sources_of_the_newest_month_the_first_is_taken() -> None:
    db = sqlite3.connect(":memory:")
    db.execute(
        "create table network_coverage (source text, as_of text, post_type text, named int, stated int)"
    )
    db.execute("create index idx_network_coverage_as_of on network_coverage (as_of)")
    rows = [
        ("b", "2025-02", "embassy", 3, 4),
        ("a", "2025-02", "embassy", 5, 6),
        ("a", "2025-02", "consulate", 1, 1),
        ("c", "2025-01", "embassy", 9, 9),
    ]
    db.executemany("insert into network_coverage values (?, ?, ?, ?, ?)", rows)
    assert db.execute(COVERAGE_SQL).fetchall() == [("2025-02", 6, 7)]
    assert db.execute(EVERY_MONTH).fetchall() == [("2025-02", 6, 7)]
    db.execute("delete from network_coverage")
    assert db.execute(COVERAGE_SQL).fetchall() == []
