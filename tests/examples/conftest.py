"""Fixtures for the examples' tests: a fresh copy of an example deployed by the engine-shaped runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from example_cycles import Org
from example_harness import MakeRunnerDeployer, RunnerDeployer, copy_example


@pytest.fixture
def runner_deployer(depot: Org, tmp_path: Path) -> MakeRunnerDeployer:
    """``runner_deployer("quickstart")``: a copy of examples/quickstart in tmp_path, deployed as stack ``dev``
    against the test's organization on the local Depot API."""

    def make(example: str) -> RunnerDeployer:
        program_dir = copy_example(example, tmp_path / "programs")
        return RunnerDeployer(program_dir, tmp_path / "state", api_url=depot.url, token=depot.token)

    return make
