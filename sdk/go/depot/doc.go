// Depot (depot.dev) for Pulumi: projects, trust policies (one by one or as an authoritative set) and project tokens, served by the native provider plugin pulumi-resource-depot; the same resources are the dynamic SDK pulumi_depot's.
package depot
