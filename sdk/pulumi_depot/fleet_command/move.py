"""`pulumi-depot fleet move TENANT --to SHARD`: a tenant's resources to another shard's stack, same Depot objects.

`pulumi state move` takes the tenant's TenantProject and its children (project, trust set, token, sinks) from the
source stack's state to the destination's, with their ids and outputs (secrets re-encrypted), and the default
provider they use; no Depot call is made. Then the shard file records the new shard, so that the destination's
program declares the tenant and the source's no longer does: a preview of either shows no change.
"""

from __future__ import annotations

import argparse
import json

from pulumi import automation as auto

from pulumi_depot.fleet import tenant_logical_name
from pulumi_depot.fleet_command.report import TENANT_TYPE, printable, urn_name
from pulumi_depot.fleet_command.stacks import FleetError, open_stack
from pulumi_depot.fleet_shards import load_lock, lock_path, shard_name_problem, write_lock
from pulumi_depot.tenants_file import load_tenants_file


def move(args: argparse.Namespace) -> int:
    from pulumi_depot.fleet_command.command import target_of, tenants_path

    tenant, destination = args.tenant, args.to
    if not tenant or not destination:
        raise FleetError("usage: pulumi-depot fleet move TENANT --to SHARD")
    if problem := shard_name_problem(destination):
        raise FleetError(f"--to: {problem}")
    path = tenants_path(args)
    fleet = load_tenants_file(path)
    lock_file = lock_path(path)
    lock = load_lock(lock_file)
    spec = next((t for t in fleet.tenants if t.id == tenant), None)
    source = lock.tenants.get(tenant)
    if spec is None:
        raise FleetError(f"{path} has no tenant {tenant!r}")
    if source is None:
        raise FleetError(f"tenant {tenant!r} has no recorded shard in {lock_file.name}: it is not deployed yet")
    if source == destination:
        print(f"tenant {tenant!r} is already in shard {destination!r}: nothing to move")
        return 0
    if spec.shard is not None and spec.shard != destination:
        raise FleetError(
            f"tenant {tenant!r} has shard: {spec.shard!r} in {path.name}; set it to {destination!r} (or remove it), "
            "then run the move"
        )
    target = target_of(args)
    existing = target.existing_stacks()
    if not target.exists(source, existing):
        raise FleetError(f"shard {source!r} has no stack {target.stack_name(source)!r}; nothing to move")
    open_stack(target, destination, existing, create=True)
    source_stack = target.stack_name(source)
    exported = json.loads(target.run_cli("stack", "export", "--stack", source_stack).stdout or "{}")
    name = tenant_logical_name(tenant)
    urns = [
        r["urn"]
        for r in (exported.get("deployment") or {}).get("resources") or []
        if r.get("type") == TENANT_TYPE and urn_name(r["urn"]) == name
    ]
    if not urns:
        raise FleetError(f"stack {source_stack!r} holds no {TENANT_TYPE} {name!r}: tenant {tenant!r} is not deployed")
    try:
        result = target.run_cli(
            "state", "move", "--source", source_stack, "--dest", target.stack_name(destination), "--yes", *urns
        )
    except auto.CommandError as error:
        raise FleetError(f"pulumi state move failed; nothing was moved: {printable(str(error), 800)}") from None
    moved = [line.strip()[2:] for line in result.stdout.splitlines() if line.strip().startswith("- urn:")]
    after = lock.model_copy(update={"tenants": {**lock.tenants, tenant: destination}})
    write_lock(lock_file, after, path.name)
    check = [shard for shard in (source, destination) if shard in after.tenants.values()]
    print(
        f"moved tenant {tenant!r} from shard {source!r} to {destination!r}: {len(moved)} resource(s), same Depot ids; "
        f"{lock_file.name} records it (commit it). Check: pulumi-depot fleet preview --only {','.join(check)}"
    )
    if source not in after.tenants.values():
        print(f"shard {source!r} holds no tenant now; its stack {source_stack!r} stays until you remove it")
    return 0
