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
    return folder


def test_build_rejects_bad_sources_and_publishes_the_others(raw: Path, tmp_path: Path) -> None:
    messages: list[str] = []
    report = build(root=tmp_path / "out", raw_dir=raw, progress=messages.append)
    assert report.read == 4 and report.published == [SEED.stem]
    reasons = sorted(str(e) for e in report.rejected)
    assert [r.split(": ", 1)[0].rsplit("/", 1)[-1] for r in reasons] == [
        "001_empty.txt",
        "002_binary.txt",
        "003_latin1.txt",
    ]
    assert "4 source(s) read, 1 published, 3 rejected" in report.summary()
    assert (tmp_path / "out" / DATABASE).exists()


def test_build_command_exits_3_when_sources_were_rejected(raw: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--quiet", "--root", str(tmp_path), "--raw", str(raw)])
    assert result.exit_code == 3
    assert "001_empty.txt: empty file" in result.output
    assert "1 published, 3 rejected" in result.output
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
