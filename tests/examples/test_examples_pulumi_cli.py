"""Every example through its full cycle with a real `pulumi` CLI (local file backend and PULUMI_HOME in tmp_path,
passphrase secrets), when one is on PATH. The cycles are the ones the runner tests run (example_cycles.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from example_cycles import CYCLES, Org
from example_harness import PulumiDeployer, copy_example

pytestmark = pytest.mark.skipif(
    shutil.which("pulumi") is None, reason="Pulumi CLI not installed (no registry reachable here ships it)"
)


class TestExamplesWithPulumiCLI:
    @pytest.mark.parametrize("example", sorted(CYCLES))
    def test_full_cycle(self, example: str, depot: Org, tmp_path: Path) -> None:
        program_dir = copy_example(example, tmp_path / "programs")
        deployer = PulumiDeployer(program_dir, tmp_path / "pulumi", api_url=depot.url, token=depot.token)
        CYCLES[example](deployer, depot)
