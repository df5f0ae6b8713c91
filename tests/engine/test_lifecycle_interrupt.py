"""An `up` interrupted by Ctrl-C (SIGINT to the CLI's process group, as a terminal sends it) or killed outright
while creates are in flight, then resumed.

What the engine does: on the first SIGINT it cancels, lets the operations in flight finish and records them, and
starts nothing new: no pending operations, and the resumed `up` creates exactly what is missing. On a second SIGINT
it terminates at once: the operations in flight stay in the state as pending CREATEs although Depot committed them,
and a non-interactive `up` only warns about them and creates those resources again. A kill -9 also leaves the
stack's lock, which `pulumi cancel` removes. The provider's create journal is what keeps that from leaving orphans:
the next create of each interrupted resource finds what its interrupted create made (a project or trust policy is
recovered, a token whose secret was never recorded is deleted and made again).

Each `up` reaches Depot through a GateProxy: the test closes the gate, so the `up` holds still at a known point
(calls that Depot has done and whose answers the provider has not had) for as long as the test takes to interrupt
or kill it, and then waits until what it sent has landed. Nothing waits on time.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from engine_lifecycle import WAIT_DEADLINE, LineLog, policies, projects, tokens
from gate_proxy import GateProxy
from pulumi import automation as auto
from pulumi_stack import PulumiStack, kill_process_tree, write_program

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
CREATES = {"CreateProject", "AddTrustPolicy", "CreateToken"}


def declared_state(stack: PulumiStack) -> dict[str, str]:
    return {name: resource["id"] for name, resource in stack.resources().items()}


@pytest.fixture
def gate(depot: Any) -> Iterator[GateProxy]:
    with GateProxy(depot.url) as proxy:
        yield proxy


def gated_stack(make: Callable[..., PulumiStack], program: Path, depot: Any, gate: GateProxy) -> PulumiStack:
    stack = make(program, depot)
    stack.set_config("depot:apiUrl", gate.url)
    stack.log = LineLog()
    return stack


def test_an_interrupted_up_resumes_to_exactly_the_declared_objects(
    depot: Any, gate: GateProxy, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    client = depot.client()
    stack = gated_stack(pulumi_stack, write_program(tmp_path / "program", PROGRAM), depot, gate)
    gate.close(methods={"CreateToken"})
    with stack.running_cli("up", "--yes", "--skip-preview") as process:
        gate.wait_holding()  # the project exists, a token's create is in flight
        os.killpg(process.pid, signal.SIGINT)
        stack.log.wait_for(r"received; cancelling")
        gate.release()  # the creates in flight end; the engine starts nothing new
        assert process.wait(timeout=WAIT_DEADLINE) != 0
    assert stack.export()["deployment"].get("pending_operations") in (None, [])
    (project_id,) = projects(client)
    # Whatever was in flight finished and is in the state; nothing else was started.
    in_state = declared_state(stack)
    assert {t for t in tokens(client, project_id)} == {in_state[n] for n in TOKENS if n in in_state} != set()

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
    depot: Any, gate: GateProxy, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    client = depot.client()
    stack = gated_stack(pulumi_stack, write_program(tmp_path / "program", PROGRAM), depot, gate)
    gate.close(methods={"CreateToken"})
    with stack.running_cli("up", "--yes", "--skip-preview") as process:
        gate.wait_holding()  # a token is created in Depot, and the provider has not heard back
        os.killpg(process.pid, signal.SIGINT)
        stack.log.wait_for(r"received; cancelling")
        os.killpg(process.pid, signal.SIGINT)  # the second Ctrl-C: "terminating"
        assert process.wait(timeout=WAIT_DEADLINE) != 0
    gate.release()  # to nobody: the provider that asked has gone with the terminated up
    assert "received; terminating" in "".join(stack.log)
    stack.repair_after_kill()  # the CLI may exit while a checkpoint write is under way
    pending = stack.export()["deployment"].get("pending_operations") or []
    interrupted = sorted(op["resource"]["urn"].rsplit("::", 1)[1] for op in pending)
    assert interrupted and {op["type"] for op in pending} == {"creating"}
    (project_id,) = projects(client)
    # Depot holds what the interrupted creates committed, none of it in the state.
    left = tokens(client, project_id)
    assert left and set(left.values()) <= set(interrupted)
    assert not set(left) & set(declared_state(stack).values())

    stack.up()  # non-interactive: the engine warns about the pending creates and creates them again
    state = declared_state(stack)
    live = tokens(client, project_id)
    assert set(live) == {state[n] for n in TOKENS} and sorted(live.values()) == TOKENS  # no orphan left
    assert not set(left) & set(live)  # each interrupted token was deleted: its secret never reached the state
    assert policies(client, project_id) == {state["gh"]: "github:acme/api"}  # recovered or made once, never twice
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
    depot: Any, gate: GateProxy, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    """kill -9 of the whole `pulumi up` (CLI and plugins) while creates are in flight, three times; after each,
    what a user does (repair what the kill tore, `pulumi cancel`); then one more up: Depot holds exactly one
    project, token and policy per tenant."""
    tenants = 12
    client = depot.client()
    stack = gated_stack(pulumi_stack, write_program(tmp_path / "program", FLEET.format(tenants=tenants)), depot, gate)
    # The first kill lands with a create done in Depot and unanswered, the others at any call, later each time.
    # Always reached: the ups before answered at most 3 + 10 calls, so at most 13 of the 36 resources are in the
    # state, and each of the others takes at least one call to create or recover.
    for kill, (after, methods) in enumerate([(3, CREATES), (10, None), (16, None)]):
        gate.close(after=after, methods=methods)
        with stack.running_cli("up", "--yes", "--skip-preview", "--parallel", "8") as process:
            gate.wait_holding()  # Depot did a call whose answer the provider awaits: the up cannot end
            killed = kill_process_tree(process.pid)  # the CLI and its plugins, in process groups of their own
            process.wait(timeout=WAIT_DEADLINE)
        assert len(killed) > 1  # the plugins were in the tree, and all of them have exited
        gate.drop()  # the awaited answers are lost; everything the up sent has landed
        stack.repair_after_kill()  # what the kill tore
        stack.cli("cancel", "--yes")  # the killed CLI left its lock
        if kill == 0:  # Depot holds a project the state does not: the recovery below is exercised
            assert set(projects(client)) - set(declared_state(stack).values())
    gate.open()
    stack.up()

    live = projects(client)
    assert sorted(live.values()) == sorted(f"tenant-{n}" for n in range(tenants))  # no duplicate name
    state = declared_state(stack)
    assert set(live) == {state[f"tenant-{n}"] for n in range(tenants)}
    for project_id, name in live.items():
        assert list(tokens(client, project_id)) == [state[f"{name}-ci"]]  # no extra valid token
        assert list(policies(client, project_id).items()) == [(state[f"{name}-gh"], f"github:acme/{name}")]
    stack.preview(expect_no_changes=True)


def test_what_a_kill_tears_in_the_backend_is_repaired_as_a_user_would(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    """What the kill test relies on. A kill between the truncation and the rewrite of the stack file's metadata
    sidecar leaves it empty: `pulumi cancel` then fails with "failed to load checkpoint: EOF" (the failure seen on
    a loaded machine), and so does every command. repair_after_kill deletes it, and the engine goes on."""
    stack = pulumi_stack(write_program(tmp_path / "program", "import pulumi\npulumi.export('n', 1)\n"), depot)
    stack.up()
    assert stack.repair_after_kill() == []  # nothing torn: nothing deleted
    (sidecar,) = (stack.work_dir / "pulumi-backend" / ".pulumi" / "stacks").rglob(f"{stack.name}.json.attrs")
    sidecar.write_bytes(b"")
    with pytest.raises(auto.CommandError, match="failed to load checkpoint: EOF"):
        stack.cli("cancel", "--yes")
    assert stack.repair_after_kill() == [sidecar]
    stack.cli("cancel", "--yes")
    assert stack.up() == {} and stack.outputs() == {"n": 1}
    assert sidecar.exists()  # written again with the checkpoint
