"""Adopt an existing Depot project: the first `pulumi up` takes it over by id instead of creating a new one.

    depot projects list                        # find the project's id, name and region
    pulumi config set projectId 7f76t7vghb
    pulumi config set projectName my-app       # the name it has (a different one renames it)
    pulumi config set region us-east-1         # optional, default us-east-1
    pulumi config set keepGb 100               # optional: manage the cache size too

Declared settings that differ from Depot's are applied on adoption and listed in the `importChanges` output.
`retain_on_delete` makes `pulumi destroy` (or deleting this code) forget the project rather than delete it, so
handing it back leaves it as Pulumi found it.
"""

import pulumi
import pulumi_depot as depot

config = pulumi.Config()
keep_gb = config.get_int("keepGb")
keep_days = config.get_int("keepDays")

project = depot.Project(
    "app",
    import_id=config.require("projectId"),
    name=config.require("projectName"),
    region=config.get("region", "us-east-1"),
    cache_policy=depot.CachePolicyArgs(keep_gb=keep_gb, keep_days=keep_days)
    if keep_gb is not None or keep_days is not None
    else None,
    opts=pulumi.ResourceOptions(retain_on_delete=True),
)

pulumi.export("projectId", project.id)
pulumi.export("importChanges", project.import_changes)
