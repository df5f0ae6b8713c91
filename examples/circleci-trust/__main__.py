"""A Depot project that one CircleCI project may build in.

CircleCI identifies organizations and projects by UUID (Organization Settings > Overview, Project Settings >
Overview):

    pulumi config set organizationUuid 1c7d8d3e-...
    pulumi config set projectUuid 5f2a0b9c-...
"""

import pulumi
import pulumi_depot as depot

config = pulumi.Config()
# Read before anything is declared, so a missing UUID fails the update before it creates the project.
organization_uuid = config.require("organizationUuid")
project_uuid = config.require("projectUuid")

project = depot.Project(
    "app",
    name=config.get("projectName", "circleci-builds"),
    region=config.get("region", "us-east-1"),
    cache_policy=depot.CachePolicyArgs(keep_gb=config.get_int("keepGb", 50)),
)

circleci = depot.TrustPolicy(
    "circleci",
    project_id=project.id,
    circleci=depot.CircleCITrustArgs(
        organization_uuid=organization_uuid,
        project_uuid=project_uuid,
    ),
)

pulumi.export("projectId", project.id)
pulumi.export("trustPolicyId", circleci.id)
