"""Test tooling for the SDK tests that deploy under the real `pulumi` (tests/support/pulumi_stack.py): failures
the CLI reports, the state's resources of every kind, and a tenants-file program.

Local to tests/sdk/ (the shared harness is not changed from here).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pulumi import automation as auto
from pulumi_stack import PulumiStack

TENANTS_FILE_PROGRAM = """
import pulumi_depot as depot

depot.tenant_fleet_from_file({path!r}).export()
"""


def fails(action: Callable[..., Any], *args: Any, **kwargs: Any) -> str:
    """Runs a stack action that must fail; returns what the CLI printed (stdout and stderr) in one string."""
    with pytest.raises(auto.CommandError) as failure:
        action(*args, **kwargs)
    return str(failure.value)


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
