"""Cells as long as an article's body and cells holding a carriage return go through every CSV
reader of the build (the release's diff, the database, the catalogue, the checks) unharmed."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pytest
import yaml

from benchmarks.corpus import generate, touch
from etl.build import build
from etl.layout import DATABASE, DATAPACKAGES
from etl.package import long_cells, render
from etl.package.render import write_csv
from etl.package.rows import stream_rows
from etl.specs import load_packages

# The csv module refuses a field longer than this unless told otherwise.
CSV_DEFAULT_LIMIT = 131_072
SENTENCE = "Belgium's embassy in Lima opened its doors to the public on a Monday morning. "


def lengthen(path: Path, paragraphs: int, sentences: int) -> int:
    """Add long paragraphs to an archived text, its record updated to match; the body's growth."""
    added = "".join("\n\n" + SENTENCE * sentences for _ in range(paragraphs))
    data = path.read_bytes() + added.encode("utf-8") + b"\n"
    path.write_bytes(data)
    record_path = path.with_suffix(".yml")
    record = yaml.safe_load(record_path.read_text(encoding="utf-8"))
    record.update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
    record_path.write_text(yaml.safe_dump(record, sort_keys=False), encoding="utf-8")
    return len(added)


def test_a_carriage_return_in_a_value_is_quoted_and_read_back(tmp_path: Path) -> None:
    spec = load_packages()[0].resource("paragraphs")
    rows = [
        {"article": "a", "position": 1, "text": "Alpha\rbeta", "language": "en"},
        {"article": "a", "position": 2, "text": 'a "quoted", \r\n line', "language": "en"},
        {"article": "a", "position": 3, "text": "plain", "language": "en"},
    ]
    out = io.BytesIO()
    write_csv(spec, rows, out)
    read = list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8"), newline="")))
    assert [r["text"] for r in read] == ["Alpha\rbeta", 'a "quoted", \r\n line', "plain"]
    assert b'"Alpha\rbeta"' in out.getvalue()


def test_an_article_longer_than_the_csv_modules_field_limit_builds_and_rebuilds(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    generate(4, raw, seed=11)
    first = sorted(raw.glob("*.txt"))[0]
    grown = lengthen(first, paragraphs=5, sentences=520)  # 5 paragraphs of some 40,000 characters
    assert grown > CSV_DEFAULT_LIMIT
    root = tmp_path / "out"
    build(root=root, raw_dir=raw)
    touch(sorted(raw.glob("*.txt"))[1])  # the rebuild compares the new files with the release's
    build(root=root, raw_dir=raw)
    long_cells()
    news = root / DATAPACKAGES / "diplomacy-news"
    bodies = [len(r["body"]) for r in stream_rows(news, "articles")]
    assert max(bodies) > grown and (root / DATABASE).is_file()


def test_parquet_row_groups_end_at_their_rows_or_their_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "PARQUET_GROUP", 4)
    monkeypatch.setattr(render, "PARQUET_GROUP_TEXT", 100)
    short = [{"id": str(i), "n": i} for i in range(8)]
    assert [len(g) for g in render.row_groups(short)] == [4, 4]  # no empty group after the last
    long = [{"id": "x" * 60, "n": i} for i in range(5)]
    assert [len(g) for g in render.row_groups(long)] == [2, 2, 1]
    assert list(render.row_groups([])) == [[]]  # a file with its schema and no rows
