"""Benchmark: does a tenant fleet converge under injected faults, and how many `pulumi up` runs does it take?

    python benchmarks/bench_convergence.py [--tenants 200] [--rate 0.2] [--max-runs 3] [--parallel 16] [--seed 7]

Each tenant is a project, one project token and one GitHub trust policy, declared in a plain program and deployed
with the real Pulumi CLI (scripts/install-pulumi.sh) against depot-local, which answers `--rate` of all calls
`unavailable` up front and makes `--rate` of the mutating calls that get through commit and then answer
`unavailable` (the ambiguous failure). Runs repeat until one succeeds; after each, with faults paused, Depot is
compared with the state: duplicates (extra projects of a name), orphans (objects in Depot the state does not hold),
and missing objects. Converged = an `up` that succeeds with Depot exactly the state, then a fault-free
`preview --expect-no-changes`. Exit status 1 when it does not converge within --max-runs.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "testing" / "harness"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_client import local_server  # noqa: E402
from fleet_program import FLEET_PROGRAM as PROGRAM  # noqa: E402
from pulumi import automation as auto  # noqa: E402
from pulumi_depot_provider.client import DepotClient  # noqa: E402
from pulumi_stack import PulumiStack, pulumi_available, write_program  # noqa: E402


class Faults:
    def __init__(self, url: str, settings: dict[str, Any]) -> None:
        self.url, self.settings = url, settings

    def _put(self, settings: dict[str, Any]) -> None:
        httpx.put(f"{self.url}/_admin/faults", json=settings, timeout=10).raise_for_status()

    def on(self) -> None:
        self._put(self.settings)

    def off(self) -> None:
        self._put({})


def census(client: DepotClient, stack: PulumiStack, tenants: int) -> dict[str, int]:
    """Depot against the state: counts, duplicates, orphans, missing."""
    state = {name: resource["id"] for name, resource in stack.resources().items()}
    held = set(state.values())
    projects = client.list_projects()
    names = Counter(project.name for project in projects)
    tokens = [t.token_id for p in projects for t in client.list_tokens(p.project_id)]
    policies = [t.trust_policy_id for p in projects for t in client.list_trust_policies(p.project_id)]
    live = [p.project_id for p in projects] + tokens + policies
    return {
        "projects": len(projects),
        "tokens": len(tokens),
        "policies": len(policies),
        "duplicates": sum(count - 1 for count in names.values()),
        "orphans": sum(1 for object_id in live if object_id not in held),
        "missing": 3 * tenants - sum(1 for object_id in live if object_id in held),
        "in_state": len(held),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--rate", type=float, default=0.2)
    parser.add_argument("--max-runs", type=int, default=3)
    parser.add_argument("--parallel", type=int, default=16)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    missing = pulumi_available()
    if missing:
        raise SystemExit(missing)

    token = "depot_org_" + secrets.token_hex(16)
    settings = {"unavailable_rate": args.rate, "commit_then_unavailable_rate": args.rate, "seed": args.seed}
    with local_server(token) as url, tempfile.TemporaryDirectory(prefix="bench-convergence-") as work:
        faults = Faults(url, settings)
        program = write_program(Path(work) / "program", PROGRAM.format(tenants=args.tenants), project="fleet")
        stack = PulumiStack(program, Path(work) / "stack", api_url=url, token=token)
        client = DepotClient(base_url=url, token=token)
        print(
            f"{args.tenants} tenants (project + token + GitHub policy), {args.rate:.0%} unavailable up front and "
            f"{args.rate:.0%} commit-then-unavailable, --parallel {args.parallel}, seed {args.seed}"
        )
        print(
            f"{'run':>3}  {'outcome':<9} {'seconds':>8}  {'projects':>8} {'tokens':>6} {'policies':>8}  "
            f"{'dupl.':>5} {'orphans':>7} {'missing':>7}"
        )
        converged = 0
        for run in range(1, args.max_runs + 1):
            faults.on()
            started = time.perf_counter()
            try:
                stack.up(parallel=args.parallel)
                outcome = "succeeded"
            except auto.CommandError as error:
                outcome = "failed"
                errors = sorted({line.strip() for line in str(error).splitlines() if "error: " in line})
                print("\n".join(f"     {line[:300]}" for line in errors[:5]))
            seconds = time.perf_counter() - started
            faults.off()
            seen = census(client, stack, args.tenants)
            print(
                f"{run:>3}  {outcome:<9} {seconds:>8.1f}  {seen['projects']:>8} {seen['tokens']:>6} "
                f"{seen['policies']:>8}  {seen['duplicates']:>5} {seen['orphans']:>7} {seen['missing']:>7}"
            )
            exact = seen["duplicates"] == seen["orphans"] == seen["missing"] == 0
            if outcome == "succeeded" and exact:
                converged = run
                break
        if not converged:
            print(f"not converged within {args.max_runs} runs")
            return 1
        stack.preview(expect_no_changes=True)
        print(f"converged in {converged} run(s); then preview --expect-no-changes without faults: no changes")
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
