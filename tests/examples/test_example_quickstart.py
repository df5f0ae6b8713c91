"""examples/quickstart through a full cycle with the engine-shaped runner against the local Depot API."""

from __future__ import annotations

import example_cycles
from example_cycles import Org
from example_harness import MakeRunnerDeployer


def test_quickstart_full_cycle(runner_deployer: MakeRunnerDeployer, depot: Org) -> None:
    example_cycles.quickstart(runner_deployer("quickstart"), depot)


def test_quickstart_keeps_the_token_out_of_state_in_plaintext(runner_deployer: MakeRunnerDeployer) -> None:
    deployer = runner_deployer("quickstart")
    deployer.up()
    token = deployer.outputs()["token"]
    assert token.startswith("depot_project_")
    assert token not in deployer.state_path.read_text()
    deployer.destroy()
