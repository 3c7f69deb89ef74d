"""The package specs in three languages: every title and description of etl/schemas/ is written in
English, Dutch and French, a text missing in a language is named with its file and entry, and the
translations reach the descriptors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from etl.cli import main
from etl.layout import DATAPACKAGES, ROOT, SCHEMAS_DIR
from etl.specs import (
    LANGUAGES,
    SpecError,
    check_texts,
    load_packages,
    load_project,
    missing_texts,
    schema_text_problems,
    text_key,
)

TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]


def every_text(packages: Any, project: dict[str, Any]) -> list[tuple[str, dict[str, Any], str]]:
    """Every entry of the loaded specs with a title or description, where it is and the key."""
    found: list[tuple[str, dict[str, Any], str]] = [("project", project, k) for k in ("title", "description")]
    for name, query in project["queries"].items():
        for key in ("title", "description", "description_html"):
            if key in query:
                found.append((f"queries.{name}", query, key))
    for package in packages:
        for key, by_language in (("title", package.titles), ("description", package.descriptions)):
            found.append((package.name, {text_key(key, lang): v for lang, v in by_language.items()}, key))
        for resource in package.resources:
            for key, by_language in (("title", resource.titles), ("description", resource.descriptions)):
                entry = {text_key(key, lang): v for lang, v in by_language.items()}
                found.append((f"{package.name}/{resource.name}", entry, key))
            for field in resource.schema["fields"]:
                for key in ("title", "description"):
                    found.append((f"{package.name}/{resource.name}.{field['name']}", field, key))
    return found


def test_every_text_of_the_schemas_is_written_in_every_language() -> None:
    assert check_texts() == []
    texts = every_text(load_packages(), load_project())
    assert len(texts) > 300  # the project, 8 queries, 3 packages, their resources and fields
    for where, entry, key in texts:
        for lang in TRANSLATED:
            value = entry.get(text_key(key, lang))
            assert isinstance(value, str) and value.strip(), f"{where}: {text_key(key, lang)}"
            if key != "title":  # a title may read the same (Participants, Code, Sources)
                assert value != entry[key], f"{where}: {text_key(key, lang)} is the English text"


def test_translations_keep_the_codes_the_english_names() -> None:
    """A description naming a field's codes (enum values) names them in every language."""
    for package in load_packages():
        for resource in package.resources:
            for field in resource.schema["fields"]:
                for code in field.get("constraints", {}).get("enum", []):
                    if code in field["description"] and len(code) > 3:
                        for lang in TRANSLATED:
                            assert code in field[text_key("description", lang)], (
                                resource.name,
                                field["name"],
                            )


FAKE_PACKAGE = {
    "name": "fake",
    "title": "Fake",
    "title_nl": "Nep",
    "title_fr": "Faux",
    "description": "A fake package.",
    "description_nl": "Een neppakket.",
    "description_fr": "Un faux paquet.",
    "resources": [
        "sources",  # a shared resource by its name: checked in resources.yml
        {
            "name": "things",
            "title": "Things",
            "title_nl": "Dingen",
            "title_fr": "Choses",
            "description": "Some things.",
            "description_nl": "Wat dingen.",
            "description_fr": "   ",
            "schema": {
                "fields": [
                    "source",  # a shared field by its name: checked in fields.yml
                    {
                        "name": "id",
                        "type": "string",
                        "title": "Identifier",
                        "title_fr": "Identifiant",
                        "description": "The thing's identifier.",
                        "description_nl": "De identificatiecode.",
                        "description_fr": "L'identifiant.",
                    },
                ]
            },
        },
    ],
}


def test_the_checker_names_each_missing_or_empty_text_of_a_broken_package() -> None:
    assert schema_text_problems("etl/schemas/fake.yml", FAKE_PACKAGE) == [
        "etl/schemas/fake.yml: things: description_fr is empty",
        "etl/schemas/fake.yml: things.id: title_nl is missing",
    ]
    whole = {k: v for k, v in FAKE_PACKAGE.items() if k != "title_fr"}
    assert schema_text_problems("fake.yml", whole)[0] == "fake.yml: package: title_fr is missing"


def test_the_checker_reads_each_kind_of_schema_file() -> None:
    fields = {"char_start": {"type": "integer", "title": "Start", "title_nl": "Begin", "title_fr": "Début"}}
    assert schema_text_problems("fields.yml", fields) == []
    fields["char_start"]["description"] = "Where it starts."
    assert schema_text_problems("fields.yml", fields) == [
        "fields.yml: char_start: description_nl is missing",
        "fields.yml: char_start: description_fr is missing",
    ]
    shared = {"sources": {"title": "Sources", "title_nl": "Bronnen", "title_fr": "Sources", "schema": {}}}
    assert schema_text_problems("resources.yml", shared) == []
    shared["sources"]["title_nl"] = ""
    assert schema_text_problems("resources.yml", shared) == ["resources.yml: sources: title_nl is empty"]
    project = {
        "title": "P",
        "title_nl": "P",
        "title_fr": "P",
        "keywords": ["a"],
        "keywords_nl": ["a"],
        "keywords_fr": [],
        "queries": {
            "chart": {
                "title": "Chart",
                "title_nl": "Grafiek",
                "title_fr": "Graphique",
                "description_html": "A <a href='#'>chart</a>.",
                "description_html_nl": "Een <a href='#'>grafiek</a>.",
            }
        },
    }
    assert schema_text_problems("project.yml", project) == [
        "project.yml: project: keywords_fr is empty",
        "project.yml: queries.chart: description_html_fr is missing",
    ]


def test_missing_texts_needs_no_translation_of_a_text_that_is_not_there() -> None:
    assert missing_texts("x", {"name": "id", "type": "string"}) == []
    assert missing_texts("x", {"title": "T", "title_nl": "T", "title_fr": None}) == ["x: title_fr is empty"]


@pytest.fixture
def broken_schemas(tmp_path: Path) -> Path:
    """A copy of etl/schemas/ whose shared field char_start has lost its French title."""
    folder = tmp_path / "schemas"
    shutil.copytree(SCHEMAS_DIR, folder)
    path = folder / "fields.yml"
    text = path.read_text(encoding="utf-8")
    assert "  title_fr: Position de début\n" in text
    path.write_text(text.replace("  title_fr: Position de début\n", "", 1), encoding="utf-8")
    return folder


def test_loading_broken_schemas_stops_with_one_line_naming_the_file_and_the_key(broken_schemas: Path) -> None:
    with pytest.raises(SpecError) as raised:
        load_packages(broken_schemas)
    assert raised.value.problems == [f"{broken_schemas / 'fields.yml'}: char_start: title_fr is missing"]
    assert str(raised.value) == raised.value.problems[0]
    with pytest.raises(SpecError):
        load_project(broken_schemas)


def test_the_build_reports_a_missing_translation_and_publishes_nothing(
    broken_schemas: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import etl.build

    monkeypatch.setattr(etl.build, "load_packages", lambda: load_packages(broken_schemas))
    root = tmp_path / "release"
    result = CliRunner().invoke(main, ["build", "--quiet", "--root", str(root)])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [f"error: {broken_schemas / 'fields.yml'}: char_start: title_fr is missing"]
    assert not (root / DATAPACKAGES).exists()


def test_schema_files_name_no_yaml_boolean_keys() -> None:
    """YAML 1.1 reads keys such as `no` or `on` as booleans: every key of the schemas is a string."""

    def keys(value: Any) -> list[Any]:
        """Every mapping key in a value, at any depth."""
        if isinstance(value, dict):
            return list(value) + [k for v in value.values() for k in keys(v)]
        if isinstance(value, list):
            return [k for v in value for k in keys(v)]
        return []

    for path in sorted(SCHEMAS_DIR.glob("*.yml")):
        assert all(isinstance(k, str) for k in keys(yaml.safe_load(path.read_text(encoding="utf-8")))), path


@pytest.mark.parametrize("package", [p.name for p in load_packages()])
def test_descriptors_carry_every_text_in_every_language(package: str) -> None:
    spec = next(p for p in load_packages() if p.name == package)
    descriptor = json.loads((ROOT / DATAPACKAGES / package / "datapackage.json").read_text(encoding="utf-8"))
    for lang in LANGUAGES:
        assert descriptor[text_key("title", lang)] == spec.titles[lang]
        assert descriptor[text_key("description", lang)] == spec.descriptions[lang]
        assert descriptor[text_key("keywords", lang)] == load_project()[text_key("keywords", lang)]
    resources = {r["name"]: r for r in descriptor["resources"]}
    for resource in spec.resources:
        for name, suffix in ((resource.name, ""), (f"{resource.name}_parquet", " (Parquet)")):
            entry = resources[name]
            for lang in LANGUAGES:
                assert entry[text_key("title", lang)] == resource.titles[lang] + suffix
                assert entry[text_key("description", lang)] == resource.descriptions[lang]
            assert entry["schema"]["fields"] == resource.schema["fields"]  # JSON: outside the descriptor
            for field in entry["schema"]["fields"]:
                assert all(field.get(text_key("title", lang)) for lang in LANGUAGES), (name, field["name"])
                assert all(field.get(text_key("description", lang)) for lang in LANGUAGES), (
                    name,
                    field["name"],
                )
