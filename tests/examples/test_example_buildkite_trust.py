"""examples/buildkite-trust through a full cycle with the engine-shaped runner."""

from __future__ import annotations

import example_cycles
from example_cycles import Org
from example_harness import MakeRunnerDeployer


def test_buildkite_trust_full_cycle(runner_deployer: MakeRunnerDeployer, depot: Org) -> None:
    example_cycles.buildkite_trust(runner_deployer("buildkite-trust"), depot)
