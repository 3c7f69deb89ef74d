"""Reading archived sources: bad bytes are refused with one line naming the file and the reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from etl.raw.sources import SourceError, read_source
from tests.conftest import SEED


def copy_seed(folder: Path) -> Path:
    """The seed and its provenance record, copied into a folder."""
    shutil.copy(SEED, folder)
    shutil.copy(SEED.with_suffix(".yml"), folder)
    return folder / SEED.name


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary content"),
        ("Caf\u00e9 in Bruxelles".encode("latin-1"), "not UTF-8 (byte 0xe9 at offset 3)"),
    ],
)
def test_read_source_refuses_bad_bytes(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(SourceError) as caught:
        read_source(path, require_record=False)
    message = str(caught.value)
    assert message.startswith(str(path)) and reason in message and "\n" not in message


def test_read_source_refuses_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="file not found"):
        read_source(tmp_path / "absent.txt")


def test_read_source_refuses_truncated_text(tmp_path: Path) -> None:
    path = copy_seed(tmp_path)
    path.write_bytes(SEED.read_bytes()[:1000])
    with pytest.raises(SourceError, match="truncated: 1000 bytes, its provenance record says 3623"):
        read_source(path)


def test_read_source_refuses_altered_text(tmp_path: Path) -> None:
    path = copy_seed(tmp_path)
    path.write_bytes(SEED.read_bytes().replace(b"110", b"120"))
    with pytest.raises(SourceError, match=r"sha256 .* differs"):
        read_source(path)


def test_read_source_requires_a_provenance_record(tmp_path: Path) -> None:
    path = tmp_path / SEED.name
    shutil.copy(SEED, path)
    with pytest.raises(SourceError, match="no provenance record"):
        read_source(path)


def test_read_source_reports_a_broken_record(tmp_path: Path) -> None:
    path = copy_seed(tmp_path)
    path.with_suffix(".yml").write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(SourceError, match="unreadable provenance record"):
        read_source(path)


def test_read_source_keeps_bytes_and_checksum(seed_path: Path = SEED) -> None:
    source = read_source(seed_path)
    assert source.text.encode("utf-8") == seed_path.read_bytes()
    assert source.sha256 == "ad0de9447ac5e4827e9d1fbd2ea87745bfd3b89701c0dfdbb80e713d61f63c3a"
    assert source.record["url"].startswith("https://diplomatie.belgium.be/en/news/")
