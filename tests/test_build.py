"""The build: bad sources are rejected by name while the others publish; a failed build changes nothing."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.parquet
import pytest
import yaml
from click.testing import CliRunner

import etl.build
import etl.release.versioning
from etl.build import BuildFailed, build
from etl.cli import main
from etl.layout import DATABASE, DATAPACKAGES, DOWNLOADS, METADATA, RAW_DIR, STAGING
from etl.specs import load_packages
from tests.conftest import EXTRA_ARTICLES, SEED, add_article
from tests.package.test_packages import files_under


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

    original = etl.build.curated_rows

    def corrupt(*args: Any) -> dict[str, list[dict[str, Any]]]:
        """Curated rows with a speaker's day outside the curated event, as a slip in the project's
        own data would be: no archived source is to blame, so the build fails."""
        rows = original(*args)
        rows["event_speakers"][0] = {**rows["event_speakers"][0], "day": "1999-01-01"}
        return rows

    monkeypatch.setattr(etl.build, "curated_rows", corrupt)
    with pytest.raises(BuildFailed) as caught:
        build(root=root, full=True)  # the slip is in code the fingerprint does not see: rebuild
    assert any(p.check == "dates" and p.resource == "event_speakers" for p in caught.value.problems)
    assert published(root) == before
    assert not (root / ".build" / "next").exists()


def test_a_raw_file_changed_while_a_build_runs_is_read_by_the_next_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The inputs are hashed before the build reads them, and that is what it records: a file
    added while it ran is not taken for part of the release it published."""
    raw, root = tmp_path / "raw", tmp_path / "out"
    shutil.copytree(RAW_DIR, raw)
    original = etl.build.merge

    def meanwhile(*args: Any) -> Any:
        """Add a file once raw/ was read, as the build merges what it read."""
        (raw / "999_late.txt").write_text("Archived while the build ran, without its record.\n")
        return original(*args)

    monkeypatch.setattr(etl.build, "merge", meanwhile)
    first = build(root=root, raw_dir=raw)
    monkeypatch.undo()
    assert not first.rejected
    messages: list[str] = []
    second = build(root=root, raw_dir=raw, progress=messages.append)
    assert not any(m.startswith("nothing changed") for m in messages)
    assert [Path(e.path).name for e in second.rejected] == ["999_late.txt"]
    messages.clear()
    build(root=root, raw_dir=raw, progress=messages.append)
    assert any(m.startswith("nothing changed") for m in messages)


def test_build_rejects_a_duplicate_source_id(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(RAW_DIR, raw)
    shutil.copy(SEED, raw / "999_copy.txt")
    record = (raw / f"{SEED.stem}.yml").read_text(encoding="utf-8")
    (raw / "999_copy.yml").write_text(record.replace(f"file: {SEED.name}", "file: 999_copy.txt"))
    report = build(root=tmp_path / "out", raw_dir=raw)
    assert [Path(e.path).name for e in report.rejected] == ["999_copy.txt"]
    assert "already used by" in report.rejected[0].reason


def test_build_writes_each_package_file_once_and_chooses_the_version_from_the_data_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(RAW_DIR, raw)
    stem, (language, title, text) = next(iter(EXTRA_ARTICLES.items()))
    add_article(raw, stem, language, title, text)
    root = tmp_path / "out"
    writes: Counter[Path] = Counter()
    loaded: list[Path] = []
    open_zip = zipfile.ZipFile.__init__  # Path.write_bytes and write_text go through Path.open
    open_path, parquet_writer = Path.open, pyarrow.parquet.ParquetWriter
    load_release = etl.release.versioning.load_release

    def counted_zip(archive: zipfile.ZipFile, file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> None:
        if mode == "w" and isinstance(file, str | Path):
            writes[Path(file)] += 1
        open_zip(archive, file, mode, *args, **kwargs)

    def counted_open(path: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if "w" in mode:
            writes[path] += 1
        return open_path(path, mode, *args, **kwargs)

    class CountedParquet(parquet_writer):  # type: ignore[misc, valid-type]
        def __init__(self, where: Any, *args: Any, **kwargs: Any) -> None:
            writes[Path(where)] += 1
            super().__init__(where, *args, **kwargs)

    def recorded_load(path: Path, *args: Any, **kwargs: Any) -> Any:
        loaded.append(path)
        return load_release(path, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "__init__", counted_zip)
    monkeypatch.setattr(Path, "open", counted_open)
    monkeypatch.setattr(pyarrow.parquet, "ParquetWriter", CountedParquet)
    monkeypatch.setattr(etl.release.versioning, "load_release", recorded_load)
    report = build(root=root, raw_dir=raw)
    # A new article: the version moves on from the committed release; it is chosen from the data
    # files, before the descriptors, zips and workbooks that carry it are written.
    assert report.bump == "minor"
    stage = root / STAGING / "next"
    packages = [p for p in writes if p.is_relative_to(stage / DATAPACKAGES)]
    zips = [p for p in writes if p.is_relative_to(stage / DOWNLOADS) and p.suffix == ".zip"]
    specs = load_packages()
    # Each resource as CSV, Parquet and JSON, each package's datapackage.json, the data dictionary.
    assert len(packages) == 3 * sum(len(p.resources) for p in specs) + len(specs) + 1
    assert len(zips) == len(specs)
    assert {p: n for p, n in writes.items() if n > 1} == {}
    assert loaded and not any(p.is_relative_to(stage) for p in loaded)


def add_page(raw_dir: Path, stem: str, html: str) -> None:
    """Write an HTML snapshot and its provenance record (the seed's, for this page) into a raw folder."""
    data = html.encode("utf-8")
    record = yaml.safe_load(SEED.with_suffix(".yml").read_text(encoding="utf-8"))
    record.update(
        id=stem, file=f"{stem}.html", url=f"https://diplomatie.belgium.be/en/news/{stem}", format="text/html",
        bytes=len(data), sha256=hashlib.sha256(data).hexdigest(),
    )  # fmt: skip
    (raw_dir / f"{stem}.html").write_bytes(data)
    (raw_dir / f"{stem}.yml").write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")


def test_build_rejects_pages_that_are_no_article_by_name(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(RAW_DIR, raw)
    wall = (
        '<html><body><main><div class="field--name-body"><p>Please log in to continue.</p></div></main>'
        "</body></html>"
    )
    add_page(raw, "901_members", wall)
    add_page(
        raw, "902_empty", '<html><body><article><div class="field--name-body"></div></article></body></html>'
    )
    report = build(root=tmp_path / "out", raw_dir=raw)
    reasons = {Path(e.path).name: e.reason for e in report.rejected}
    assert "login wall" in reasons["901_members.html"] and "empty template" in reasons["902_empty.html"]
    assert report.published == [SEED.stem]


def test_the_release_lists_the_sha256_of_every_published_file(release: Path) -> None:
    checksums = release / DOWNLOADS / "SHA256SUMS"
    checked = subprocess.run(
        ["sha256sum", "--check", "--strict", str(checksums)],
        cwd=release,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    listed = {line.split("  ", 1)[1] for line in checksums.read_text(encoding="utf-8").splitlines()}
    published = {
        p.relative_to(release).as_posix()
        for name in (DATAPACKAGES, DOWNLOADS)
        for p in (release / name).rglob("*")
        if p.is_file()
    }
    assert listed == (published - {"downloads/SHA256SUMS"}) | {DATABASE, METADATA, "CHANGELOG.md"}
