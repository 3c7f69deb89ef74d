"""The diplodata command line: a thin shell over the library, one-line errors, no tracebacks."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

import click

from etl import __version__
from etl.catalog import DEFAULT_BASE_URL
from etl.layout import DATAPACKAGES, RAW_DIR, ROOT
from etl.reference import ReferenceError
from etl.site import DEFAULT_HOST, DEFAULT_PORT

EXIT_FAILED = 1
EXIT_REJECTED = 3
EXIT_BUSY = 4
EXIT_INTERRUPTED = 130


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    """Print one line to stderr and exit non-zero."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="diplodata")
def main() -> None:
    """Open data about Belgian diplomacy: archived articles to validated data packages.

    \b
    Example:
        diplodata build && diplodata serve
    """


@main.command()
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors and the final summary.")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=ROOT,
    show_default="the checkout",
    help="Folder the release is published into.",
)
@click.option(
    "--raw",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=RAW_DIR,
    show_default="raw/",
    help="Folder of the archived sources.",
)
@click.option(
    "--base-url",
    default=DEFAULT_BASE_URL,
    show_default=True,
    help="Public address of the site, used in the catalogue records.",
)
def build(quiet: bool, root: Path, raw: Path, base_url: str) -> None:
    """Build everything: raw/ sources → packages → validation → diplomacy.db → metadata.yml.

    The release is built aside and swapped in only once it validates, in one step: a failed
    or killed build leaves the published packages, metadata and database as they were (a
    killed one is undone when the next build starts). Its version follows the previous
    release (major, minor or patch as the data changed) and CHANGELOG.md gets a section when
    the data change; the build report is in downloads/build-report.json and in the
    database's build_* tables. Exit status: 0 when every source was published, 3 when some
    sources were rejected (the others are published), 1 when the build failed (nothing
    changed), 4 when another build is running in the same folder.

    \b
    Example:
        diplodata build --quiet
    """
    from etl.build import BuildFailed
    from etl.build import build as run_build
    from etl.lock import LockBusy
    from etl.release import ReleaseError

    def progress(message: str) -> None:
        if not quiet:
            click.echo(message, err=True)

    try:
        report = run_build(root=root, raw_dir=raw, progress=progress, base_url=base_url)
    except BuildFailed as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        fail(str(exc))
    except LockBusy as exc:
        fail(str(exc), EXIT_BUSY)
    except (ReferenceError, ReleaseError) as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail("interrupted; the published release is whole (a swap under way was undone)", EXIT_INTERRUPTED)
    for warning in report.warnings if not quiet else []:
        click.echo(f"warning: {warning['source']}: {warning['field']}: {warning['message']}", err=True)
    for rejected in report.rejected:
        click.echo(f"error: {rejected}", err=True)
    click.echo(report.summary())
    if report.rejected:
        sys.exit(EXIT_REJECTED)


@main.command()
@click.argument("packages", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=ROOT / DATAPACKAGES,
    show_default="datapackages/",
    help="Folder holding the packages.",
)
def validate(packages: tuple[str, ...], as_json: bool, root: Path) -> None:
    """Validate packages: full frictionless validation plus the project's checks.

    PACKAGES are package names (all when none is given). Exit status 1 on any problem.

    \b
    Example:
        diplodata validate diplomacy-network --json
    """
    from etl.descriptors import load_packages
    from etl.validate import validate_release

    known = {p.name for p in load_packages()}
    unknown = sorted(set(packages) - known)
    if unknown:
        fail(f"unknown package {', '.join(unknown)}; choose from {', '.join(sorted(known))}")
    problems = validate_release(root, list(packages) or None)
    checked = list(packages) or sorted(known)
    if as_json:
        click.echo(
            json.dumps(
                {"valid": not problems, "packages": checked, "problems": [p.to_dict() for p in problems]},
                indent=2,
            )
        )
    else:
        for problem in problems:
            click.echo(f"error: {problem}", err=True)
        click.echo(f"{len(checked)} package(s) checked, {len(problems)} problem(s)")
    if problems:
        sys.exit(EXIT_FAILED)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file, one per line.")
def extract(files: tuple[Path, ...], as_json: bool) -> None:
    """Extract the facts of article files, without building.

    With --json, each file gives one line: a JSON object with the keys source, article,
    paragraphs, quotes, persons, person_roles, events, event_participant_groups, event_themes,
    event_speakers, post_counts, post_totals and warnings, each fact keyed by the columns of
    the resource it is published in. A file without a provenance record beside it is read
    with what the text alone says.

    \b
    Example:
        diplodata extract raw/000_03760b43a54f4e20.txt --json
    """
    from etl.extract import extract_source
    from etl.reference import load_reference
    from etl.sources import SourceError, read_source, source_from_bytes

    failed = 0
    try:
        reference = load_reference()
    except ReferenceError as exc:
        fail(str(exc))
    for path in files:
        try:
            try:
                source = read_source(path, require_record=False)
            except SourceError as exc:
                if not exc.path.endswith(".yml") or not path.is_file():
                    raise
                # Beside any article file may lie a YAML file that is no provenance record.
                click.echo(f"warning: {exc}; extracting {path} without it", err=True)
                source = source_from_bytes(path, path.read_bytes(), {})
            facts = extract_source(source, reference)
        except SourceError as exc:
            click.echo(f"error: {exc}", err=True)
            failed += 1
            continue
        if as_json:
            click.echo(json.dumps(facts, ensure_ascii=False))
            continue
        counts = ", ".join(
            f"{len(v)} {k}" for k, v in facts.items() if isinstance(v, list) and k != "warnings"
        )
        click.echo(f"{path}: {counts}")
        for warning in facts["warnings"]:
            click.echo(f"  warning: {warning['field']}: {warning['message']}")
    if failed:
        sys.exit(EXIT_FAILED)


@main.command()
@click.argument(
    "gold_dir",
    required=False,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=ROOT / "tests" / "gold",
)
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
def evaluate(gold_dir: Path, as_json: bool) -> None:
    """Score the extractor against a gold set: precision, recall and F1 per fact type, and misses.

    GOLD_DIR holds articles (.txt, .html) each with a label file (.yml) of hand-labelled facts
    (default: tests/gold). Exit status 1 when a floor of the project is not reached.

    \b
    Example:
        diplodata evaluate tests/gold
    """
    from etl.evaluate import evaluate as run_evaluation
    from etl.evaluate import render_report
    from etl.reference import load_reference

    result = run_evaluation(gold_dir, load_reference())
    if as_json:
        scores = {
            k: {"tp": s.tp, "fp": s.fp, "fn": s.fn, "precision": s.precision, "recall": s.recall, "f1": s.f1}
            for k, s in result.scores.items()
        }
        click.echo(
            json.dumps(
                {
                    "articles": result.articles,
                    "scores": scores,
                    "misses": result.misses,
                    "furniture_facts": result.furniture_facts,
                    "failures": result.failures(),
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        click.echo(render_report(result))
    for failure in result.failures():
        click.echo(f"error: below the floor: {failure}", err=True)
    if result.failures():
        sys.exit(EXIT_FAILED)


@main.command()
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=ROOT,
    show_default="the checkout",
    help="Folder of the built release.",
)
def serve(host: str, port: int, root: Path) -> None:
    """Serve the built database with Datasette: immutable, read-only, with the generated metadata.

    \b
    Example:
        diplodata serve --port 8001
    """
    from etl.layout import DATABASE
    from etl.lock import LockBusy
    from etl.release import ReleaseError, recover_interrupted
    from etl.site import serve as run_server

    try:
        if recover_interrupted(root):
            click.echo("undid an interrupted publish: the previous release is back in place", err=True)
    except LockBusy:
        click.echo("a build is running; serving the release published now", err=True)
    except ReleaseError as exc:
        fail(str(exc))
    if not (root / DATABASE).exists():
        fail(f"{root / DATABASE} does not exist; run `diplodata build` first")
    click.echo(f"serving on http://{host}:{port}/", err=True)
    run_server(root, host, port)


@main.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the whole diff as one JSON object.")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=None,
    help="Show at most this many row changes per resource (all by default).",
)
def diff(old: Path, new: Path, as_json: bool, limit: int | None) -> None:
    """Compare two releases row by row by primary key: rows added, removed and changed (with the
    changed fields), schema changes, and the version bump the changes need.

    OLD and NEW are each a datapackages folder, a package folder or a package zip. The text
    report has a line per resource and per change, then `bump: major|minor|patch|none`.
    Exit status 1 when a release cannot be read.

    \b
    Example:
        diplodata diff old-release/datapackages datapackages --json
    """
    from etl.changelog import render_text
    from etl.diff import DiffError, diff_releases, diff_to_dict

    try:
        result = diff_releases(old, new)
    except DiffError as exc:
        fail(str(exc))
    if as_json:
        click.echo(json.dumps(diff_to_dict(result), indent=2, ensure_ascii=False))
    else:
        click.echo(render_text(result, limit), nl=False)


@main.command()
@click.argument("urls", nargs=-1)
@click.option(
    "--from-file",
    "from_file",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Read more URLs from a file, one a line (blank lines and # comments skipped); - for stdin.",
)
@click.option(
    "--raw",
    type=click.Path(file_okay=False, path_type=Path),
    default=RAW_DIR,
    show_default="raw/",
    help="Folder the snapshots are archived into.",
)
def fetch(urls: tuple[str, ...], from_file: Path | None, raw: Path) -> None:
    """Archive article pages into raw/, each with its provenance record, politely.

    Obeys robots.txt, waits a second between requests to a host, retries 429 and 5xx with
    backoff (honouring Retry-After), sends ETag/Last-Modified so an unchanged page is not
    downloaded again, and refuses truncated, oversized, non-HTML and wrongly encoded pages. A
    changed page becomes a new snapshot; no snapshot is ever overwritten. Prints one line per
    URL: archived, unchanged, not_modified, refused or failed, then the URL and why. Exit
    status 1 when any URL was refused or failed (the others are archived).

    \b
    Example:
        diplodata fetch https://diplomatie.belgium.be/en/news/some-article --from-file urls.txt
    """
    from etl.fetch import FetchResult, fetch_urls, parse_url_list

    wanted = list(urls)
    if from_file is not None:
        try:
            text = sys.stdin.read() if str(from_file) == "-" else from_file.read_text(encoding="utf-8")
        except OSError as exc:
            fail(f"{from_file}: cannot read the list of URLs ({exc.strerror or exc})")
        except UnicodeDecodeError:
            fail(f"{from_file}: the list of URLs is not UTF-8 text")
        wanted += parse_url_list(text)
    if not wanted:
        fail("no URL to fetch; name URLs or a file of URLs with --from-file FILE")
    if not raw.is_dir():
        fail(f"{raw}: no such folder; create it or choose another with --raw")

    def show(result: FetchResult) -> None:
        click.echo(str(result))

    try:
        results = fetch_urls(wanted, raw, on_result=show)
    except KeyboardInterrupt:
        fail("interrupted; the pages archived so far are kept", EXIT_INTERRUPTED)
    missed = [r for r in results if not r.ok]
    if missed:
        fail(f"{len(missed)} of {len(results)} URL(s) not archived")
