"""Fixtures for `pulumi-depot import`: an organization full of awkward projects, and the console command run as a
real subprocess against the local Depot API."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from importer_org import Org, RunCli, populate


@pytest.fixture
def awkward_org(depot: Org) -> Org:
    with depot.client() as client:
        populate(client)
    return depot


def _script() -> list[str]:
    script = Path(sys.executable).with_name("pulumi-depot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "pulumi_depot_provider.cli"]


@pytest.fixture
def run_cli(tmp_path: Path) -> RunCli:
    """run_cli(*args, org=None, env=None, cwd=tmp_path): `pulumi-depot import ARGS` with the org's token and URL
    in DEPOT_TOKEN / DEPOT_API_URL (and nothing of the test runner's own Depot settings)."""

    def run(
        *args: str, org: Org | None = None, env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        environment = {k: v for k, v in os.environ.items() if k not in ("DEPOT_TOKEN", "DEPOT_API_URL")}
        if org is not None:
            environment.update(DEPOT_TOKEN=org.token, DEPOT_API_URL=org.url)
        environment.update(env or {})
        return subprocess.run(
            [*_script(), "import", *args],
            capture_output=True,
            text=True,
            env=environment,
            cwd=cwd or tmp_path,
            timeout=120,
            check=False,
        )

    return run
