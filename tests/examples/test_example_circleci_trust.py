"""examples/circleci-trust through a full cycle with the engine-shaped runner, and its missing-config error."""

from __future__ import annotations

import example_cycles
import pytest
from example_cycles import Org
from example_harness import MakeRunnerDeployer
from pulumi_depot_provider.engine import RunnerError


def test_circleci_trust_full_cycle(runner_deployer: MakeRunnerDeployer, depot: Org) -> None:
    example_cycles.circleci_trust(runner_deployer("circleci-trust"), depot)


def test_circleci_trust_names_the_missing_uuid(runner_deployer: MakeRunnerDeployer, depot: Org) -> None:
    deployer = runner_deployer("circleci-trust")
    deployer.set_config("organizationUuid", example_cycles.CIRCLECI_ORG)
    with pytest.raises(RunnerError, match="depot-circleci-trust:projectUuid"):
        deployer.up()
    assert depot.client().list_projects() == []
