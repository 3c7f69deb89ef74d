"""Where the project's inputs and published outputs live in a checkout."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RAW_DIR = ROOT / "raw"
REFERENCE_DIR = ROOT / "reference"
SCHEMAS_DIR = Path(__file__).resolve().parent / "schemas"

# Published outputs, relative to a release root (the checkout, or a build's staging folder).
DATAPACKAGES = "datapackages"
METADATA = "metadata.yml"
DATABASE = "diplomacy.db"
INSPECT = "inspect-data.json"
# What the release's data say that its site and catalogue records show (dates, languages, figures),
# worked out by the build so that serving does not read the CSV files for them.
RELEASE_FACTS = "release-facts.json"
DOWNLOADS = "downloads"
CHANGELOG = "CHANGELOG.md"
# The build report, published among the downloads.
REPORT = "build-report.json"
# Every name a release publishes under its root, in the order a publish swaps them in.
PUBLISHED = (DATAPACKAGES, METADATA, DATABASE, INSPECT, RELEASE_FACTS, DOWNLOADS, CHANGELOG)

# The build's own folder under a release root: the lock, the staged release, the publish journal.
STAGING = ".build"
