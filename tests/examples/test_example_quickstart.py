"""examples/quickstart through a full cycle under the real `pulumi` against the local Depot API."""

from __future__ import annotations

import json

import example_cycles
from conftest import MakeExampleStack
from example_cycles import Org
from pulumi_stack import plaintext_in


def test_quickstart_full_cycle(example_stack: MakeExampleStack, depot: Org) -> None:
    example_cycles.quickstart(example_stack("quickstart"), depot)


def test_quickstart_keeps_every_token_out_of_the_state_and_config_in_plaintext(
    example_stack: MakeExampleStack, depot: Org
) -> None:
    deployer = example_stack("quickstart")
    deployer.up()
    token = deployer.outputs()["token"]
    assert token.startswith("depot_project_")
    exported = json.dumps(deployer.export())
    assert token not in exported and depot.token not in exported
    # Nothing the CLI wrote (backend, PULUMI_HOME, the program's stack config) holds either token in plaintext.
    assert plaintext_in(deployer.work_dir, token, depot.token) == []
    assert plaintext_in(deployer.program_dir, token, depot.token) == []
    deployer.destroy()
