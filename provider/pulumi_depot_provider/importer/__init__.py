"""Import a whole Depot organization as code: the engine of `pulumi-depot import`.

- `read_organization(client, progress)` -> `OrganizationSnapshot`: every project with its trust policies and
  token metadata (ids and descriptions; Depot never returns a token's secret again).
- `render_main(snapshot, api_url)` / `render_project_files(snapshot, api_url, project_name)`: a Pulumi Python
  program declaring everything with `import_id`s and the live settings (ruff-clean, deterministic).
- `render_tenants(snapshot)`: the same organization as a tenants file for the fleet.
- `assign_names(snapshot)`: the stable logical names / tenant ids / variables both formats use.
- `run_import(ImportOptions(...))`: the console command's behaviour (raises `ImportFailure` with one line).
"""

from pulumi_depot_provider.importer.command import ImportFailure, ImportOptions, run_import
from pulumi_depot_provider.importer.names import ProjectNames, assign_names
from pulumi_depot_provider.importer.program import render_main, render_project_files
from pulumi_depot_provider.importer.snapshot import (
    OrganizationSnapshot,
    ProjectSnapshot,
    TokenSnapshot,
    TrustPolicySnapshot,
    read_organization,
)
from pulumi_depot_provider.importer.tenants import render_tenants

__all__ = [
    "ImportFailure",
    "ImportOptions",
    "OrganizationSnapshot",
    "ProjectNames",
    "ProjectSnapshot",
    "TokenSnapshot",
    "TrustPolicySnapshot",
    "assign_names",
    "read_organization",
    "render_main",
    "render_project_files",
    "render_tenants",
    "run_import",
]
