"""A token created in Depot whose `up` never learnt it, recovered on a fresh CI runner (issue 22: a killed `up`, then
recovery with a new PULUMI_HOME, left 1 to 3 live tokens that no stack holds, and the provider said nothing).

The first `up` is made to lose the token deterministically, without a kill: CreateToken commits, then Depot answers
`unavailable` for longer than the look-up budget, so the create fails with the token live and nothing in the state
(what a SIGKILL after the commit leaves). The next `up` runs with a new PULUMI_HOME and create journal. It must not
make a second token beside the first: it refuses, naming the leftover (id and description) and the fix, and
`pulumi-depot orphans` lists it, revokes it, and then the `up` goes through, leaving no unheld live token. The
native plugin's token is settled the same way.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine_lifecycle import fails, projects
from pulumi_depot_provider.resources.token_mark import mark_of, marked, new_mark
from pulumi_stack import PulumiStack, write_program

PROGRAM = """
import pulumi
import pulumi_depot as depot

api = depot.Project("api", name="api", region="us-east-1")
ci = depot.ProjectToken("ci", project_id=api.id, description="CI builds")
pulumi.export("secret", ci.secret)
"""
# On the fresh runner the program also has a token of the native plugin, whose create is keyed by its URN.
NATIVE_TOKEN = """
pulumi.CustomResource("depot:index:ProjectToken", "cd", {"project_id": api.id, "description": "CD builds"})
"""
NATIVE_URN = "urn:pulumi:dev::depot-test::depot:index:ProjectToken::cd"


def move_to_a_fresh_runner(stack: PulumiStack, home: Path) -> None:
    """The same stack (backend) from a machine that never ran it: a new PULUMI_HOME and create journal."""
    home.mkdir(parents=True)
    fresh = {"PULUMI_HOME": str(home), "PULUMI_DEPOT_JOURNAL_DIR": str(home / "depot" / "journal")}
    stack.env.update(fresh)
    workspace = stack.stack.workspace
    workspace.pulumi_home = str(home)  # type: ignore[attr-defined]
    workspace.env_vars.update(fresh)  # type: ignore[attr-defined]


def orphans(stack: PulumiStack, server: Any, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**stack.env, "DEPOT_TOKEN": server.token, "DEPOT_API_URL": server.url}
    return subprocess.run(
        ["pulumi-depot", "orphans", "--stack", stack.name, *args],
        cwd=stack.program_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_token_lost_on_one_runner_is_named_and_revoked_not_duplicated_on_a_fresh_one(
    start_depot_server: Callable[..., Any], tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    server = start_depot_server()
    client = server.client()
    stack = pulumi_stack(write_program(tmp_path / "program", PROGRAM), server, env={"PULUMI_DEPOT_LOOKUP_SECONDS": "1"})
    server.set_faults(commit_then_unavailable_next={"CreateToken": 1}, outage_after_commit=1_000)
    assert "could not be learnt within 1 s" in fails(stack.up)
    server.set_faults()
    (project_id,) = projects(client)
    [left] = client.list_tokens(project_id)
    assert "ci" not in stack.resources()
    assert mark_of(left.description) is not None

    # As the plugin's lost create of `cd` would have left it (the dynamic one above went through Depot's faults).
    native_left = client.create_token(project_id, marked("CD builds", new_mark(NATIVE_URN))).token_id
    write_program(tmp_path / "program", PROGRAM + NATIVE_TOKEN)

    move_to_a_fresh_runner(stack, tmp_path / "runner-2")
    refused = fails(stack.up, continue_on_error=True)  # both creates run: the first refusal does not stop the other
    assert f"{left.token_id} ({left.description!r})" in refused
    assert f"{native_left} (" in refused and "depot:index:ProjectToken" in refused
    assert f"pulumi-depot orphans --stack {stack.name} --revoke" in refused
    assert {t.token_id for t in client.list_tokens(project_id)} == {left.token_id, native_left}  # none made

    listed = orphans(stack, server)
    assert listed.returncode == 1, listed.stderr
    assert f"token {left.token_id} in project {project_id}" in listed.stdout
    assert "made by a create of stack depot-test/dev" in listed.stdout
    revoked = orphans(stack, server, "--revoke")
    assert revoked.returncode == 1, revoked.stderr
    assert f"revoked token {left.token_id}" in revoked.stdout and f"revoked token {native_left}" in revoked.stdout
    assert client.list_tokens(project_id) == []

    assert stack.up() == {"api": "same", "ci": "create", "cd": "create"}
    held = {resource["id"] for resource in stack.resources().values() if "ProjectToken" in resource["type"]}
    assert {t.token_id for t in client.list_tokens(project_id)} == held and len(held) == 2  # 0 unheld live tokens
    clean = orphans(stack, server)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "no unheld tokens or trust policies: 1 project(s) checked against 1 stack state(s)" in clean.stdout
    assert stack.outputs()["secret"] not in listed.stdout + revoked.stdout + clean.stdout
