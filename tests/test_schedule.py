"""The scheduled update: the workflow runs `diplodata update`, fails only when the build failed (an
exit status of 3, sources quarantined, is a success), and commits what the release is made of."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from etl.layout import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "update.yml"


def workflow() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return data


def step(name: str) -> str:
    steps = workflow()["jobs"]["update"]["steps"]
    return str(next(s["run"] for s in steps if s.get("name") == name))


def test_the_workflow_runs_daily_and_on_demand() -> None:
    triggers = workflow()[True]  # YAML 1.1 reads the key `on` as true
    (schedule,) = triggers["schedule"]
    minute, hour, *rest = schedule["cron"].split()
    assert rest == ["*", "*", "*"] and 0 <= int(minute) < 60 and 0 <= int(hour) < 24
    assert "workflow_dispatch" in triggers
    assert workflow()["permissions"] == {"contents": "write"}


@pytest.mark.parametrize(("status", "job_fails"), [(0, False), (3, False), (1, True), (4, True)])
def test_the_update_step_fails_only_when_the_build_failed(
    tmp_path: Path, status: int, job_fails: bool
) -> None:
    stub = tmp_path / ".venv" / "bin" / "diplodata"
    stub.parent.mkdir(parents=True)
    stub.write_text(f'#!/bin/sh\necho "update $*"\nexit {status}\n', encoding="utf-8")
    stub.chmod(0o755)
    script = step("Update from the live site").replace("${{ github.event.inputs.limit || '200' }}", "200")
    done = subprocess.run(
        ["bash", "-e", "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert "update --limit 200" in done.stdout
    assert (done.returncode != 0) == job_fails
    if job_fails:
        assert done.returncode == status


def test_the_commit_step_adds_what_the_release_is_made_of() -> None:
    script = step("Commit the snapshots and the release when the data changed")
    added = next(line for line in script.splitlines() if line.strip().startswith("git add")).split()[2:]
    for path in added:
        assert (ROOT / path).exists(), path
    assert "git diff --cached --quiet" in script and "git push" in script
