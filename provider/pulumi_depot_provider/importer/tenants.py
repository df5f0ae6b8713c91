"""The generated tenants file (the fleet's format, /work/notes/ISSUE4-SHARED.md): one tenant per project.

Each tenant adopts its project (import_id) and states its live region, cache policy, hardware (when Depot has one
set), trust policies and token, so a fleet reading the file changes nothing in Depot. The format holds one token
per tenant and tenant ids are restricted; where a project does not fit, a comment above its tenant says what was
decided. Comments are why this is assembled line by line: YAML libraries do not write them.
"""

from __future__ import annotations

from typing import Any

import yaml

from pulumi_depot_provider.importer.names import ProjectNames, assign_names
from pulumi_depot_provider.importer.program import KNOWN_HARDWARE, KNOWN_REGIONS
from pulumi_depot_provider.importer.pycode import comment, shown_id, string
from pulumi_depot_provider.importer.snapshot import (
    OrganizationSnapshot,
    ProjectSnapshot,
    TokenSnapshot,
    TrustPolicySnapshot,
)

HEADER = (
    "Tenants file written by `pulumi-depot import --format tenants`: one tenant per Depot project. Every tenant "
    "adopts its existing project (import_id) with the region, cache policy, hardware and trust policies Depot has, "
    "and its token (token.import_id), so the first `pulumi up` of a fleet reading this file changes nothing in "
    "Depot. Tenant ids come from the project names (lowercase letters, digits and '-', at most 40 characters, made "
    "unique in order of creation); where a project's name is not its tenant id, `name` keeps the Depot name."
)
TOKEN_NOTE = (
    "Tokens: Depot shows a token's secret only when it is created, so an existing token's secret cannot be read "
    "back; the tokens here are adopted for lifecycle management only and have no secret, so a fleet's token_secrets "
    "and export() refuse to forward them (export the fleet's project_ids alone). To get a token whose secret Pulumi "
    "keeps, remove its token.import_id after the first `pulumi up`, then set token.rotation_trigger: that replaces "
    "it with a new token."
)
PROTECT_NOTE = "Consider `protect: true` so that removing a tenant from this file cannot delete its project."


def _tenant(project: ProjectSnapshot, names: ProjectNames) -> dict[str, Any]:
    tenant: dict[str, Any] = {"id": names.key}
    if names.key != project.name:
        tenant["name"] = project.name
    tenant["import_id"] = project.id
    tenant.update((key, value) for key, value in project.declared().items() if key != "name")
    # Depot may hold one policy twice; a tenant's trust is a set (TrustPolicySet keys policies by value).
    entries = {(p.kind, p.first, p.second): {p.kind: p.fields()} for p in project.trust_policies}
    tenant["trust_policies"] = list(entries.values())
    if project.tokens:
        token = project.tokens[0]
        description = token.description if token.description.strip() else f"token {token.id}"
        tenant["token"] = {"description": description, "import_id": token.id}
    else:
        tenant["token"] = False
    return tenant


def _shown(project: ProjectSnapshot) -> str:
    return f"Project {string(project.name)} ({shown_id(project.id)})"


def unaccepted(project: ProjectSnapshot) -> str | None:
    """Why a tenant cannot hold the project as Depot has it (a character pulumi-depot's inputs refuse, in its name,
    a trust policy or the adopted token), or None."""
    held: list[ProjectSnapshot | TrustPolicySnapshot | TokenSnapshot] = [
        project,
        *project.trust_policies,
        *project.tokens[:1],
    ]
    return next((reason for item in held if (reason := item.unaccepted())), None)


def _notes(project: ProjectSnapshot, names: ProjectNames) -> list[str]:
    shown = _shown(project)
    notes = []
    kinds = [(p.kind, p.first, p.second) for p in project.trust_policies]
    if len(set(kinds)) < len(kinds):
        notes.append(
            f"{shown}: Depot holds some trust policies twice; each is listed once, so the fleet keeps one of each "
            "and removes the copies."
        )
    if names.shared_name:
        notes.append(
            f"{shown}: {names.shared_name + 1} projects have this name; tenant ids get a numeric suffix, the oldest "
            "project first, and `name` keeps the Depot name."
        )
    elif names.key != project.name:
        notes.append(f"{shown}: the name is not a valid tenant id; `name` keeps it.")
    if len(project.tokens) > 1:
        others = ", ".join(f"{shown_id(token.id)} ({string(token.description)})" for token in project.tokens[1:])
        notes.append(
            f"{shown} has {len(project.tokens)} tokens and a tenant holds one: the first by description then id is "
            f"adopted; left unmanaged (and untouched) in Depot: {others}."
        )
    if project.tokens and not project.tokens[0].description.strip():
        notes.append(f"{shown}: the token has no description and one is required; adopting it sets one.")
    if project.hardware not in KNOWN_HARDWARE:
        notes.append(f"{shown}: hardware {project.hardware} is unknown to this version; left out (Depot keeps it).")
    if project.region not in KNOWN_REGIONS:
        notes.append(f"{shown}: region {string(project.region)} is unknown to this version and will be rejected.")
    if project.unreadable_policies:
        unreadable = ", ".join(map(shown_id, project.unreadable_policies))
        notes.append(f"{shown}: left out trust policies without a provider: {unreadable}.")
    return notes


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=False, default_flow_style=None, width=2**31 - 1)


def render_tenants(organization: OrganizationSnapshot) -> str:
    """The tenants file, YAML with comments, deterministic for a given snapshot."""
    _, _, tokens = organization.counts()
    lines = comment(HEADER)
    if tokens:
        lines += comment(TOKEN_NOTE)
    lines += comment(PROTECT_NOTE)
    body: list[str] = []
    for project, names in zip(organization.projects, assign_names(organization), strict=True):
        if reason := unaccepted(project):
            body += comment(
                f"Left out: project {shown_id(project.id)}: {reason}, which pulumi-depot does not accept. Change it "
                "in Depot, then run `pulumi-depot import` again.",
                indent="  ",
            )
            continue
        for note in _notes(project, names):
            body += comment(note, indent="  ")
        item = _dump([_tenant(project, names)]).rstrip("\n")
        body += ["  " + line for line in item.splitlines()]
    included = any(line.startswith("  - ") for line in body)
    lines.append("tenants:" if included else "tenants: []")
    return "\n".join(lines + body) + "\n"
