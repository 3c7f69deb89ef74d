"""What the site says about a release's data (its dates, languages, publications, headline figure) is
worked out by the build and kept in the release (release-facts.json): the same facts the CSV files
give, which serving then reads without reading those files; a release without the file is read from
its CSV files, with the same result."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import etl.site.facts
from etl.layout import RELEASE_FACTS, STAGING
from etl.site.facts import DATA_FACTS_FORMAT, DataFacts, data_facts, read_data_facts
from tests.conftest import Client

PAGES = ("/?lang=en", "/?lang=nl", "/?lang=fr", "/-/downloads", "/-/downloads.json")


def copy_release(release: Path, folder: Path) -> Path:
    """A copy of a built release in a folder of its own, so that nothing read of the release is
    cached for it yet."""
    shutil.copytree(release, folder, ignore=shutil.ignore_patterns(STAGING))
    return folder


def pages(root: Path) -> dict[str, str]:
    """The landing page in every language and the downloads page of the release under root."""
    client = Client(root)
    try:
        answers = {path: client.get(path) for path in PAGES}
    finally:
        client.close()
    assert all(a.status_code == 200 for a in answers.values()), {p: a.status_code for p, a in answers.items()}
    return {path: str(answer.text) for path, answer in answers.items()}


@pytest.fixture
def no_csv_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Path]]:
    """The CSV files the site's facts read from now on (none are read: each is only noted)."""
    read: list[Path] = []

    def noted(path: Path) -> Iterator[dict[str, str]]:
        read.append(path)
        return iter(())

    monkeypatch.setattr(etl.site.facts, "read_csv_rows", noted)
    yield read


def test_the_build_keeps_what_the_data_say_in_the_release(mixed_release: Path) -> None:
    kept = json.loads((mixed_release / RELEASE_FACTS).read_text(encoding="utf-8"))
    assert kept["format"] == DATA_FACTS_FORMAT
    facts = data_facts(mixed_release)
    assert DataFacts.from_json(kept) == facts == read_data_facts(mixed_release)
    assert facts.languages == ("en", "fr", "nl")
    assert facts.headline is not None and facts.headline.total > 0
    assert facts.earliest is not None and facts.latest is not None and facts.earliest < facts.latest
    assert set(facts.publications) == {
        p.parent.name for p in mixed_release.glob("datapackages/*/datapackage.json")
    }


def test_serving_reads_the_kept_facts_not_the_csv_files(
    mixed_release: Path, tmp_path: Path, no_csv_reads: list[Path]
) -> None:
    root = copy_release(mixed_release, tmp_path / "release")
    pages(root)
    assert no_csv_reads == []


def test_a_release_without_the_file_reads_its_csv_files(
    mixed_release: Path, tmp_path: Path, no_csv_reads: list[Path]
) -> None:
    root = copy_release(mixed_release, tmp_path / "release")
    (root / RELEASE_FACTS).unlink()
    pages(root)
    assert {p.name for p in no_csv_reads} >= {"articles.csv", "post_totals.csv", "sources.csv"}


@pytest.mark.parametrize("kept", [None, "{", '{"format": 0}', '{"format": 1, "languages": 3}'])
def test_the_pages_are_the_same_with_the_kept_facts_or_without(
    mixed_release: Path, tmp_path: Path, kept: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = pages(copy_release(mixed_release, tmp_path / "kept"))
    root = copy_release(mixed_release, tmp_path / "release")
    if kept is None:
        (root / RELEASE_FACTS).unlink()
    else:
        (root / RELEASE_FACTS).write_text(kept, encoding="utf-8")
    assert read_data_facts(root) == data_facts(mixed_release)
    said = capsys.readouterr().err.splitlines()
    if kept is None:  # a release built before its facts were kept: nothing wrong with it
        assert said == []
    else:
        assert said and said[0].startswith(f"warning: {root / RELEASE_FACTS}: ") and "CSV files" in said[0]
    found = pages(root)
    for path in PAGES:
        assert found[path] == expected[path], path


def test_the_kept_facts_are_those_of_a_release_with_no_headline_or_publication(tmp_path: Path) -> None:
    root = tmp_path / "release"
    (root / "datapackages" / "empty").mkdir(parents=True)
    (root / "datapackages" / "empty" / "datapackage.json").write_text("{}", encoding="utf-8")
    facts = data_facts(root)
    assert facts == DataFacts(None, None, (), None, {"empty": ()}, None)
    assert DataFacts.from_json(json.loads(json.dumps(facts.as_json()))) == facts
