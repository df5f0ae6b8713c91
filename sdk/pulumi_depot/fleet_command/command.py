"""`pulumi-depot fleet`: a tenants file deployed as many stacks (shards) with the Automation API."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from pulumi_depot.fleet_command.progress import progress_for
from pulumi_depot.fleet_command.report import Allowlist, FleetReport, ShardOutcome, printable
from pulumi_depot.fleet_command.stacks import (
    OPERATIONS,
    FleetError,
    Target,
    open_stack,
    run_all,
)
from pulumi_depot.fleet_shards import (
    DEFAULT_SHARD_SIZE,
    ShardPlan,
    assign,
    lock_path,
    prune,
    read_lock,
    write_lock,
)
from pulumi_depot.fleet_views import VIEW_ENV, write_view
from pulumi_depot.tenants_file import (
    TenantsDocument,
    TenantsFile,
    TenantsFileError,
    parse_tenants,
    read_tenants_document,
)

DESCRIPTION = """\
Deploy a tenants file as many stacks of one Pulumi project: each shard of tenants is the stack <prefix><shard> on
the backend you are logged in to (PULUMI_BACKEND_URL or `pulumi login`), and the project's program
(depot.tenant_fleet_from_file) deploys only its shard's tenants, told by the stack config pulumi-depot:fleet that
this command sets (the same in every shard: the shard is the stack's name less the prefix).

A tenant's shard is its `shard:` key, or the one recorded in <tenants stem>.shards.yaml beside the tenants file
(commit it). preview and up record a shard for each new tenant (filling shards up to --shard-size); nothing moves
a recorded tenant except `fleet move`. --locked (CI) refuses to record anything.

  preview / up / refresh / destroy   the operation on every shard (or --shard k/K, --only), --jobs at a time;
                                     a failing shard does not stop the others: the summary and exit status 1
                                     name it, and --only reruns it
  status                             each shard's stack, its tenants, and what is deployed where
  move TENANT --to SHARD             move a tenant's resources to another shard's stack (pulumi state move):
                                     the same Depot objects, the same ids
"""


def add_parser(commands: Any) -> None:
    """Register `fleet` on the `pulumi-depot` parser's subcommands."""
    parser = commands.add_parser(
        "fleet",
        help="deploy a tenants file as many stacks (shards), in parallel, with one review summary",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("operation", choices=[*OPERATIONS, "status", "move"])
    parser.add_argument("tenant", nargs="?", help="move: the tenant to move")
    parser.add_argument("--to", metavar="SHARD", help="move: the shard to move the tenant to")
    parser.add_argument("-C", "--project", default=".", metavar="DIR", help="the Pulumi project (default: .)")
    parser.add_argument(
        "-t", "--tenants", metavar="FILE", help="the tenants file the program reads (default: DIR/tenants.yaml)"
    )
    parser.add_argument("--stack-prefix", default="", metavar="P", help="shard S is the stack P+S (default: S)")
    parser.add_argument("-j", "--jobs", type=_positive, default=1, metavar="J", help="stacks at once (default 1)")
    parser.add_argument("-p", "--parallel", type=_positive, metavar="N", help="each stack's --parallel")
    parser.add_argument("--shard", type=_slice, metavar="k/K", help="only the k-th of K slices of the shards (CI)")
    parser.add_argument("--only", metavar="SHARD,...", help="only these shards (e.g. the failed ones)")
    parser.add_argument(
        "--shard-size",
        type=_positive,
        default=DEFAULT_SHARD_SIZE,
        metavar="N",
        help=f"new tenants fill shards up to N tenants (default {DEFAULT_SHARD_SIZE})",
    )
    parser.add_argument("--locked", action="store_true", help="fail if a tenant has no recorded shard (CI)")
    parser.add_argument("--copy-config-from", metavar="STACK", help="config for new shard stacks (stack init)")
    parser.add_argument("--secrets-provider", metavar="URL", help="secrets provider for new shard stacks")
    parser.add_argument("--json", metavar="FILE", help="write the report as JSON (- for stdout)")
    parser.add_argument("-y", "--yes", action="store_true", help="destroy: really destroy every selected shard")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return value


def _slice(text: str) -> tuple[int, int]:
    k, _, total = text.partition("/")
    if not (k.isdigit() and total.isdigit() and 1 <= int(k) <= int(total)):
        raise argparse.ArgumentTypeError(f"{text!r} is not k/K with 1 <= k <= K (e.g. 2/4)")
    return int(k), int(total)


def run(args: argparse.Namespace) -> int:
    try:
        if args.operation == "move":
            from pulumi_depot.fleet_command.move import move

            return move(args)
        if args.operation == "status":
            from pulumi_depot.fleet_command.status import status

            return status(args)
        return operate(args)
    except (FleetError, TenantsFileError) as error:
        print(f"pulumi-depot fleet {args.operation}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"pulumi-depot fleet {args.operation}: interrupted", file=sys.stderr)
        return 130


def tenants_path(args: argparse.Namespace) -> Path:
    return Path(args.tenants) if args.tenants else Path(args.project) / "tenants.yaml"


def target_of(args: argparse.Namespace) -> Target:
    project = Path(args.project)
    if not (project / "Pulumi.yaml").exists() and not (project / "Pulumi.yml").exists():
        raise FleetError(f"{project} has no Pulumi.yaml: give the project directory with --project")
    try:
        command = auto.PulumiCommand()
    except Exception as error:
        raise FleetError(f"cannot run the pulumi CLI ({printable(str(error), 300)}); put pulumi on PATH") from None
    return Target(
        project_dir=project.resolve(),
        stack_prefix=args.stack_prefix,
        copy_config_from=args.copy_config_from,
        secrets_provider=args.secrets_provider,
        command=command,
    )


@dataclass(frozen=True)
class FleetPlan:
    """The tenants file, read and validated once, and the shard of each of its tenants."""

    path: Path
    document: TenantsDocument
    fleet: TenantsFile
    shards: ShardPlan
    lock_sha256: str | None
    """The SHA-256 of the shard file the plan started from (None: there was none)."""


def plan_of(args: argparse.Namespace) -> FleetPlan:
    path = tenants_path(args)
    document = read_tenants_document(path)
    fleet = parse_tenants(document.data, str(path))
    recorded, lock_sha256 = read_lock(lock_path(path))
    plan = assign(fleet, recorded, args.shard_size, str(path))
    if plan.assigned and args.locked:
        raise FleetError(
            f"--locked: {len(plan.assigned)} tenant(s) have no recorded shard ({', '.join(sorted(plan.assigned))}); "
            f"run `pulumi-depot fleet preview` without --locked and commit {lock_path(path).name}"
        )
    return FleetPlan(path, document, fleet, plan, lock_sha256)


def selected_shards(args: argparse.Namespace, plan: ShardPlan) -> list[str]:
    shards = plan.shards()
    if args.only:
        wanted = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = [name for name in wanted if name not in shards]
        if unknown:
            raise FleetError(f"--only: no shard named {', '.join(unknown)}; the shards are {', '.join(shards)}")
        shards = [name for name in shards if name in wanted]
    if args.shard:
        k, total = args.shard
        shards = [name for index, name in enumerate(plan.shards()) if index % total == k - 1 and name in shards]
    return shards


def operate(args: argparse.Namespace) -> int:
    if args.operation == "destroy" and not args.yes:
        raise FleetError("destroy deletes every tenant of the selected shards from Depot: add --yes to go on")
    started = time.monotonic()
    fleet_plan = plan_of(args)
    path, fleet, plan = fleet_plan.path, fleet_plan.fleet, fleet_plan.shards
    target = target_of(args)
    lock, lock_file = plan.lock, lock_path(path)
    runs_program = args.operation in ("preview", "up")  # refresh and destroy work from the state alone
    lock_sha256 = fleet_plan.lock_sha256
    if plan.assigned and runs_program:
        lock_sha256 = write_lock(lock_file, lock, path.name)  # the programs read it
    existing = target.existing_stacks()
    outcomes = [
        ShardOutcome(shard, target.stack_name(shard), plan.tenants_of(shard)) for shard in selected_shards(args, plan)
    ]
    with tempfile.TemporaryDirectory(prefix="pulumi-depot-fleet-") as views:
        view_of = {}
        for outcome in outcomes if runs_program else []:
            view = write_view(Path(views), path, fleet_plan.document, lock_sha256, outcome.shard, outcome.tenants)
            view_of[outcome.shard] = {VIEW_ENV: str(view)} if view else {}

        def prepare(outcome: ShardOutcome) -> auto.Stack | None:
            env = view_of.get(outcome.shard)
            stack, allowed = open_stack(target, outcome.shard, existing, create=runs_program, env=env)
            outcome.allowlist = Allowlist(allowed)
            return stack

        with progress_for(args.operation, len(outcomes), quiet=args.quiet) as progress:
            run_all(outcomes, args.operation, prepare, jobs=args.jobs, parallel=args.parallel, progress=progress)
    if args.operation == "up":
        declared = [tenant.id for tenant in fleet.tenants]
        for outcome in outcomes:
            if outcome.status == "succeeded":
                lock = prune(lock, outcome.shard, declared)
        if lock != plan.lock and not args.locked:  # --locked writes nothing; a stale record moves no one
            write_lock(lock_file, lock, path.name)
    report = FleetReport(args.operation, outcomes, time.monotonic() - started, plan.assigned)
    print(report.text())
    write_json(args.json, report.as_json())
    return 1 if report.failed else 0


def write_json(destination: str | None, document: dict[str, Any]) -> None:
    if not destination:
        return
    text = json.dumps(document, indent=2, sort_keys=False) + "\n"
    if destination == "-":
        sys.stdout.write(text)
    else:
        Path(destination).write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """`pulumi-depot fleet ...` on its own (the console command registers add_parser)."""
    parser = argparse.ArgumentParser(prog="pulumi-depot")
    add_parser(parser.add_subparsers(dest="command"))
    return run(parser.parse_args(["fleet", *(argv or sys.argv[1:])]))
