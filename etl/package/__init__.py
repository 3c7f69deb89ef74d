"""Stage 4, package: the rows of each package as a Frictionless data package, and its validation.

Reads the rows of stage curate and the package specs (etl/specs.py, from etl/schemas/*.yml);
produces each package's files (every resource as CSV, Parquet and JSON, and a datapackage.json
describing the CSV and Parquet files), its zip and its workbook (XLSX), the data dictionary
(datapackages/README.md), and the problems of a full frictionless validation plus the project's
own checks."""

from etl.package.dictionary import render_dictionary
from etl.package.files import FolderFiles, PackageFiles, ZipFiles
from etl.package.quarantine import (
    Screened,
    Verdict,
    blame,
    gather,
    package_strings,
    screen,
    verdict,
)
from etl.package.render import (
    JSON_SUFFIX,
    DataFiles,
    ResourceFiles,
    csv_value,
    data_files,
    package_descriptor,
    write_data,
    write_descriptor,
    write_package,
    write_resource,
    write_zip,
)
from etl.package.rows import long_cells
from etl.package.validate import Problem, validate_release
from etl.package.workbook import Pending, write_workbook, write_workbooks

__all__ = [
    "JSON_SUFFIX",
    "DataFiles",
    "FolderFiles",
    "PackageFiles",
    "Pending",
    "Problem",
    "ResourceFiles",
    "Screened",
    "Verdict",
    "ZipFiles",
    "blame",
    "csv_value",
    "data_files",
    "gather",
    "long_cells",
    "package_descriptor",
    "package_strings",
    "render_dictionary",
    "screen",
    "validate_release",
    "verdict",
    "write_data",
    "write_descriptor",
    "write_package",
    "write_resource",
    "write_workbook",
    "write_workbooks",
    "write_zip",
]
