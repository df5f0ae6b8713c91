"""Test tooling for the SDK tests that deploy under the real `pulumi` (testing/harness/pulumi_stack.py): failures
the CLI reports, the state's resources of every kind, and a tenants-file program.

Local to tests/sdk/ (the shared harness is not changed from here).
"""

from __future__ import annotations

from pulumi_stack import PulumiStack
from pulumi_stack import fails as fails  # re-exported: the sdk tests import it from here

TENANTS_FILE_PROGRAM = """
import pulumi_depot as depot

depot.tenant_fleet_from_file({path!r}).export()
"""


def state_resources(stack: PulumiStack) -> list[str]:
    """Every resource the program registered (components as well as Depot resources), as ``type::name``, from
    the stack's state; the stack itself and the default providers are left out."""
    resources = stack.export()["deployment"].get("resources", [])
    return sorted(
        f"{r['type']}::{r['urn'].rsplit('::', 1)[1]}" for r in resources if not r["type"].startswith("pulumi:")
    )


def changes(ops: dict[str, str]) -> dict[str, str]:
    """The ops of an update that are not ``same``."""
    return {name: op for name, op in ops.items() if op != "same"}
