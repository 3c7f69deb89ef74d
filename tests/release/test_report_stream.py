"""The build report is written a warning at a time (hundreds of thousands at 100,000 articles),
with the same bytes as the whole report rendered at once, and read back as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from etl.raw import SourceError
from etl.release import BuildReport, render_report, report_from_dict, write_report
from etl.release.report import report_dict


def report(warnings: int, inputs: int = 1) -> BuildReport:
    return BuildReport(
        read=3,
        published=["a", "b"],
        rejected=[SourceError("raw/003_c.txt", "empty file (0 bytes); re-archive the page")],
        warnings=[
            {
                "source": "a" if n % 2 else None,
                "field": "events.start_date",
                "message": f'day {n} of “België” unreadable;\nkept empty \u00e9 \\ "quoted"',
                "char_start": n if n % 3 else None,
                "char_end": n + 4 if n % 3 else None,
                "extra": "not a key of the report",
            }
            for n in range(warnings)
        ],
        tables={"events": 2, "articles": 2},
        statuses={"events": {"archived_text": 2}},
        inputs=[
            {"file": f"{n:03d}_a.txt", "source": f"a{n}", "url": None, "status": "published", "n": [n, {}]}
            if n % 2
            else {
                "file": f"{n:03d}_a.txt",
                "source": f"a{n}",
                "url": None,
                "status": "published",
                "share": n / 3,
                "ok": n % 4 == 0,
                "size": -n,
                "note": "é\n\t\u2028",
            }
            for n in range(inputs, 0, -1)
        ],
        version="1.2.0",
        created="2026-12-01T00:00:00Z",
    )


@pytest.mark.parametrize(("warnings", "inputs"), [(0, 0), (0, 1), (1, 1), (7, 1), (7, 5), (3, 8)])
def test_the_report_written_a_warning_at_a_time_is_the_whole_report(
    warnings: int, inputs: int, tmp_path: Path
) -> None:
    built = report(warnings, inputs)
    whole = (json.dumps(report_dict(built), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    assert render_report(built) == whole
    write_report(tmp_path / "build-report.json", built)
    assert (tmp_path / "build-report.json").read_bytes() == whole
    again = report_from_dict(json.loads(whole))
    assert len(again.warnings) == warnings and "extra" not in (again.warnings or [{}])[0]
