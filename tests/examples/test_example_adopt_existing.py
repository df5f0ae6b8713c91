"""examples/adopt-existing through a full cycle under the real `pulumi`, and adopting a missing id."""

from __future__ import annotations

import example_cycles
import pytest
from conftest import MakeExampleStack
from example_cycles import Org
from pulumi.automation import CommandError


def test_adopt_existing_full_cycle(example_stack: MakeExampleStack, depot: Org) -> None:
    example_cycles.adopt_existing(example_stack("adopt-existing"), depot)


def test_adopting_an_unknown_id_fails_and_creates_nothing(example_stack: MakeExampleStack, depot: Org) -> None:
    deployer = example_stack("adopt-existing")
    deployer.set_config("projectId", "nosuchproj")
    deployer.set_config("projectName", "legacy-app")
    with pytest.raises(CommandError, match="import_id 'nosuchproj': no project with this id"):
        deployer.up()
    assert depot.client().list_projects() == []
