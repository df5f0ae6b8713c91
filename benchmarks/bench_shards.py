"""Benchmark: one stack against shards (`pulumi-depot fleet`), the same tenants file, the same program.

    python benchmarks/bench_fleet.py --shards 100[,50...] [--tenants 100,400,1000] [--jobs 1,2,4] [--latency-ms 20]
                                     [--parallel 16] [--pulumi-env NAME=VALUE] [--no-bound] [--no-one-stack]
                                     [--compare-views]

Each tenant of the tenants file is a depot.TenantProject (project, one GitHub trust policy in its TrustPolicySet,
a project token): `depot.tenant_fleet_from_file("tenants.yaml").export()`. For every tenants x latency cell it
times, against a depot-local it starts (a fresh organization per run): one stack (`pulumi up` from empty, a no-op
preview, refresh, destroy), then, unless --no-bound, one stack's `up` and `destroy` again with
PULUMI_SKIP_CHECKPOINTS=true (the engine's linear bound: no checkpoint per step, which no user should run), then
for each --shards size and --jobs value the same four operations through `pulumi-depot fleet`. Wall time includes
everything the command does (stack init, config, the summary). --compare-views runs each shard layout a second
time with the command's shard views turned off (pulumi_depot.fleet_views): each shard's program then reads and
checks the whole tenants file, as before the views.
Also: API calls per tenant, the ratio to the bare client (the same mutating calls from the provider's DepotClient
in 4 threads), and the bytes of state per tenant (the backend's checkpoint files after `up`).
Progress on stderr, the Markdown table on stdout; compare ratios within one run.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "testing" / "harness"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_client import local_server  # noqa: E402
from bench_fleet import Measured, Server, bare_fleet, fmt, int_list, log, provider_client, ratio, timed  # noqa: E402
from process_cpu import ProcessCpu  # noqa: E402
from pulumi import automation as auto  # noqa: E402
from pulumi_depot.fleet_command import command as fleet_command  # noqa: E402
from pulumi_depot.fleet_command import main as fleet_main  # noqa: E402
from pulumi_depot_provider.config import DYNAMIC_HOST_CONCURRENCY  # noqa: E402
from pulumi_stack import PulumiStack, pulumi_available, write_program  # noqa: E402

PROGRAM = """
import pulumi_depot as depot

depot.tenant_fleet_from_file("tenants.yaml").export()
"""
OPERATIONS = ("up from empty", "no-op preview", "refresh", "destroy")
BOUND_OPERATIONS = ("up from empty", "destroy")
ONE_STACK = "one stack"
CPU_INTERVAL = 0.1  # seconds between /proc samples (process_cpu.py); a process loses at most its last one
BOUND = "one stack, checkpoints skipped"
FLEET_COMMANDS = {"up from empty": "up", "no-op preview": "preview", "refresh": "refresh", "destroy": "destroy"}


@dataclass
class Run:
    tenants: int
    latency_ms: int
    layout: str  # "one stack" or "shards of N, --jobs J"
    operations: dict[str, Measured] = field(default_factory=dict)
    state_bytes: int = 0
    cpu: dict[str, dict[str, float]] = field(default_factory=dict)  # operation -> process kind -> CPU seconds


def tenants_file(count: int) -> dict[str, Any]:
    return {
        "name_template": "tenant-{tenant}",
        "defaults": {"region": "us-east-1", "token": True},
        "tenants": [
            {
                "id": f"t{n:04d}",
                "trust_policies": [{"github": {"repository_owner": "acme", "repository": f"t{n:04d}"}}],
            }
            for n in range(count)
        ],
    }


def state_bytes(backend: Path) -> int:
    return sum(file.stat().st_size for file in (backend / ".pulumi" / "stacks").rglob("*.json"))


def project(work: Path, name: str, count: int) -> Path:
    directory = write_program(work / name / "program", PROGRAM, project="fleet")
    (directory / "tenants.yaml").write_text(yaml.safe_dump(tenants_file(count), sort_keys=False))
    return directory


def one_stack(
    server: Server, count: int, latency: int, parallel: int, work: Path, env: dict[str, str], *, bound: bool = False
) -> Run:
    run = Run(count, latency, BOUND if bound else ONE_STACK)
    _, token = server.org(f"{run.layout} {count} {latency}")
    name = f"{'bound' if bound else 'one'}-{count}-{latency}"
    if bound:
        env = {**env, "PULUMI_SKIP_CHECKPOINTS": "true"}
    stack = PulumiStack(
        project(work, name, count),
        work / name / "stack",
        api_url=server.url,
        token=token,
        env=env,
    )
    steps = {
        "up from empty": lambda: stack.up(parallel=parallel),
        "no-op preview": lambda: stack.preview(parallel=parallel, expect_no_changes=True),
        "refresh": lambda: stack.refresh(parallel=parallel, expect_no_changes=True),
        "destroy": lambda: stack.destroy(parallel=parallel),
    }
    for name, step in steps.items():
        if bound and name not in BOUND_OPERATIONS:
            continue
        log(f"{count} tenants, {latency} ms, {run.layout}: {name}")
        with ProcessCpu(CPU_INTERVAL) as cpu:
            run.operations[name] = timed(step, server)
        run.cpu[name] = cpu.seconds
        if name == "up from empty" and not bound:
            run.state_bytes = state_bytes(stack.work_dir / "pulumi-backend")
    return run


def sharded(
    server: Server,
    count: int,
    latency: int,
    parallel: int,
    size: int,
    jobs: int,
    work: Path,
    env: dict[str, str],
    *,
    views: bool = True,
) -> Run:
    run = Run(count, latency, f"shards of {size}, --jobs {jobs}{'' if views else ', no views'}")
    _, token = server.org(f"shards {count} {latency} {jobs} {views}")
    name = f"shards-{count}-{latency}-{size}-{jobs}{'' if views else '-no-views'}"
    directory = project(work, name, count)
    template = PulumiStack(directory, work / name / "stack", api_url=server.url, token=token, stack="template", env=env)
    saved = dict(os.environ)
    os.environ.update(template.env)
    no_views = contextlib.nullcontext() if views else mock.patch.object(fleet_command, "write_view", return_value=None)
    try:
        with no_views:
            for operation in OPERATIONS:
                log(f"{count} tenants, {latency} ms, {run.layout}: {operation}")
                argv = [FLEET_COMMANDS[operation], "-C", str(directory), "--copy-config-from", "template", "-q"]
                argv += ["--jobs", str(jobs), "--parallel", str(parallel), "--shard-size", str(size), "--yes"]
                quiet = io.StringIO()

                def fleet(argv: list[str] = argv, out: io.StringIO = quiet) -> None:
                    with contextlib.redirect_stdout(out):
                        if fleet_main(argv) != 0:
                            result = auto._cmd.CommandResult(stdout=out.getvalue()[-4000:], stderr="", code=1)
                            raise auto.CommandError(result)

                with ProcessCpu(CPU_INTERVAL) as cpu:
                    measured = timed(fleet, server)
                run.operations[operation] = measured
                run.cpu[operation] = cpu.seconds
                if operation == "up from empty":
                    run.state_bytes = state_bytes(template.work_dir / "pulumi-backend")
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return run


def table(runs: list[Run], bare: dict[tuple[int, int], dict[str, Measured]]) -> None:
    print(
        "| tenants | latency ms | layout | operation | wall s | ms / tenant | one stack / this | this / bound "
        "| API calls / tenant | wall / bare | state bytes / tenant |"
    )
    print("|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|")
    by_layout = {(r.tenants, r.latency_ms, r.layout): r for r in runs}
    for run in runs:
        one = by_layout.get((run.tenants, run.latency_ms, ONE_STACK))
        bound = by_layout.get((run.tenants, run.latency_ms, BOUND))
        for name in OPERATIONS:
            op = run.operations.get(name)
            if op is None:
                continue
            base = one.operations.get(name) if one else None
            floor = bound.operations.get(name) if bound else None
            bare_op = bare.get((run.tenants, run.latency_ms), {}).get(name)
            speedup = ratio(base.seconds if base else None, op.seconds)
            to_bound = ratio(op.seconds, floor.seconds if floor else None)
            per_tenant = None if op.seconds is None else op.seconds * 1000 / run.tenants
            state = f"{run.state_bytes / run.tenants:.0f}" if name == "up from empty" and run.state_bytes else "—"
            wall = fmt(op.seconds, 1) if op.seconds is not None else f"FAILED ({op.note[:80]})"
            to_bare = ratio(op.seconds, bare_op.seconds if bare_op else None)
            print(
                f"| {run.tenants} | {run.latency_ms} | {run.layout} | {name} | {wall} | {fmt(per_tenant, 1)} "
                f"| {speedup} | {to_bound} | {op.total / run.tenants:.3f} | {to_bare} | {state} |"
            )


def cpu_table(runs: list[Run]) -> None:
    """Where the CPU went: seconds by kind of process for each operation (benchmarks/process_cpu.py)."""
    kinds = sorted({kind for run in runs for by_kind in run.cpu.values() for kind in by_kind})
    print("\n| tenants | layout | operation | " + " | ".join(kinds) + " | total CPU s |")
    print("|---:|---|---|" + "---:|" * (len(kinds) + 1))
    for run in runs:
        for name, by_kind in run.cpu.items():
            cells = " | ".join(f"{by_kind.get(kind, 0.0):.1f}" for kind in kinds)
            print(f"| {run.tenants} | {run.layout} | {name} | {cells} | {sum(by_kind.values()):.1f} |")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shards", required=True, help="tenants per shard, comma-separated")
    parser.add_argument("--tenants", default="100,400,1000")
    parser.add_argument("--jobs", default="1,2,4", help="stacks at once, comma-separated")
    parser.add_argument("--latency-ms", default="20")
    parser.add_argument("--parallel", type=int, default=16, help="each stack's --parallel")
    parser.add_argument("--pulumi-env", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--no-bound", action="store_true", help="skip the one stack with checkpoints skipped")
    parser.add_argument("--no-one-stack", action="store_true", help="skip the one stack with default checkpoints")
    parser.add_argument("--compare-views", action="store_true", help="also run each shard layout without views")
    args = parser.parse_args(argv)
    tenants, jobs, latencies = int_list(args.tenants), int_list(args.jobs), int_list(args.latency_ms)
    sizes = int_list(args.shards)
    if not sizes or min(sizes) < 1 or not tenants or not jobs or not latencies:
        parser.error("--shards, --tenants, --jobs and --latency-ms need positive values")
    env = dict(item.split("=", 1) for item in args.pulumi_env)
    if missing := pulumi_available():
        raise SystemExit(missing)
    started = time.perf_counter()
    runs: list[Run] = []
    bare: dict[tuple[int, int], dict[str, Measured]] = {}
    token = "depot_org_" + secrets.token_hex(16)
    with local_server(token) as url, tempfile.TemporaryDirectory(prefix="bench-shards-") as tmp:
        server, work = Server(url), Path(tmp)
        load = os.getloadavg()
        for count in tenants:
            for latency in latencies:
                server.latency(latency)
                _, bare_token = server.org(f"bare {count} {latency}")
                log(f"{count} tenants, {latency} ms: bare client")
                bare[(count, latency)] = bare_fleet(
                    provider_client(url, bare_token), count, DYNAMIC_HOST_CONCURRENCY, server
                )
                if not args.no_one_stack:
                    runs.append(one_stack(server, count, latency, args.parallel, work, env))
                if not args.no_bound:
                    runs.append(one_stack(server, count, latency, args.parallel, work, env, bound=True))
                for size in sizes:
                    for j in jobs:
                        runs.append(sharded(server, count, latency, args.parallel, size, j, work, env))
                        if args.compare_views:
                            runs.append(sharded(server, count, latency, args.parallel, size, j, work, env, views=False))
    command = " ".join(["python", "benchmarks/bench_fleet.py", *argv])
    print(
        f"`{command}`: {(time.perf_counter() - started) / 60:.1f} min on {os.cpu_count()} CPUs, load average "
        f"{load[0]:.2f} at the start and {os.getloadavg()[0]:.2f} at the end\n"
    )
    table(runs, bare)
    cpu_table(runs)
    return 0
