"""Stage 5, release: a staged release published all at once or not at all, versioned and explained.

Reads the data files the build staged (to choose the version before the descriptors are written)
and the previous release (published under the root, else committed in the checkout), a row at a
time; produces the version, CHANGELOG.md, the build report, and the atomic swap of the staged
release into place, one build at a time under a lock, with the undoing of a swap that was
interrupted. Also compares any two releases row by row (`diplodata diff`), and checks the
assertions of reference/assertions.yml on the rows it would publish."""

from etl.release.assertions import ERROR, Breach, check_assertions, resource_rows
from etl.release.changelog import render_text
from etl.release.diff import diff_releases, diff_to_dict
from etl.release.lock import LockBusy, build_lock
from etl.release.packed import Packed
from etl.release.publish import (
    ROWS_SUFFIX,
    ReleaseError,
    checkpoint,
    publish,
    recover,
    recover_interrupted,
    remove,
    staging_folder,
)
from etl.release.read import DiffError
from etl.release.report import (
    REVIEW_BELOW,
    BuildReport,
    add_report_tables,
    count_statuses,
    render_report,
    report_from_dict,
    report_inputs,
    report_tables_metadata,
    write_report,
)
from etl.release.versioning import (
    Previous,
    Versioning,
    choose_version,
    describe,
    find_previous,
    lineage,
    stage_changelog,
    staged_release,
)

__all__ = [
    "ERROR",
    "REVIEW_BELOW",
    "ROWS_SUFFIX",
    "Breach",
    "BuildReport",
    "DiffError",
    "LockBusy",
    "Packed",
    "Previous",
    "ReleaseError",
    "Versioning",
    "add_report_tables",
    "build_lock",
    "check_assertions",
    "checkpoint",
    "choose_version",
    "count_statuses",
    "describe",
    "diff_releases",
    "diff_to_dict",
    "find_previous",
    "lineage",
    "publish",
    "recover",
    "recover_interrupted",
    "remove",
    "render_report",
    "render_text",
    "report_from_dict",
    "report_inputs",
    "report_tables_metadata",
    "resource_rows",
    "stage_changelog",
    "staged_release",
    "staging_folder",
    "write_report",
]
