"""The tenant fleet the convergence test and the benchmarks deploy: per tenant a project, a project token and one
GitHub trust policy, in a plain program (`FLEET_PROGRAM.format(tenants=N)`); NATIVE_FLEET_PROGRAM is the same
program on the native plugin's generated SDK."""

from __future__ import annotations

from typing import Final

FLEET_PROGRAM: Final = """
import pulumi_depot as depot

for number in range({tenants}):
    name = f"tenant-{{number:04d}}"
    project = depot.Project(name, name=name, region="us-east-1")
    depot.ProjectToken(f"{{name}}-ci", project_id=project.id, description="CI builds")
    depot.TrustPolicy(f"{{name}}-gh", project_id=project.id,
                      github=depot.GitHubTrustArgs(repository_owner="acme", repository=name))
"""

NATIVE_FLEET_PROGRAM: Final = FLEET_PROGRAM.replace(
    "import pulumi_depot as depot", "import pulumi_depot_native as depot"
)
