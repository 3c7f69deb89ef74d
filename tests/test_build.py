"""The build: bad sources are rejected by name while the others publish; a failed build changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import etl.build
from etl.build import BuildFailed, build
from etl.cli import main
from etl.layout import DATABASE, DATAPACKAGES, METADATA, RAW_DIR
from tests.conftest import SEED
from tests.test_packages import files_under


def published(root: Path) -> dict[str, bytes]:
    """Every published file of a release root."""
    found = files_under(root / DATAPACKAGES)
    for name in (METADATA, DATABASE):
        found[name] = (root / name).read_bytes()
    return found


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    """A raw folder with the seed, its record, and three bad sources."""
    folder = tmp_path / "raw"
    shutil.copytree(RAW_DIR, folder)
    (folder / "001_empty.txt").write_bytes(b"")
    (folder / "002_binary.txt").write_bytes(b"\x00\x01\x02")
    (folder / "003_latin1.txt").write_bytes("Réunion à Bruxelles".encode("latin-1"))
    (folder / "004_page.pdf").write_bytes(b"%PDF-1.4")
    (folder / "005_orphan.yml").write_text("id: 005_orphan\n", encoding="utf-8")
    return folder


def test_build_rejects_bad_sources_and_publishes_the_others(raw: Path, tmp_path: Path) -> None:
    messages: list[str] = []
    report = build(root=tmp_path / "out", raw_dir=raw, progress=messages.append)
    assert report.read == 6 and report.published == [SEED.stem]
    reasons = {Path(e.path).name: e.reason for e in report.rejected}
    assert sorted(reasons) == [
        "001_empty.txt",
        "002_binary.txt",
        "003_latin1.txt",
        "004_page.pdf",
        "005_orphan.yml",
    ]
    assert reasons["004_page.pdf"].startswith("unsupported file type")
    assert reasons["005_orphan.yml"] == "provenance record without its archived text"
    assert "6 source(s) read, 1 published, 5 rejected" in report.summary()
    assert any(m.startswith("rejected ") for m in messages)
    assert (tmp_path / "out" / DATABASE).exists()


def test_build_command_exits_3_when_sources_were_rejected(raw: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--quiet", "--root", str(tmp_path), "--raw", str(raw)])
    assert result.exit_code == 3
    assert "001_empty.txt: empty file" in result.output
    assert "1 published, 5 rejected" in result.output
    assert "Traceback" not in result.output


def test_failed_build_leaves_the_published_release_untouched(
    release: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "site"
    shutil.copytree(release, root)
    before = published(root)

    original = etl.build.extract_source

    def corrupt(source: Any, reference: Any) -> dict[str, Any]:
        """Extraction with one span shifted, as a bug in an extractor would."""
        facts = original(source, reference)
        facts["post_counts"][0]["char_end"] += 1
        return facts

    monkeypatch.setattr(etl.build, "extract_source", corrupt)
    with pytest.raises(BuildFailed) as caught:
        build(root=root)
    assert any(p.check == "span" and p.resource == "post_counts" for p in caught.value.problems)
    assert published(root) == before
    assert not (root / ".build" / "next").exists()


def test_build_rejects_a_duplicate_source_id(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(RAW_DIR, raw)
    shutil.copy(SEED, raw / "999_copy.txt")
    record = (raw / f"{SEED.stem}.yml").read_text(encoding="utf-8")
    (raw / "999_copy.yml").write_text(record.replace(f"file: {SEED.name}", "file: 999_copy.txt"))
    report = build(root=tmp_path / "out", raw_dir=raw)
    assert [Path(e.path).name for e in report.rejected] == ["999_copy.txt"]
    assert "already used by" in report.rejected[0].reason
