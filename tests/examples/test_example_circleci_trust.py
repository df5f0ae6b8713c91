"""examples/circleci-trust through a full cycle under the real `pulumi`, and its missing-config error."""

from __future__ import annotations

import example_cycles
import pytest
from conftest import MakeExampleStack
from example_cycles import Org
from pulumi.automation import CommandError


def test_circleci_trust_full_cycle(example_stack: MakeExampleStack, depot: Org) -> None:
    example_cycles.circleci_trust(example_stack("circleci-trust"), depot)


def test_circleci_trust_names_the_missing_uuid(example_stack: MakeExampleStack, depot: Org) -> None:
    deployer = example_stack("circleci-trust")
    deployer.set_config("organizationUuid", example_cycles.CIRCLECI_ORG)
    with pytest.raises(CommandError, match="depot-circleci-trust:projectUuid"):
        deployer.up()
    assert depot.client().list_projects() == []
