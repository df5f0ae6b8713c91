"""examples/tenant-fleet through a full cycle under the real `pulumi` (the change is an edit of the copy's
tenants.yaml), and a broken tenants file refused before anything is created."""

from __future__ import annotations

import example_cycles
import pytest
import yaml
from conftest import MakeExampleStack
from example_cycles import Org
from pulumi.automation import CommandError


def test_tenant_fleet_full_cycle(example_stack: MakeExampleStack, depot: Org) -> None:
    example_cycles.tenant_fleet(example_stack("tenant-fleet"), depot)


def test_a_mistake_in_the_tenants_file_names_the_tenant_and_field(example_stack: MakeExampleStack, depot: Org) -> None:
    deployer = example_stack("tenant-fleet")
    tenants_file = deployer.program_dir / "tenants.yaml"
    fleet = yaml.safe_load(tenants_file.read_text())
    fleet["tenants"][1]["regoin"] = "eu-central-1"
    tenants_file.write_text(yaml.safe_dump(fleet))
    with pytest.raises(CommandError) as failure:
        deployer.up()
    message = str(failure.value)
    assert "globex" in message and "regoin" in message, message
    assert "Traceback" not in message
    assert depot.client().list_projects() == []
