"""An `up` interrupted by Ctrl-C (SIGINT to the CLI's process group, as a terminal sends it) while Depot is slow,
then resumed.

What the engine does: on the first SIGINT it cancels, lets the operations in flight finish and records them, and
starts nothing new: no pending operations, and the resumed `up` creates exactly what is missing. On a second SIGINT
it terminates at once: the operations in flight stay in the state as pending CREATEs although Depot committed
them, and a non-interactive `up` only warns about them and creates those resources again, so Depot is left with
the interrupted objects as orphans. `pulumi refresh --clear-pending-creates` clears the pending operations from the
state; it does not delete the orphans (their ids never reached Pulumi).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine_lifecycle import WAIT_DEADLINE, LineLog, interrupt, policies, projects, tokens
from pulumi_stack import PulumiStack, write_program

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


def test_a_terminated_up_leaves_pending_creates_and_orphans(
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
    pending = stack.export()["deployment"].get("pending_operations") or []
    interrupted = sorted(op["resource"]["urn"].rsplit("::", 1)[1] for op in pending)
    assert interrupted and {op["type"] for op in pending} == {"creating"}
    (project_id,) = projects(client)
    # Depot holds what the interrupted creates committed (all of them here, as a rule), none of it in the state.
    orphans = tokens(client, project_id)
    assert set(orphans.values()) <= set(interrupted)
    assert not set(orphans) & set(declared_state(stack).values())

    # refresh --clear-pending-creates forgets the pending operations (the orphans stay in Depot).
    stack.cli("refresh", "--yes", "--clear-pending-creates")
    assert stack.export()["deployment"].get("pending_operations") in (None, [])
    server.set_faults()
    stack.up()
    state = declared_state(stack)
    live = tokens(client, project_id)
    assert set(live) == set(orphans) | {state[n] for n in TOKENS} and not set(orphans) & set(state.values())
    assert sorted(live.values()) == sorted(TOKENS + list(orphans.values()))
    stack.preview(expect_no_changes=True)
    stack.destroy()
    assert projects(client) == {}  # deleting the project removes its tokens, orphans included
