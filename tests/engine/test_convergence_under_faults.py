"""A tenant fleet under 20% injected faults converges under the real engine: every `up` makes progress, and
within 3 runs Depot holds exactly one project, token and trust policy per tenant, each of them in the state (no
duplicate, no orphan). benchmarks/bench_convergence.py measures the same at 200 tenants."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fleet_program import FLEET_PROGRAM
from pulumi import automation as auto
from pulumi_stack import PulumiStack, write_program

TENANTS = 30
PROGRAM = FLEET_PROGRAM.format(tenants=TENANTS)
FAULTS = {"unavailable_rate": 0.2, "commit_then_unavailable_rate": 0.2, "seed": 11}


def live_ids(client: Any) -> tuple[Counter[str], list[str]]:
    projects = client.list_projects()
    ids = [p.project_id for p in projects]
    for project in projects:
        ids += [t.token_id for t in client.list_tokens(project.project_id)]
        ids += [p.trust_policy_id for p in client.list_trust_policies(project.project_id)]
    return Counter(p.name for p in projects), ids


def test_fleet_converges_within_three_runs_under_faults(
    start_depot_server: Callable[..., Any], tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    server = start_depot_server()
    client = server.client()
    stack = pulumi_stack(write_program(tmp_path / "program", PROGRAM), server)
    held_before = 0
    for run in range(1, 4):
        server.set_faults(**FAULTS)
        try:
            stack.up(parallel=8)
            succeeded = True
        except auto.CommandError:
            succeeded = False
        server.set_faults()
        held = {resource["id"] for resource in stack.resources().values()}
        names, ids = live_ids(client)
        assert max(names.values()) == 1, names  # never a duplicate project
        assert set(ids) <= held, set(ids) - held  # never an orphan
        assert succeeded or len(held) > held_before, f"run {run} made no progress"
        held_before = len(held)
        if succeeded:
            break
    assert succeeded, "not converged in 3 runs"
    assert len(ids) == 3 * TENANTS and set(ids) == held
    assert (
        sum(
            server.stats()[m]["injected"].get("commit_then_unavailable", 0)
            for m in ("CreateProject", "CreateToken", "AddTrustPolicy")
            if m in server.stats()
        )
        > 0
    )  # the ambiguous failure was exercised
    stack.preview(expect_no_changes=True)
