"""Validation of published packages: full frictionless validation of every CSV resource, its
foreign keys by a streaming pass of our own (etl/package/references.py, so that each resource is
validated apart from those it references), the JSON and Parquet copies against their CSV
(etl/package/copies.py), and the project's own checks (etl/package/rules.py), the independent
checks in a pool of processes for a large release."""

from __future__ import annotations

import json
import mmap
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import TypeVar

import frictionless

from etl.apart import FreshPool
from etl.digests import same_bytes
from etl.package.copies import JSON_SUFFIX, PARQUET_SUFFIX, check_json_copies, check_parquet_copies
from etl.package.delta import settled_by_changed_rows
from etl.package.problems import HEADER_ROWS, NO_LIMIT, Problem, report_problems
from etl.package.references import reference_problems
from etl.package.rows import CsvTables, read_rows, stream_rows
from etl.package.rules import NEWS_PACKAGE, StringRows, TableRows, archived_texts, project_problems
from etl.specs import PackageSpec, load_packages

__all__ = [
    "HEADER_ROWS",
    "JSON_SUFFIX",
    "PARQUET_SUFFIX",
    "Problem",
    "StringRows",
    "TableRows",
    "project_problems",
    "read_rows",
    "stream_rows",
    "validate_release",
]
T = TypeVar("T")
# Below this many bytes of CSV, the checks run in the build's process (a pool costs more to start).
POOL_BYTES = 16 * 2**20
# Up to so many articles whose text changed are looked for in the files of unchanged resources.
MAX_SEARCHED = 100


def unchanged_resources(descriptor: Path, previous: Path | None) -> frozenset[str]:
    """The CSV resources of a package whose bytes, hash and schema are those of the same package
    in a validated release (previous: its datapackage.json), which need no second validation."""
    if previous is None or not previous.exists():
        return frozenset()
    try:
        before = {r["name"]: r for r in json.loads(previous.read_text(encoding="utf-8"))["resources"]}
        now = json.loads(descriptor.read_text(encoding="utf-8"))["resources"]
    except (OSError, ValueError, KeyError):
        return frozenset()
    keys = ("path", "bytes", "hash", "schema")
    return frozenset(
        r["name"]
        for r in now
        if r["name"] in before and all(r.get(k) == before[r["name"]].get(k) for k in keys)
    )


def trusted_resources(
    folder: Path, spec: PackageSpec, previous: Path | None, keys_kept: Collection[str] = ()
) -> frozenset[str]:
    """The resources of a package that frictionless need not validate again: unchanged since the
    validated release (unchanged_resources), and each resource their foreign keys reference
    unchanged too, or with every key it had there still there (keys_kept: resources no row of
    which was taken out, as the release's diff says), so that every reference found there is
    found again."""
    same = unchanged_resources(folder / "datapackage.json", previous)
    keys = {r.name: tuple(r.primary_key) for r in spec.resources}

    def still_found(resource: str, fields: tuple[str, ...]) -> bool:
        return resource in same or (resource in keys_kept and keys.get(resource) == fields)

    return frozenset(
        r.name
        for r in spec.resources
        if r.name in same
        and all(
            still_found(fk["reference"]["resource"] or r.name, tuple(fk["reference"]["fields"]))
            for fk in r.schema.get("foreignKeys", [])
        )
    )


def changed_texts(validated: Path, texts: Mapping[str, str]) -> set[str]:
    """The ids of the articles of a validated news package whose body is not the one in texts
    (another, or none)."""
    return {row["id"] for row in stream_rows(validated, "articles") if texts.get(row["id"]) != row["body"]}


def cites_none(path: Path, ids: Collection[str]) -> bool:
    """Whether no id of ids is in a CSV file, read as bytes (an id with a quote, which a cell
    would hold doubled, counts as found)."""
    if any('"' in value for value in ids):
        return False
    if not path.stat().st_size:  # (nothing to map)
        return True
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return not any(data.find(value.encode("utf-8")) >= 0 for value in ids)


def text_changes(root: Path, validated: Path | None, texts: Mapping[str, str]) -> set[str] | None:
    """The ids of the articles of the validated release (a datapackages folder) whose body is not
    the one in texts, the bodies of the release under root (empty when its articles are the
    validated release's bytes); None when not known (no validated release, or one not readable)."""
    if validated is None:
        return None
    news = f"{NEWS_PACKAGE}/datapackage.json"
    if "articles" in unchanged_resources(root / news, validated / news):
        return set()
    try:
        return changed_texts(validated / NEWS_PACKAGE, texts)
    except (OSError, ValueError, KeyError):
        return None


def settled_resources(
    packages: list[tuple[Path, PackageSpec, Path | None]], changed: set[str] | None
) -> dict[str, frozenset[str]]:
    """For each package, the resources the project's own checks need not read again (see
    project_problems): unchanged since the validated release, and their spans' texts too (changed:
    the articles whose text is another, see text_changes). A resource citing such an article is
    checked again; the ids of at most MAX_SEARCHED of them are looked for in the files, beyond
    which (or when changed is not known) every resource with spans is checked again."""
    settled: dict[str, frozenset[str]] = {}
    for folder, spec, previous in packages:
        unchanged = unchanged_resources(folder / "datapackage.json", previous)
        found = set()
        for resource in spec.resources:
            if resource.name not in unchanged:
                continue
            if resource.span is None or changed == set():
                found.add(resource.name)
                continue
            path = folder / "data" / f"{resource.name}.csv"
            if changed is not None and len(changed) <= MAX_SEARCHED and cites_none(path, changed):
                found.add(resource.name)
        settled[spec.name] = frozenset(found)
    return settled


def check_task(
    descriptor: Path, package: str, kind: str, resource: str, validated: Path | None = None
) -> list[Problem]:
    """One check of a package, apart from the others (so that checks can run in parallel): its
    descriptor's metadata, one CSV resource by frictionless but its foreign keys, one resource's
    foreign keys (etl/package/references.py), or one resource's JSON or Parquet copy against its
    CSV. A changed resource of a package that validated (validated: its descriptor) is validated
    on its changed rows alone when that settles it (etl/package/delta.py), else whole."""
    folder = descriptor.parent
    try:
        if kind == "metadata":
            loaded = frictionless.Package(str(descriptor))
            errors = frictionless.Package.metadata_validate(loaded.to_descriptor())
            return [Problem(package, None, None, None, e.message, e.type) for e in errors]
        if kind == "frictionless":  # its foreign keys apart (references), by a pass of our own
            if validated is not None and settled_by_changed_rows(descriptor, validated, resource):
                return []  # (its changed rows sound, the rest as validated: see etl/package/delta.py)
            table = frictionless.Package(str(descriptor)).get_resource(resource)
            table.schema.foreign_keys = []
            return report_problems(table.validate(limit_errors=NO_LIMIT), package)
    except Exception as exc:  # frictionless raises its own errors for unreadable descriptors
        return [Problem(package, None, None, None, f"cannot be validated: {exc}", "frictionless")]
    if kind == "references":
        return reference_problems(descriptor, package, resource)
    spec = next(r for p in load_packages() if p.name == package for r in p.resources if r.name == resource)
    return (check_json_copies if kind == "json" else check_parquet_copies)(folder, package, spec)


def package_tasks(
    folder: Path, spec: PackageSpec, previous: Path | None, keys_kept: Collection[str] = ()
) -> list[tuple[str, str]]:
    """The checks of one package folder as (kind, resource): its metadata, each CSV resource
    changed since the validated release in previous (see unchanged_resources) by frictionless,
    the foreign keys of each resource not trusted from it (see trusted_resources: changed, or
    referencing a resource that may have lost a key), each JSON and Parquet copy but those of an
    unchanged resource that are the validated release's bytes."""
    trusted = trusted_resources(folder, spec, previous, keys_kept)
    same = unchanged_resources(folder / "datapackage.json", previous)
    tasks = [("metadata", "")]
    tasks += [("frictionless", r.name) for r in spec.resources if r.name not in same]
    tasks += [
        ("references", r.name)
        for r in spec.resources
        if r.schema.get("foreignKeys") and r.name not in trusted
    ]
    return tasks + [
        (kind, r.name)
        for r in spec.resources
        for kind in ("json", "parquet")
        if not (r.name in same and previous is not None and same_copy(folder, previous.parent, r.name, kind))
    ]


def same_copy(folder: Path, validated: Path, resource: str, kind: str) -> bool:
    """Whether a resource's copy (json or parquet) has the bytes of the validated release's."""
    name = Path("data") / f"{resource}.{kind}"
    return same_bytes(folder / name, validated / name)


def task_size(folder: Path, kind: str, resource: str) -> int:
    """How much a check reads (its CSV file's bytes), to start the longest first."""
    path = folder / "data" / f"{resource}.csv"
    return path.stat().st_size if resource and path.is_file() else 0


def run_tasks(
    tasks: list[tuple[Path, str, str, str, Path | None]], jobs: int, meanwhile: Callable[[], T]
) -> tuple[list[list[Problem]], T]:
    """The problems of each check, in the order given, and what meanwhile returns: the checks in
    this process (meanwhile after them), or in a pool of jobs processes (the largest checks first)
    when the packages are large enough to be worth it, meanwhile running here as they go."""
    sizes = [task_size(d.parent, kind, resource) for d, _, kind, resource, _ in tasks]
    if jobs <= 1 or sum(sizes) < POOL_BYTES:
        return [check_task(*task) for task in tasks], meanwhile()
    order = sorted(range(len(tasks)), key=lambda i: -sizes[i])
    results: list[list[Problem]] = [[] for _ in tasks]
    with FreshPool(jobs) as pool:  # not forks of the build, which would carry its memory
        futures = {i: pool.submit(check_task, *tasks[i]) for i in order}
        done = meanwhile()
        for i, future in futures.items():
            results[i] = future.result()
    return results, done


def own_checks(
    packages: list[tuple[Path, PackageSpec, Path | None]],
    texts: Mapping[str, str],
    changed: set[str] | None = None,
) -> dict[str, list[Problem] | Exception]:
    """The project's own checks of each package whose descriptor exists (but those a validated
    release settled: see settled_resources), or the error they raised (raised again only if
    frictionless finds the package's files sound: see validate_packages)."""
    found: dict[str, list[Problem] | Exception] = {}
    try:
        settled = settled_resources(packages, changed)
    except OSError:  # (a file frictionless finds missing or broken: all checked)
        settled = {}
    for folder, spec, _ in packages:
        if (folder / "datapackage.json").exists():
            try:
                rows = CsvTables(folder, spec.resource_names)
                found[spec.name] = project_problems(rows, spec, texts, settled.get(spec.name, ()))
            except Exception as error:  # (a file frictionless finds broken may not be readable here)
                found[spec.name] = error
    return found


def validate_packages(
    packages: list[tuple[Path, PackageSpec, Path | None]],
    texts: Mapping[str, str],
    jobs: int,
    keys_kept: Collection[tuple[str, str]] = (),
    changed: Callable[[], set[str] | None] = lambda: None,
) -> list[Problem]:
    """Every problem of some package folders, each with the validated release's descriptor to skip
    unchanged resources by (and keys_kept: see trusted_resources, by (package, resource); changed:
    the articles whose text changed since, see settled_resources, found meanwhile):
    frictionless, the copies' checks (in jobs processes) and the project's own checks (in this
    process meanwhile). A package whose files' bytes, hashes or scheme are wrong is given only
    frictionless's problems."""
    tasks, owners = [], []
    for folder, spec, previous in packages:
        descriptor = folder / "datapackage.json"
        if descriptor.exists():
            kept = [resource for package, resource in keys_kept if package == spec.name]
            for kind, resource in package_tasks(folder, spec, previous, kept):
                tasks.append((descriptor, spec.name, kind, resource, previous))
                owners.append(spec.name)
    results, own = run_tasks(tasks, jobs, lambda: own_checks(packages, texts, changed()))
    problems = []
    for folder, spec, _ in packages:
        descriptor = folder / "datapackage.json"
        if not descriptor.exists():
            problems.append(Problem(spec.name, None, None, None, f"{descriptor} is missing", "missing"))
            continue
        mine = [
            (task, found)
            for task, owner, found in zip(tasks, owners, results, strict=True)
            if owner == spec.name
        ]
        checked = [
            p for task, found in mine if task[2] in ("metadata", "frictionless", "references") for p in found
        ]
        unreadable = [p for p in checked if p.check == "frictionless"]
        if unreadable:  # the descriptor itself: said once
            problems.append(unreadable[0])
            continue
        problems += checked
        if any(p.check in ("hash-count", "byte-count", "scheme-error") for p in checked):
            continue
        problems += [p for task, found in mine if task[2] in ("json", "parquet") for p in found]
        checks = own[spec.name]
        if isinstance(checks, Exception):
            raise checks
        problems += checks
    return problems


def validate_release(
    root: Path,
    names: list[str] | None = None,
    validated: Path | None = None,
    jobs: int = 1,
    keys_kept: Collection[tuple[str, str]] = (),
) -> list[Problem]:
    """Every problem of the packages of a datapackages folder (all packages, or those named), its
    checks in jobs processes; a resource unchanged since the release in validated (a datapackages
    folder that passed, made by the same code), whose references are all still found (keys_kept:
    the (package, resource) none of whose keys in validated was taken out), is not parsed by
    frictionless again, nor read by the project's checks when the texts of its spans are the same."""
    packages = [
        (
            root / spec.name,
            spec,
            validated / spec.name / "datapackage.json" if validated is not None else None,
        )
        for spec in load_packages()
        if not names or spec.name in names
    ]
    texts = archived_texts(root)
    return validate_packages(packages, texts, jobs, keys_kept, lambda: text_changes(root, validated, texts))
