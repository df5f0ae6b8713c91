"""Benchmark: one tenant fleet deployed with the dynamic resources and with the native plugin, in one run.

    python benchmarks/bench_native.py [--tenants 200] [--parallel 32] [--latency-ms 20] [--repeats 1] [--baseline]
    python benchmarks/bench_native.py --quick

Each tenant is a project, a project token and one GitHub trust policy: testing/harness/fleet_program.py's
FLEET_PROGRAM for the dynamic resources (`pulumi-python:dynamic/depot:*`), and NATIVE_FLEET_PROGRAM, the same
program on the generated SDK (`import pulumi_depot_native as depot`: `depot:index:*` of the native plugin
`pulumi-resource-depot`). Both run under the real Pulumi CLI (scripts/install-pulumi.sh) against one depot-local
that adds --latency-ms to every call and counts calls per method (GET /_admin/stats), each fleet in a fresh
organization and stack. For each it times, one after another:
`up` from empty, a no-op `preview --expect-no-changes`, `refresh --expect-no-changes` and `destroy`. With
--repeats N the two kinds alternate (dynamic first in odd rounds, native first in even ones) and the table shows
medians.

With --baseline each fleet is also run with no added latency, and a second table shows what the latency added to
each kind's wall time (wall at --latency-ms minus wall at 0 ms): the part of the time that waits on Depot, which is
where the provider host's concurrency shows, apart from the engine's and the program's own work per resource (the
same for both kinds, and on 2 CPUs most of the wall time).

The dynamic provider host runs at most 4 calls at once (config.DYNAMIC_HOST_CONCURRENCY); the plugin runs as many
as its thread pool (PULUMI_DEPOT_PROVIDER_THREADS, else PULUMI_PARALLEL, else at least 16; --plugin-threads sets
the first). The machine may be shared: compare ratios within one run, not seconds across runs. Progress goes to
stderr, the Markdown table to stdout.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "testing" / "harness"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_client import local_server  # noqa: E402
from bench_fleet import Measured, Server, fmt, log, provider_client, timed  # noqa: E402
from fleet_program import FLEET_PROGRAM, NATIVE_FLEET_PROGRAM  # noqa: E402
from pulumi_stack import PULUMI, PulumiStack, pulumi_available, write_program  # noqa: E402

OPERATIONS: Final = ("up from empty", "no-op preview", "refresh", "destroy")
KINDS: Final = ("dynamic", "native")
TARGET: Final = 4.0  # issue 10: the native plugin's throughput at least 4x the dynamic resources'

PROGRAMS: Final = {"dynamic": FLEET_PROGRAM, "native": NATIVE_FLEET_PROGRAM}


@dataclass
class Fleet:
    kind: str
    round: int
    latency_ms: int
    operations: dict[str, Measured] = field(default_factory=dict)


def run_fleet(server: Server, fleet: Fleet, tenants: int, parallel: int, work: Path, env: dict[str, str]) -> None:
    label = f"{fleet.kind} fleet, round {fleet.round + 1}, {fleet.latency_ms} ms"
    _, token = server.org(f"{fleet.kind} {fleet.round} {fleet.latency_ms}")
    directory = work / f"{fleet.kind}-{fleet.round}-{fleet.latency_ms}"
    server.latency(fleet.latency_ms)
    program = write_program(directory / "program", PROGRAMS[fleet.kind].format(tenants=tenants), project="fleet")
    stack = PulumiStack(program, directory / "stack", api_url=server.url, token=token, env=env)
    steps: dict[str, Callable[[], Any]] = {
        "up from empty": lambda: stack.up(parallel=parallel),
        "no-op preview": lambda: stack.preview(parallel=parallel, expect_no_changes=True),
        "refresh": lambda: stack.refresh(parallel=parallel, expect_no_changes=True),
        "destroy": lambda: stack.destroy(parallel=parallel),
    }
    client = provider_client(server.url, token)
    for name, step in steps.items():
        log(f"{label}: {name}")
        fleet.operations[name] = measured = timed(step, server)
        held = len(client.list_projects())
        expected = 0 if name == "destroy" else tenants
        if held != expected:  # a fleet that did not do the work must not look fast
            measured.note = f"{held} projects in Depot, not {expected}"
            measured.seconds = None


def median_seconds(fleets: list[Fleet], kind: str, operation: str) -> float | None:
    """The kind's median wall time for the operation over ``fleets`` (one latency's fleets)."""
    runs = [f.operations[operation].seconds for f in fleets if f.kind == kind and operation in f.operations]
    return statistics.median(runs) if runs and None not in runs else None  # type: ignore[type-var]


def calls_per_tenant(fleets: list[Fleet], kind: str, operation: str, tenants: int) -> float | None:
    totals = [f.operations[operation].total for f in fleets if f.kind == kind and operation in f.operations]
    return statistics.median(totals) / tenants if totals else None


def notes(fleets: list[Fleet], kind: str, operation: str) -> str:
    found = {f.operations[operation].note for f in fleets if f.kind == kind and operation in f.operations}
    return "; ".join(sorted(note for note in found if note))


def table(fleets: list[Fleet], tenants: int) -> dict[str, float | None]:
    """Prints the table; returns the native/dynamic throughput ratio per operation."""
    print(
        "| operation | dynamic wall s | native wall s | dynamic API calls / tenant | native API calls / tenant "
        "| dynamic tenants/s | native tenants/s | native / dynamic throughput |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    ratios: dict[str, float | None] = {}
    for operation in OPERATIONS:
        wall = {kind: median_seconds(fleets, kind, operation) for kind in KINDS}
        calls = {kind: calls_per_tenant(fleets, kind, operation, tenants) for kind in KINDS}
        rate = {kind: tenants / s if s else None for kind, s in wall.items()}
        dynamic_rate, native_rate = rate["dynamic"], rate["native"]
        ratios[operation] = native_rate / dynamic_rate if native_rate and dynamic_rate else None
        shown = {
            kind: fmt(wall[kind], 1)
            + (f" ({notes(fleets, kind, operation)})" if notes(fleets, kind, operation) else "")
            for kind in KINDS
        }
        print(
            f"| {operation} | {shown['dynamic']} | {shown['native']} | {fmt(calls['dynamic'], 3)} "
            f"| {fmt(calls['native'], 3)} | {fmt(dynamic_rate, 1)} | {fmt(native_rate, 1)} "
            f"| {fmt(ratios[operation], 2)} |"
        )
    return ratios


def latency_table(measured: list[Fleet], baseline: list[Fleet], latency_ms: int) -> None:
    """What the added latency cost each kind, per operation, and the ratio (dynamic / native)."""
    print(
        f"\n| operation | dynamic: 0 ms wall s | native: 0 ms wall s | dynamic: added by {latency_ms} ms, s "
        f"| native: added by {latency_ms} ms, s | dynamic / native, added time |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for operation in OPERATIONS:
        zero = {kind: median_seconds(baseline, kind, operation) for kind in KINDS}
        slow = {kind: median_seconds(measured, kind, operation) for kind in KINDS}
        added = {
            kind: slow[kind] - zero[kind] if slow[kind] is not None and zero[kind] is not None else None
            for kind in KINDS
        }
        dynamic, native = added["dynamic"], added["native"]
        # An added time at or below 0 is the machine's noise, not a cost: no ratio is made from it.
        ratio = dynamic / native if dynamic is not None and native is not None and min(dynamic, native) > 0 else None
        print(
            f"| {operation} | {fmt(zero['dynamic'], 1)} | {fmt(zero['native'], 1)} | {fmt(dynamic, 1)} "
            f"| {fmt(native, 1)} | {fmt(ratio, 2)} |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=200, help="tenants per fleet")
    parser.add_argument("--parallel", type=int, default=32, help="pulumi --parallel")
    parser.add_argument("--latency-ms", type=int, default=20, help="latency depot-local adds to every call")
    parser.add_argument("--repeats", type=int, default=1, help="rounds of both fleets, alternating (medians)")
    parser.add_argument("--plugin-threads", type=int, help="PULUMI_DEPOT_PROVIDER_THREADS for the native plugin")
    parser.add_argument("--quick", action="store_true", help="small: 20 tenants, --parallel 16")
    parser.add_argument("--baseline", action="store_true", help="also run every fleet with no added latency")
    args = parser.parse_args()
    if args.quick:
        args.tenants, args.parallel = 20, 16
    if min(args.tenants, args.parallel, args.repeats) < 1 or args.latency_ms < 0:
        parser.error("--tenants, --parallel and --repeats must be positive, --latency-ms not negative")
    missing = pulumi_available()
    if missing:
        raise SystemExit(missing)
    env = {} if args.plugin_threads is None else {"PULUMI_DEPOT_PROVIDER_THREADS": str(args.plugin_threads)}

    started = time.perf_counter()
    command = " ".join(["python", "benchmarks/bench_native.py", *sys.argv[1:]])
    fleets: list[Fleet] = []
    with (
        local_server("depot_org_" + secrets.token_hex(16)) as url,
        tempfile.TemporaryDirectory(prefix="bench-native-") as work,
    ):
        server = Server(url)
        log(f"depot-local at {url}; {PULUMI}")
        load = os.getloadavg()
        latencies = (args.latency_ms, 0) if args.baseline and args.latency_ms else (args.latency_ms,)
        for round_ in range(args.repeats):
            for kind in KINDS if round_ % 2 == 0 else reversed(KINDS):
                for latency_ms in latencies:
                    fleet = Fleet(kind, round_, latency_ms)
                    run_fleet(server, fleet, args.tenants, args.parallel, Path(work), env)
                    fleets.append(fleet)
    minutes = (time.perf_counter() - started) / 60
    print(
        f"`{command}`: {args.tenants} tenants, --parallel {args.parallel}, {args.latency_ms} ms per call, "
        f"{args.repeats} round(s); {minutes:.1f} min on {os.cpu_count()} CPUs, load average {load[0]:.2f} at the "
        f"start and {os.getloadavg()[0]:.2f} at the end\n"
    )
    measured = [fleet for fleet in fleets if fleet.latency_ms == args.latency_ms]
    ratios = table(measured, args.tenants)
    met = all(value is not None and value >= TARGET for value in ratios.values())
    print(f"\nnative >= {TARGET:g}x dynamic: {'yes' if met else 'no'}", end="")
    print(
        ""
        if met
        else " ("
        + ", ".join(f"{op} {fmt(value, 2)}x" for op, value in ratios.items() if value is None or value < TARGET)
        + ")"
    )
    if len(latencies) > 1:
        latency_table(measured, [fleet for fleet in fleets if fleet.latency_ms == 0], args.latency_ms)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
