"""`pulumi-depot fleet status`: each shard's stack, the tenants recorded for it and those its state holds."""

from __future__ import annotations

import argparse
import json
from typing import Any

from pulumi import automation as auto

from pulumi_depot.fleet_command.report import TENANT_PREFIX, TENANT_TYPE, urn_name
from pulumi_depot.fleet_command.stacks import Target
from pulumi_depot.fleet_shards import assign, load_lock, lock_path
from pulumi_depot.tenants_file import load_tenants_file


def deployed_tenants(target: Target, stack: str) -> list[str]:
    """The tenants whose TenantProject the stack's state holds (`pulumi stack export`, secrets left encrypted)."""
    exported = json.loads(target.run_cli("stack", "export", "--stack", stack).stdout or "{}")
    resources = (exported.get("deployment") or {}).get("resources") or []
    names = [urn_name(r["urn"]) for r in resources if r.get("type") == TENANT_TYPE]
    return sorted(name.removeprefix(TENANT_PREFIX) for name in names if name.startswith(TENANT_PREFIX))


def status(args: argparse.Namespace) -> int:
    from pulumi_depot.fleet_command.command import selected_shards, target_of, tenants_path, write_json

    path = tenants_path(args)
    fleet = load_tenants_file(path)
    plan = assign(fleet, load_lock(lock_path(path)), args.shard_size, str(path))
    target = target_of(args)
    listing = {
        entry["name"].rsplit("/", 1)[-1]: entry
        for entry in json.loads(target.run_cli("stack", "ls", "--json").stdout or "[]")
    }
    shards: list[dict[str, Any]] = []
    for shard in selected_shards(args, plan):
        name = target.stack_name(shard)
        recorded = [tenant for tenant in plan.tenants_of(shard) if tenant not in plan.assigned]
        entry: dict[str, Any] = {"shard": shard, "stack": name, "exists": name in listing, "tenants": recorded}
        if name in listing:
            try:
                deployed = deployed_tenants(target, name)
            except auto.CommandError:
                deployed = []
            entry.update(
                deployed=deployed,
                not_deployed=sorted(set(recorded) - set(deployed)),
                removed_from_file=sorted(t for t in deployed if t in plan.removed),
                last_update=listing[name].get("lastUpdate"),
                update_in_progress=bool(listing[name].get("updateInProgress")),
            )
        shards.append(entry)
    for entry in shards:
        line = f"{entry['shard']:<12} stack {entry['stack']:<20} {len(entry['tenants'])} tenant(s)"
        if not entry["exists"]:
            line += ", no stack yet (the next up creates it)"
        else:
            line += f", {len(entry['deployed'])} deployed, last update {entry['last_update'] or 'never'}"
            line += ", UPDATE IN PROGRESS (locked)" if entry["update_in_progress"] else ""
            if entry["not_deployed"]:
                line += f"; not deployed yet: {', '.join(entry['not_deployed'])}"
            if entry["removed_from_file"]:
                line += f"; removed from the file, deleted by its next up: {', '.join(entry['removed_from_file'])}"
        print(line)
    if plan.assigned:
        print(f"tenants with no shard yet (the next preview or up records them): {', '.join(sorted(plan.assigned))}")
    write_json(args.json, {"shards": shards, "unassigned": sorted(plan.assigned)})
    return 0
