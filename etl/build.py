"""The build: the stages one after the other, raw sources → extraction → curation → packages →
validation → release (database, site metadata and catalogue records beside it), staged aside and
swapped in only when everything validated, so a failed build changes nothing.

One build at a time per root (the release's lock); the swap is atomic and a killed build is undone
by the next one; the data files are written first and the release's version is chosen from them
(a merge join with the previous release's files), then the descriptors, zips and workbooks that
carry it, so that each file is written once; its changes go into CHANGELOG.md and each build
publishes its report."""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from itertools import chain
from pathlib import Path
from typing import Any

from etl.apart import alongside, halves, start_fresh_server
from etl.curate import Decision, OnDisk, Spill, assemble, curated_rows, read_reviews
from etl.digests import CODE_SUFFIXES, FileDigests, folders_digest
from etl.engine import CACHE, Engine
from etl.extract import extract_source
from etl.layout import (
    CHANGELOG,
    DATABASE,
    DATAPACKAGES,
    DOWNLOADS,
    INSPECT,
    METADATA,
    PUBLISHED,
    RAW_DIR,
    REFERENCE_DIR,
    REPORT,
    ROOT,
    STAGING,
)
from etl.memory import give_back
from etl.package import (
    DataFiles,
    Pending,
    Problem,
    ResourceFiles,
    Screened,
    blame,
    data_files,
    package_strings,
    render_dictionary,
    validate_release,
    write_data,
    write_descriptor,
    write_resource,
    write_workbooks,
    write_zip,
)
from etl.raw import Source, SourceError, read_raw, rejected_late
from etl.reference import Reference, load_reference
from etl.release import (
    ERROR,
    ROWS_SUFFIX,
    Breach,
    BuildReport,
    Packed,
    Previous,
    Versioning,
    add_report_tables,
    build_lock,
    check_assertions,
    checkpoint,
    choose_version,
    count_statuses,
    describe,
    find_previous,
    lineage,
    publish,
    recover,
    remove,
    report_from_dict,
    report_inputs,
    resource_rows,
    stage_changelog,
    staged_release,
    staging_folder,
    write_report,
)
from etl.screens import screen_sources
from etl.site import (
    CHECKSUMS,
    DEFAULT_BASE_URL,
    build_database,
    draw_charts,
    inspect_data,
    read_checksums,
    render_metadata,
    site_metadata,
    write_catalog,
    write_checksums,
    write_data_facts,
)
from etl.specs import PackageSpec, load_packages, load_project

Progress = Callable[[str], None]
# The inputs' fingerprint at the last publish, under the build's folder (not published).
FINGERPRINT = "fingerprint.json"
# Beside it, what made the published release (made_by): a build made by the same reuses its files.
MADE_BY = "made-by.txt"
# The libraries whose versions the files of a release depend on (written, checked, loaded).
RELEASE_LIBRARIES = ("frictionless", "pyarrow", "XlsxWriter", "sqlite-utils", "PyYAML")
# Rounds of quarantine: each sets aside every source the checks blame, so one or two suffice.
MAX_ROUNDS = 5
# Below about so many bytes of rows, the data files are written in the build's process alone.
APART_WEIGHT = 16 * 2**20
# The rows of a table in memory whose values are measured to weigh it (see rows_weight).
WEIGHED_ROWS = 1_000
# Beside the extraction cache, what vl-convert drew (the charts and the map), by what it was given.
DRAWINGS = "drawings"
# Beside the extraction cache, the files of raw/ that passed the checks, by their stat (etl/raw/index.py).
RAW_INDEX = "raw.json"
# Beside it, the sha256 of each input file by its stat (etl/digests.py).
DIGESTS = "digests.json"
Tables = dict[str, dict[str, list[dict[str, Any]]]]


class BuildFailed(Exception):
    """The staged release did not validate; the published release was left as it was."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} validation problem(s); the published release is unchanged")
        self.problems = problems


def created_date(sources: list[Source]) -> str:
    """The release's creation time, taken from the inputs (the newest archiving date), not the clock."""
    dates = [str(s.record.get(k)) for s in sources for k in ("archived", "retrieved") if s.record.get(k)]
    return f"{max(dates, default='1970-01-01')[:10]}T00:00:00Z"


def sources_of(extractions: list[dict[str, Any]]) -> set[str]:
    """The ids of the sources of some extractions."""
    return {e["source"]["id"] for e in extractions}


def merge(
    packages: tuple[PackageSpec, ...],
    extractions: list[dict[str, Any]],
    reference: Reference,
    curated: dict[str, list[dict[str, Any]]],
    reviews: list[Decision],
    quarantined: dict[str, str],
    spill: Spill | None = None,
    jobs: int = 1,
) -> tuple[Tables, list[dict[str, Any]]]:
    """The merged rows of the sources not quarantined (the rows put on disk read from the spill);
    a source whose rows contradict a curated fact is quarantined (added to quarantined) and the
    rest merged again. The project's own checks of the merged rows are the validation's (which
    quarantines a source to blame and builds again, see stage_contents): each source's rows were
    checked when it was screened (etl/screens.py), and checking every merged row here as well cost
    every build the time of a second pass over them (3.5 s at 10,000 articles) to spare only a
    failing one a round of writing. With jobs > 1, large tables on disk merge in two processes."""
    for _ in range(MAX_ROUNDS):
        kept = [e for e in extractions if e["source"]["id"] not in quarantined]
        conflicts: dict[str, str] = {}
        spilled = spill.tables(sources_of(kept)) if spill is not None else None
        store = spill.store if spill is not None else list
        tables, warnings = assemble(
            packages, kept, reference, curated, reviews, conflicts, spilled, store, True, jobs > 1
        )
        if not conflicts:
            return tables, warnings
        quarantined.update(conflicts)  # an article contradicting a curated fact; the curated fact kept
    message = f"sources still contradict curated facts after {MAX_ROUNDS} rounds of quarantine"
    raise BuildFailed([Problem("", None, None, None, message, "conflict")])


def keys_kept(versioning: Versioning, packages: tuple[PackageSpec, ...]) -> set[tuple[str, str]]:
    """The (package, resource) none of whose rows in the previous release was taken out (rows
    matched by the resource's primary key), as the release's diff found: the references to them
    found in that release are all found in this one."""
    keys = {(p.name, r.name): tuple(r.primary_key) for p in packages for r in p.resources}
    return {
        (package.name, resource.name)
        for package in versioning.diff.packages
        for resource in package.resources
        if resource.removed_count == 0 and keys.get((package.name, resource.name)) == tuple(resource.key)
    }


def asserted(reference: Reference, tables: Tables) -> list[Breach]:
    """The breaches of the assertions by the rows to publish: a breached minimum stops the build
    (BuildFailed, the published release left as it was), the others are returned to warn about."""
    breaches = check_assertions(reference.assertions, resource_rows(tables))
    errors = [b for b in breaches if b.level == ERROR]
    if errors:
        raise BuildFailed(
            [
                Problem(
                    "assertions",
                    b.table,
                    None,
                    None,
                    f"{b.message} ({b.source or 'the release'})",
                    "assertion",
                )
                for b in errors
            ]
        )
    return breaches


def quarantine(
    report: BuildReport, files: dict[str, str], quarantined: dict[str, str], progress: Progress
) -> None:
    """Move the quarantined sources (files: each source's file) from the report's published
    inputs to its rejected ones."""
    for source, reason in sorted(quarantined.items()):
        error = SourceError(files[source], f"quarantined: {reason}")
        report.rejected.append(error)
        progress(f"quarantined {error}")
    report.inputs = Packed(i for i in report.inputs if i["source"] not in quarantined)


def clear(stage: Path) -> None:
    """Empty a staging folder, to write the release again."""
    for child in stage.iterdir():
        shutil.rmtree(child) if child.is_dir() else child.unlink()


def write_data_files(
    stage: Path,
    packages: tuple[PackageSpec, ...],
    tables: Tables,
    jobs: int = 1,
    reuse: Path | None = None,
) -> dict[str, DataFiles]:
    """Write the data files (CSV, Parquet, JSON) of every package of the release, once (a resource
    whose CSV file comes out as the one in reuse, a datapackages folder made by the same code, has
    that folder's Parquet and JSON files copied: see write_resource): for a large release (and
    jobs > 1), the resources shared between this process and a child forked for them (etl/apart.py
    alongside, which writes both shares here when it cannot fork), the largest first to the side
    with less to write."""
    tasks = [(stage / DATAPACKAGES / p.name, p.name, spec) for p in packages for spec in p.resources]
    weights = [rows_weight(tables[package][spec.name]) for _, package, spec in tasks]

    def reused(package: str) -> Path | None:
        return None if reuse is None else reuse / package

    if jobs <= 1 or sum(weights) < APART_WEIGHT:
        return {
            p.name: write_data(stage / DATAPACKAGES / p.name, p, tables[p.name], reused(p.name))
            for p in packages
        }
    sides = halves(weights)

    def write(indexes: list[int]) -> dict[int, ResourceFiles]:
        return {
            i: write_resource(
                tasks[i][0], tasks[i][2], tables[tasks[i][1]][tasks[i][2].name], reused(tasks[i][1])
            )
            for i in indexes
        }

    there, written = alongside(
        lambda progress: write(sides[1]), lambda: write(sides[0]), lambda message: None
    )
    written.update(there)
    return {
        p.name: data_files([written[i] for i, task in enumerate(tasks) if task[1] == p.name])
        for p in packages
    }


def rows_weight(rows: Sequence[dict[str, Any]]) -> int:
    """About how many bytes a table's rows are: the size of their file on disk, for rows that wait
    there (etl/curate/spill.py), else the length of their values' text (of WEIGHED_ROWS rows spread
    over them, for more: what it tells is only which side writes a table)."""
    if isinstance(rows, OnDisk):
        return rows.stored_bytes()
    step = max(1, len(rows) // WEIGHED_ROWS)
    weighed = rows[::step] if step > 1 else rows
    return step * sum(len(str(value)) for row in weighed for value in row.values() if value is not None)


def write_packages(
    stage: Path,
    packages: tuple[PackageSpec, ...],
    tables: Tables,
    data: dict[str, DataFiles],
    project: dict[str, Any],
    created: str,
    jobs: int = 1,
    reuse: Path | None = None,
) -> Pending:
    """Write what the release's version goes into, beside the data files: every package's
    descriptor and its zip (the entries of the files of the datapackages folder reuse, made by the
    same code, copied from its release's zips: see write_zip), its workbook (from its data files;
    for large packages in jobs processes that go on as the build does, the Pending returned), and
    the data dictionary."""

    def descriptors_and_zips() -> None:
        for package in packages:
            rows, folder = tables[package.name], stage / DATAPACKAGES / package.name
            files = write_descriptor(
                folder,
                package,
                data[package.name],
                project,
                created,
                rows.get("sources") or rows.get("articles", []),
            )
            name = f"{package.name}.zip"
            previous = None if reuse is None else (reuse.parent / DOWNLOADS / name, reuse / package.name)
            write_zip(stage / DOWNLOADS / name, folder, files, previous)

    pending = write_workbooks(
        stage / DOWNLOADS, stage / DATAPACKAGES, packages, project, jobs, descriptors_and_zips, reuse
    )
    (stage / DATAPACKAGES / "README.md").write_bytes(render_dictionary(packages, project))
    return pending


def stage_release(
    stage: Path,
    raw_dir: Path,
    reference_dir: Path,
    progress: Progress,
    base_url: str = DEFAULT_BASE_URL,
    root: Path = ROOT,
    engine: Engine | None = None,
) -> BuildReport:
    """Build a complete release into a staging folder and validate it; raise BuildFailed if invalid.
    Its version and changelog follow the release published under root (or the checkout's). The
    largest resources' rows wait on disk in a folder beside the stage, removed after."""
    spill_folder = stage.with_name(stage.name + ROWS_SUFFIX)
    try:
        return stage_contents(stage, raw_dir, reference_dir, progress, base_url, root, engine, spill_folder)
    finally:
        shutil.rmtree(spill_folder, ignore_errors=True)


@dataclass
class Extracted:
    """What the build keeps of reading raw/ and extracting its sources: the screened extractions
    (their largest resources on disk, in the spill), the report of the inputs, the release's
    creation time and each source's file."""

    screened: Screened
    spill: Spill
    report: BuildReport
    created: str
    files: dict[str, str]


def extract_sources(
    raw_dir: Path,
    reference_dir: Path,
    packages: tuple[PackageSpec, ...],
    engine: Engine,
    spill_folder: Path,
    progress: Progress,
) -> Extracted:
    """Read raw/ and extract every source (the cached extractions read), each extraction screened
    as it comes and the rows of its largest resources put on disk under spill_folder. The build
    runs this in a child process (etl/apart.py): the sources' records and the extractions are the
    child's memory, given back when it ends."""
    reference = load_reference(reference_dir)
    index = None if engine.cache is None else engine.cache.parent / RAW_INDEX
    raw = read_raw(raw_dir, reference.site, index, engine.full, engine.workers)
    for rejected in raw.rejected:
        progress(f"rejected {rejected}")
    for old in raw.superseded:
        progress(f"superseded {old.source.file}: {old.reason}")
    progress(f"extracting {len(raw.sources)} source(s)")
    spill = Spill(spill_folder, packages)
    unreadable: list[SourceError] = []
    screened = screen_sources(
        raw.sources, reference_dir, engine, packages, spill.take, unreadable, extract_source
    )
    spill.close()
    for rejected in unreadable:  # a file changed since it was checked
        progress(f"rejected {rejected}")
    raw = rejected_late(raw, unreadable)
    return Extracted(
        screened,
        spill,
        report_inputs(raw),
        created_date(raw.sources),
        {sys.intern(s.id): s.file for s in raw.sources},  # (the ids the spill notes: one object each)
    )


def stage_contents(
    stage: Path,
    raw_dir: Path,
    reference_dir: Path,
    progress: Progress,
    base_url: str,
    root: Path,
    engine: Engine | None,
    spill_folder: Path,
) -> BuildReport:
    """What stage_release builds, the largest resources' rows put on disk under spill_folder."""
    reference = load_reference(reference_dir)
    packages, project = load_packages(), load_project()
    read = functools.partial(
        extract_sources, raw_dir, reference_dir, packages, engine or Engine(), spill_folder
    )

    def besides() -> tuple[dict[str, list[dict[str, Any]]], list[Decision], Previous | None, Path | None]:
        """What the merge takes besides the extractions: the curated rows, the reviews' decisions,
        the previous release and what of it can be reused (same_maker; and the server of the
        processes started fresh is started, now that the child that extracts is forked: see
        etl/apart.py)."""
        start_fresh_server()
        curated = curated_rows(
            reference.persons, reference.post_types, reference_dir / "curated", reference_dir / "posts"
        )
        reuse, why_not = same_maker(root, engine)
        if why_not:
            progress(why_not)
        return curated, read_reviews(reference_dir / "reviews", packages), find_previous(root), reuse

    # the extraction in a child (see etl/apart.py), the rest read here meanwhile
    extracted, (curated, reviews, previous, reuse) = alongside(read, besides, progress)
    screened, spill, report = extracted.screened, extracted.spill, extracted.report
    created, files = extracted.created, extracted.files
    del extracted
    give_back()  # (after each large stage, see etl/memory.py)
    quarantined = dict(screened.quarantined)
    pending = Pending()  # workbooks being written while the build goes on
    try:
        for _ in range(MAX_ROUNDS):
            kept = [e for e in screened.extractions if e["source"]["id"] not in quarantined]
            workers = (engine or Engine()).workers
            tables, warned = merge(packages, kept, reference, curated, reviews, quarantined, spill, workers)
            merge_warnings = Packed(warned)  # one for every differing duplicate: many in a large corpus
            del warned
            give_back()
            breaches = asserted(reference, tables)
            checkpoint("extracted")
            progress("writing packages")
            data = write_data_files(stage, packages, tables, workers, reuse)
            give_back()
            counts = {
                (name, resource): n for name, files in data.items() for resource, n in files.rows.items()
            }
            staged = staged_release(stage / DATAPACKAGES, packages, counts)
            versioning = choose_version(previous, staged, str(project["version"]))
            release_project = {**project, "version": versioning.version}
            pending = write_packages(stage, packages, tables, data, release_project, created, workers, reuse)
            progress("validating packages")
            try:
                problems = validate_release(
                    stage / DATAPACKAGES,
                    validated=reuse,
                    jobs=workers,
                    keys_kept=keys_kept(versioning, packages),
                )
            except Exception:
                pending.wait()  # a workbook's error first, as when they were written before
                raise
            give_back()
            if not problems:
                break
            pending.wait()  # (as above)
            blamed, unexplained = blame(problems, package_strings(packages, tables), sources_of(kept))
            if unexplained or not blamed:
                raise BuildFailed(unexplained or problems)
            quarantined.update(blamed)  # frictionless found what the checks before it did not
            clear(stage)
        else:
            raise BuildFailed(problems)
        project = release_project
        quarantine(report, files, quarantined, progress)
        report.published = [source for source in files if source not in quarantined]
        kept_ids = sources_of(kept)
        report.warnings = Packed(  # hundreds of thousands at 100,000 articles: packed in memory
            chain(
                spill.warnings(kept_ids),
                (w for w in screened.warnings if w["source"] in kept_ids),
                merge_warnings,
                (b.warning() for b in breaches),
            )
        )
        for breach in breaches:
            progress(f"assertion: {breach}")
        checkpoint("validated")
        stage_changelog(stage, root, previous, versioning, staged, created)
        report.version, report.created = versioning.version, created
        report.previous_version, report.bump = lineage(stage / CHANGELOG, versioning.version)
        report.statuses = count_statuses(resource_rows(tables))
        # The rows are in the files now: what follows reads them there, so they are let go of here,
        # with what was kept to make them (the spill's notes of what its tables cite, each source's
        # file, the curated rows, the previous release read): at 100,000 articles, tens of MB.
        del screened, kept, tables, spill, files, kept_ids, curated, reviews, previous, staged, data
        del merge_warnings, quarantined
        give_back()
        progress("building the database")
        previous_database = None if reuse is None else (root / DATABASE, reuse)

        def database() -> dict[str, int]:
            tables = build_database(
                stage / DATAPACKAGES, packages, stage / DATABASE, compact=False, reuse=previous_database
            )
            report.tables = tables
            add_report_tables(stage / DATABASE, report)  # and vacuums the database
            give_back()
            return tables

        # what the data say (read by the catalogue records and the site) worked out in a child
        # meanwhile, from the CSV files; then the charts, from the database, beside the records
        apart = workers > 1
        _, report.tables = alongside(lambda progress: write_data_facts(stage), database, progress, apart)
        (stage / INSPECT).write_text(json.dumps(inspect_data(stage / DATABASE), indent=2) + "\n")
        (stage / METADATA).write_bytes(render_metadata(site_metadata(packages, project)))
        # a full build draws every chart again, and keeps what it drew for the builds after
        drawings = None if engine is None or engine.cache is None else engine.cache.parent / DRAWINGS
        reuse_drawings = engine is None or not engine.full

        def records() -> None:
            pending.wait()  # the workbooks, which the catalogue records describe
            write_catalog(stage, base_url, packages, project)
            write_report(stage / DOWNLOADS / REPORT, report)

        charts = functools.partial(
            draw_charts, stage, project, base_url, created[:10], drawings, reuse_drawings
        )
        alongside(lambda progress: charts(), records, progress, apart)
        write_checksums(stage)
        progress(describe(versioning))
        return report
    finally:
        pending.stop()  # a build that failed leaves none writing


def build(
    root: Path = ROOT,
    raw_dir: Path = RAW_DIR,
    reference_dir: Path = REFERENCE_DIR,
    progress: Progress = lambda message: None,
    base_url: str = DEFAULT_BASE_URL,
    jobs: int = 0,
    full: bool = False,
    executor: str = "local",
    scheduler: str | None = None,
) -> BuildReport:
    """Build and publish a release under root, one build at a time (LockBusy otherwise); on failure,
    or when killed, the published release stays (or, on the next start, is put back as) it was.
    Extraction runs in jobs processes (0: the cores) or on a Dask cluster, and reuses the cache
    under root/.build/ for the sources that did not change, unless full."""
    engine = Engine(jobs, executor, scheduler, root / STAGING / CACHE, full)
    # What the release is built from, hashed once, before anything is read: a file changed during
    # the build makes the next build rebuild, never look up to date.
    inputs = inputs_digest(raw_dir, reference_dir, base_url, root / STAGING / CACHE.parent / DIGESTS, full)
    with build_lock(root / STAGING, progress):
        if recover(root):
            progress("undid an interrupted publish: the previous release is back in place")
        checkpoint("locked")
        unchanged = None if full else up_to_date(root, fingerprint(inputs, root))
        if unchanged is not None:
            progress(
                f"nothing changed since release {unchanged.version}: the published release is up to date"
            )
            return unchanged
        stage = staging_folder(root)
        stage.mkdir(parents=True)
        try:
            report = stage_release(stage, raw_dir, reference_dir, progress, base_url, root, engine)
            checkpoint("staged")
            progress("publishing")
            publish(root, PUBLISHED)
            (root / STAGING / FINGERPRINT).write_text(fingerprint(inputs, root) + "\n")
            (root / STAGING / MADE_BY).write_text(made_by(root) + "\n")
        finally:
            remove(stage)
    return report


def inputs_digest(
    raw_dir: Path, reference_dir: Path, base_url: str, index: Path | None = None, full: bool = False
) -> str:
    """The sha256 of everything a release is built from: the code, the schemas, the reference
    tables, every file of raw/, the base address; each file's sha256 looked up by its stat in the
    index (etl/digests.py) unless full, and the index updated."""
    digests = FileDigests.load(index, full)
    folders = [(Path(__file__).parent, CODE_SUFFIXES), (reference_dir, None), (raw_dir, None)]
    found = folders_digest(folders, base_url, digests)
    digests.save()
    return found


@functools.cache
def release_code() -> str:
    """The sha256 of what turns merged rows into a release's files: the project's code, schemas and
    templates, and the versions of Python and of the libraries that write and check the files."""
    digest = hashlib.sha256(sys.version.encode())
    for name in RELEASE_LIBRARIES:
        digest.update(f"\0{name} {metadata.version(name)}".encode())
    package = Path(__file__).parent
    for path in sorted(p for p in package.rglob("*") if p.suffix in CODE_SUFFIXES and p.is_file()):
        digest.update(b"\0" + path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def made_by(root: Path) -> str:
    """The sha256 of release_code and of the descriptors published under root: what the release
    there was made by, as recorded when it was published (MADE_BY), names the release and its code."""
    digest = hashlib.sha256(release_code().encode())
    for descriptor in sorted((root / DATAPACKAGES).glob("*/datapackage.json")):
        digest.update(descriptor.read_bytes())
    return digest.hexdigest()


def same_maker(root: Path, engine: Engine | None) -> tuple[Path | None, str | None]:
    """The datapackages folder published under root when this build's code made it (it passed
    validation then, and a file of it that this build makes again byte for byte need not be
    written, compared or validated again), else None; and, when a release is published there but
    nothing is taken from it, why, in one line for the build's progress. None for a full build,
    or when another code (or another build than the one that recorded it) made the release there,
    or when a file of it is not the one published (see altered)."""
    if engine is None or engine.full:
        return None, None
    try:
        recorded = (root / STAGING / MADE_BY).read_text().strip()
    except OSError:
        return None, None  # nothing published here yet (or by a build before the record)
    if recorded != made_by(root):
        return None, "writing every file again: the published release was made by other code"
    changed = altered(root)
    if changed is not None:
        return None, f"writing every file again: the published {changed}"
    return root / DATAPACKAGES, None


def altered(root: Path) -> str | None:
    """Which file of the release published under root is not as it was published, and how (the
    first, in the order of its SHA256SUMS, that is gone, cannot be read or has another sha256
    than the one listed; or the list itself), so that what is taken from it is what was
    published; None when every file listed (its data files, zips, workbooks and database among
    them) is."""
    listed = read_checksums(root)
    if not listed:
        return f"{DOWNLOADS}/{CHECKSUMS} is missing or lists no file"
    for name, digest in listed.items():
        try:
            with (root / name).open("rb") as handle:
                if hashlib.file_digest(handle, "sha256").hexdigest() != digest:
                    return f"{name} was changed since: its sha256 is not the one {CHECKSUMS} lists"
        except OSError as error:
            return f"{name} cannot be read: {error.strerror or error}"
    return None


def fingerprint(inputs: str, root: Path) -> str:
    """The sha256 of a build's inputs (inputs_digest) and of the descriptors published under root:
    when it is the one recorded at the last publish, a build would make the same release."""
    digest = hashlib.sha256(inputs.encode())
    for descriptor in sorted((root / DATAPACKAGES).glob("*/datapackage.json")):
        digest.update(descriptor.read_bytes())
    return digest.hexdigest()


def up_to_date(root: Path, inputs: str) -> BuildReport | None:
    """The published release's report when the inputs are those it was built from, else None."""
    recorded = root / STAGING / FINGERPRINT
    report = root / DOWNLOADS / REPORT
    try:
        if recorded.read_text().strip() != inputs or not (root / DATABASE).exists():
            return None
        return report_from_dict(json.loads(report.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError):
        return None
