"""The published packages: valid, described, reproducible, and checked by the project's checks."""

from __future__ import annotations

import csv
import datetime
import hashlib
import json
import shutil
from pathlib import Path

import frictionless
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import etl.package.rules
import etl.package.validate
from etl.build import build
from etl.layout import DATABASE, DATAPACKAGES, METADATA, ROOT
from etl.package.validate import validate_release
from etl.specs import load_packages

PACKAGES = [p.name for p in load_packages()]
SEED_ID = "000_03760b43a54f4e20"


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file under a folder by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("package", PACKAGES)
def test_committed_package_validates_without_errors_or_warnings(package: str) -> None:
    report = frictionless.validate(str(ROOT / DATAPACKAGES / package / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "message"])
    assert report.warnings == [] and all(task.warnings == [] for task in report.tasks)
    assert report.stats["tasks"] == 2 * len(load_packages()[PACKAGES.index(package)].resources)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_field_is_described(package: str) -> None:
    descriptor = json.loads((ROOT / DATAPACKAGES / package / "datapackage.json").read_text())
    for key in ("name", "title", "description", "version", "created", "licenses", "sources", "contributors"):
        assert descriptor.get(key), key
    for resource in descriptor["resources"]:
        assert resource["description"] and resource["type"] == "table"
        if resource["format"] == "csv":
            assert resource["bytes"] and resource["hash"].startswith("sha256:")
            assert resource["encoding"] == "utf-8"
        else:  # frictionless cannot count a Parquet file's bytes: they are in SHA256SUMS
            assert resource["format"] == "parquet" and "hash" not in resource
        for field in resource["schema"]["fields"]:
            assert field.get("description"), f"{resource['name']}.{field['name']} has no description"


def test_committed_release_equals_a_fresh_build(release: Path) -> None:
    assert files_under(release / DATAPACKAGES) == files_under(ROOT / DATAPACKAGES), (
        "datapackages/ is stale: run `diplodata build` and commit"
    )
    assert (release / METADATA).read_bytes() == (ROOT / METADATA).read_bytes()


def test_two_builds_give_identical_bytes(release: Path, tmp_path: Path) -> None:
    build(root=tmp_path)
    assert files_under(tmp_path / DATAPACKAGES) == files_under(release / DATAPACKAGES)
    assert (tmp_path / DATABASE).read_bytes() == (release / DATABASE).read_bytes()
    assert (tmp_path / "downloads").exists()
    assert files_under(tmp_path / "downloads") == files_under(release / "downloads")


def test_packages_load_in_pandas() -> None:
    counts = pd.read_csv(ROOT / DATAPACKAGES / "diplomacy-network" / "data" / "post_counts.csv")
    assert counts[counts["source"] == SEED_ID]["count"].sum() == 115
    from_json = pd.read_json(ROOT / DATAPACKAGES / "diplomacy-network" / "data" / "post_counts.json")
    assert sorted(from_json["post_type"]) == sorted(counts["post_type"])


# The project's own checks, each shown failing on a deliberately broken copy of the release.


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A writable copy of the committed packages."""
    shutil.copytree(ROOT / DATAPACKAGES, tmp_path / DATAPACKAGES)
    return tmp_path / DATAPACKAGES


def rewrite_csv(root: Path, package: str, resource: str, change: dict[str, str], row: int = 0) -> None:
    """Change cells of one row of a resource, in its CSV, its JSON copy and its Parquet twin, and
    refresh the descriptor's bytes and hashes, so that only the project's own checks can catch the
    change."""
    path = root / package / "data" / f"{resource}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[row].update(change)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    descriptor_path = root / package / "datapackage.json"
    descriptor = json.loads(descriptor_path.read_text())
    json_path = root / package / "data" / f"{resource}.json"
    copy = json.loads(json_path.read_text(encoding="utf-8"))
    fields = {
        f["name"]: f["type"]
        for e in descriptor["resources"]
        if e["name"] == resource
        for f in e["schema"]["fields"]
    }
    copy[row].update({k: typed(v, fields[k]) for k, v in change.items()})
    json_path.write_text(json.dumps(copy, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    parquet_path = root / package / "data" / f"{resource}.parquet"
    table = pq.read_table(parquet_path)
    twin = table.to_pylist()
    twin[row].update({k: typed(v, fields[k], dates=True) for k, v in change.items()})
    pq.write_table(pa.Table.from_pylist(twin, schema=table.schema), parquet_path)
    for entry in descriptor["resources"]:
        if entry["path"] in (f"data/{resource}.csv", f"data/{resource}.json"):
            data = (root / package / entry["path"]).read_bytes()
            entry["bytes"], entry["hash"] = len(data), "sha256:" + hashlib.sha256(data).hexdigest()
    descriptor_path.write_text(json.dumps(descriptor, indent=2))


def typed(value: str, kind: str, dates: bool = False) -> object:
    """A CSV cell as the JSON copy holds it (or the Parquet twin, with dates)."""
    if value == "":
        return None
    if kind == "date" and dates:
        return datetime.date.fromisoformat(value)
    if kind == "integer":
        return int(value)
    if kind == "number":
        return float(value)
    if kind == "boolean":
        return value == "true"
    return value


def row_index(root: Path, package: str, resource: str, column: str, value: str) -> int:
    """The index of the first row of a resource whose column has a value."""
    with (root / package / "data" / f"{resource}.csv").open(encoding="utf-8", newline="") as handle:
        return next(i for i, row in enumerate(csv.DictReader(handle)) if row[column] == value)


def checks_failed(root: Path) -> set[str]:
    return {p.check for p in validate_release(root)}


def test_validate_release_accepts_committed_packages() -> None:
    assert validate_release(ROOT / DATAPACKAGES) == []


def test_validate_release_catches_a_span_that_does_not_reproduce(broken: Path) -> None:
    rewrite_csv(broken, "diplomacy-network", "post_counts", {"char_start": "3301"})
    problems = validate_release(broken)
    assert [p.check for p in problems] == ["span"]
    assert "diplomacy-network/post_counts row 2 field evidence" in str(problems[0])


def test_validate_release_catches_an_unflagged_total(broken: Path) -> None:
    rewrite_csv(broken, "diplomacy-network", "post_totals", {"total": "116", "parts_sum": "115"})
    assert checks_failed(broken) == {"totals"}


def test_validate_release_in_a_pool_finds_what_one_process_finds(
    broken: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rewrite_csv(broken, "diplomacy-network", "post_totals", {"total": "116", "parts_sum": "115"})
    (broken / "diplomacy-news" / "data" / "articles.json").write_text("[\n{}\n]\n", encoding="utf-8")
    alone = validate_release(broken, jobs=1)
    monkeypatch.setattr(etl.package.validate, "POOL_BYTES", 0)
    pooled = validate_release(broken, jobs=2)
    assert pooled == alone
    assert {p.check for p in pooled} == {"totals", "copy"}


def test_validate_release_catches_a_wrong_parts_sum(broken: Path) -> None:
    rewrite_csv(broken, "diplomacy-network", "post_totals", {"parts_sum": "114", "total": "114"})
    assert checks_failed(broken) == {"totals"}


def test_validate_release_catches_end_before_start(broken: Path) -> None:
    row = row_index(broken, "diplomacy-events", "events", "id", "diplomatic-contact-days-2025")
    rewrite_csv(broken, "diplomacy-events", "events", {"end_date": "2025-02-01"}, row=row)
    assert checks_failed(broken) == {"dates"}


def test_validate_release_catches_a_duplicate_key(broken: Path) -> None:
    rewrite_csv(broken, "diplomacy-network", "post_counts", {"post_type": "consulate"}, row=0)
    assert "primary-key" in checks_failed(broken)


def test_validate_release_catches_a_dangling_foreign_key(broken: Path) -> None:
    rewrite_csv(broken, "diplomacy-news", "quotes", {"person": "nobody-known"})
    assert "foreign-key" in checks_failed(broken)


def test_validate_release_catches_a_stale_hash(broken: Path) -> None:
    path = broken / "diplomacy-network" / "data" / "post_counts.csv"
    path.write_bytes(path.read_bytes().replace(b"87", b"88"))
    assert "hash-count" in checks_failed(broken)


def test_validate_release_catches_rows_lost_to_a_stray_quote(broken: Path) -> None:
    path = broken / "diplomacy-network" / "data" / "post_types.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\nconsulate,", '\n"consulate,', 1), encoding="utf-8")
    rewrite_csv(broken, "diplomacy-network", "post_types", {})
    assert checks_failed(broken) & {
        "row-count",
        "primary-key",
        "constraint-error",
        "blank-row",
        "type-error",
        "extra-cell",
        "missing-cell",
    }


def test_validate_release_reports_a_csv_header_that_is_not_the_fields(broken: Path) -> None:
    path = broken / "diplomacy-network" / "data" / "post_types.csv"
    data = b"not,the,fields\n" + path.read_bytes().split(b"\n", 1)[1]
    path.write_bytes(data)
    descriptor_path = broken / "diplomacy-network" / "datapackage.json"
    descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    entry = next(e for e in descriptor["resources"] if e["path"] == "data/post_types.csv")
    entry["bytes"], entry["hash"] = len(data), "sha256:" + hashlib.sha256(data).hexdigest()
    descriptor_path.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    problems = validate_release(broken)
    copies = [
        p for p in problems if p.check == "copy" and p.resource in ("post_types_json", "post_types_parquet")
    ]
    assert len(copies) == 2 and all("the CSV's columns are not the fields" in str(p) for p in copies)


def test_a_resource_unchanged_since_a_validated_release_is_not_checked_again(broken: Path) -> None:
    validated = ROOT / DATAPACKAGES
    specs = {p.name: p for p in load_packages()}
    network = broken / "diplomacy-network"
    tasks = etl.package.validate.package_tasks(
        network, specs["diplomacy-network"], validated / "diplomacy-network" / "datapackage.json"
    )
    assert tasks == [("metadata", "")]  # every file the validated release's bytes
    rewrite_csv(broken, "diplomacy-network", "post_counts", {"count": "88"})
    (network / "data" / "post_types.json").write_text("[\n{}\n]\n", encoding="utf-8")  # its CSV as it was
    tasks = etl.package.validate.package_tasks(
        network, specs["diplomacy-network"], validated / "diplomacy-network" / "datapackage.json"
    )
    assert set(tasks) == {
        ("metadata", ""),
        ("frictionless", "post_counts"),
        ("references", "post_counts"),
        ("json", "post_counts"),
        ("parquet", "post_counts"),
        ("json", "post_types"),
    }
    problems = validate_release(broken, validated=validated)
    assert "post_types_json" in {p.resource for p in problems}


def test_the_own_checks_of_a_release_read_again_only_what_a_changed_text_touches(
    broken: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    validated = ROOT / DATAPACKAGES
    read: list[str] = []
    original = etl.package.rules.check_spans

    def noting(rows, package, spec, texts):  # type: ignore[no-untyped-def]
        if spec.span is not None:
            read.append(f"{package}/{spec.name}")
        return original(rows, package, spec, texts)

    monkeypatch.setattr(etl.package.rules, "check_spans", noting)
    assert validate_release(broken, validated=validated) == [] and read == []  # all settled there
    assert validate_release(broken) == [] and "diplomacy-network/post_counts" in read  # none settled
    # the seed's text changed where a count's evidence is: the counts, unchanged, are read again
    with (broken / "diplomacy-network" / "data" / "post_counts.csv").open(encoding="utf-8") as handle:
        count = next(row for row in csv.DictReader(handle) if row["source"] == SEED_ID and row["char_start"])
    with (broken / "diplomacy-news" / "data" / "articles.csv").open(encoding="utf-8") as handle:
        body = next(csv.DictReader(handle))["body"]
    start, end = int(count["char_start"]), int(count["char_end"])
    rewrite_csv(
        broken, "diplomacy-news", "articles", {"body": body[:start] + "#" * (end - start) + body[end:]}
    )
    read.clear()
    problems = validate_release(broken, validated=validated)
    assert "diplomacy-network/post_counts" in read
    assert any(p.check == "span" and p.resource == "post_counts" for p in problems)
    assert "body-hash" in {p.check for p in problems}


def test_resources_settled_by_a_validated_release_are_those_citing_no_changed_text(broken: Path) -> None:
    specs = load_packages()
    packages = [(broken / s.name, s, ROOT / DATAPACKAGES / s.name / "datapackage.json") for s in specs]
    spans = {s.name: {r.name for r in s.resources if r.span is not None} for s in specs}
    everything = {s.name: frozenset(s.resource_names) for s in specs}
    assert etl.package.validate.settled_resources(packages, set()) == everything
    assert etl.package.validate.settled_resources(packages, {"no-such-article"}) == everything
    cited = etl.package.validate.settled_resources(packages, {SEED_ID})
    assert "post_counts" in spans["diplomacy-network"] and "post_counts" not in cited["diplomacy-network"]
    for spec in specs:  # a resource with spans is settled when its file does not name the seed
        citing = {
            n for n in spans[spec.name] if SEED_ID in (broken / spec.name / "data" / f"{n}.csv").read_text()
        }
        assert citing and cited[spec.name] == everything[spec.name] - citing
    unknown = etl.package.validate.settled_resources(packages, None)  # (the texts not known)
    assert all(unknown[s.name] == everything[s.name] - spans[s.name] for s in specs)


def test_an_unchanged_resource_is_validated_again_when_a_key_it_references_may_be_gone(broken: Path) -> None:
    validated = ROOT / DATAPACKAGES
    news = load_packages()[[p.name for p in load_packages()].index("diplomacy-news")]
    folder, previous = broken / "diplomacy-news", validated / "diplomacy-news" / "datapackage.json"
    at = row_index(broken, "diplomacy-news", "persons", "id", "maxime-prevot")
    rewrite_csv(broken, "diplomacy-news", "persons", {"name": "Maxime Prévot (renamed)"}, row=at)
    # (the quotes, unchanged, need only their foreign keys checked again, by our own pass)
    tasks = etl.package.validate.package_tasks(folder, news, previous)
    assert ("references", "quotes") in tasks and ("frictionless", "quotes") not in tasks
    kept = etl.package.validate.package_tasks(folder, news, previous, keys_kept=["persons"])
    assert ("frictionless", "persons") in kept and ("references", "quotes") not in kept
    # (the copies of the quotes, their CSV unchanged, are not checked again either way)
    assert not {("json", "quotes"), ("parquet", "quotes")} & set(
        etl.package.validate.package_tasks(folder, news, previous)
    )
    # a person's id gone: the quotes citing them, unchanged, dangle, and validation finds it
    rewrite_csv(broken, "diplomacy-news", "persons", {"id": "maxime-prevot-gone"}, row=at)
    problems = validate_release(broken, validated=validated)
    assert any(p.check == "foreign-key" and p.resource == "quotes" for p in problems)
