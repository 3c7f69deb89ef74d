"""The command line: help with examples, the extract interface, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from etl.cli import main
from tests.conftest import SEED

COMMANDS = sorted(main.commands)
EXTRACT_KEYS = {"source", "article", "paragraphs", "quotes", "persons", "events", "post_counts", "warnings"}


@pytest.mark.parametrize("command", COMMANDS)
def test_command_has_help_with_example(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and f"diplodata {command}" in result.output


def test_commands_are_the_promised_ones() -> None:
    assert {"build", "validate", "extract", "serve"} <= set(COMMANDS)


def test_extract_json_prints_one_object_per_file() -> None:
    result = CliRunner().invoke(main, ["extract", str(SEED), str(SEED), "--json"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 2
    facts = json.loads(lines[0])
    assert set(facts) >= EXTRACT_KEYS
    assert len(facts["post_counts"]) == 6 and facts["events"][0]["start_date"] == "2025-02-03"


def test_extract_json_keys_are_resource_columns() -> None:
    from etl.specs import resource_specs

    facts = json.loads(CliRunner().invoke(main, ["extract", str(SEED), "--json"]).output)
    specs = resource_specs()
    assert set(facts["article"]) == set(specs["articles"].field_names)
    assert set(facts["source"]) == set(specs["sources"].field_names)
    for resource in (
        "paragraphs",
        "quotes",
        "persons",
        "person_roles",
        "events",
        "event_speakers",
        "event_participant_groups",
        "event_themes",
        "post_counts",
        "post_totals",
    ):
        # The typed companions of dates (as_of_start, as_of_end) are derived when merging.
        derived = {name for _, *bounds in specs[resource].periods for name in bounds}
        for row in facts[resource]:
            assert list(row) == [f for f in specs[resource].field_names if f not in derived], resource


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "file not found"),
        (b"", "empty file"),
        (b"ab\x00cd", "binary content"),
        (b"caf\xe9", "not UTF-8"),
    ],
)
def test_extract_bad_input_gives_one_line_error(tmp_path: Path, content: bytes | None, reason: str) -> None:
    path = tmp_path / "article.txt"
    if content is not None:
        path.write_bytes(content)
    result = subprocess.run(
        [sys.executable, "-m", "etl", "extract", str(path), str(SEED), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1 and reason in errors[0] and str(path) in errors[0]
    assert "Traceback" not in result.stderr
    assert len(result.stdout.strip().splitlines()) == 1  # the good file still went through


def test_validate_unknown_package_is_one_line_error() -> None:
    result = CliRunner().invoke(main, ["validate", "no-such-package"])
    assert result.exit_code == 1
    assert "unknown package no-such-package" in result.output


def test_validate_json_reports_committed_packages_valid() -> None:
    result = CliRunner().invoke(main, ["validate", "--json"])
    report = json.loads(result.output)
    assert result.exit_code == 0 and report["valid"] and report["problems"] == []
    assert len(report["packages"]) == 3


def test_extract_reads_a_file_whose_yaml_neighbour_is_no_provenance_record(tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_bytes(SEED.read_bytes())
    (tmp_path / "article.yml").write_text("style: seed\nlanguage: en\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "etl", "extract", str(article), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "is no provenance record" not in result.stderr and "extracting" in result.stderr
    assert len(json.loads(result.stdout)["post_counts"]) == 6
