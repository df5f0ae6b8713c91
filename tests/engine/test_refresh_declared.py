"""Under the real `pulumi`: after a refresh, a preview lists only the property that changed out of band, never
properties the program did not declare (issue 8: `[diff: cache_policy, hardware, name, organization_id]`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pulumi_stack import PulumiStack, write_program

PROGRAM = """
import pulumi_depot as depot

depot.Project("api", name="api", region="us-east-1")
"""


def test_refresh_then_preview_shows_only_the_renamed_property(
    start_depot_server: Callable[..., Any], tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    server = start_depot_server()
    client = server.client()
    stack = pulumi_stack(write_program(tmp_path / "program", PROGRAM), server)
    assert stack.up() == {"api": "create"}
    project_id = stack.resources()["api"]["id"]

    client.update_project(project_id, name="renamed-by-hand")
    stack.refresh()
    preview = stack.preview_text("--diff")

    changed = [line.strip() for line in preview.splitlines() if line.strip().startswith(("~", "+", "-"))]
    assert any("name" in line and "renamed-by-hand" in line for line in changed), preview
    for undeclared in ("cache_policy", "hardware", "organization_id", "keep_gb", "created_at"):
        assert undeclared not in preview, f"{undeclared} in the preview:\n{preview}"
    assert stack.up() == {"api": "update"}
    assert client.get_project(project_id).name == "api"
    stack.preview(expect_no_changes=True)
