"""An `up` interrupted by Ctrl-C (SIGINT to the CLI's process group, as a terminal sends it) or killed outright
while Depot is slow, then resumed.

What the engine does: on the first SIGINT it cancels, lets the operations in flight finish and records them, and
starts nothing new: no pending operations, and the resumed `up` creates exactly what is missing. On a second SIGINT
it terminates at once (SIGKILL: at once, leaving its lock, which `pulumi cancel` removes): the operations in flight
stay in the state as pending CREATEs although Depot committed them, and a non-interactive `up` only warns about
them and creates those resources again. The provider's create journal is what keeps that from leaving orphans: the
next create of each interrupted resource finds what its interrupted create made (a project or trust policy is
recovered, a token whose secret was never recorded is deleted and made again).
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from engine_lifecycle import WAIT_DEADLINE, LineLog, interrupt, policies, projects, tokens
from pulumi import automation as auto
from pulumi_stack import PulumiStack, kill_process_tree, running, write_program

PROGRAM = """
import pulumi
import pulumi_depot as depot

api = depot.Project("api", name="api", region="us-east-1")
depot.TrustPolicy("gh", project_id=api.id, github=depot.GitHubTrustArgs(repository_owner="acme", repository="api"))
for name in ("ci", "cd", "release"):
    depot.ProjectToken(name, project_id=api.id, description=name)
pulumi.export("api", api.id)
"""
TOKENS = ["cd", "ci", "release"]


def declared_state(stack: PulumiStack) -> dict[str, str]:
    return {name: resource["id"] for name, resource in stack.resources().items()}


def test_an_interrupted_up_resumes_to_exactly_the_declared_objects(
    start_depot_server: Callable[..., Any], tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    server = start_depot_server(latency_ms=400)
    client = server.client()
    stack = pulumi_stack(write_program(tmp_path / "program", PROGRAM), server)
    stack.log = LineLog()
    with stack.running_cli("up", "--yes", "--skip-preview") as process:
        stack.log.wait_for(r"ProjectToken \S+ creating")  # the project exists, tokens are in flight
        assert interrupt(process) != 0
    assert "received; cancelling" in "".join(stack.log)
    assert stack.export()["deployment"].get("pending_operations") in (None, [])
    (project_id,) = projects(client)
    # Whatever was in flight finished and is in the state; nothing else was started.
    in_state = declared_state(stack)
    assert {t for t in tokens(client, project_id)} == {in_state[n] for n in TOKENS if n in in_state}

    server.set_faults()
    stack.up()
    assert projects(client) == {project_id: "api"}
    assert sorted(tokens(client, project_id).values()) == TOKENS
    assert list(policies(client, project_id).values()) == ["github:acme/api"]
    state = declared_state(stack)
    assert set(tokens(client, project_id)) == {state[n] for n in TOKENS}
    stack.preview(expect_no_changes=True)
    stack.destroy()
    assert projects(client) == {}


def test_a_terminated_up_leaves_pending_creates_and_the_next_up_no_orphans(
    start_depot_server: Callable[..., Any], tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    server = start_depot_server(latency_ms=1500)
    client = server.client()
    stack = pulumi_stack(write_program(tmp_path / "program", PROGRAM), server)
    stack.log = LineLog()
    with stack.running_cli("up", "--yes", "--skip-preview") as process:
        stack.log.wait_for(r"ProjectToken \S+ creating")
        os.killpg(process.pid, signal.SIGINT)
        stack.log.wait_for(r"received; cancelling")
        os.killpg(process.pid, signal.SIGINT)  # the second Ctrl-C: "terminating"
        assert process.wait(timeout=WAIT_DEADLINE) != 0
    assert "received; terminating" in "".join(stack.log)
    stack.restore_torn_checkpoint()  # terminating at once may also land during a checkpoint rewrite
    pending = stack.export()["deployment"].get("pending_operations") or []
    interrupted = sorted(op["resource"]["urn"].rsplit("::", 1)[1] for op in pending)
    assert interrupted and {op["type"] for op in pending} == {"creating"}
    (project_id,) = projects(client)
    # Depot holds what the interrupted creates committed, none of it in the state.
    left = tokens(client, project_id)
    assert set(left.values()) <= set(interrupted)
    assert not set(left) & set(declared_state(stack).values())

    server.set_faults()
    stack.up()  # non-interactive: the engine warns about the pending creates and creates them again
    state = declared_state(stack)
    live = tokens(client, project_id)
    assert set(live) == {state[n] for n in TOKENS} and sorted(live.values()) == TOKENS  # no orphan left
    assert not set(left) & set(live)  # each interrupted token was deleted: its secret never reached the state
    stack.preview(expect_no_changes=True)
    stack.destroy()
    assert projects(client) == {}


FLEET = """
import pulumi
import pulumi_depot as depot

for number in range({tenants}):
    name = f"tenant-{{number}}"
    project = depot.Project(name, name=name, region="us-east-1")
    depot.TrustPolicy(f"{{name}}-gh", project_id=project.id,
                      github=depot.GitHubTrustArgs(repository_owner="acme", repository=name))
    depot.ProjectToken(f"{{name}}-ci", project_id=project.id, description="CI builds")
"""


def test_ups_killed_repeatedly_end_with_exactly_the_declared_fleet(
    start_depot_server: Callable[..., Any], tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    """kill -9 of the whole `pulumi up` (CLI and provider host) while creates are in flight, three times; after
    `pulumi cancel` and one more up, Depot holds exactly one project, token and policy per tenant."""
    tenants = 12
    server = start_depot_server(latency_ms=250)
    client = server.client()
    stack = pulumi_stack(write_program(tmp_path / "program", FLEET.format(tenants=tenants)), server)
    for kill in range(3):
        stack.log = LineLog()
        with stack.running_cli("up", "--yes", "--skip-preview", "--parallel", "8") as process:
            # Wait for creates to be in flight, a few more each time, then kill everything at once.
            stack.log.wait_for_count(r"creating", 4 + 6 * kill)
            killed = kill_process_tree(process.pid)  # the CLI and its plugins, in process groups of their own
            process.wait(timeout=WAIT_DEADLINE)
        assert len(killed) > 1  # the plugins were in the tree, and are killed with the CLI
        deadline = time.monotonic() + WAIT_DEADLINE
        while (left := [pid for pid in killed if running(pid)]) and time.monotonic() < deadline:
            os.sched_yield()  # SIGKILL lands when the kernel next runs each process
        assert left == []
        stack.restore_torn_checkpoint()  # a kill during a checkpoint rewrite leaves it empty
        stack.cli("cancel", "--yes")  # the killed CLI left its lock
    server.set_faults()
    stack.up()

    live = projects(client)
    assert sorted(live.values()) == sorted(f"tenant-{n}" for n in range(tenants))  # no duplicate name
    state = declared_state(stack)
    assert set(live) == {state[f"tenant-{n}"] for n in range(tenants)}
    for project_id, name in live.items():
        assert list(tokens(client, project_id)) == [state[f"{name}-ci"]]  # no extra valid token
        assert list(policies(client, project_id).items()) == [(state[f"{name}-gh"], f"github:acme/{name}")]
    stack.preview(expect_no_changes=True)


def test_a_stack_file_torn_by_a_kill_is_restored_from_its_backup(
    start_depot_server: Callable[..., Any], tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    """What the kill test relies on: an empty stack file (a kill during its rewrite) fails every command, and
    restore_torn_checkpoint puts back the previous checkpoint, which the engine reads again."""
    server = start_depot_server()
    stack = pulumi_stack(write_program(tmp_path / "program", PROGRAM), server)
    stack.up()
    stack.up()  # a second update: the backend now holds <stack>.json.bak
    assert not stack.restore_torn_checkpoint()  # a whole stack file is left alone
    (checkpoint,) = (stack.work_dir / "pulumi-backend" / ".pulumi" / "stacks").rglob(f"{stack.name}.json")
    checkpoint.write_text("")
    with pytest.raises(auto.CommandError, match="checkpoint"):
        stack.cli("stack", "export")
    assert stack.restore_torn_checkpoint()
    stack.preview(expect_no_changes=True)
    stack.destroy()
    assert projects(server.client()) == {}
