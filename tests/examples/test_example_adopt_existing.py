"""examples/adopt-existing through a full cycle with the engine-shaped runner, and adopting a missing id."""

from __future__ import annotations

import example_cycles
import pytest
from example_cycles import Org
from example_harness import MakeRunnerDeployer
from pulumi_depot_provider.engine import RunnerError


def test_adopt_existing_full_cycle(runner_deployer: MakeRunnerDeployer, depot: Org) -> None:
    example_cycles.adopt_existing(runner_deployer("adopt-existing"), depot)


def test_adopting_an_unknown_id_fails_and_creates_nothing(runner_deployer: MakeRunnerDeployer, depot: Org) -> None:
    deployer = runner_deployer("adopt-existing")
    deployer.set_config("projectId", "nosuchproj")
    deployer.set_config("projectName", "legacy-app")
    with pytest.raises(RunnerError, match="import_id 'nosuchproj': no project with this id"):
        deployer.up()
    assert depot.client().list_projects() == []
