"""A Depot project that one Buildkite pipeline may build in, on builders of the size given in stack config.

pulumi config set organizationSlug acme
pulumi config set pipelineSlug deploy
pulumi config set hardware HARDWARE_8X16     # optional; Depot's names, HARDWARE_4X4 ... HARDWARE_192X384
"""

import pulumi
import pulumi_depot as depot

config = pulumi.Config()
organization_slug = config.require("organizationSlug")
pipeline_slug = config.require("pipelineSlug")

project = depot.Project(
    "app",
    name=config.get("projectName", "buildkite-builds"),
    region=config.get("region", "us-east-1"),
    hardware=config.get("hardware", "HARDWARE_8X16"),
)

pipeline = depot.TrustPolicy(
    "buildkite",
    project_id=project.id,
    buildkite=depot.BuildkiteTrustArgs(organization_slug=organization_slug, pipeline_slug=pipeline_slug),
)

pulumi.export("projectId", project.id)
pulumi.export("trustPolicyId", pipeline.id)
pulumi.export("trustedPipeline", f"{organization_slug}/{pipeline_slug}")
