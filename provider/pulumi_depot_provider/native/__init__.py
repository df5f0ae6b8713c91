"""pulumi-resource-depot: Depot's resources as a native Pulumi provider plugin (package `depot`).

The same resource code as the dynamic resources (pulumi_depot_provider.resources), served over the engine's
provider protocol by `pulumi.provider.experimental`: resources depot:index:Project, TrustPolicy, ProjectToken and
TrustPolicySet, detailed diffs, `pulumi import`, explicit providers, and Depot calls on a thread pool sized for the
engine's --parallel. The engine finds the plugin as the executable `pulumi-resource-depot` on PATH.
"""
