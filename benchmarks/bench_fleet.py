"""Benchmark: what a fleet of tenants costs under the real Pulumi CLI, per operation, in time and in API calls.

    python benchmarks/bench_fleet.py [--tenants 100,400,1000] [--parallel 4,16,32] [--latency-ms 0,20]
                                     [--org-sizes 0,500,2000,5000] [--org-repeats 3] [--transport-tenants 100]
    python benchmarks/bench_fleet.py --quick
    python benchmarks/bench_fleet.py --shards 100 [--tenants ...] [--jobs 1,2,4]   (benchmarks/bench_shards.py)

Each tenant is a depot.Project, a depot.ProjectToken and one GitHub depot.TrustPolicy (bench_convergence's
program), deployed with the real Pulumi CLI (scripts/install-pulumi.sh) against a depot-local it starts, in a fresh
organization per fleet. For every tenants x --parallel x latency cell it times, one after another: `up` from empty,
a no-op `preview --expect-no-changes`, `refresh --expect-no-changes`, a no-op `up --expect-no-changes` and
`destroy`. depot-local adds the latency to every call and counts calls per method (GET /_admin/stats).

- API floor = calls x latency / effective concurrency, where effective concurrency = min(--parallel, 4): the
  dynamic provider host serves the engine from 4 gRPC worker threads, so no more than 4 Depot calls run at once.
- bare = a DepotClient (the provider's own, from new_client) making the same mutating calls (create: CreateProject,
  CreateToken, AddTrustPolicy per tenant; destroy: DeleteToken, RemoveTrustPolicy, DeleteProject) from a thread
  pool of the effective concurrency, in an organization of its own, just before the fleet's operations.
- create at organization size S: the organization holds S projects (created through the client), then one
  depot:Project create runs through the real dynamic provider host (`python -m pulumi.dynamic`, started fresh for
  each create, so its project index lists the organization as it does in a deployment), driven over gRPC as the
  engine does (Configure, Check, then the timed Create); and, unless --org-no-stack, a whole one-resource
  `pulumi up` of one depot.Project (destroyed again, untimed, after each); medians of --org-repeats.
- transport: the bare client's create and destroy of --transport-tenants tenants from 4 threads, HTTP/1.1 vs h2c,
  in alternating rounds (median of 3).

Every figure is measured in this run; the machine may be shared, so compare ratios within one run, not seconds
across runs. Progress goes to stderr, the Markdown tables to stdout.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "testing" / "harness"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_client import local_server  # noqa: E402
from bench_convergence import PROGRAM, Faults  # noqa: E402
from dynamic_host import DynamicProviderHost, make_urn, provider_input  # noqa: E402
from pulumi import automation as auto  # noqa: E402
from pulumi_depot_provider.client import DepotClient  # noqa: E402
from pulumi_depot_provider.config import (  # noqa: E402
    DYNAMIC_HOST_CONCURRENCY,
    PROVIDER_RETRY,
    DepotSettings,
    new_client,
)
from pulumi_depot_provider.proto import pb  # noqa: E402
from pulumi_depot_provider.resources.project import ProjectProvider  # noqa: E402
from pulumi_stack import PULUMI, PulumiStack, pulumi_available, write_program  # noqa: E402
from pydantic import SecretStr  # noqa: E402

OPERATIONS = ("up from empty", "no-op preview", "refresh", "no-op up", "destroy")
PROJECT_TYPE = "pulumi-python:dynamic/depot:Project"
REGION = "us-east-1"
FILL_THREADS = 8


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def int_list(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()] if text.strip() not in ("", "none") else []


# --- the local Depot API -----------------------------------------------------------------------------------------


class Server:
    """depot-local's admin API: organizations, faults, per-method call counts."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.admin = httpx.Client(base_url=f"{url}/_admin", timeout=30)

    def org(self, name: str) -> tuple[str, str]:
        """A fresh organization: (org_id, token)."""
        answer = self.admin.post("/organizations", json={"name": name[:64]})
        answer.raise_for_status()
        return answer.json()["org_id"], answer.json()["token"]

    def latency(self, milliseconds: int) -> None:
        Faults(self.url, {"latency_ms": milliseconds}).on()

    def reset(self) -> None:
        self.admin.delete("/stats").raise_for_status()

    def calls(self) -> dict[str, int]:
        answer = self.admin.get("/stats")
        answer.raise_for_status()
        return {method: stats["calls"] for method, stats in answer.json()["methods"].items() if stats["calls"]}

    @contextmanager
    def counted(self, into: dict[str, int]) -> Iterator[None]:
        self.reset()
        try:
            yield
        finally:
            into.update(self.calls())


def provider_client(url: str, token: str) -> DepotClient:
    """The client the provider itself uses (new_client: same retry policy, pool and codec)."""
    return new_client(DepotSettings(token=SecretStr(token), api_url=url))


# --- the fleet ---------------------------------------------------------------------------------------------------


@dataclass
class Measured:
    seconds: float | None = None  # None: the operation failed
    calls: dict[str, int] = field(default_factory=dict)
    note: str = ""

    @property
    def total(self) -> int:
        return sum(self.calls.values())


@dataclass
class Cell:
    tenants: int
    parallel: int
    latency_ms: int
    operations: dict[str, Measured] = field(default_factory=dict)
    bare: dict[str, Measured] = field(default_factory=dict)  # "up from empty" / "destroy"

    @property
    def concurrency(self) -> int:
        return min(self.parallel, DYNAMIC_HOST_CONCURRENCY)

    def floor(self, calls: int) -> float:
        return calls * self.latency_ms / 1000 / self.concurrency


def timed(run: Callable[[], Any], server: Server) -> Measured:
    measured = Measured()
    with server.counted(measured.calls):
        started = time.perf_counter()
        try:
            run()
        except auto.CommandError as error:
            lines = [line.strip() for line in str(error).splitlines() if "error" in line.lower()]
            measured.note = (lines or [str(error).strip().splitlines()[-1]])[0][:300]
            log(f"  FAILED: {measured.note}\n{str(error)[-6000:]}")
            return measured
        measured.seconds = time.perf_counter() - started
    return measured


def bare_fleet(client: DepotClient, tenants: int, threads: int, server: Server) -> dict[str, Measured]:
    """The same mutating calls as the fleet's up and destroy, from `threads` threads, nothing else."""

    def create(number: int) -> tuple[str, str, str]:
        name = f"tenant-{number:04d}"
        project = client.create_project(name, REGION)
        token = client.create_token(project.project_id, "CI builds")
        policy = client.add_trust_policy(
            project.project_id, github=pb.TrustPolicy.GitHub(repository_owner="acme", repository=name)
        )
        return project.project_id, token.token_id, policy.trust_policy_id

    def delete(ids: tuple[str, str, str]) -> None:
        project_id, token_id, policy_id = ids
        client.delete_token(token_id)
        client.remove_trust_policy(project_id, policy_id)
        client.delete_project(project_id)

    created: list[tuple[str, str, str]] = []
    with ThreadPoolExecutor(threads) as pool:
        up = timed(lambda: created.extend(pool.map(create, range(tenants))), server)
        down = timed(lambda: list(pool.map(delete, created)), server)
    return {"up from empty": up, "destroy": down}


def run_cell(server: Server, cell: Cell, work: Path, env: dict[str, str]) -> None:
    label = f"{cell.tenants} tenants, --parallel {cell.parallel}, {cell.latency_ms} ms"
    server.latency(cell.latency_ms)
    _, bare_token = server.org(f"bare {label}")
    bare = provider_client(server.url, bare_token)
    log(f"{label}: bare client ({cell.concurrency} threads)")
    cell.bare = bare_fleet(bare, cell.tenants, cell.concurrency, server)

    _, token = server.org(f"fleet {label}")
    directory = work / f"fleet-{cell.tenants}-{cell.parallel}-{cell.latency_ms}"
    program = write_program(directory / "program", PROGRAM.format(tenants=cell.tenants), project="fleet")
    stack = PulumiStack(program, directory / "stack", api_url=server.url, token=token, env=env)
    p = cell.parallel
    steps: dict[str, Callable[[], Any]] = {
        "up from empty": lambda: stack.up(parallel=p),
        "no-op preview": lambda: stack.preview(parallel=p, expect_no_changes=True),
        "refresh": lambda: stack.refresh(parallel=p, expect_no_changes=True),
        "no-op up": lambda: stack.up(parallel=p, expect_no_changes=True),
        "destroy": lambda: stack.destroy(parallel=p),
    }
    client = provider_client(server.url, token)
    for name, step in steps.items():
        log(f"{label}: {name}")
        cell.operations[name] = timed(step, server)
        if name == "up from empty":
            held = len(client.list_projects())
            if held != cell.tenants:
                cell.operations[name].note = f"{held} projects in Depot, not {cell.tenants}"
    left = len(client.list_projects())
    if left:
        cell.operations["destroy"].note = f"{left} projects left in Depot"


# --- one create at organization sizes ----------------------------------------------------------------------------


@dataclass
class OrgSize:
    size: int
    latency_ms: int
    seconds: list[float] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)
    stack_seconds: list[float] = field(default_factory=list)  # the whole one-resource `pulumi up`
    stack_calls: dict[str, int] = field(default_factory=dict)


ONE_PROJECT = """
import pulumi_depot as depot

depot.Project("measured", name="measured-by-stack", region="us-east-1")
"""


def fill(client: DepotClient, have: int, want: int) -> None:
    with ThreadPoolExecutor(FILL_THREADS) as pool:
        list(pool.map(lambda n: client.create_project(f"filler-{n:05d}", REGION), range(have, want)))


def host_create(server: Server, url: str, token: str, name: str, journal: Path) -> tuple[float, dict[str, int]]:
    """One depot:Project create through a fresh dynamic provider host; (seconds of the Create call, calls)."""
    env = {"DEPOT_TOKEN": "", "DEPOT_API_URL": "", "PULUMI_DEPOT_JOURNAL_DIR": str(journal)}
    with DynamicProviderHost(env=env) as host:
        host.configure({"depot:token": token, "depot:apiUrl": url}, secret_keys={"depot:token"})
        urn = make_urn(PROJECT_TYPE, name, project="bench")
        provider = provider_input(ProjectProvider(owner=f"bench/dev/depot:Project/{name}"))
        checked = host.check(urn, {}, {"name": name, "region": REGION, "__provider": provider})
        if checked.failures:
            raise SystemExit(f"check failed: {checked.failures}")
        calls: dict[str, int] = {}
        with server.counted(calls):
            started = time.perf_counter()
            created = host.create(urn, checked.inputs)
            seconds = time.perf_counter() - started
    provider_client(url, token).delete_project(created.id)  # the organization stays at its size
    return seconds, calls


def org_sizes(
    server: Server, sizes: list[int], latencies: list[int], repeats: int, work: Path, with_stack: bool
) -> list[OrgSize]:
    _, token = server.org("organization sizes")
    client = provider_client(server.url, token)
    program = write_program(work / "one-project" / "program", ONE_PROJECT, project="one")
    stack = PulumiStack(program, work / "one-project" / "stack", api_url=server.url, token=token)
    log("organization sizes: warming up (one create of each kind, not timed)")
    host_create(server, server.url, token, "warm-up", Path(tempfile.mkdtemp(prefix="journal-", dir=work)))
    if with_stack:
        stack.up()
        stack.destroy()
    results: list[OrgSize] = []
    have = 0
    for size in sorted(sizes):
        server.latency(0)
        log(f"organization sizes: filling to {size} projects")
        fill(client, have, size)
        have = max(have, size)
        for latency in latencies:
            server.latency(latency)
            result = OrgSize(size, latency)
            for repeat in range(repeats):
                log(f"organization of {size}, {latency} ms: create {repeat + 1}/{repeats}")
                journal = Path(tempfile.mkdtemp(prefix="journal-", dir=work))
                seconds, result.calls = host_create(server, server.url, token, f"measured-{size}-{latency}", journal)
                result.seconds.append(seconds)
                if with_stack:
                    log(f"organization of {size}, {latency} ms: one-resource up {repeat + 1}/{repeats}")
                    measured = timed(stack.up, server)
                    if measured.seconds is None:
                        raise SystemExit(f"the one-resource up failed: {measured.note}")
                    result.stack_seconds.append(measured.seconds)
                    result.stack_calls = measured.calls
                    stack.destroy()  # the organization stays at its size
            results.append(result)
    server.latency(0)
    return results


# --- HTTP/1.1 vs h2c ---------------------------------------------------------------------------------------------


def transport(server: Server, tenants: int, latencies: list[int], rounds: int = 3) -> list[tuple[int, float, float]]:
    """(latency, median seconds over HTTP/1.1, median over h2c) for the bare fleet's create + destroy."""
    results = []
    threads = DYNAMIC_HOST_CONCURRENCY
    for latency in latencies:
        server.latency(latency)
        seconds: dict[bool, list[float]] = {False: [], True: []}
        for round_ in range(rounds):
            for http2 in (False, True) if round_ % 2 == 0 else (True, False):
                log(f"transport: {latency} ms, {'h2c' if http2 else 'HTTP/1.1'}, round {round_ + 1}/{rounds}")
                _, token = server.org(f"transport {latency} {http2} {round_}")
                with DepotClient(server.url, token, http2=http2, concurrency=threads, retry=PROVIDER_RETRY) as client:
                    done = bare_fleet(client, tenants, threads, server)
                seconds[http2].append(sum(m.seconds or 0 for m in done.values()))
        results.append((latency, statistics.median(seconds[False]), statistics.median(seconds[True])))
    server.latency(0)
    return results


# --- the report --------------------------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def ratio(numerator: float | None, denominator: float | None) -> str:
    return "—" if not numerator or not denominator else f"{numerator / denominator:.2f}"


def fleet_table(cells: list[Cell]) -> None:
    print(
        "| tenants | --parallel | latency ms | operation | wall s | ms / tenant | API calls / tenant | API floor s "
        "| wall / floor | bare client s | wall / bare |"
    )
    print("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for cell in cells:
        for name in OPERATIONS:
            op = cell.operations.get(name)
            if op is None:
                continue
            floor = cell.floor(op.total) if cell.latency_ms else None
            bare = cell.bare.get(name)
            per_tenant = None if op.seconds is None else op.seconds * 1000 / cell.tenants
            wall = fmt(op.seconds, 1) if op.seconds is not None else f"FAILED ({op.note})"
            if op.note and op.seconds is not None:
                wall += f" ({op.note})"
            print(
                f"| {cell.tenants} | {cell.parallel} | {cell.latency_ms} | {name} | {wall} | {fmt(per_tenant, 1)} "
                f"| {op.total / cell.tenants:.3f} | {fmt(floor, 1) if floor else '—'} | {ratio(op.seconds, floor)} "
                f"| {fmt(bare.seconds, 1) if bare else '—'} | {ratio(op.seconds, bare.seconds if bare else None)} |"
            )


def calls_table(cells: list[Cell]) -> None:
    """API calls per tenant by method, per operation (the largest fleet measured at each latency)."""
    print("| tenants | operation | API calls per tenant, by method |")
    print("|---:|---|---|")
    shown: set[int] = set()
    for cell in sorted(cells, key=lambda c: (-c.tenants, c.latency_ms)):
        if cell.tenants in shown:
            continue
        shown.add(cell.tenants)
        for name in OPERATIONS:
            op = cell.operations.get(name)
            if op is None:
                continue
            methods = ", ".join(f"{method} {count / cell.tenants:.3f}" for method, count in sorted(op.calls.items()))
            print(f"| {cell.tenants} | {name} | {methods or 'none'} |")


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def org_table(results: list[OrgSize]) -> None:
    print(
        "| projects in the organization | latency ms | Create RPC s (median) | runs | API calls of the create "
        "| ratio to an empty organization | one-resource `up` s (median) | ratio to an empty organization |"
    )
    print("|---:|---:|---:|---|---|---:|---:|---:|")
    smallest = min(x.size for x in results)
    empty = {r.latency_ms: r for r in results if r.size == smallest}
    for r in sorted(results, key=lambda r: (r.latency_ms, r.size)):
        rpc, up = median(r.seconds), median(r.stack_seconds)
        base = empty[r.latency_ms]
        runs = ", ".join(f"{s:.3f}" for s in r.seconds)
        methods = ", ".join(f"{m} {c}" for m, c in sorted(r.calls.items()))
        print(
            f"| {r.size} | {r.latency_ms} | {fmt(rpc, 3)} | {runs} | {methods} | {ratio(rpc, median(base.seconds))} "
            f"| {fmt(up, 2)} | {ratio(up, median(base.stack_seconds))} |"
        )


def summary(cells: list[Cell], orgs: list[OrgSize]) -> None:
    print("\nIssue 9's done-when figures, from this run:")
    if orgs:
        largest, smallest = max(r.size for r in orgs), min(r.size for r in orgs)
        for latency in sorted({r.latency_ms for r in orgs}):
            by_size = {r.size: r for r in orgs if r.latency_ms == latency}
            value = statistics.median(by_size[largest].seconds) / statistics.median(by_size[smallest].seconds)
            if by_size[smallest].stack_seconds:
                whole = statistics.median(by_size[largest].stack_seconds) / statistics.median(
                    by_size[smallest].stack_seconds
                )
                print(
                    f"- one-resource `up` at {largest} vs {smallest} projects, {latency} ms: {whole:.2f}x "
                    f"(within 2x: {'yes' if whole <= 2 else 'no'})"
                )
            print(
                f"- Create RPC at {largest} vs {smallest} projects, {latency} ms: {value:.2f}x (within 2x: "
                f"{'yes' if value <= 2 else 'no'})"
            )
    groups: dict[tuple[int, int], list[Cell]] = {}
    for cell in cells:
        groups.setdefault((cell.parallel, cell.latency_ms), []).append(cell)
    for (parallel, latency), group in sorted(groups.items()):
        if len({c.tenants for c in group}) < 2:
            continue
        small, big = min(group, key=lambda c: c.tenants), max(group, key=lambda c: c.tenants)
        parts = []
        for name in OPERATIONS:
            a, b = small.operations.get(name), big.operations.get(name)
            if a and b and a.seconds and b.seconds:
                growth = (b.seconds / big.tenants) / (a.seconds / small.tenants)
                calls = (b.total / big.tenants) / (a.total / small.tenants) if a.total else None
                parts.append(f"{name} {growth:.2f}x time" + (f", {calls:.2f}x calls" if calls else ""))
        print(
            f"- per-tenant cost at {big.tenants} vs {small.tenants} tenants (--parallel {parallel}, {latency} ms): "
            + "; ".join(parts)
        )
    for cell in cells:
        refresh = cell.operations.get("refresh")
        if refresh:
            project_calls = refresh.calls.get("GetProject", 0) + refresh.calls.get("ListProjects", 0)
            print(
                f"- refresh, {cell.tenants} tenants, --parallel {cell.parallel}, {cell.latency_ms} ms: "
                f"{project_calls / cell.tenants:.3f} GetProject + ListProjects calls per project "
                f"(<= 0.02: {'yes' if project_calls / cell.tenants <= 0.02 else 'no'})"
            )
    for cell in cells:
        up, bare = cell.operations.get("up from empty"), cell.bare.get("up from empty")
        if up and bare and up.seconds and bare.seconds:
            value = up.seconds / bare.seconds
            print(
                f"- up from empty vs the bare client, {cell.tenants} tenants, --parallel {cell.parallel}, "
                f"{cell.latency_ms} ms: {value:.2f}x (<= 1.5x: {'yes' if value <= 1.5 else 'no'})"
            )


def main() -> int:
    if "--shards" in sys.argv[1:]:  # one stack against `pulumi-depot fleet` shards: benchmarks/bench_shards.py
        from bench_shards import main as shards

        return shards(sys.argv[1:])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", default="100,400,1000", help="fleet sizes, comma-separated ('none': no fleet)")
    parser.add_argument("--parallel", default="4,16,32", help="pulumi --parallel values")
    parser.add_argument("--latency-ms", default="0,20", help="latency depot-local adds to every call")
    parser.add_argument("--org-sizes", default="0,500,2000,5000", help="organization sizes ('none': skip)")
    parser.add_argument("--org-repeats", type=int, default=3, help="creates per organization size (median)")
    parser.add_argument(
        "--org-no-stack", action="store_true", help="organization sizes: time only the Create RPC, no `pulumi up`"
    )
    parser.add_argument("--transport-tenants", type=int, default=100, help="HTTP/1.1 vs h2c fleet size (0: skip)")
    parser.add_argument(
        "--pulumi-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="environment for the fleet's pulumi commands, e.g. PULUMI_SKIP_CHECKPOINTS=true (repeatable)",
    )
    parser.add_argument("--quick", action="store_true", help="a small matrix: 20 tenants, --parallel 16, sizes 0,200")
    args = parser.parse_args()
    if args.quick:
        args.tenants, args.parallel, args.org_sizes = "20", "16", "0,200"
        args.org_repeats, args.transport_tenants = 1, 20
    tenants, parallels, latencies = int_list(args.tenants), int_list(args.parallel), int_list(args.latency_ms)
    sizes = int_list(args.org_sizes)
    if not latencies or args.org_repeats < 1 or any(n < 1 for n in tenants + parallels) or min(sizes, default=0) < 0:
        parser.error("--latency-ms needs a value; tenants, parallel and org repeats must be positive")
    if any("=" not in item for item in args.pulumi_env):
        parser.error("--pulumi-env takes NAME=VALUE")
    env = dict(item.split("=", 1) for item in args.pulumi_env)
    missing = pulumi_available()
    if missing:
        raise SystemExit(missing)

    started = time.perf_counter()
    command = " ".join(["python", "benchmarks/bench_fleet.py", *sys.argv[1:]])
    token = "depot_org_" + secrets.token_hex(16)
    cells: list[Cell] = []
    with local_server(token) as url, tempfile.TemporaryDirectory(prefix="bench-fleet-") as work:
        server = Server(url)
        log(f"depot-local at {url}; {PULUMI}")
        load = os.getloadavg()
        moves: list[tuple[int, float, float]] = []
        if args.transport_tenants:
            moves = transport(server, args.transport_tenants, latencies)
        for count in tenants:
            for parallel in parallels:
                for latency in latencies:
                    cell = Cell(count, parallel, latency)
                    run_cell(server, cell, Path(work), env)
                    cells.append(cell)
        orgs = org_sizes(server, sizes, latencies, args.org_repeats, Path(work), not args.org_no_stack) if sizes else []
    minutes = (time.perf_counter() - started) / 60
    print(
        f"`{command}`: {minutes:.1f} min on {os.cpu_count()} CPUs, load average "
        f"{load[0]:.2f} at the start and {os.getloadavg()[0]:.2f} at the end\n"
    )
    if cells:
        fleet_table(cells)
        print()
        calls_table(cells)
        print()
    if orgs:
        print("One depot:Project create through a fresh dynamic provider host (Create RPC), by organization size:\n")
        org_table(orgs)
        print()
    if moves:
        print(
            f"Bare client, create + destroy of {args.transport_tenants} tenants from {DYNAMIC_HOST_CONCURRENCY} "
            "threads (median of 3 alternating rounds):\n"
        )
        print("| latency ms | HTTP/1.1 s | h2c s | h2c / HTTP/1.1 |")
        print("|---:|---:|---:|---:|")
        for latency, http1, h2c in moves:
            print(f"| {latency} | {http1:.2f} | {h2c:.2f} | {h2c / http1:.2f} |")
    summary(cells, orgs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
