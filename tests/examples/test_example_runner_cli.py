"""The runner's command line as the quickstart and the examples' README use it: configuration from DEPOT_API_URL /
DEPOT_TOKEN, and a --state path relative to where it is run (not to the program, whose directory the program runs
in), which must stay untouched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from example_cycles import Org
from example_harness import copy_example, only_project


def run_cli(operation: str, program_dir: Path, cwd: Path, org: Org) -> str:
    env = {**os.environ, "DEPOT_API_URL": org.url, "DEPOT_TOKEN": org.token}
    command = [sys.executable, "-m", "pulumi_depot_provider.engine", operation, str(program_dir)]
    completed = subprocess.run(
        [*command, "--stack", "dev", "--state", "state/quickstart.json", "--yes"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert org.token not in completed.stdout + completed.stderr
    return completed.stdout


def test_relative_state_lands_where_the_command_runs(tmp_path: Path, depot: Org) -> None:
    program_dir = copy_example("quickstart", tmp_path / "programs")
    program_files = sorted(path.name for path in program_dir.iterdir())
    work_dir = tmp_path / "work"
    work_dir.mkdir()

    first = run_cli("up", program_dir, work_dir, depot)
    assert "+ 3 created" in first
    assert sorted(path.name for path in (work_dir / "state").iterdir()) == ["quickstart.json", "quickstart.json.key"]
    assert sorted(path.name for path in program_dir.iterdir() if path.name != "__pycache__") == program_files

    second = run_cli("up", program_dir, work_dir, depot)
    assert "3 unchanged" in second
    assert only_project(depot.client()).name == "quickstart"

    run_cli("destroy", program_dir, work_dir, depot)
    assert depot.client().list_projects() == []
