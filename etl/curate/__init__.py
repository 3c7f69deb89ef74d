"""Stage 3, curate: the facts of cited publications, merged with the extracted ones.

Reads `reference/curated/*.yml` (facts from cited publications, checked against their JSON Schema)
and the extractions of stage extract; produces the rows of every resource of every package, one
row per key, in key order, with the warnings of what was merged or left out, and the reconciliation
of consecutive network snapshots with the openings and closures between them; applies the
curators' decisions of `reference/reviews/*.yml` (accept, reject, correct) to the facts. The
largest per-source resources wait on disk between extraction and writing (spill.py)."""

from etl.curate.merge import CITING_COLUMNS, EXTRACTED, assemble
from etl.curate.periods import bounds, with_periods
from etl.curate.publications import CuratedError, curated_rows, read_curated
from etl.curate.reviews import Decision, read_reviews
from etl.curate.spill import OnDisk, Spill, SpilledRows
from etl.curate.views import Mapped, Streamed

__all__ = [
    "CITING_COLUMNS",
    "EXTRACTED",
    "CuratedError",
    "Decision",
    "Mapped",
    "OnDisk",
    "Spill",
    "SpilledRows",
    "Streamed",
    "assemble",
    "bounds",
    "curated_rows",
    "read_curated",
    "read_reviews",
    "with_periods",
]
