"""What the provider logs while it runs reaches the user in the CLI's diagnostics under the real `pulumi`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pulumi_stack import PulumiStack, write_program


def test_an_adoption_is_reported_in_the_up_output(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    legacy = depot.client().create_project(name="legacy", region_id="us-east-1")
    program = f"""
import pulumi_depot as depot

depot.Project("legacy", name="legacy-app", region="us-east-1", import_id="{legacy.project_id}")
"""
    stack = pulumi_stack(write_program(tmp_path / "program", program), depot)
    assert stack.up() == {"legacy": "create"}
    output = "\n".join(stack.log)
    # The dynamic host logs through the engine without the resource's URN, so the line is the stack's.
    line = (
        f"info: depot:Project 'legacy-app': adopted project {legacy.project_id}; changed name: 'legacy' -> 'legacy-app'"
    )
    assert line in output, output
    assert depot.client().get_project(legacy.project_id).name == "legacy-app"
