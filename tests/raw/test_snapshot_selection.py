"""Several snapshots of one address: the build uses the newest and reports the older ones as superseded,
never as rejected; they stay in raw/, citable."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from etl.cli import main
from etl.layout import DATABASE, DATAPACKAGES, DOWNLOADS, RAW_DIR, REPORT
from etl.raw.sources import Source, newest_snapshots, read_source
from tests.conftest import SEED
from tests.package.test_packages import files_under

URL = "https://diplomatie.belgium.be/en/news/contact-days"


def snapshot(file: str, url: str | None = URL, **record: Any) -> Source:
    """A source as read from raw/, with the record keys given."""
    return Source(
        id=file.split(".")[0], file=file, held="text", sha256="0" * 64, size=4, record={"url": url, **record}
    )


def test_the_newest_capture_is_kept_and_the_others_superseded() -> None:
    first = snapshot("000_a.txt", retrieved="2026-01-01T10:00:00Z", archived="2026-01-01")
    newest = snapshot("001_b.html", retrieved="2026-03-01T09:30:00Z", archived="2026-03-01")
    late_copy = snapshot("002_c.html", retrieved="2026-02-01T00:00:00+00:00", archived="2026-02-01")
    other = snapshot("003_d.html", url="https://diplomatie.belgium.be/en/news/other", archived="2026-01-01")
    no_address = snapshot("004_e.txt", url=None, archived="2026-01-01")
    kept, superseded = newest_snapshots([first, newest, late_copy, other, no_address])
    assert kept == [newest, other, no_address]
    assert [(s.source, s.newer) for s in superseded] == [(first, newest), (late_copy, newest)]
    assert superseded[0].reason == f"an older snapshot of {URL}; 001_b is newer"


def test_a_capture_time_beats_a_bare_archiving_date_and_ties_go_to_the_later_sequence() -> None:
    seed_like = snapshot("000_a.txt", retrieved=None, archived="2026-11-27")
    fetched = snapshot("001_b.html", retrieved="2026-11-27T20:15:04Z", archived="2026-11-27")
    assert newest_snapshots([fetched, seed_like])[0] == [fetched]
    twin = snapshot("002_c.html", retrieved="2026-11-27T20:15:04Z", archived="2026-11-27")
    assert newest_snapshots([twin, fetched])[0] == [twin]


def write_old_snapshot(raw: Path) -> str:
    """An earlier capture of the seed's address, with another count in it, as `001_old.txt`."""
    data = SEED.read_bytes().replace(b"110", b"111")
    url = read_source(SEED).record["url"]
    (raw / "001_old.txt").write_bytes(data)
    record = {
        "id": "001_old",
        "file": "001_old.txt",
        "url": url,
        "title": "An earlier capture",
        "language": "en",
        "publisher": "FPS Foreign Affairs, Foreign Trade and Development Cooperation",
        "format": "text/plain",
        "encoding": "utf-8",
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "retrieved": "2026-01-05T08:00:00Z",
        "archived": "2026-01-05",
    }
    (raw / "001_old.yml").write_text(json.dumps(record), encoding="utf-8")  # JSON is YAML
    return str(url)


def test_the_build_publishes_the_newest_snapshot_and_reports_the_older_one(
    release: Path, tmp_path: Path
) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(RAW_DIR, raw)
    url = write_old_snapshot(raw)
    root = tmp_path / "root"
    result = CliRunner().invoke(main, ["build", "--quiet", "--root", str(root), "--raw", str(raw)])
    assert result.exit_code == 0, result.output
    assert "2 source(s) read, 1 published, 0 rejected, 1 superseded" in result.output
    assert files_under(root / DATAPACKAGES) == files_under(
        release / DATAPACKAGES
    )  # the old one left no trace
    report = json.loads((root / DOWNLOADS / REPORT).read_text(encoding="utf-8"))
    assert report["counts"]["superseded"] == 1
    [old] = [i for i in report["inputs"] if i["status"] == "superseded"]
    assert old == {
        "file": "001_old.txt",
        "source": "001_old",
        "url": url,
        "status": "superseded",
        "reason": f"an older snapshot of {url}; {SEED.stem} is newer",
        "superseded_by": SEED.stem,
    }
    with sqlite3.connect(root / DATABASE) as db:
        rows = db.execute("select file, status, superseded_by from build_sources order by file").fetchall()
    assert rows == [(SEED.name, "published", None), ("001_old.txt", "superseded", SEED.stem)]
    assert (raw / "001_old.txt").exists()
